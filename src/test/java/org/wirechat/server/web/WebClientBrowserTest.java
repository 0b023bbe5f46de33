package org.wirechat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.wirechat.client.ChatClient;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.TestConnection;
import org.wirechat.server.WebSettings;

/**
 * The web client's page, in two real headless Chromiums (two browsers: each its own profile, so its own device),
 * against a real server: two browsers chat with each other, and a browser with the Java client library the terminal
 * and desktop clients use.
 */
@Timeout(180)
class WebClientBrowserTest {
    @TempDir
    static Path dir;
    private static ServerFixture server;
    private static Browser first;
    private static Browser second;
    private static String base;
    private static TestAbortedException noBrowser;

    @BeforeAll
    static void start() {
        // the two Chromiums start side by side: each start is seconds of waiting for its process
        CompletableFuture<Browser> other = CompletableFuture.supplyAsync(Browser::start);
        try {
            first = Browser.start();
            second = other.join();
            first.driver.manage().window().setSize(new Dimension(960, 600));
        } catch (TestAbortedException e) {
            noBrowser = e;
            other.thenAccept(Browser::close).exceptionally(x -> null);
            return;
        } catch (CompletionException e) {
            if (e.getCause() instanceof TestAbortedException aborted) {
                noBrowser = aborted;
                if (first != null) {
                    first.close();
                }
                return;
            }
            throw e;
        }
        server = new ServerFixture(dir, b -> b.web(new WebSettings(0, "127.0.0.1", List.of())));
        base = "http://127.0.0.1:" + server.server().webPort().orElseThrow();
    }

