package org.wirechat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.Opcode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;
import org.wirechat.protocol.SpecVectors;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.WebSettings;

/**
 * The web client's protocol module ({@code web/js/protocol.js}) in a real headless Chromium, held to the spec's hex
 * vectors — the same ones {@code SpecVectorsTest} holds the Java codec to, handed to the page from Java — and the page
 * itself under its Content-Security-Policy, talking to a real server over {@code /ws}.
 */
@Timeout(120)
class ProtocolModuleBrowserTest {
    @TempDir
    static Path dir;
    private static ServerFixture server;
    private static Browser browser;
    private static String base;

    /** Why the browser could not start (Chromium not installed): each test is skipped saying so. */
    private static TestAbortedException noBrowser;

    @BeforeAll
    static void start() {
        try {
            browser = Browser.start();
        } catch (TestAbortedException e) {
            noBrowser = e;
            return;
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
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Runs {@code body} in the page with the module imported as {@code p} and {@code arg} parsed from JSON; its result back. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> inModule(String arg, String body) {
        Object result = browser.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const arg = JSON.parse(arguments[0]);
                const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
                const unhex = (h) => new Uint8Array((h.match(/../g) ?? []).map((x) => parseInt(x, 16)));
                const canon = (v) => JSON.stringify(v, (k, x) => x && typeof x === "object" && !Array.isArray(x)
                    ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x);
                import("/js/protocol.js").then((p) => {
                """ + body + """
                }).catch((e) => done({ error: String(e) }));
                """, arg);
        return (Map<String, Object>) result;
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    @Test
    void theModuleEncodesAndDecodesEverySpecVectorAsTheJavaCodecDoes() throws Exception {
        browser.driver.get(base + "/");
        List<Map<String, Object>> vectors = new ArrayList<>();
        for (SpecVectors.Vector v : SpecVectors.all().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", v.name());
            m.put("kind", v.message() instanceof Request ? "request" : "response");
            m.put("bytes", v.bytes());
            m.put("requestId", v.requestId());
            m.put("message", v.message());
            vectors.add(m);
        }
        Map<String, Object> out = inModule(Json.of(vectors), """
                const failures = [];
                let checked = 0;
                for (const v of arg) {
                  try {
                    if (v.kind === "request") {
                      const got = hex(p.encodeRequest(v.requestId, v.message));
                      if (got !== v.bytes) failures.push(`${v.name}: encoded ${got}`);
                    } else {
                      const got = canon(p.decodeResponse(unhex(v.bytes)));
                      const want = canon({ requestId: v.requestId, response: v.message });
                      if (got !== want) failures.push(`${v.name}: decoded ${got}, expected ${want}`);
                    }
                    checked++;
                  } catch (e) {
                    failures.push(`${v.name}: ${e}`);
                  }
                }
                done({ checked, failures, requestTypes: p.requestTypes, responseTypes: p.responseTypes });
                """);
        assertThat(out).doesNotContainKey("error");
        assertThat((List<?>) out.get("failures")).isEmpty();
        assertThat(((Number) out.get("checked")).intValue()).isEqualTo(vectors.size());
        // every request and response record of the Java protocol has its entry in the module
        assertThat(strings(out.get("requestTypes"))).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(Request.class.getPermittedSubclasses()).map(Class::getSimpleName).toList());
        List<String> responses = Arrays.stream(Response.class.getPermittedSubclasses()).map(Class::getSimpleName)
                .filter(n -> !n.equals("Error")).toList();
        assertThat(strings(out.get("responseTypes"))).containsExactlyInAnyOrderElementsOf(responses);
    }

    @Test
    void theModuleRefusesMalformedResponses() throws Exception {
        browser.driver.get(base + "/");
        byte[] pong = SpecVectors.all().get("pong-response").bytes();
        Map<String, byte[]> bad = new LinkedHashMap<>();
        byte[] magic = pong.clone();
        magic[0] = 0x58;
        bad.put("bad magic", magic);
        byte[] version = pong.clone();
        version[2] = 2;
        bad.put("version 2", version);
        bad.put("truncated", Arrays.copyOf(pong, pong.length - 1));
        bad.put("surplus", Arrays.copyOf(pong, pong.length + 1));
        bad.put("short header", Arrays.copyOf(pong, 7));
        byte[] utf8 = SpecVectors.all().get("create-response").bytes().clone();
        utf8[utf8.length - 1] = (byte) 0xc3; // a lead byte with nothing after it
        bad.put("broken UTF-8", utf8);
        byte[] number = pong.clone();
        number[number.length - 1] = 'x';
        bad.put("not a number", number);
        byte[] opcode = pong.clone();
        opcode[3] = (byte) 0xf0;
        bad.put("unknown opcode", opcode);
        Map<String, Object> out = inModule(Json.of(bad), """
                const accepted = [];
                const refused = [];
                for (const [name, h] of Object.entries(arg)) {
                  try {
                    p.decodeResponse(unhex(h));
                    accepted.push(name);
                  } catch (e) {
                    if (e instanceof p.ProtocolError) refused.push(name); else accepted.push(`${name}: ${e}`);
                  }
                }
                done({ accepted, refused });
                """);
        assertThat(out).doesNotContainKey("error");
        assertThat((List<?>) out.get("accepted")).isEmpty();
        assertThat(strings(out.get("refused"))).containsExactlyElementsOf(bad.keySet());
    }

    /** SYNC's records are built to grow: the module skips a kind it does not know and fields past those it knows, as the Java codec does. */
    @Test
    void theModuleSkipsSyncRecordsOfKindsItDoesNotKnowAsTheJavaCodecDoes() throws Exception {
        browser.driver.get(base + "/");
        String newer = "OK\u001e" + "e\u001f42\u001fan edit\u001f1" + "\u001e" + "m\u001f42\u001fbob\u001falice\u001f1000\u001fhi\u001f41"
                + "\u001e" + "t\u001fcarol\u001f#crew\u001f1\u001f6000\u001fmore" + "\u001e" + "z";
        byte[] text = newer.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length]; // status 0, then the head and the records
        System.arraycopy(text, 0, payload, 2, text.length);
        Frame sync = new Frame(Frame.VERSION_1, Opcode.SYNC.responseWire(), 7, payload);
        assertThat(ResponseCodec.decode(sync)).as("the Java codec").isEqualTo(new Response.Events(
                List.of(new Response.Message(42, "bob", "alice", 1000, "hi")), List.of(new Response.Typing("carol", "#crew", true, 6000))));
        byte[] frame = sync.toBytes();
        Map<String, Object> out = inModule(Json.of(Map.of("frame", frame)), """
                const r = p.decodeResponse(unhex(arg.frame)).response;
                done({ messages: r.messages.map((m) => `${m.id} ${m.sender}>${m.recipient} ${m.body}`),
                       typing: r.typing.map((t) => `${t.from} ${t.conversation} ${t.typing} ${t.expiresInMillis}`) });
                """);
        assertThat(out).doesNotContainKey("error");
        assertThat(strings(out.get("messages"))).containsExactly("42 bob>alice hi");
        assertThat(strings(out.get("typing"))).containsExactly("carol #crew true 6000");
    }

    @Test
    void thePageTalksToTheServerOverWebSocketUnderItsPolicyWhichRefusesInlineScript() {
        browser.consoleMessages(); // what earlier tests left
        browser.driver.get(base + "/");
        new WebDriverWait(browser.driver, Duration.ofSeconds(20)).until(
                d -> d.findElement(By.id("status")).getText().startsWith("Connected"));
        new WebDriverWait(browser.driver, Duration.ofSeconds(20)).until(d -> d.findElement(By.id("features")).getText().contains("receipts"));
        assertThat(browser.consoleMessages()).noneMatch(m -> m.startsWith("SEVERE") || m.startsWith("WARNING"));
        Object ran = browser.driver.executeScript("""
                const s = document.createElement("script");
                s.textContent = "window.inlineRan = true";
                document.body.append(s);
                return window.inlineRan === true;
                """);
        assertThat(ran).isEqualTo(false);
        assertThat(browser.consoleMessages()).anySatisfy(m -> assertThat(m).contains("Content Security Policy"));
    }
}
