package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Where each setting comes from: the command line, then the environment, then the --config file, then the default. */
@Timeout(60)
class SettingsTest {
    @TempDir
    Path dir;

    private ServerConfig parse(Map<String, String> env, String... args) throws Exception {
        ServerMain main = new ServerMain();
        CommandLine cl = new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setDefaultValueProvider(ServerMain.Settings.from(args, env, cl));
        cl.parseArgs(args);
        return main.config();
    }

    private Path file(String text) throws Exception {
        Path f = dir.resolve("wirechat.conf");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheFileWhichWinsOverTheDefault() throws Exception {
        String conf = file("""
                # a comment
                port = 50100
                max-connections = 7
                idle-timeout = 90s
                """).toString();
        Map<String, String> env = Map.of("WIRECHAT_MAX_CONNECTIONS", "8");
        ServerConfig all = parse(env, "--config", conf, "--max-connections", "9");
        assertThat(all.maxConnections()).isEqualTo(9);
        assertThat(parse(env, "--config", conf).maxConnections()).isEqualTo(8);
        ServerConfig fromFile = parse(Map.of(), "--config", conf);
        assertThat(fromFile.maxConnections()).isEqualTo(7);
        assertThat(fromFile.port()).isEqualTo(50100);
        assertThat(fromFile.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        ServerConfig none = parse(Map.of());
        assertThat(none.maxConnections()).isEqualTo(ServerConfig.defaults().maxConnections());
        assertThat(none.port()).isEqualTo(ServerConfig.defaults().port());
        assertThat(parse(Map.of("WIRECHAT_CONFIG", conf)).port()).as("the file named by the environment").isEqualTo(50100);
        assertThat(parse(Map.of("WIRECHAT_METRICS_PORT", "9100")).metricsPort()).isEqualTo(9100);
    }

    @Test
    void anUnknownNameOrAMissingFileIsRefusedWithExitStatus2() throws Exception {
        String conf = file("max-conections = 7\n").toString();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(ServerMain.run(new String[] {"--config", conf}, System.out, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown setting 'max-conections' in " + conf);
        assertThat(ServerMain.run(new String[] {"--config", dir.resolve("missing.conf").toString()}, System.out, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot read the settings file");
    }

    @Test
    void printConfigShowsWhatIsInEffectWithSecretsMasked() throws Exception {
        String conf = file("idle-timeout = 90s\n").toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertThat(ServerMain.run(new String[] {"--config", conf, "--print-config", "--port", "6000",
                "--store", "postgresql://db.example:5432/chat?user=wc&password=hunter2"}, o, System.err)).isZero();
        String shown = out.toString(StandardCharsets.UTF_8);
        assertThat(shown).contains("port = 6000\n").contains("idle-timeout = 90s\n").contains("max-connections = 10000\n")
                .contains("store = postgresql://db.example:5432/chat?user=wc&password=***").doesNotContain("hunter2");
    }

    private String printed(Map<String, String> env, String... args) {
        ServerMain main = new ServerMain();
        CommandLine cl = new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setDefaultValueProvider(ServerMain.Settings.from(args, env, cl));
        cl.parseArgs(args);
        return main.effectiveSettings();
    }

    /** The output of --print-config was not a valid settings file: "log-format =", "PT1H", "metrics-port = -1". */
    @Test
    void printConfigOutputFedBackAsTheSettingsFileGivesTheSameSettings() throws Exception {
        String[] options = {"--port", "6001", "--bind", "::1", "--data-dir", dir.resolve("data").toString(), "--idle-timeout", "90m",
            "--token-max", "7d", "--first-frame-timeout", "1500ms", "--retention", "0", "--login-backoff-max", "1h",
            "--max-connections", "12", "--log-format", "json", "--metrics-port", "9100"};
        String first = printed(Map.of(), options);
        assertThat(first).contains("idle-timeout = 90m\n", "token-max = 7d\n", "first-frame-timeout = 1500ms\n", "retention = 0\n",
                "login-backoff-max = 1h\n", "log-format = json\n", "metrics-port = 9100\n", "# grpc-port = (not set)\n",
                "# tls-keystore = (not set)\n", "# store = (not set)\n").doesNotContain("PT", "= -1", "= \n");
        String conf = file(first).toString();
        assertThat(printed(Map.of(), "--config", conf)).isEqualTo(first);
        assertThat(parse(Map.of(), "--config", conf)).isEqualTo(parse(Map.of(), options));

        String defaults = printed(Map.of());
        assertThat(defaults).contains("# metrics-port = (not set)\n", "# log-format = (not set)\n", "idle-timeout = 1h\n",
                "shutdown-grace = 10s\n", "device-horizon = 30d\n").doesNotContain("PT", "= -1", "= \n");
        String defaultsFile = file(defaults).toString();
        assertThat(printed(Map.of(), "--config", defaultsFile)).isEqualTo(defaults);
        assertThat(parse(Map.of(), "--config", defaultsFile)).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void durationsPrintInTheSyntaxTheyAreReadIn() {
        ServerMain.DurationConverter read = new ServerMain.DurationConverter();
        for (String d : new String[] {"0", "1ms", "999ms", "1s", "61s", "1m", "59m", "1h", "25h", "1d", "30d", "1001ms"}) {
            assertThat(ServerMain.DurationConverter.format(read.convert(d))).isEqualTo(d);
        }
        assertThat(ServerMain.DurationConverter.format(Duration.ofMinutes(60))).isEqualTo("1h");
        assertThat(ServerMain.DurationConverter.format(Duration.ofSeconds(90))).isEqualTo("90s");
    }

    /** WIRECHAT_PORT=abc was refused without saying which variable held it. */
    @Test
    void aBadValueFromTheEnvironmentOrTheFileNamesWhereItCameFrom() throws Exception {
        assertThat(refusal(Map.of("WIRECHAT_PORT", "abc"))).startsWith("wirechat-server: WIRECHAT_PORT: ").contains("'abc'");
        assertThat(refusal(Map.of("WIRECHAT_IDLE_TIMEOUT", "5 minutes"))).startsWith("wirechat-server: WIRECHAT_IDLE_TIMEOUT: ")
                .contains("'5 minutes'");
        assertThat(refusal(Map.of("WIRECHAT_LOG_FORMAT", "xml"))).startsWith("wirechat-server: WIRECHAT_LOG_FORMAT: ").contains("xml");
        String conf = file("max-connections = many\n").toString();
        assertThat(refusal(Map.of(), "--config", conf)).startsWith("wirechat-server: 'max-connections' in " + conf + ": ")
                .contains("'many'");
        // the same bad value on the command line is the command line's: no variable named, the usage shown
        String cli = refusal(Map.of(), "--port", "abc");
        assertThat(cli).startsWith("Invalid value for option '--port': 'abc'").contains("Usage:");
        // a good variable does not take the blame for a bad command-line value, nor a bad one the command line overrides
        assertThat(refusal(Map.of("WIRECHAT_PORT", "6000"), "--port", "abc")).startsWith("Invalid value for option '--port': 'abc'");
        assertThat(parse(Map.of("WIRECHAT_PORT", "abc"), "--port", "6002").port()).isEqualTo(6002);
    }

    private static String refusal(Map<String, String> env, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(ServerMain.run(args, env, new PrintStream(new ByteArrayOutputStream()), e)).isEqualTo(2);
        return err.toString(StandardCharsets.UTF_8);
    }
}
