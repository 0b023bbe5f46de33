package org.wirechat.client.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import com.formdev.flatlaf.FlatLightLaf;
import java.awt.Component;
import java.awt.Container;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import javax.swing.AbstractButton;
import javax.swing.JLabel;
import javax.swing.JList;
import javax.swing.JRootPane;
import javax.swing.SwingUtilities;
import javax.swing.text.JTextComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.ScriptedClient;
import org.wirechat.protocol.Limits;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;

/**
 * The real window on a real (virtual) display: log in through the dialog, pick a user, send, see the
 * reply, and save a screenshot to {@code target/desktop-client.png}. Needs a display; {@code scripts/test}
 * provides one with {@code xvfb-run} when it can, and this test is skipped, saying why, when there is none
 * (it fails instead when {@code WIRECHAT_REQUIRE_DISPLAY} is set, as {@code .ci/run} does).
 */
class DesktopSmokeTest {
    static final String PW = "correct horse";

    @TempDir
    Path dir;
    ServerFixture fx;
    ChatClient bob;
    ChatWindow window;

    @BeforeEach
    void start() throws Exception {
        if (GraphicsEnvironment.isHeadless() && System.getenv("WIRECHAT_REQUIRE_DISPLAY") != null) {
            throw new AssertionError("no display, and WIRECHAT_REQUIRE_DISPLAY is set (as .ci/run sets it): install xvfb");
        }
        Assumptions.assumeFalse(GraphicsEnvironment.isHeadless(),
                "no display: the desktop smoke test needs one (scripts/test runs the suite under xvfb-run when installed)");
        fx = new ServerFixture(dir);
        // bob answers every message, as a second person would
        AtomicReference<ChatClient> self = new AtomicReference<>();
        bob = new ChatClient("127.0.0.1", fx.server().port(), messages -> messages.forEach(m -> {
            try {
                self.get().send(m.sender(), "echo: " + m.body());
            } catch (ChatException e) {
                throw new IllegalStateException(e);
            }
        }), ScriptedClient.FAST);
        self.set(bob);
        // yesterday at noon on the server's clock (in the window's time zone), so the view shows two days
        java.time.ZoneId zone = java.time.ZoneId.systemDefault();
        java.time.Instant yesterdayNoon = java.time.LocalDate.now(zone).minusDays(1).atTime(12, 0).atZone(zone).toInstant();
        fx.clock.advance(java.time.Duration.between(fx.clock.instant(), yesterdayNoon));
        bob.register("bob", "Bob Builder", PW);
        bob.register("alice", "Alice Liddell", PW);
        bob.login("bob", PW);
        bob.send("alice", "see you tomorrow").result().join();
        fx.clock.advance(java.time.Duration.between(fx.clock.instant(), java.time.Instant.now()));
        bob.login("bob", PW); // the first login's token has gone idle over night
        ChatModel model = new ChatModel(ChatModel.ClientFactory.with(ScriptedClient.FAST));
        window = onEdt(() -> {
            FlatLightLaf.setup();
            ChatWindow w = new ChatWindow(model, "127.0.0.1", fx.server().port());
            w.show();
            return w;
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (window != null) {
            onEdt(() -> {
                window.close();
                return null;
            });
        }
        if (bob != null) {
            bob.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private void logInAsAlice() throws Exception {
        JRootPane login = window.loginDialog.getRootPane();
        onEdt(() -> {
            find(login, "username", JTextComponent.class).setText("alice");
            find(login, "password", JTextComponent.class).setText(PW);
            find(login, "login", AbstractButton.class).doClick();
            return null;
        });
        Await.until("logged in, the dialog gone", () -> call(() -> !window.loginDialog.isVisible()));
    }

    @Test
    void loadingOlderMessagesKeepsTheOneYouWereReadingInPlace() throws Exception {
        for (int i = 1; i <= 60; i++) {
            bob.send("alice", "message " + i).result().join();
        }
        logInAsAlice();
        JRootPane main = window.frame.getRootPane();
        @SuppressWarnings("unchecked")
        JList<ChatModel.Conversation> conversations = find(main, "conversations", JList.class);
        Await.until("bob's conversation listed", () -> call(() -> conversations.getModel().getSize() == 1));
        onEdt(() -> {
            conversations.setSelectedIndex(0);
            return null;
        });
        javax.swing.JTextPane conversation = find(main, "conversation", javax.swing.JTextPane.class);
        AbstractButton older = find(main, "older", AbstractButton.class);
        Await.until("the latest 50 shown", () -> call(() -> conversation.getText().contains("message 60") && older.isVisible()));
        javax.swing.JScrollPane scroll = (javax.swing.JScrollPane) SwingUtilities.getAncestorOfClass(javax.swing.JScrollPane.class, conversation);
        onEdt(() -> {
            scroll.getVerticalScrollBar().setValue(0);
            return null;
        });
        Await.until("scrolled to the top", () -> call(() -> topLine(conversation).contains("message 11")));
        double before = call(() -> whereOnScreen(conversation, "bob  message 11  "));
        onEdt(() -> {
            older.doClick();
            return null;
        });
        Await.until("the older ten loaded", () -> call(() -> conversation.getText().contains("bob  message 1  ")));
        Await.until("message 11 where it was on the screen", () -> call(() ->
                Math.abs(whereOnScreen(conversation, "bob  message 11  ") - before) < 1));
    }

    /** How far below the top of the visible part a text begins, in pixels. */
    private static double whereOnScreen(javax.swing.JTextPane pane, String text) throws javax.swing.text.BadLocationException {
        int at = pane.getText().indexOf(text);
        return pane.modelToView2D(at).getY() - pane.getVisibleRect().getY();
    }

    /** The first message (not a day's heading) at the top of the conversation's visible part. */
    private static String topLine(javax.swing.JTextPane pane) throws javax.swing.text.BadLocationException {
        java.awt.Rectangle seen = pane.getVisibleRect();
        for (int y = seen.y + 2; y < seen.y + seen.height; y += 4) {
            int offset = pane.viewToModel2D(new java.awt.geom.Point2D.Double(seen.x + 10, y));
            javax.swing.text.Element p = ((javax.swing.text.StyledDocument) pane.getDocument()).getParagraphElement(offset);
            String text = pane.getDocument().getText(p.getStartOffset(), p.getEndOffset() - p.getStartOffset());
            if (text.startsWith("bob  ")) {
                return text;
            }
        }
        return "";
    }

    @Test
    void logInSendAndSeeTheReply() throws Exception {
        logInAsAlice();

        JRootPane main = window.frame.getRootPane();
        @SuppressWarnings("unchecked")
        JList<ChatModel.User> users = find(main, "users", JList.class);
        Await.until("bob listed", () -> call(() -> users.getModel().getSize() == 2));
        String title = "wirechat — alice @ 127.0.0.1:" + fx.server().port();
        Await.until("yesterday's message counted in the title", () -> call(() -> window.frame.getTitle().equals("(1) " + title)));
        bob.send("alice", "are you there?"); // before alice opens the conversation: counted as unread
        Await.until("the unread count in the title", () -> call(() -> window.frame.getTitle().startsWith("(2) wirechat — alice")));
        @SuppressWarnings("unchecked")
        JList<ChatModel.Conversation> conversations = find(main, "conversations", JList.class);
        Await.until("bob's conversation listed above the directory", () -> call(() -> conversations.getModel().getSize() == 1
                && conversations.getModel().getElementAt(0).peer().equals("bob")));
        onEdt(() -> {
            for (int i = 0; i < users.getModel().getSize(); i++) {
                if (users.getModel().getElementAt(i).username().equals("bob")) {
                    users.setSelectedIndex(i);
                }
            }
            return null;
        });
        JLabel peer = find(main, "peer", JLabel.class);
        Await.until("bob's conversation open", () -> call(() -> peer.getText().equals("bob")));
        Await.until("read: the count leaves the title", () -> call(() -> window.frame.getTitle().startsWith("wirechat — ")));

        JTextComponent input = find(main, "input", JTextComponent.class);
        AbstractButton send = find(main, "send", AbstractButton.class);
        JLabel count = find(main, "count", JLabel.class);
        // the limit is shown and enforced before anything is sent
        onEdt(() -> {
            input.setText("x".repeat(Limits.BODY_MAX + 1));
            return null;
        });
        assertThat(DesktopSmokeTest.<Boolean>call(send::isEnabled)).isFalse();
        assertThat(DesktopSmokeTest.<String>call(count::getText)).isEqualTo((Limits.BODY_MAX + 1) + " / " + Limits.BODY_MAX);

        onEdt(() -> {
            input.setText("hello from the window");
            send.doClick();
            return null;
        });
        JTextComponent conversation = find(main, "conversation", JTextComponent.class);
        Await.until("the reply shows", () -> call(() -> conversation.getText().contains("bob  echo: hello from the window")));
        Await.until("my message stored (no longer 'sending')", () -> call(() -> !conversation.getText().contains("sending")));
        // bob's client acknowledged it; the window asks for receipts every few seconds while one of yours waits
        Await.until("my message shown delivered", () -> call(() -> conversation.getText().contains("\u2713\u2713")));
        String shown = call(conversation::getText);
        assertThat(shown).contains("Yesterday\nbob  see you tomorrow  12:00", "Today\nbob  are you there?");
        assertThat(shown.indexOf("hello from the window")).isBetween(shown.indexOf("are you there?"), shown.indexOf("echo:"));
        assertThat(DesktopSmokeTest.<String>call(input::getText)).isEmpty();
        assertThat(call(() -> find(main, "status", JTextComponent.class).getText())).isEqualTo("Connected as alice");
        // yours on the right, others' on the left
        javax.swing.text.StyledDocument doc = (javax.swing.text.StyledDocument) ((javax.swing.JTextPane) conversation).getDocument();
        assertThat(javax.swing.text.StyleConstants.getAlignment(doc.getParagraphElement(shown.indexOf("hello from the window"))
                .getAttributes())).isEqualTo(javax.swing.text.StyleConstants.ALIGN_RIGHT);
        assertThat(javax.swing.text.StyleConstants.getAlignment(doc.getParagraphElement(shown.indexOf("are you there?"))
                .getAttributes())).isEqualTo(javax.swing.text.StyleConstants.ALIGN_LEFT);

        Path shot = Path.of("target", "desktop-client.png");
        BufferedImage image = call(() -> {
            BufferedImage img = new BufferedImage(main.getWidth(), main.getHeight(), BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = img.createGraphics();
            main.paint(g);
            g.dispose();
            return img;
        });
        Files.createDirectories(shot.getParent());
        assertThat(ImageIO.write(image, "png", shot.toFile())).isTrue();
        assertThat(distinctColours(image)).as("a real picture, not a blank").isGreaterThan(20);
    }

    private static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }

    private static <T> T find(Container root, String name, Class<T> type) {
        T found = search(root, name, type);
        if (found == null) {
            throw new AssertionError("no component named " + name);
        }
        return found;
    }

    private static <T> T search(Container root, String name, Class<T> type) {
        for (Component c : root.getComponents()) {
            if (name.equals(c.getName()) && type.isInstance(c)) {
                return type.cast(c);
            }
            if (c instanceof Container inner) {
                T t = search(inner, name, type);
                if (t != null) {
                    return t;
                }
            }
        }
        return null;
    }

    private static <T> T onEdt(Callable<T> work) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        SwingUtilities.invokeAndWait(() -> {
            try {
                result.set(work.call());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    private static <T> T call(Callable<T> work) {
        try {
            return onEdt(work);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
