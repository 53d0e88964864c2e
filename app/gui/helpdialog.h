#pragma once
// Help > Keyboard Shortcuts and Help > Scores (issue 20). Both are built from what the program holds when they
// open, so they cannot go stale: the shortcuts from the QActions (menus first, then the actions widgets carry)
// and QShortcuts of the window, the scores from the scorer registry's own texts (Scorer::summary() and each
// ColumnInfo::definition, what `shardscope-cli scorers --columns` prints). Mouse gestures have no such source:
// they are listed here as the widgets' headers document them (histogramwidget.h, scatterwidget.h).
//
// The dialogs are not modal and there is one of each per window: opening it again raises it (the shortcuts
// collected anew). The scores are read off the GUI thread: making every scorer may read model files.

#include <QDialog>
#include <QList>
#include <QString>

class QMenu;
class QTextBrowser;

namespace shardscope {

class HelpDialog : public QDialog {
    Q_OBJECT
public:
    enum class Kind { Shortcuts, Scores };

    // Adds "Keyboard Shortcuts" and "Scores" to `menu`; each opens its dialog over `window`.
    static void addToMenu(QMenu* menu, QWidget* window);
    // Opens (or raises, refreshed) the dialog of `kind` over `window`.
    static HelpDialog* openFor(Kind kind, QWidget* window);

    struct Shortcut {
        QString keys; // native text, e.g. "Ctrl+Z"; several sequences joined by ", "
        QString what; // the action's text, without mnemonics
        QString where; // "Edit menu", or the widget the shortcut belongs to
    };
    // Every shortcut `window` defines now: its menu bar's actions (submenus included, in menu order), then the
    // other actions and QShortcuts among its descendants.
    static QList<Shortcut> collectShortcuts(const QWidget* window);
    static QString shortcutsHtml(const QList<Shortcut>& shortcuts);
    // What each score means, grouped by scorer, from the registry. Makes every scorer: call it off the GUI thread.
    static QString scoresHtml();

    Kind kind() const { return m_kind; }
    // The contents as plain text (what a reader sees), and whether they have arrived.
    QString plainText() const;
    bool isReady() const { return m_ready; }

signals:
    // The contents are shown (at once for the shortcuts, when the registry has been read for the scores).
    void ready();

private:
    HelpDialog(Kind kind, QWidget* window);
    void refresh();

    Kind m_kind;
    QWidget* m_window;
    QTextBrowser* m_browser = nullptr;
    bool m_ready = false;
    bool m_reading = false; // the scores are being read
};

} // namespace shardscope
