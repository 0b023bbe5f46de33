package org.wirechat.client.desktop;

import com.formdev.flatlaf.FlatLightLaf;
import java.awt.GraphicsEnvironment;
import javax.swing.SwingUtilities;
import org.wirechat.client.ChatClient;

/** {@code java -jar wirechat-client.jar --gui [HOST [PORT]]}: the desktop client. */
public final class DesktopClient {
    private DesktopClient() {
    }

    /** Opens the window (returns at once; the program ends when the window is closed); false if there is no screen. */
    public static boolean launch(String host, int port, ChatClient.Options options) {
        if (GraphicsEnvironment.isHeadless()) {
            return false;
        }
        ChatModel model = new ChatModel(ChatModel.ClientFactory.with(options));
        SwingUtilities.invokeLater(() -> {
            FlatLightLaf.setup();
            new ChatWindow(model, host, port, options.transport()).show();
        });
        return true;
    }
}
