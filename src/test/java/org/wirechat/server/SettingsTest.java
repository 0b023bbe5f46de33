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
        assertThat(shown).contains("port = 6000\n").contains("idle-timeout = PT1M30S\n").contains("max-connections = 10000\n")
                .contains("store = postgresql://db.example:5432/chat?user=wc&password=***").doesNotContain("hunter2");
    }
}
