package org.wirechat.client.desktop;

import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.Component;
import java.awt.Dimension;
import java.awt.Font;
import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import java.awt.Toolkit;
import java.awt.event.ActionEvent;
import java.awt.event.FocusAdapter;
import java.awt.event.FocusEvent;
import java.awt.event.KeyEvent;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.swing.AbstractAction;
import javax.swing.BorderFactory;
import javax.swing.DefaultListCellRenderer;
import javax.swing.DefaultListModel;
import javax.swing.JButton;
import javax.swing.JComboBox;
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
import javax.swing.JScrollBar;
import javax.swing.JScrollPane;
import javax.swing.JSplitPane;
import javax.swing.JTextArea;
import javax.swing.JTextField;
import javax.swing.JTextPane;
import javax.swing.KeyStroke;
import javax.swing.ListSelectionModel;
import javax.swing.SwingUtilities;
import javax.swing.Timer;
import javax.swing.event.DocumentEvent;
import javax.swing.event.DocumentListener;
import javax.swing.text.BadLocationException;
import javax.swing.text.DefaultCaret;
import javax.swing.text.DefaultStyledDocument;
import javax.swing.text.SimpleAttributeSet;
import javax.swing.text.StyleConstants;
import javax.swing.text.StyledDocument;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;

/**
 * The desktop client's window: a login/register dialog (cancellable), then Conversations above the
 * Directory (filtered as you type), the open conversation (day headings, yours on the right, pending
 * and refused messages marked) and the input box, and a status line. It only shows the
 * {@link ChatModel}'s snapshots; every action runs on one background worker, in order, never on the
 * event dispatch thread (a login runs on a thread of its own, so a cancelled one holds nothing up;
 * sending only queues, so it runs on the event dispatch thread). Components carry names so the smoke
 * test can find them.
 */
public final class ChatWindow {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm");
    private static final Color PROBLEM = new Color(0xC62828);
    private static final int REFRESH_MILLIS = 15_000;
    private static final int RECEIPTS_MILLIS = 3_000;

    private final ChatModel model;
    /** The search box, made once and kept (its last results stay while it is closed). */
    private SearchDialog searchDialog;

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
    /** The wire protocol, or gRPC (the server's --grpc-port). */
    private final JComboBox<String> transport = named(new JComboBox<>(new String[] {"wirechat", "gRPC"}),
            "transport");
    private final JTextField username = named(new JTextField(16), "username");
    private final JTextField fullName = named(new JTextField(16), "fullName");
    private final JPasswordField password = named(new JPasswordField(16), "password");
    private final JButton loginButton = named(new JButton("Log in"), "login");
    private final JButton registerButton = named(new JButton("Create account"), "register");
    private final JLabel loginMessage = named(new JLabel(" "), "loginMessage");
    private final JButton cancelLogin = named(new JButton("Cancel"), "cancelLogin");
    /** Counts login attempts: the answer of one that was cancelled (or superseded) is not shown. */
    private int loginAttempt;

    private final JTextField filter = named(new JTextField(), "filter");
    /** Applies the filter a moment after the last key, so the directory follows what is typed. */
    private final Timer filterDelay = new Timer(300, e -> applyFilter());
    private final DefaultListModel<ChatModel.Conversation> chats = new DefaultListModel<>();
    private final JList<ChatModel.Conversation> chatList = named(new JList<>(chats), "conversations");
    private final DefaultListModel<ChatModel.User> users = new DefaultListModel<>();
    private final JList<ChatModel.User> userList = named(new JList<>(users), "users");
    private final JLabel peer = named(new JLabel("Choose someone on the left"), "peer");
    private final JTextPane conversation = named(new JTextPane(), "conversation");
    private JScrollPane conversationScroll;
    private final Fonts fonts = new Fonts();
    private final JButton older = named(new JButton("Load older messages"), "older");
    private final JTextField input = named(new JTextField(), "input");
    private final JLabel count = named(new JLabel(), "count");
    private final JButton send = named(new JButton("Send"), "send");
    private final JTextArea status = named(new JTextArea(" "), "status");
    /** Shown while the server cannot be reached: tries it at once instead of waiting for the countdown. */
    private final JButton retry = named(new JButton("Retry now"), "retry");

