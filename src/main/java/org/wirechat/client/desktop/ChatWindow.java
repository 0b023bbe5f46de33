package org.wirechat.client.desktop;

import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.Component;
import java.awt.Dimension;
import java.awt.Font;
import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import java.awt.event.KeyEvent;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.swing.AbstractAction;
import javax.swing.BorderFactory;
import javax.swing.DefaultListCellRenderer;
import javax.swing.DefaultListModel;
import javax.swing.JButton;
import javax.swing.JComponent;
import javax.swing.JDialog;
import javax.swing.JFrame;
import javax.swing.JLabel;
import javax.swing.JList;
import javax.swing.JMenu;
import javax.swing.JMenuBar;
import javax.swing.JMenuItem;
import javax.swing.JOptionPane;
import javax.swing.JPanel;
import javax.swing.JPasswordField;
import javax.swing.JScrollPane;
import javax.swing.JSplitPane;
import javax.swing.JTextArea;
import javax.swing.JTextField;
import javax.swing.KeyStroke;
import javax.swing.ListSelectionModel;
import javax.swing.SwingUtilities;
import javax.swing.Timer;
import javax.swing.event.DocumentEvent;
import javax.swing.event.DocumentListener;
import org.wirechat.client.ChatException;
import org.wirechat.protocol.Limits;

/**
 * The desktop client's window: a login/register dialog, then the user list (filter, online marks,
 * unread counts), the open conversation and the input box. It only shows the {@link ChatModel}'s
 * snapshots; every action runs on one background worker, in order, never on the event dispatch
 * thread. Components carry names so the smoke test can find them.
 */
public final class ChatWindow {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm");
    private static final Color PROBLEM = new Color(0xC62828);
    private static final int REFRESH_MILLIS = 15_000;

