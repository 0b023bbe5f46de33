package org.wirechat.client;

import java.io.Console;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Callable;
import org.wirechat.client.desktop.DesktopClient;
import org.wirechat.client.local.StoreFiles;
import org.wirechat.client.terminal.TerminalClient;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.ProtocolException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code java -jar wirechat-client.jar [--gui] [HOST [PORT]]}: the terminal chat client, or the desktop one. */
@Command(name = "wirechat-client", mixinStandardHelpOptions = true, version = "wirechat client 0.1.0",
        usageHelpAutoWidth = true,
        description = {"Chats on a wirechat server. With --gui it opens a window; otherwise, on a terminal it is",
                "interactive (/help lists the commands);",
                "with commands piped in, it runs them line by line, prints plainly, shows the messages",
                "waiting at the end, and exits 1 if any command failed.",
                "Passwords are asked for on the line after /register or /login (without echo on a terminal)."},
        footer = {"", "Example script:", "  printf '/login alice\\nsecret-password\\n@bob hello\\n' | wirechat-client localhost 50051"})
public final class ClientMain implements Callable<Integer> {
    static final int DEFAULT_PORT = 50051;

    @Parameters(index = "0", arity = "0..1", paramLabel = "HOST", description = "Server host (default: ${DEFAULT-VALUE}); "
            + "also HOST:PORT, or [IPv6]:PORT.")
    String host = "localhost";

    @Parameters(index = "1", arity = "0..1", paramLabel = "PORT", description = "Server port (default: 50051).")
    Integer portArgument;

    int port;

    @Option(names = "--gui", description = "Open the desktop client's window (HOST and PORT fill in its login dialog).")
    boolean gui;

    @Option(names = "--script", description = "Read commands line by line even from a terminal.")
    boolean script;

    @Option(names = "--grpc", description = "Speak gRPC to the server's --grpc-port instead of the wire protocol (docs/grpc.md).")
    boolean grpc;

    @Option(names = "--tls", description = "Connect with TLS, checking the server's certificate and name.")
    boolean tls;

    @Option(names = "--truststore", paramLabel = "FILE", description = "Trust the certificate(s) in FILE (PEM or DER, e.g. "
            + "server.crt from scripts/make-cert; or a .p12/.jks trust store, password in WIRECHAT_TRUSTSTORE_PASSWORD) "
            + "instead of the system's trust store. Implies --tls.")
    Path trustStore;

    @Option(names = "--device-id", paramLabel = "ID", description = "Log in as this device of the account (1-64 printable"
            + " characters) instead of this installation's own, kept in ~/.config/wirechat/device-id (or"
            + " $WIRECHAT_CONFIG_DIR; a second client running meanwhile takes device-id.2, and so on); 'none' logs in as the account's default device, as clients before devices did.")
    String deviceId;

    private InputStream in = System.in;
    private PrintStream out = System.out;
    private PrintStream err = System.err;
    /** Where this installation's device ids are kept ({@link DeviceId#configDir()} unless a test says otherwise). */
    private Path configDir;
    /** The device id this run holds, if it holds one: released when the terminal client ends, or with the process. */
    private DeviceId.Claim claim;
    /** The device ids held by open windows, for the process's life. */
    private static final List<DeviceId.Claim> WINDOW_CLAIMS = new CopyOnWriteArrayList<>();

    /** What {@link #run} returns when a window was opened: the program then ends when the window closes. */
    static final int WINDOW_OPEN = -1;