    /** Re-reads the user list now and then, so online marks stay current. */
    private final Timer refresh;
    /** Asks the open conversation's receipts every few seconds while a message of yours there is not yet delivered. */
    private final Timer receiptsRefresh;
    /** Renders again a second after "typing…" was shown, so that it goes when it runs out. */
    private final Timer typingCheck = new Timer(1_000, e -> render());
    private boolean rendering; // set while the EDT copies a snapshot into the components
    private List<ChatModel.Line> shownLines = List.of();
    private String shownPeer;
    private String shownMe;
    /** The window's title without the unread count (which render() puts in front when there is one). */
    private String title = "wirechat";

    public ChatWindow(ChatModel model, String defaultHost, int defaultPort) {
        this(model, defaultHost, defaultPort, ChatClient.Transport.WIRE);
    }

    /** With the login dialog's protocol preset ({@code --grpc} on the command line presets gRPC). */
    public ChatWindow(ChatModel model, String defaultHost, int defaultPort, ChatClient.Transport defaultTransport) {
        this.model = Objects.requireNonNull(model);
        host.setText(defaultHost);
        port.setText(String.valueOf(defaultPort));
        transport.setSelectedIndex(defaultTransport == ChatClient.Transport.GRPC ? 1 : 0);
        loginDialog = new JDialog(frame, "wirechat — log in", false);
        refresh = new Timer(REFRESH_MILLIS, e -> {
            if (model.snapshot().me() != null) {
                work(model::refreshUsers, null);
            }
        });
        receiptsRefresh = new Timer(RECEIPTS_MILLIS, e -> {
            if (model.snapshot().me() != null) {
                work(model::refreshReceipts, null);
            }
        });
        typingCheck.setRepeats(false);
        buildLogin();
        buildFrame();
        model.addListener(m -> {
            if (renderQueued.compareAndSet(false, true)) {
                SwingUtilities.invokeLater(this::render);
            }
        });
    }