    private final ChatModel model;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "wirechat-gui-worker");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean renderQueued = new AtomicBoolean();
    private final ZoneId zone = ZoneId.systemDefault();

    final JFrame frame = new JFrame("wirechat");
    final JDialog loginDialog;
    private final JTextField host = named(new JTextField(16), "host");
    private final JTextField port = named(new JTextField(6), "port");
    private final JTextField username = named(new JTextField(16), "username");
    private final JTextField fullName = named(new JTextField(16), "fullName");
    private final JPasswordField password = named(new JPasswordField(16), "password");
    private final JButton loginButton = named(new JButton("Log in"), "login");
    private final JButton registerButton = named(new JButton("Create account"), "register");
    private final JLabel loginMessage = named(new JLabel(" "), "loginMessage");

    private final JTextField filter = named(new JTextField(), "filter");
    private final DefaultListModel<ChatModel.User> users = new DefaultListModel<>();
    private final JList<ChatModel.User> userList = named(new JList<>(users), "users");
    private final JLabel peer = named(new JLabel("Choose someone on the left"), "peer");
    private final JTextArea conversation = named(new JTextArea(), "conversation");
    private final JButton older = named(new JButton("Load older messages"), "older");
    private final JTextField input = named(new JTextField(), "input");
    private final JLabel count = named(new JLabel(), "count");
    private final JButton send = named(new JButton("Send"), "send");
    private final JLabel status = named(new JLabel(" "), "status");

    /** Re-reads the user list now and then, so online marks stay current. */
    private final Timer refresh;
    private boolean rendering; // set while the EDT copies a snapshot into the components
    private List<ChatModel.Line> shownLines = List.of();
    private String shownPeer;
    private String shownMe;
    /** The window's title without the unread count (which render() puts in front when there is one). */
    private String title = "wirechat";

    public ChatWindow(ChatModel model, String defaultHost, int defaultPort) {
        this.model = Objects.requireNonNull(model);
        host.setText(defaultHost);
        port.setText(String.valueOf(defaultPort));
        loginDialog = new JDialog(frame, "wirechat — log in", false);
        refresh = new Timer(REFRESH_MILLIS, e -> {
            if (model.snapshot().me() != null) {
                work(model::refreshUsers, null);
            }
        });
        buildLogin();
        buildFrame();
        model.addListener(m -> {
            if (renderQueued.compareAndSet(false, true)) {
                SwingUtilities.invokeLater(this::render);
            }
        });
    }

    private static <T extends JComponent> T named(T c, String name) {
        c.setName(name);
        return c;
    }

    /** Shows the window and the login dialog. Call on the event dispatch thread. */
    public void show() {
        frame.setVisible(true);
        loginDialog.setLocationRelativeTo(frame);
        loginDialog.setVisible(true);
        username.requestFocusInWindow();
        render();
    }

    // --- building ---

    private void buildLogin() {
        JPanel p = new JPanel(new GridBagLayout());
        p.setBorder(BorderFactory.createEmptyBorder(16, 16, 16, 16));
        GridBagConstraints c = new GridBagConstraints();
        c.insets = new Insets(4, 4, 4, 4);
        c.anchor = GridBagConstraints.WEST;
        Object[][] rows = {{"Server", host}, {"Port", port}, {"Username", username}, {"Password", password},
                {"Full name (new accounts)", fullName}};
        for (int i = 0; i < rows.length; i++) {
            c.gridx = 0;
            c.gridy = i;
            c.fill = GridBagConstraints.NONE;
            p.add(new JLabel((String) rows[i][0]), c);
            c.gridx = 1;
            c.fill = GridBagConstraints.HORIZONTAL;
            p.add((Component) rows[i][1], c);
        }
        JPanel buttons = new JPanel();
        buttons.add(loginButton);
        buttons.add(registerButton);
        c.gridx = 0;
        c.gridy = rows.length;
        c.gridwidth = 2;
        c.anchor = GridBagConstraints.CENTER;
        p.add(buttons, c);
        c.gridy++;
        loginMessage.setForeground(PROBLEM);
        p.add(loginMessage, c);
        loginButton.addActionListener(e -> signIn(false));
        registerButton.addActionListener(e -> signIn(true));
        loginDialog.getRootPane().setDefaultButton(loginButton);
        loginDialog.setContentPane(p);
        loginDialog.setDefaultCloseOperation(JDialog.DO_NOTHING_ON_CLOSE);
        loginDialog.addWindowListener(new WindowAdapter() {
            @Override
            public void windowClosing(WindowEvent e) {
                if (model.snapshot().me() == null) {
                    quit(); // closing the login dialog with nobody logged in closes the program
                } else {
                    loginDialog.setVisible(false);
                }
            }
        });
        loginDialog.pack();
    }

    private void buildFrame() {
        JMenuBar bar = new JMenuBar();
        JMenu account = new JMenu("Account");
        account.add(item("Log in as someone else…", "menuLogin", () -> loginDialog.setVisible(true)));
        account.add(item("Log out", "menuLogout", () -> work(model::logout, this::showLogin)));
        account.add(item("Delete account…", "menuDelete", this::confirmDelete));
        account.addSeparator();
        account.add(item("Quit", "menuQuit", this::quit));
        bar.add(account);
        frame.setJMenuBar(bar);

        filter.putClientProperty("JTextField.placeholderText", "filter: * any run, ? one character");
        filter.setToolTipText("Wildcards: * matches any run of characters, ? one character; Enter applies");
        filter.addActionListener(e -> {
            String pattern = filter.getText();
            work(() -> model.filter(pattern), null);
        });
        userList.setSelectionMode(ListSelectionModel.SINGLE_SELECTION);
        userList.setCellRenderer(new UserRenderer());
        userList.addListSelectionListener(e -> {
            ChatModel.User u = userList.getSelectedValue();
            if (!rendering && !e.getValueIsAdjusting() && u != null) {
                work(() -> model.open(u.username()), input::requestFocusInWindow);
            }
        });
        JPanel left = new JPanel(new BorderLayout(0, 6));
        left.setBorder(BorderFactory.createEmptyBorder(8, 8, 8, 0));
        left.add(filter, BorderLayout.NORTH);
        left.add(new JScrollPane(userList), BorderLayout.CENTER);
        left.setPreferredSize(new Dimension(240, 400));

        peer.setFont(peer.getFont().deriveFont(Font.BOLD, peer.getFont().getSize2D() + 2f));
        conversation.setEditable(false);
        conversation.setBackground(userList.getBackground());
        conversation.setLineWrap(true);
        conversation.setWrapStyleWord(true);
        conversation.setBorder(BorderFactory.createEmptyBorder(6, 8, 6, 8));
        older.addActionListener(e -> work(model::loadOlder, null));
        JPanel top = new JPanel(new BorderLayout());
        top.add(peer, BorderLayout.CENTER);
        top.add(older, BorderLayout.EAST);

        input.putClientProperty("JTextField.placeholderText", "Write a message; Enter sends");
        input.addActionListener(e -> sendDraft());
        send.addActionListener(e -> sendDraft());
        input.getDocument().addDocumentListener(new DocumentListener() {
            @Override
            public void insertUpdate(DocumentEvent e) {
                showDraft();
            }

            @Override
            public void removeUpdate(DocumentEvent e) {
                showDraft();
            }

            @Override
            public void changedUpdate(DocumentEvent e) {
                showDraft();
            }
        });
        JPanel bottom = new JPanel(new BorderLayout(6, 0));
        bottom.add(input, BorderLayout.CENTER);
        JPanel east = new JPanel(new BorderLayout(6, 0));
        east.add(count, BorderLayout.WEST);
        east.add(send, BorderLayout.EAST);
        bottom.add(east, BorderLayout.EAST);

        JPanel right = new JPanel(new BorderLayout(0, 6));
        right.setBorder(BorderFactory.createEmptyBorder(8, 0, 8, 8));
        right.add(top, BorderLayout.NORTH);
        right.add(new JScrollPane(conversation), BorderLayout.CENTER);
        right.add(bottom, BorderLayout.SOUTH);

        JSplitPane split = new JSplitPane(JSplitPane.HORIZONTAL_SPLIT, left, right);
        split.setBorder(null);
        status.setBorder(BorderFactory.createEmptyBorder(4, 8, 4, 8));
        JPanel content = new JPanel(new BorderLayout());
        content.add(split, BorderLayout.CENTER);
        content.add(status, BorderLayout.SOUTH);
        frame.setContentPane(content);
        frame.setDefaultCloseOperation(JFrame.DO_NOTHING_ON_CLOSE);
        frame.addWindowListener(new WindowAdapter() {
            @Override
            public void windowClosing(WindowEvent e) {
                quit();
            }
        });
        frame.getRootPane().getInputMap(JComponent.WHEN_IN_FOCUSED_WINDOW)
                .put(KeyStroke.getKeyStroke(KeyEvent.VK_ESCAPE, 0), "dismiss");
        frame.getRootPane().getActionMap().put("dismiss", new AbstractAction() {
            @Override
            public void actionPerformed(java.awt.event.ActionEvent e) {
                model.dismissProblem();
            }
        });
        frame.setSize(820, 540);
        frame.setLocationByPlatform(true);
        showDraft();
        refresh.start();
    }

    private static JMenuItem item(String text, String name, Runnable action) {
        JMenuItem i = named(new JMenuItem(text), name);
        i.addActionListener(e -> action.run());
        return i;
    }

    // --- actions ---

    @FunctionalInterface
    private interface Action {
        void run() throws ChatException;
    }

    /**
     * Runs an action on the worker; then, on the event dispatch thread, {@code after} if it succeeded.
     * A failure needs no handling here: the model keeps it as its problem, which the status line shows.
     */
    private void work(Action action, Runnable after) {
        worker.execute(() -> {
            try {
                action.run();
                if (after != null) {
                    SwingUtilities.invokeLater(after);
                }
            } catch (ChatException e) {
                // shown from the model's snapshot
            } catch (RuntimeException e) {
                SwingUtilities.invokeLater(() -> status.setText("unexpected error: " + e));
            }
        });
    }

    private void signIn(boolean create) {
        String h = host.getText();
        String user = username.getText().strip();
        String name = fullName.getText().strip();
        char[] pw = password.getPassword();
        int p;
        try {
            p = Integer.parseInt(port.getText().strip());
        } catch (NumberFormatException e) {
            loginMessage.setText("the port must be a number, 1-65535");
            return;
        }
        loginButton.setEnabled(false);
        registerButton.setEnabled(false);
        loginMessage.setForeground(status.getForeground());
        loginMessage.setText(create ? "Creating the account…" : "Logging in…");
        worker.execute(() -> {
            String failure = null;
            try {
                if (create) {
                    model.register(h, p, user, name.isEmpty() ? user : name, new String(pw));
                } else {
                    model.login(h, p, user, new String(pw));
                }
            } catch (ChatException e) {
                failure = e.getMessage();
            } finally {
                java.util.Arrays.fill(pw, '\0');
            }
            String shown = failure;
            SwingUtilities.invokeLater(() -> {
                loginButton.setEnabled(true);
                registerButton.setEnabled(true);
                if (shown == null) {
                    password.setText("");
                    loginMessage.setText(" ");
                    loginDialog.setVisible(false);
                    title = "wirechat — " + user + " @ " + h.strip() + ":" + p;
                    render();
                    filter.requestFocusInWindow();
                } else {
                    loginMessage.setForeground(PROBLEM);
                    loginMessage.setText(shown);
                    loginDialog.pack();
                }
            });
        });
    }

    private void showLogin() {
        title = "wirechat";
        frame.setTitle(title);
        loginMessage.setText(" ");
        loginDialog.setLocationRelativeTo(frame);
        loginDialog.setVisible(true);
        (username.getText().isEmpty() ? username : password).requestFocusInWindow();
    }

    private void sendDraft() {
        String text = input.getText();
        if (!ChatModel.draftProblem(text).isEmpty() || model.snapshot().open() == null) {
            showDraft();
            return;
        }
        try {
            model.send(text); // queued at once: it shows as pending until the server has it
            input.setText("");
        } catch (ChatException e) {
            // the model shows why; the draft stays so nothing typed is lost
        }
        input.requestFocusInWindow();
        showDraft();
    }

    /** The draft's length against the limit, before anything is sent. */
    private void showDraft() {
        String text = input.getText();
        int limit = model.messageLimit();
        String why = ChatModel.draftProblem(text, limit);
        count.setText(ChatModel.length(text) + " / " + limit);
        count.setForeground(why.startsWith("too long") ? PROBLEM : peer.getForeground());
        count.setToolTipText(why.isEmpty() ? null : why);
        send.setEnabled(why.isEmpty() && input.isEnabled() && shownPeer != null);
    }

    private void confirmDelete() {
        ChatModel.Snapshot s = model.snapshot();
        if (s.me() == null) {
            return;
        }
        JPasswordField pw = named(new JPasswordField(16), "deletePassword");
        Object[] message = {"Delete the account " + s.me() + " for good?",
                "Messages waiting for you are shown first. Your password:", pw};
        JOptionPane pane = new JOptionPane(message, JOptionPane.WARNING_MESSAGE, JOptionPane.OK_CANCEL_OPTION) {
            @Override
            public void selectInitialValue() {
                pw.requestFocusInWindow(); // the password is what one types here, not the OK button
            }
        };
        JDialog dialog = pane.createDialog(frame, "Delete account");
        dialog.setVisible(true); // modal: returns once answered
        dialog.dispose();
        if (!Integer.valueOf(JOptionPane.OK_OPTION).equals(pane.getValue())) {
            return;
        }
        char[] chars = pw.getPassword();
        String given = new String(chars);
        java.util.Arrays.fill(chars, '\0');
        work(() -> model.deleteAccount(given), () -> {
            JOptionPane.showMessageDialog(frame, "The account " + s.me() + " was deleted.");
            showLogin();
        });
    }

    /** Closes everything, and exits once the worker has closed the model (no task may follow its shutdown). */
    private void quit() {
        close();
        Thread.ofPlatform().name("wirechat-quit").start(() -> {
            try {
                worker.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.exit(0);
        });
    }

    /**
     * Closes the window and the model's connections (acknowledging what was shown). Call on the event
     * dispatch thread; a second call does nothing.
     */
    void close() {
        if (worker.isShutdown()) {
            return;
        }
        refresh.stop();
        frame.dispose();
        loginDialog.dispose();
        worker.execute(model::close);
        worker.shutdown();
    }

    // --- showing the model ---

    private void render() {
        renderQueued.set(false);
        ChatModel.Snapshot s = model.snapshot();
        shownMe = s.me();
        rendering = true;
        try {
            renderUsers(s);
            renderConversation(s);
        } finally {
            rendering = false;
        }
        older.setVisible(s.olderAvailable());
        int unread = s.users().stream().mapToInt(ChatModel.User::unread).sum();
        frame.setTitle(unread == 0 ? title : "(" + unread + ") " + title); // seen in the task bar too
        String link = switch (s.link()) {
            case LOGGED_OUT -> "Not logged in";
            case CONNECTED -> "Connected as " + s.me();
            case RECONNECTING -> "Connection lost (" + s.linkDetail() + ") — reconnecting; nothing is lost";
        };
        status.setText(s.problem().isEmpty() ? link : link + "  •  " + s.problem());
        status.setForeground(s.problem().isEmpty() && s.link() != ChatModel.LinkState.RECONNECTING
                ? peer.getForeground() : PROBLEM);
        if (s.sessionExpired() && !loginDialog.isVisible()) {
            username.setText(s.me() == null ? username.getText() : s.me());
            showLogin();
            loginMessage.setForeground(PROBLEM);
            loginMessage.setText("Your session ended — log in again");
        }
        showDraft();
    }

    private void renderUsers(ChatModel.Snapshot s) {
        ChatModel.User selected = userList.getSelectedValue();
        boolean same = users.size() == s.users().size();
        for (int i = 0; same && i < users.size(); i++) {
            same = users.get(i).equals(s.users().get(i));
        }
        if (!same) {
            users.clear();
            users.addAll(s.users());
        }
        String want = s.open() != null ? s.open() : selected == null ? null : selected.username();
        for (int i = 0; i < users.size(); i++) {
            if (users.get(i).username().equalsIgnoreCase(want)) {
                if (userList.getSelectedIndex() != i) {
                    userList.setSelectedIndex(i);
                }
                return;
            }
        }
    }

    private void renderConversation(ChatModel.Snapshot s) {
        if (!Objects.equals(s.open(), shownPeer)) {
            shownPeer = s.open();
            peer.setText(s.open() == null ? "Choose someone on the left" : s.open());
            shownLines = List.of();
            conversation.setText("");
        }
        if (s.conversation().equals(shownLines)) {
            return;
        }
        StringBuilder text = new StringBuilder();
        for (ChatModel.Line l : s.conversation()) {
            text.append(TIME.format(Instant.ofEpochMilli(l.timestampMillis()).atZone(zone))).append("  ")
                    .append(l.mine() ? "me" : l.sender()).append(": ").append(l.body()).append('\n');
        }
        conversation.setText(text.toString());
        conversation.setCaretPosition(conversation.getDocument().getLength());
        shownLines = s.conversation();
    }

    /** A user in the list: an online mark, the name, the full name, the unread count. */
    private final class UserRenderer extends DefaultListCellRenderer {
        @Override
        public Component getListCellRendererComponent(JList<?> list, Object value, int index, boolean selected,
                boolean focus) {
            ChatModel.User u = (ChatModel.User) value;
            String text = "<html>" + (u.online() ? "<font color='#2e7d32'>●</font> " : "<font color='#9e9e9e'>○</font> ")
                    + (u.unread() > 0 ? "<b>" + escape(u.username()) + "</b>" : escape(u.username()))
                    + (u.fullName().isEmpty() ? "" : " <font color='#757575'>" + escape(u.fullName()) + "</font>")
                    + (u.username().equalsIgnoreCase(shownMe) ? " <font color='#757575'>(you)</font>" : "")
                    + (u.unread() > 0 ? " <font color='#1565c0'>(" + u.unread() + ")</font>" : "") + "</html>";
            super.getListCellRendererComponent(list, text, index, selected, focus);
            setToolTipText(u.username() + (u.online() ? " — online" : " — offline")
                    + (u.unread() > 0 ? ", " + u.unread() + " unread" : ""));
            return this;
        }

        private static String escape(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        }
    }
}
