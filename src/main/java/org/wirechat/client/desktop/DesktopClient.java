package org.wirechat.client.desktop;

import com.formdev.flatlaf.FlatLightLaf;
import java.awt.GraphicsEnvironment;
import javax.swing.SwingUtilities;
import org.wirechat.client.ChatClient;
import org.wirechat.client.local.StoreFiles;

/** {@code java -jar wirechat-client.jar --gui [HOST [PORT]]}: the desktop client. */
public final class DesktopClient {
    private DesktopClient() {
    }

    /** Opens the window (returns at once; the program ends when the window is closed); false if there is no screen. */
    public static boolean launch(String host, int port, ChatClient.Options options) {
        return launch(host, port, options, null);
    }

    /** The same, telling {@code notice} (or nothing when {@code null}) in the status line once logged in. */
    public static boolean launch(String host, int port, ChatClient.Options options, String notice) {
        if (GraphicsEnvironment.isHeadless()) {
            return false;
        }
        // each account's conversations are kept on this device, in a store of this device's own
        ChatModel model = new ChatModel(ChatModel.ClientFactory.with(options), new StoreFiles(StoreFiles.defaultDir(), options.device())::open);
        model.tellAtLogin(notice);
        SwingUtilities.invokeLater(() -> {
            FlatLightLaf.setup();
            new ChatWindow(model, host, port, options.transport()).show();
        });
        return true;
    }
}
