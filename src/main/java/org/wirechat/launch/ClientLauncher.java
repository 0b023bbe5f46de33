package org.wirechat.launch;

/** The client jar's entry point: checks the Java version, then runs {@code org.wirechat.client.ClientMain}. */
public final class ClientLauncher {
    private ClientLauncher() {
    }

    public static void main(String[] args) throws Throwable {
        Launcher.launch("org.wirechat.client.ClientMain", "client", args);
    }
}
