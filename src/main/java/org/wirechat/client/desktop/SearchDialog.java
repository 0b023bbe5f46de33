package org.wirechat.client.desktop;

import java.awt.BorderLayout;
import java.awt.event.ActionEvent;
import java.awt.event.MouseAdapter;
import java.awt.event.MouseEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.swing.AbstractAction;
import javax.swing.BorderFactory;
import javax.swing.DefaultListModel;
import javax.swing.JButton;
import javax.swing.JDialog;
import javax.swing.JFrame;
import javax.swing.JLabel;
import javax.swing.JList;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JTextField;
import javax.swing.KeyStroke;
import javax.swing.ListSelectionModel;
import javax.swing.SwingUtilities;
import org.wirechat.client.ChatException;

/**
 * The search box (Search ▸ Search messages…, Ctrl+F): words in, the messages holding every one of them out, newest
 * first, each with its time, sender and conversation; "Older matches" pages on, and a double click (or Enter) on a
 * result opens its conversation. The searching is {@link ChatModel#search}'s, on the window's worker.
 */
final class SearchDialog {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    private final ChatModel model;
    private final Executor worker;
    private final Consumer<String> open;
    private final JDialog dialog;
    private final JTextField words = ChatWindow.named(new JTextField(24), "searchWords");
    private final DefaultListModel<ChatModel.Found> results = new DefaultListModel<>();
    private final JList<ChatModel.Found> list = ChatWindow.named(new JList<>(results), "searchResults");
    private final JButton older = ChatWindow.named(new JButton("Older matches"), "searchOlder");
    private final JLabel note = ChatWindow.named(new JLabel(" "), "searchNote");
    private String query = "";
    private long nextBeforeId;

    SearchDialog(JFrame frame, ChatModel model, Executor worker, Consumer<String> open) {
        this.model = model;
        this.worker = worker;
        this.open = open;
        dialog = new JDialog(frame, "Search messages", false);
        JButton search = ChatWindow.named(new JButton("Search"), "searchButton");
        words.putClientProperty("JTextField.placeholderText", "words; word* for words that start so");
        words.setToolTipText("Every word must be in the message; accents and case do not matter; caf* finds café");
        words.addActionListener(e -> search(words.getText().strip(), 0));
        search.addActionListener(e -> search(words.getText().strip(), 0));
        older.addActionListener(e -> search(query, nextBeforeId));
        older.setEnabled(false);
        list.setSelectionMode(ListSelectionModel.SINGLE_SELECTION);
        list.setCellRenderer((l, f, index, selected, focus) -> {
            JLabel row = new JLabel(line(f, model.snapshot().me()));
            row.setOpaque(true);
            row.setBackground(selected ? l.getSelectionBackground() : l.getBackground());
            row.setForeground(selected ? l.getSelectionForeground() : l.getForeground());
            row.setBorder(BorderFactory.createEmptyBorder(2, 4, 2, 4));
            return row;
        });
        list.addMouseListener(new MouseAdapter() {
            @Override
            public void mouseClicked(MouseEvent e) {
                if (e.getClickCount() == 2) {
                    openSelected();
                }
            }
        });
        list.getInputMap().put(KeyStroke.getKeyStroke("ENTER"), "openResult");
        list.getActionMap().put("openResult", new AbstractAction() {
            @Override
            public void actionPerformed(ActionEvent e) {
                openSelected();
            }
        });
        JPanel top = new JPanel(new BorderLayout(6, 0));
        top.add(words, BorderLayout.CENTER);
        top.add(search, BorderLayout.EAST);
        JPanel bottom = new JPanel(new BorderLayout(6, 0));
        bottom.add(note, BorderLayout.CENTER);
        bottom.add(older, BorderLayout.EAST);
        JPanel p = new JPanel(new BorderLayout(0, 6));
        p.setBorder(BorderFactory.createEmptyBorder(8, 8, 8, 8));
        p.add(top, BorderLayout.NORTH);
        p.add(new JScrollPane(list), BorderLayout.CENTER);
        p.add(bottom, BorderLayout.SOUTH);
        dialog.setContentPane(p);
        dialog.setSize(640, 420);
        dialog.setLocationRelativeTo(frame);
    }

    void show() {
        dialog.setVisible(true);
        words.requestFocusInWindow();
        words.selectAll();
    }

    /** One result: {@code [2026-12-07 14:03] bob → you: body} or {@code … carol in #crew: body}, on one line. */
    static String line(ChatModel.Found f, String me) {
        String when = WHEN.format(Instant.ofEpochMilli(f.timestampMillis()).atZone(ZoneId.systemDefault()));
        boolean mine = f.sender().equalsIgnoreCase(me == null ? "" : me);
        String where = f.conversation().startsWith("#") ? " in " + f.conversation()
                : " \u2192 " + (mine ? f.conversation() : "you");
        return "[" + when + "] " + (mine ? "you" : f.sender()) + where + ": " + f.body().replace('\n', ' ');
    }

    private void openSelected() {
        ChatModel.Found f = list.getSelectedValue();
        if (f != null) {
            open.accept(f.conversation());
        }
    }

    private void search(String text, long before) {
        if (text.isEmpty()) {
            return;
        }
        note.setText("searching…");
        worker.execute(() -> {
            try {
                ChatModel.SearchPage page = model.search(text, before);
                SwingUtilities.invokeLater(() -> {
                    if (before == 0) {
                        results.clear();
                    }
                    page.found().forEach(results::addElement);
                    query = text;
                    nextBeforeId = page.nextBeforeId();
                    older.setEnabled(nextBeforeId != 0);
                    note.setText(results.isEmpty() ? "no messages match " + text
                            : results.size() + (results.size() == 1 ? " match" : " matches") + (nextBeforeId != 0 ? " so far" : ""));
                });
            } catch (ChatException e) {
                SwingUtilities.invokeLater(() -> note.setText(e.getMessage()));
            }
        });
    }
}