    @BeforeEach
    void needsTheBrowser() {
        if (noBrowser != null) {
            throw noBrowser;
        }
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {first, second, server}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the others still close
            }
        }
    }

    private static WebDriverWait waitIn(WebDriver d) {
        return new WebDriverWait(d, Duration.ofSeconds(30));
    }

    /** Opens the page fresh (no session) and registers {@code user}, who is then logged in as this browser's device. */
    private static void register(Browser b, String user) {
        WebDriver d = b.driver;
        d.get(base + "/");
        d.manage().deleteAllCookies();
        ((JavascriptExecutor) d).executeScript("sessionStorage.clear()");
        d.get(base + "/");
        waitIn(d).until(x -> x.findElement(By.id("status")).getText().startsWith("Connected"));
        d.findElement(By.id("username")).sendKeys(user);
        d.findElement(By.id("password")).sendKeys(ServerFixture.PASSWORD);
        d.findElement(By.id("full-name")).sendKeys(user + " Web");
        d.findElement(By.id("register-button")).click();
        waitIn(d).until(x -> x.findElement(By.id("me")).getText().equals("Logged in as " + user));
    }

    private static void openConversation(Browser b, String peer) {
        b.driver.findElement(By.id("open-peer")).sendKeys(peer, Keys.ENTER);
        waitIn(b.driver).until(x -> x.findElement(By.id("peer-title")).getText().equals(peer));
    }

    private static void send(Browser b, String text) {
        b.driver.findElement(By.id("body")).sendKeys(text, Keys.ENTER);
    }

    /** The mark of the open conversation's message with this body ("" for another's), or null while it is not shown. */
    private static String markOf(Browser b, String body) {
        return (String) b.driver.executeScript("""
                const li = [...document.querySelectorAll("#messages li")].find((x) => x.querySelector(".body").textContent === arguments[0]);
                return li ? (li.querySelector(".mark")?.textContent ?? "") : null;
                """, body);
    }

    /** Waits until the open conversation shows a message with this body. */
    private static void message(Browser b, String body) {
        waitIn(b.driver).until(x -> markOf(b, body) != null);
    }

    private static void awaitMark(Browser b, String body, String mark) {
        waitIn(b.driver).until(x -> mark.equals(markOf(b, body)));
    }

    /** The unread count the conversation list shows for {@code peer}: null if it is not listed, "" if none. */
    private static String unread(Browser b, String peer) {
        return (String) b.driver.executeScript("""
                const button = document.querySelector(`#conversations button[data-peer="${arguments[0]}"]`);
                return button ? (button.querySelector(".unread")?.textContent ?? "") : null;
                """, peer);
    }

    @Test
    void twoBrowsersChatWithEachOtherWithUnreadCountsAndDeliveryMarksAndAReloadKeepsTheConversations() throws Exception {
        register(first, "alice");
        register(second, "bob");
        openConversation(first, "bob");
        send(first, "hello bob, from a browser");
        // stored (✓), or already delivered (✓✓): bob's browser polls, and takes it as soon as it is stored
        waitIn(first.driver).until(x -> List.of("✓", "✓✓").contains(markOf(first, "hello bob, from a browser")));

        waitIn(second.driver).until(x -> "1".equals(unread(second, "alice")));
        second.driver.findElement(By.cssSelector("#conversations button[data-peer='alice']")).click();
        message(second, "hello bob, from a browser");
        assertThat(unread(second, "alice")).isEmpty();
        send(second, "hi alice");

        message(first, "hi alice"); // live, through the poll
        awaitMark(first, "hello bob, from a browser", "✓✓"); // bob's browser has it
        String device = (String) first.driver.executeScript("return localStorage.getItem('wirechat.device')");
        assertThat(device).startsWith("web-");

        first.driver.navigate().refresh(); // a reload keeps the device, the login and the conversation list
        waitIn(first.driver).until(x -> x.findElement(By.id("me")).getText().equals("Logged in as alice"));
        assertThat(first.driver.executeScript("return localStorage.getItem('wirechat.device')")).isEqualTo(device);
        waitIn(first.driver).until(x -> unread(first, "bob") != null);
        first.driver.findElement(By.cssSelector("#conversations button[data-peer='bob']")).click();
        message(first, "hi alice"); // from history
        awaitMark(first, "hello bob, from a browser", "✓✓");
        assertThat(first.consoleMessages()).noneMatch(m -> m.contains("SEVERE"));
        // the README's picture of the web client
        Files.copy(first.driver.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "web-client.png"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** How many messages the open conversation shows, and the first one's body. */
    private static List<?> shown(Browser b) {
        return (List<?>) b.driver.executeScript("""
                const items = [...document.querySelectorAll("#messages li .body")];
                return [items.length, items.length > 0 ? items[0].textContent : null];
                """);
    }

    @Test
    void aConversationShowsItsLatest50AndLoadOlderBringsTheRest() throws Exception {
        register(second, "frank");
        try (ChatClient erin = new ChatClient("127.0.0.1", server.server().port(), m -> { }, ChatClient.Options.DEFAULT)) {
            erin.register("erin", "Erin", ServerFixture.PASSWORD);
            erin.login("erin", ServerFixture.PASSWORD);
            for (int i = 0; i < 55; i++) {
                erin.send("frank", "older " + i);
            }
            assertThat(erin.awaitSent(Duration.ofSeconds(30))).isTrue();
        }
        waitIn(second.driver).until(x -> "55".equals(unread(second, "erin"))); // all fetched by this browser
        second.driver.navigate().refresh(); // what the page held is gone: the conversation comes from history
        waitIn(second.driver).until(x -> "55".equals(unread(second, "erin")));
        second.driver.findElement(By.cssSelector("#conversations button[data-peer='erin']")).click();
        waitIn(second.driver).until(x -> shown(second).equals(List.of(50L, "older 5")));
        WebElement older = second.driver.findElement(By.id("load-older"));
        assertThat(older.isDisplayed()).isTrue();
        older.click();
        waitIn(second.driver).until(x -> shown(second).equals(List.of(55L, "older 0")));
        assertThat(older.isDisplayed()).isFalse();
    }

    @Test
    void aMessageWrittenWhileTheServerIsAwayGoesOutOnceWhenItIsBack() throws Exception {
        String heidi;
        try (TestConnection c = server.connect()) {
            heidi = server.register(c, "heidi");
        }
        register(first, "grace");
        openConversation(first, "heidi");
        server.down();
        try {
            send(first, "written while away");
            waitIn(first.driver).until(x -> "waiting to be sent".equals(markOf(first, "written while away")));
            waitIn(first.driver).until(x -> x.findElement(By.id("status")).getText().contains("trying again in"));
        } finally {
            server.up();
        }
        waitIn(first.driver).until(x -> List.of("✓", "✓✓").contains(markOf(first, "written while away")));
        try (TestConnection c = server.connect()) {
            Response.Conversation history = (Response.Conversation) c.call(new Request.History(heidi, "grace", 0, 50));
            assertThat(history.messages()).extracting(Response.Message::body).containsExactly("written while away");
        }
    }

    @Test
    void findingSomeoneByTheirFullNameOpensTheirConversation() throws Exception {
        try (TestConnection c = server.connect()) {
            c.call(new Request.CreateAccount("ivan", "Ivan Petrovich", ServerFixture.PASSWORD));
            c.call(new Request.CreateAccount("ivy", "Ivy Green", ServerFixture.PASSWORD));
        }
        register(second, "judy");
        second.driver.findElement(By.id("find")).sendKeys("petro", Keys.ENTER);
        waitIn(second.driver).until(x -> (Long) ((JavascriptExecutor) x).executeScript(
                "return document.querySelectorAll('#found button.person').length") == 1);
        WebElement ivan = second.driver.findElement(By.cssSelector("#found button.person"));
        assertThat(ivan.getText()).isEqualTo("Ivan Petrovich (ivan)");
        ivan.click();
        waitIn(second.driver).until(x -> x.findElement(By.id("peer-title")).getText().equals("ivan"));
        second.driver.findElement(By.id("find")).clear();
        second.driver.findElement(By.id("find")).sendKeys("nobody-by-this-name", Keys.ENTER);
        waitIn(second.driver).until(x -> x.findElement(By.id("found")).getText().equals("Nobody found."));
    }

    @Test
    void aGroupMadeInOneBrowserReachesItsMemberInTheOther() {
        register(second, "lee");
        register(first, "kim");
        first.driver.findElement(By.id("group-name")).sendKeys("#webcrew", Keys.ENTER);
        waitIn(first.driver).until(x -> x.findElement(By.id("peer-title")).getText().equals("#webcrew"));
        first.driver.findElement(By.id("add-member")).sendKeys("lee", Keys.ENTER);
        waitIn(first.driver).until(x -> x.findElement(By.id("status")).getText().equals("Added lee to #webcrew."));
        send(first, "hello crew");
        waitIn(first.driver).until(x -> "✓".equals(markOf(first, "hello crew")));
        waitIn(second.driver).until(x -> "1".equals(unread(second, "#webcrew")));
        second.driver.findElement(By.cssSelector("#conversations button[data-peer='#webcrew']")).click();
        message(second, "hello crew");
        assertThat((String) second.driver.executeScript("return document.querySelector('#messages li .sender').textContent"))
                .isEqualTo("kim");
        second.driver.findElement(By.id("members-button")).click();
        waitIn(second.driver).until(x -> x.findElement(By.id("members")).getText().equals("kim (owner) · online\nlee · online"));
        second.driver.findElement(By.id("leave-button")).click();
        waitIn(second.driver).until(x -> x.findElement(By.id("status")).getText().equals("You left #webcrew."));
        assertThat(unread(second, "#webcrew")).isNull();
        first.driver.findElement(By.id("members-button")).click();
        waitIn(first.driver).until(x -> x.findElement(By.id("members")).getText().equals("kim (owner) · online"));
    }

    @Test
    void deletingTheAccountNeedsThePasswordAndThenTheNameIsFree() throws Exception {
        register(second, "mallet");
        second.driver.findElement(By.id("delete-open")).click();
        second.driver.findElement(By.id("delete-password")).sendKeys("not the password", Keys.ENTER);
        waitIn(second.driver).until(x -> x.findElement(By.id("status")).getText().startsWith("Not deleted:"));
        second.driver.findElement(By.id("delete-password")).clear();
        second.driver.findElement(By.id("delete-password")).sendKeys(ServerFixture.PASSWORD, Keys.ENTER);
        waitIn(second.driver).until(x -> x.findElement(By.id("status")).getText().equals("The account mallet was deleted."));
        assertThat(second.driver.findElement(By.id("login")).isDisplayed()).isTrue();
        try (TestConnection c = server.connect()) { // the name is free again: the account is gone
            assertThat(c.call(new Request.CreateAccount("mallet", "Another", ServerFixture.PASSWORD)))
                    .isInstanceOf(Response.AccountCreated.class);
        }
    }

    @Test
    void stoppingAndSharingDeliveryReceiptsIsTheServersSetting() throws Exception {
        String nina;
        try (TestConnection c = server.connect()) {
            nina = server.register(c, "nina");
        }
        register(second, "oscar");
        second.driver.findElement(By.id("receipts-off")).click();
        waitIn(second.driver).until(x -> x.findElement(By.id("status")).getText().startsWith("You no longer share delivery receipts"));
        try (TestConnection c = server.connect()) {
            assertThat(((Response.Receipts) c.call(new Request.Receipts(nina, "oscar"))).shared()).isFalse();
        }
        second.driver.findElement(By.id("receipts-on")).click();
        waitIn(second.driver).until(x -> x.findElement(By.id("status")).getText().startsWith("You share delivery receipts"));
        try (TestConnection c = server.connect()) {
            assertThat(((Response.Receipts) c.call(new Request.Receipts(nina, "oscar"))).shared()).isTrue();
        }
    }

    @Test
    void onAPhonesScreenTheConversationGoesBelowTheList() {
        register(second, "pat");
        openConversation(second, "pat");
        String columns = "const n = document.querySelector('#chat nav').getBoundingClientRect();"
                + " const c = document.querySelector('#conversation').getBoundingClientRect();"
                + " return [Math.round(n.left), Math.round(c.left), c.top >= n.bottom];";
        Dimension wide = second.driver.manage().window().getSize();
        try {
            second.driver.manage().window().setSize(new Dimension(1000, 800));
            List<?> side = (List<?>) second.driver.executeScript(columns);
            assertThat((Long) side.get(1)).isGreaterThan((Long) side.get(0)); // side by side
            second.driver.manage().window().setSize(new Dimension(390, 844)); // a phone's screen
            waitIn(second.driver).until(x -> ((List<?>) ((JavascriptExecutor) x).executeScript(columns)).get(2).equals(true));
            List<?> stacked = (List<?>) second.driver.executeScript(columns);
            assertThat(stacked.get(1)).isEqualTo(stacked.get(0)); // one column
            assertThat((Long) second.driver.executeScript("return document.documentElement.scrollWidth"))
                    .isLessThanOrEqualTo((Long) second.driver.executeScript("return window.innerWidth")); // nothing wider
        } finally {
            second.driver.manage().window().setSize(wide);
        }
    }

    @Test
    void aBrowserChatsWithTheJavaClientOfTheTerminalAndDesktop() throws Exception {
        LinkedBlockingQueue<Response.Message> got = new LinkedBlockingQueue<>();
        try (ChatClient carol = new ChatClient("127.0.0.1", server.server().port(), got::addAll, ChatClient.Options.DEFAULT)) {
            carol.register("carol", "Carol", ServerFixture.PASSWORD);
            carol.login("carol", ServerFixture.PASSWORD);
            register(first, "dave");
            openConversation(first, "carol");
            send(first, "hello carol, from the web");
            Response.Message m = got.poll(30, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(m.sender()).isEqualTo("dave");
            assertThat(m.body()).isEqualTo("hello carol, from the web");
            carol.send("dave", "hello dave, from Java");
            message(first, "hello dave, from Java");
            awaitMark(first, "hello carol, from the web", "✓✓");
        }
        first.driver.findElement(By.id("logout")).click();
        waitIn(first.driver).until(x -> x.findElement(By.id("status")).getText().equals("Logged out."));
        assertThat(first.driver.findElement(By.id("login")).isDisplayed()).isTrue();
    }
}
