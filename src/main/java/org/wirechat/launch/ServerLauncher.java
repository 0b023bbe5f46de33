package org.wirechat.launch;

/** The server jar's entry point: checks the Java version, then runs {@code org.wirechat.server.ServerMain}. */
public final class ServerLauncher {
    private ServerLauncher() {
    }

    public static void main(String[] args) throws Throwable {
        Launcher.launch("org.wirechat.server.ServerMain", "server", args);
    }
}
