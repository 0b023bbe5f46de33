package org.wirechat.launch;

/** The client jar's entry point: checks the Java version, then runs {@code org.wirechat.client.ClientMain}. */
public final class ClientLauncher {
    private ClientLauncher() {
    }

    public static void main(String[] args) throws Throwable {
        // the clients' own Logback settings: the jar's logback.xml is the server's (it names a server class)
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-client.xml");
        }
        Launcher.launch("org.wirechat.client.ClientMain", "client", args);
    }
}