    /**
     * The device to log in as: {@code --device-id}, or one of this installation's that no other running client
     * holds (said once when another holds the first); {@code null} for the default device.
     */
    private String device() {
        if ("none".equals(deviceId)) {
            return null;
        }
        try {
            if (deviceId != null) {
                return Limits.checkDeviceId(deviceId);
            }
            claim = DeviceId.claim(configDir != null ? configDir : DeviceId.configDir());
            if (claim.note() != null) {
                (gui ? err : out).println(claim.note());
            }
            return claim.id();
        } catch (ProtocolException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--device-id: " + e.detail());
        } catch (IOException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), "cannot keep this installation's device id: "
                    + e.getMessage() + " (set WIRECHAT_CONFIG_DIR, or pass --device-id)");
        }
    }

    public static void main(String[] args) {
        int status = run(args, System.in, System.out, System.err);
        if (status != WINDOW_OPEN) {
            System.exit(status);
        }
    }

    /** Runs the client; returns the exit status. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return run(args, in, out, err, null);
    }

    /** {@link #run(String[], InputStream, PrintStream, PrintStream)} with the device ids kept in {@code configDir}. */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Path configDir) {
        ClientMain main = new ClientMain();
        main.in = in;
        main.out = out;
        main.err = err;
        main.configDir = configDir;
        CommandLine cl = new CommandLine(main);
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        return cl.execute(args);
    }

    /**
     * Splits {@code HOST:PORT} and {@code [IPv6]:PORT}; a bare IPv6 address (several colons, no brackets)
     * is a host. Sets {@link #host} and {@link #port}.
     */
    void resolveAddress() {
        String h = host;
        Integer p = null;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) {
                throw new CommandLine.ParameterException(new CommandLine(this), "HOST " + h + " has no closing ']'");
            }
            String rest = h.substring(close + 1);
            h = h.substring(1, close);
            if (rest.startsWith(":")) {
                p = parsePort(rest.substring(1));
            } else if (!rest.isEmpty()) {
                throw new CommandLine.ParameterException(new CommandLine(this), "cannot read HOST " + host);
            }
        } else if (h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':')) {
            p = parsePort(h.substring(h.indexOf(':') + 1));
            h = h.substring(0, h.indexOf(':'));
        }
        if (p != null && portArgument != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "the port is given twice: " + host + " and " + portArgument);
        }
        host = h;
        port = p != null ? p : portArgument != null ? portArgument : DEFAULT_PORT;
    }

    private int parsePort(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), "PORT must be a number 1-65535, not \"" + s + "\"");
        }
    }

    @Override
    public Integer call() {
        resolveAddress();
        if (port < 1 || port > 65535) {
            throw new CommandLine.ParameterException(new CommandLine(this), "PORT must be 1-65535, not " + port);
        }
        ChatClient.Options options = ChatClient.Options.DEFAULT;
        if (tls || trustStore != null) {
            try {
                String pw = System.getenv("WIRECHAT_TRUSTSTORE_PASSWORD");
                char[] password = pw == null ? null : pw.toCharArray();
                options = trustStore == null ? options.withTls(Tls.systemTrust())
                        : options.withTls(Tls.trusting(trustStore, password), Tls.trustManagers(trustStore, password));
            } catch (IOException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
            }
        }
        if (grpc) {
            options = options.withTransport(ChatClient.Transport.GRPC);
        }
        options = options.withDevice(device());
        if (gui) {
            if (!DesktopClient.launch(host, port, options, claim == null ? null : claim.note())) { // said in the window too
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--gui needs a screen, and none is available (is DISPLAY set?)");
            }
            if (claim != null) {
                WINDOW_CLAIMS.add(claim); // held until the process ends with the window (a lost reference would free it)
            }
            return WINDOW_OPEN;
        }
        // this installation's copy of its conversations: beside its device ids when a test says where those are
        TerminalClient.Stores stores = configDir != null ? new StoreFiles(configDir.resolve("data"), options.device())::open
                : TerminalClient.Stores.of(options);
        try {
            if (!script && in == System.in && stdinIsTerminal()) {
                return TerminalClient.interactive(host, port, options, stores);
            }
            return TerminalClient.scripted(host, port, options, stores, in, out);
        } finally {
            if (claim != null) {
                claim.close(); // the next client started here may be this device again
            }
        }
    }

    /** True when a person types at this process: stdin and stdout are a terminal. */
    static boolean stdinIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try { // JDK 22+ returns a console even when redirected, and says so here
            return (boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 21: a console exists only for a terminal
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
