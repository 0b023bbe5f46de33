package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client in another language, written from the .proto file alone: Python stubs generated from
 * {@code src/main/proto} by Debian's {@code python3-grpc-tools}, run by {@code /usr/bin/python3} with
 * {@code python3-grpcio} against a real server. Without those packages the test is skipped, saying why;
 * with {@code WIRECHAT_REQUIRE_GRPC_PYTHON} set (as {@code .ci/run} sets it, after installing them) it fails.
 */
@Timeout(60)
class GrpcPythonClientTest {
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    @Test
    void aPythonClientTalksToTheServer() throws Exception {
        requirePythonGrpc();
        Path stubs = dir.resolve("stubs");
        Files.createDirectories(stubs);
        run(List.of(PYTHON, "-m", "grpc_tools.protoc", "-I", Path.of("src/main/proto").toAbsolutePath().toString(),
                "--python_out=" + stubs, "--grpc_python_out=" + stubs, "wirechat/v1/chat.proto"));
        // the generated modules import each other as packages
        Files.writeString(stubs.resolve("wirechat/__init__.py"), "");
        Files.writeString(stubs.resolve("wirechat/v1/__init__.py"), "");
        Path script = dir.resolve("python_client.py");
        try (var in = getClass().getResourceAsStream("/grpc/python_client.py")) {
            Files.copy(in, script);
        }
        try (ServerFixture fx = new ServerFixture(dir.resolve("data"), b -> b.grpcPort(0))) {
            String out = run(List.of(PYTHON, script.toString(), stubs.toString(),
                    String.valueOf(fx.server().grpcPort().orElseThrow())));
            assertThat(out.strip()).isEqualTo("ok");
        }
    }

    private static void requirePythonGrpc() throws Exception {
        String why = null;
        if (!Files.isExecutable(Path.of(PYTHON))) {
            why = PYTHON + " is not installed";
        } else {
            Process p = new ProcessBuilder(PYTHON, "-c", "import grpc, grpc_tools").redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                why = "python3-grpcio or python3-grpc-tools is not installed for " + PYTHON;
            }
        }
        if (why != null) {
            if (System.getenv("WIRECHAT_REQUIRE_GRPC_PYTHON") != null) {
                throw new AssertionError(why + ", and WIRECHAT_REQUIRE_GRPC_PYTHON is set");
            }
            Assumptions.abort(why + ": the Python client test is skipped");
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean ended = p.waitFor(45, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            p.destroyForcibly();
        }
        assertThat(ended && p.exitValue() == 0).as("%s exited with %s:%n%s", command, ended ? p.exitValue() : "no end", out).isTrue();
        return out;
    }
}