    static <T extends JComponent> T named(T c, String name) {
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
        Object[][] rows = {{"Server", host}, {"Port", port}, {"Protocol", transport}, {"Username", username}, {"Password", password},
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
        buttons.add(cancelLogin);
        cancelLogin.setVisible(false);
        cancelLogin.addActionListener(e -> cancelSignIn());
        c.gridx = 0;
        c.gridy = rows.length;
        c.gridwidth = 2;
        c.anchor = GridBagConstraints.CENTER;
        p.add(buttons, c);
        c.gridy++;
        loginMessage.setForeground(PROBLEM);
        p.add(loginMessage, c);
        FocusAdapter check = new FocusAdapter() {
            @Override
            public void focusLost(FocusEvent e) {
                checkServer();
            }
        };
        host.addFocusListener(check);
        port.addFocusListener(check);
        transport.addActionListener(e -> checkServer());
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
        account.add(item("Change password…", "menuPassword", this::changePassword));
        account.add(item("Change full name…", "menuFullName", () -> ask("Your full name, as others see it in the directory:",
                name -> work(() -> {
                    String now = model.setFullName(name);
                    SwingUtilities.invokeLater(() -> JOptionPane.showMessageDialog(frame, "Your full name is now " + now + "."));
                }, null))));
        account.add(item("Delete account…", "menuDelete", this::confirmDelete));
        account.addSeparator();
        account.add(item("Share delivery receipts", "menuReceiptsOn", () -> work(() -> model.setReceipts(true), null)));
        account.add(item("Stop sharing delivery receipts", "menuReceiptsOff", () -> work(() -> model.setReceipts(false), null)));
        account.addSeparator();
        account.add(item("Quit", "menuQuit", this::quit));
        bar.add(account);
        JMenu groups = new JMenu("Groups");
        groups.add(item("New group…", "menuGroupCreate", () -> ask("Name of the new group (#name):",
                name -> work(() -> model.createGroup(name), input::requestFocusInWindow))));
        groups.add(item("Add someone to this group…", "menuGroupAdd", () -> ask("Username to add to " + model.snapshot().open() + ":",
                user -> work(() -> model.addMember(user), null))));
        groups.add(item("Members of this group", "menuGroupMembers", () -> work(() -> {
            var m = model.members();
            StringBuilder b = new StringBuilder();
            for (var member : m.members()) {
                b.append(member.online() ? "● " : "○ ").append(member.username()).append(member.owner() ? "  (owner)" : "").append('\n');
            }
            SwingUtilities.invokeLater(() -> JOptionPane.showMessageDialog(frame, b.toString(), m.group() + ": "
                    + m.members().size() + " members", JOptionPane.PLAIN_MESSAGE));
        }, null)));
        groups.add(item("Leave this group", "menuGroupLeave", () -> work(model::leaveGroup, null)));
        bar.add(groups);
        JMenu search = new JMenu("Search");
        JMenuItem searchItem = item("Search messages…", "menuSearch", this::showSearch);
        searchItem.setAccelerator(KeyStroke.getKeyStroke(KeyEvent.VK_F, Toolkit.getDefaultToolkit().getMenuShortcutKeyMaskEx()));
        search.add(searchItem);
        bar.add(search);
        frame.setJMenuBar(bar);

        filter.putClientProperty("JTextField.placeholderText", "filter: part of a name, or * and ?");
        filter.setToolTipText("A part of the username or full name, ignoring case; or wildcards over the whole name:"
                + " * any run of characters, ? one character. Applied as you type");
        filterDelay.setRepeats(false);
        filter.addActionListener(e -> applyFilter());
        filter.getDocument().addDocumentListener(onChange(filterDelay::restart));
        userList.setSelectionMode(ListSelectionModel.SINGLE_SELECTION);
        userList.setCellRenderer(new UserRenderer());
        userList.addListSelectionListener(e -> {
            ChatModel.User u = userList.getSelectedValue();
            if (!rendering && !e.getValueIsAdjusting() && u != null) {
                work(() -> model.open(u.username()), input::requestFocusInWindow);
            }
        });
        chatList.setSelectionMode(ListSelectionModel.SINGLE_SELECTION);
        chatList.setCellRenderer(new ConversationRenderer());
        chatList.addListSelectionListener(e -> {
            ChatModel.Conversation c = chatList.getSelectedValue();
            if (!rendering && !e.getValueIsAdjusting() && c != null) {
                work(() -> model.open(c.peer()), input::requestFocusInWindow);
            }
        });
        JPanel chatsPanel = new JPanel(new BorderLayout(0, 4));
        chatsPanel.add(heading("Conversations"), BorderLayout.NORTH);
        chatsPanel.add(new JScrollPane(chatList), BorderLayout.CENTER);
        JPanel directory = new JPanel(new BorderLayout(0, 4));
        JPanel directoryTop = new JPanel(new BorderLayout(0, 4));
        directoryTop.add(heading("Directory"), BorderLayout.NORTH);
        directoryTop.add(filter, BorderLayout.SOUTH);
        directory.add(directoryTop, BorderLayout.NORTH);
        directory.add(new JScrollPane(userList), BorderLayout.CENTER);
        JSplitPane lists = new JSplitPane(JSplitPane.VERTICAL_SPLIT, chatsPanel, directory);
        lists.setBorder(null);
        lists.setResizeWeight(0.4);
        JPanel left = new JPanel(new BorderLayout(0, 6));
        left.setBorder(BorderFactory.createEmptyBorder(8, 8, 8, 0));
        left.add(lists, BorderLayout.CENTER);
        left.setPreferredSize(new Dimension(260, 400));

        peer.setFont(peer.getFont().deriveFont(Font.BOLD, peer.getFont().getSize2D() + 2f));
        conversation.setEditable(false);
        // the view scrolls where render() puts it, not to the caret of each new document
        ((DefaultCaret) conversation.getCaret()).setUpdatePolicy(DefaultCaret.NEVER_UPDATE);
        conversation.setBackground(userList.getBackground());
        conversation.setBorder(BorderFactory.createEmptyBorder(6, 8, 6, 8));
        older.addActionListener(e -> work(model::loadOlder, null));
        JPanel top = new JPanel(new BorderLayout());
        top.add(peer, BorderLayout.CENTER);
        top.add(older, BorderLayout.EAST);

        input.putClientProperty("JTextField.placeholderText", "Write a message; Enter sends");
        input.addActionListener(e -> sendDraft());
        send.addActionListener(e -> sendDraft());
        input.getDocument().addDocumentListener(onChange(() -> {
            showDraft();
            String draft = input.getText();
            work(() -> model.draftChanged(draft), null); // "typing…" on the other side (a hint, off this thread)
        }));
        JPanel bottom = new JPanel(new BorderLayout(6, 0));
        bottom.add(input, BorderLayout.CENTER);
        JPanel east = new JPanel(new BorderLayout(6, 0));
        east.add(count, BorderLayout.WEST);
        east.add(send, BorderLayout.EAST);
        bottom.add(east, BorderLayout.EAST);

        JPanel right = new JPanel(new BorderLayout(0, 6));
        right.setBorder(BorderFactory.createEmptyBorder(8, 0, 8, 8));
        right.add(top, BorderLayout.NORTH);
        conversationScroll = new JScrollPane(conversation);
        right.add(conversationScroll, BorderLayout.CENTER);
        right.add(bottom, BorderLayout.SOUTH);

        JSplitPane split = new JSplitPane(JSplitPane.HORIZONTAL_SPLIT, left, right);
        split.setBorder(null);
        status.setBorder(BorderFactory.createEmptyBorder(4, 8, 4, 8));
        status.setEditable(false);
        status.setFocusable(false);
        status.setLineWrap(true); // a long problem wraps instead of being cut off
        status.setWrapStyleWord(true);
        status.setOpaque(false);
        JPanel content = new JPanel(new BorderLayout());
        content.add(split, BorderLayout.CENTER);
        JPanel statusBar = new JPanel(new BorderLayout());
        statusBar.add(status, BorderLayout.CENTER);
        retry.setVisible(false);
        retry.addActionListener(e -> work(model::retryNow, null));
        statusBar.add(retry, BorderLayout.EAST);
        content.add(statusBar, BorderLayout.SOUTH);
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
            public void actionPerformed(ActionEvent e) {
                model.dismissProblem();
            }
        });
        frame.setSize(820, 540);
        frame.setLocationByPlatform(true);
        showDraft();
        refresh.start();
        receiptsRefresh.start();
    }

    private static JLabel heading(String text) {
        JLabel l = new JLabel(text);
        l.setFont(l.getFont().deriveFont(Font.BOLD));
        return l;
    }

    private static DocumentListener onChange(Runnable r) {
        return new DocumentListener() {
            @Override
            public void insertUpdate(DocumentEvent e) {
                r.run();
            }

            @Override
            public void removeUpdate(DocumentEvent e) {
                r.run();
            }

            @Override
            public void changedUpdate(DocumentEvent e) {
                r.run();
            }
        };
    }

    private void applyFilter() {
        filterDelay.stop();
        String pattern = filter.getText();
        if (model.snapshot().me() != null) {
            work(() -> model.filter(pattern), null);
        }
    }

    private void showSearch() {
        if (model.snapshot().me() == null) {
            return;
        }
        if (searchDialog == null) {
            searchDialog = new SearchDialog(frame, model, worker,
                    peer -> work(() -> model.open(peer), input::requestFocusInWindow));
        }
        searchDialog.show();
    }

    /** Asks for one line of text; {@code then} runs with it unless the person cancels or gives nothing. */
    private void ask(String question, Consumer<String> then) {
        String answer = JOptionPane.showInputDialog(frame, question);
        if (answer != null && !answer.isBlank()) {
            then.accept(answer.strip());
        }
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
        ChatClient.Transport over = transport.getSelectedIndex() == 1 ? ChatClient.Transport.GRPC : ChatClient.Transport.WIRE;
        int attempt = ++loginAttempt;
        loginButton.setEnabled(false);
        registerButton.setEnabled(false);
        cancelLogin.setVisible(true);
        loginMessage.setForeground(peer.getForeground());
        loginMessage.setText(create ? "Creating the account…" : "Logging in…");
        loginDialog.pack();
        // a thread of its own, not the worker: a cancelled attempt still waiting on the network holds up nothing
        Thread.ofVirtual().name("wirechat-login").start(() -> {
            String failure = null;
            try {
                if (create) {
                    model.register(h, p, over, user, name.isEmpty() ? user : name, new String(pw));
                } else {
                    model.login(h, p, over, user, new String(pw));
                }
            } catch (ChatException e) {
                failure = e.getMessage();
            } finally {
                Arrays.fill(pw, '\0');
            }
            String shown = failure;
            SwingUtilities.invokeLater(() -> {
                if (attempt != loginAttempt) {
                    return; // cancelled: the dialog has moved on
                }
                endSignIn();
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

    /** The server last checked, so leaving a field unchanged does not ask again. */
    private String checkedServer = "";

    /**
     * Asks the server entered whether it is there (SERVER_INFO, TLS included) as soon as the host or port is
     * left, and shows the answer in the dialog: an unreachable server or a TLS mismatch is seen before the
     * password is typed.
     */
    private void checkServer() {
        String h = host.getText().strip();
        int p;
        try {
            p = Integer.parseInt(port.getText().strip());
        } catch (NumberFormatException e) {
            loginMessage.setForeground(PROBLEM);
            loginMessage.setText("the port must be a number, 1-65535");
            return;
        }
        ChatClient.Transport over = transport.getSelectedIndex() == 1 ? ChatClient.Transport.GRPC : ChatClient.Transport.WIRE;
        String which = h + ":" + p + " " + over;
        if (h.isEmpty() || which.equals(checkedServer) || !loginButton.isEnabled()) {
            return; // nothing new to check, or a login is under way
        }
        checkedServer = which;
        loginMessage.setForeground(peer.getForeground());
        loginMessage.setText("Checking " + h + ":" + p + "…");
        Thread.ofVirtual().name("wirechat-check").start(() -> {
            String shown;
            boolean ok;
            try {
                shown = "\u2713 " + model.checkServer(h, p, over);
                ok = true;
            } catch (ChatException e) {
                shown = e.getMessage();
                ok = false;
            }
            String text = shown;
            boolean good = ok;
            SwingUtilities.invokeLater(() -> {
                if (!which.equals(checkedServer) || !loginButton.isEnabled()) {
                    return; // another server was entered meanwhile, or a login began
                }
                if (!good) {
                    checkedServer = ""; // checked again when left again
                }
                loginMessage.setForeground(good ? peer.getForeground() : PROBLEM);
                loginMessage.setText(text);
                loginDialog.pack();
            });
        });
    }

    private void cancelSignIn() {
        loginAttempt++;
        model.cancelLogin();
        endSignIn();
        loginMessage.setForeground(peer.getForeground());
        loginMessage.setText("Cancelled");
    }

    private void endSignIn() {
        loginButton.setEnabled(true);
        registerButton.setEnabled(true);
        cancelLogin.setVisible(false);
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

    /** Asks the current password and the new one twice; the account's other sessions end, which the dialog says first. */
    private void changePassword() {
        if (model.snapshot().me() == null) {
            return;
        }
        JPasswordField current = named(new JPasswordField(16), "currentPassword");
        JPasswordField next = named(new JPasswordField(16), "newPassword");
        JPasswordField again = named(new JPasswordField(16), "newPasswordAgain");
        Object[] message = {"Your other sessions (other devices and clients) will be logged out.", "Current password:", current,
                "New password (8-50 characters):", next, "New password again:", again};
        JOptionPane pane = new JOptionPane(message, JOptionPane.QUESTION_MESSAGE, JOptionPane.OK_CANCEL_OPTION) {
            @Override
            public void selectInitialValue() {
                current.requestFocusInWindow();
            }
        };
        JDialog dialog = pane.createDialog(frame, "Change password");
        dialog.setVisible(true); // modal: returns once answered
        dialog.dispose();
        char[][] typed = {current.getPassword(), next.getPassword(), again.getPassword()};
        String old = new String(typed[0]);
        String chosen = new String(typed[1]);
        boolean same = Arrays.equals(typed[1], typed[2]);
        for (char[] t : typed) {
            Arrays.fill(t, '\0');
        }
        if (!Integer.valueOf(JOptionPane.OK_OPTION).equals(pane.getValue())) {
            return;
        }
        if (!same) {
            JOptionPane.showMessageDialog(frame, "The new passwords differ — the password was not changed.");
            return;
        }
        work(() -> model.changePassword(old, chosen), () -> JOptionPane.showMessageDialog(frame,
                "Password changed. Your other sessions are logged out; they log in again with the new password."));
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
        Arrays.fill(chars, '\0');
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
                worker.awaitTermination(10, TimeUnit.SECONDS);
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
        receiptsRefresh.stop();
        typingCheck.stop();
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
            renderList(chatList, chats, s.conversations(), ChatModel.Conversation::peer, s.open());
            renderList(userList, users, s.users(), ChatModel.User::username, s.open());
            renderConversation(s);
        } finally {
            rendering = false;
        }
        older.setVisible(s.olderAvailable());
        int unread = s.unread();
        frame.setTitle(unread == 0 ? title : "(" + unread + ") " + title); // seen in the task bar too
        String line = s.status();
        if (!line.equals(status.getText())) {
            status.setText(line);
        }
        status.setToolTipText(line);
        retry.setVisible(s.link() == ChatModel.LinkState.RECONNECTING);
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

    /** Puts rows into a list only when they changed, and selects the open conversation's row (or none). */
    private static <T> void renderList(JList<T> list, DefaultListModel<T> model, List<T> rows,
            Function<T, String> name, String open) {
        boolean same = model.size() == rows.size();
        for (int i = 0; same && i < model.size(); i++) {
            same = model.get(i).equals(rows.get(i));
        }
        if (!same) {
            model.clear();
            model.addAll(rows);
        }
        for (int i = 0; i < model.size(); i++) {
            if (name.apply(model.get(i)).equalsIgnoreCase(open)) {
                if (list.getSelectedIndex() != i) {
                    list.setSelectedIndex(i);
                }
                return;
            }
        }
        list.clearSelection();
    }

    /**
     * The conversation as people expect it: a heading for each day, every message with its time, yours on
     * the right in blue and others' on the left, yours not yet stored greyed ("sending…") or marked in red
     * when refused. Loading older messages keeps the message you were reading where it was; a new message
     * scrolls to the bottom only if you were there.
     */
    private void renderConversation(ChatModel.Snapshot s) {
        boolean newPeer = !Objects.equals(s.open(), shownPeer);
        if (newPeer) {
            shownPeer = s.open();
            shownLines = List.of();
        }
        peer.setText(s.open() == null ? "Choose someone on the left" : s.typing().isEmpty() ? s.open() : s.open() + " — " + s.typing());
        if (!s.typing().isEmpty()) {
            typingCheck.restart(); // "typing…" ends by itself: look again in a second
        }
        if (!newPeer && s.conversation().equals(shownLines)) {
            return;
        }
        JScrollBar bar = conversationScroll.getVerticalScrollBar();
        boolean atBottom = bar.getValue() + bar.getVisibleAmount() >= bar.getMaximum() - 4;
        int fromBottom = bar.getMaximum() - bar.getValue();
        boolean olderAdded = !shownLines.isEmpty() && !s.conversation().isEmpty()
                && !s.conversation().get(0).equals(shownLines.get(0))
                && s.conversation().contains(shownLines.get(0));
        StyledDocument doc = new DefaultStyledDocument();
        for (ChatModel.Row row : ChatModel.rows(s.conversation(), zone, LocalDate.now(zone))) {
            switch (row) {
                case ChatModel.DayRow d -> paragraph(doc, StyleConstants.ALIGN_CENTER, 8,
                        new String[] {d.label()}, new Color[] {MUTED}, new boolean[] {true});
                case ChatModel.MessageRow m -> message(doc, m);
            }
        }
        conversation.setDocument(doc);
        shownLines = s.conversation();
        conversationScroll.validate(); // lays the new text out now, so the scroll bar below measures it
        JScrollBar b = conversationScroll.getVerticalScrollBar();
        if (newPeer || (atBottom && !olderAdded)) {
            b.setValue(b.getMaximum());
        } else {
            b.setValue(b.getMaximum() - fromBottom); // the same message stays in view
        }
    }

    private static final Color MUTED = new Color(0x757575);
    private static final Color MINE = new Color(0x1565C0);

    private void message(StyledDocument doc, ChatModel.MessageRow m) {
        ChatModel.Line l = m.line();
        String reach = l.reach().isEmpty() ? "" : " " + l.reach(); // in a group: how many of the members have it
        String state = switch (l.delivery()) {
            case SENT -> "  \u2713" + reach; // stored
            case DELIVERED -> "  \u2713\u2713" + reach; // the peer has it (in a group: every member it reached)
            case PENDING -> "  · sending…";
            case FAILED -> "  · not sent: " + l.note();
        };
        Color body = l.delivery() == ChatModel.Delivery.PENDING ? MUTED
                : l.delivery() == ChatModel.Delivery.FAILED ? PROBLEM : l.mine() ? MINE : peer.getForeground();
        if (l.mine()) {
            paragraph(doc, StyleConstants.ALIGN_RIGHT, 4,
                    new String[] {l.body(), "  " + m.time() + state},
                    new Color[] {body, l.delivery() == ChatModel.Delivery.FAILED ? PROBLEM : MUTED}, new boolean[] {false, false});
        } else {
            paragraph(doc, StyleConstants.ALIGN_LEFT, 4,
                    new String[] {l.sender() + "  ", l.body(), "  " + m.time()},
                    new Color[] {peer.getForeground(), body, MUTED}, new boolean[] {true, false, false});
        }
    }

    /** Appends a paragraph of runs, each in its colour (bold or not), with emoji in a font that has them. */
    private void paragraph(StyledDocument doc, int alignment, int spaceAbove, String[] runs, Color[] colours,
            boolean[] bold) {
        try {
            int start = doc.getLength();
            for (int i = 0; i < runs.length; i++) {
                for (Fonts.Run r : fonts.runs(conversation.getFont(), runs[i])) {
                    SimpleAttributeSet a = new SimpleAttributeSet();
                    StyleConstants.setForeground(a, colours[i]);
                    StyleConstants.setBold(a, bold[i]);
                    if (r.family() != null) {
                        StyleConstants.setFontFamily(a, r.family());
                    }
                    doc.insertString(doc.getLength(), r.text(), a);
                }
            }
            doc.insertString(doc.getLength(), "\n", null);
            SimpleAttributeSet p = new SimpleAttributeSet();
            StyleConstants.setAlignment(p, alignment);
            StyleConstants.setSpaceAbove(p, spaceAbove);
            doc.setParagraphAttributes(start, doc.getLength() - start, p, false);
        } catch (BadLocationException e) {
            throw new IllegalStateException(e); // appending at the end cannot be out of range
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** A presence mark: ● online, ○ offline, nothing when it is not known (disconnected, or not looked up yet). */
    private static String mark(ChatModel.Presence p) {
        return switch (p) {
            case ONLINE -> "<font color='#2e7d32'>●</font> ";
            case OFFLINE -> "<font color='#9e9e9e'>○</font> ";
            case UNKNOWN -> "<font color='#bdbdbd'>·</font> ";
        };
    }

    private static String presenceWords(ChatModel.Presence p) {
        return switch (p) {
            case ONLINE -> " — online";
            case OFFLINE -> " — offline";
            case UNKNOWN -> " — online or not: not known now";
        };
    }

    /** A user in the directory: presence, the name, the full name, the unread count. */
    private final class UserRenderer extends DefaultListCellRenderer {
        @Override
        public Component getListCellRendererComponent(JList<?> list, Object value, int index, boolean selected,
                boolean focus) {
            ChatModel.User u = (ChatModel.User) value;
            String text = "<html>" + mark(u.presence())
                    + (u.unread() > 0 ? "<b>" + escape(u.username()) + "</b>" : escape(u.username()))
                    + (u.fullName().isEmpty() ? "" : " <font color='#757575'>" + escape(u.fullName()) + "</font>")
                    + (u.username().equalsIgnoreCase(shownMe) ? " <font color='#757575'>(you)</font>" : "")
                    + (u.unread() > 0 ? " <font color='#1565c0'>(" + u.unread() + ")</font>" : "") + "</html>";
            super.getListCellRendererComponent(list, text, index, selected, focus);
            setToolTipText(u.username() + presenceWords(u.presence()) + (u.unread() > 0 ? ", " + u.unread() + " unread" : ""));
            return this;
        }
    }

    /** A conversation: presence, the name, the unread count, then its last message on a second line. */
    private final class ConversationRenderer extends DefaultListCellRenderer {
        @Override
        public Component getListCellRendererComponent(JList<?> list, Object value, int index, boolean selected,
                boolean focus) {
            ChatModel.Conversation c = (ChatModel.Conversation) value;
            String last = c.last().replace('\n', ' ');
            if (last.length() > 40) {
                last = last.substring(0, 39) + "…";
            }
            String when = c.lastMillis() == 0 ? "" : TIME.format(Instant.ofEpochMilli(c.lastMillis()).atZone(zone)); // none yet
            String text = "<html>" + mark(c.presence())
                    + (c.unread() > 0 ? "<b>" + escape(c.peer()) + "</b>" : escape(c.peer()))
                    + (c.unread() > 0 ? " <font color='#1565c0'>(" + c.unread() + ")</font>" : "")
                    + " <font color='#9e9e9e'>" + when + "</font>"
                    + "<br><font color='#757575'>" + escape(last) + "</font></html>";
            super.getListCellRendererComponent(list, text, index, selected, focus);
            setToolTipText(c.peer() + (c.fullName().isEmpty() ? "" : " (" + c.fullName() + ")") + presenceWords(c.presence())
                    + (c.unread() > 0 ? ", " + c.unread() + " unread" : ""));
            return this;
        }
    }
}
