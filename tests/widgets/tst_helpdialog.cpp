// Help > Keyboard Shortcuts and Help > What the Scores Mean (issue 20): opened from the real window's Help menu,
// the first lists the window's own actions as they are when it opens, the second the scorer registry's own
// definitions.

#include "testhelpers.h"

#include <helpdialog.h>
#include <mainwindow.h>
#include <scorer.h>

#include <QDir>
#include <QKeySequence>
#include <QMenu>
#include <QMenuBar>
#include <QTest>

#ifndef SHARDSCOPE_TEST_OUTPUT
#define SHARDSCOPE_TEST_OUTPUT "."
#endif

using namespace shardscope;

class TestHelpDialog : public QObject {
    Q_OBJECT

    // The Help menu entry with this object name, triggered as a user would (the menu's own action).
    static bool trigger(MainWindow& w, const char* name)
    {
        for (QAction* top : w.menuBar()->actions())
            if (top->menu())
                for (QAction* a : top->menu()->actions())
                    if (a->objectName() == QLatin1String(name)) {
                        a->trigger();
                        return true;
                    }
        return false;
    }

    static QMenu* menuTitled(MainWindow& w, const QString& title)
    {
        for (QAction* top : w.menuBar()->actions())
            if (top->menu() && top->menu()->title().remove(QLatin1Char('&')) == title)
                return top->menu();
        return nullptr;
    }

    static void screenshot(QWidget* widget, const QString& name)
    {
        const QString path = QDir(QStringLiteral(SHARDSCOPE_TEST_OUTPUT)).filePath(name);
        QVERIFY(widget->grab().save(path));
        qInfo("screenshot: %s", qPrintable(path));
    }

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void shortcutsComeFromTheWindowsActions()
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(trigger(w, "keyboardShortcutsAction"));
        auto* dialog = w.findChild<HelpDialog*>(QStringLiteral("shortcutsDialog"));
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QVERIFY(!dialog->isModal());
        QVERIFY(dialog->isReady());

        // Undo is Edit > Undo…, Ctrl+Z, read from the window's Edit menu.
        const QString undoKeys = QKeySequence(QKeySequence::Undo).toString(QKeySequence::NativeText);
        QCOMPARE(undoKeys, QStringLiteral("Ctrl+Z"));
        QMenu* edit = menuTitled(w, QStringLiteral("Edit"));
        QVERIFY(edit);
        QAction* undo = nullptr;
        for (QAction* a : edit->actions())
            if (a->shortcuts().contains(QKeySequence(QKeySequence::Undo)))
                undo = a;
        QVERIFY2(undo, "the Edit menu has an action on Ctrl+Z");
        const QString undoText = undo->text().remove(QLatin1Char('&'));
        bool listed = false;
        for (const auto& s : HelpDialog::collectShortcuts(&w))
            listed |= s.keys == undoKeys && s.what == undoText && s.where == QStringLiteral("Edit menu");
        QVERIFY(listed);
        const QString text = dialog->plainText();
        QVERIFY2(text.contains(undoKeys) && text.contains(undoText), qPrintable(text));
        // Every menu-bar shortcut is there, and the mouse gestures of the plots.
        for (QAction* top : w.menuBar()->actions())
            if (top->menu())
                for (QAction* a : top->menu()->actions())
                    if (!a->shortcut().isEmpty())
                        QVERIFY2(
                            text.contains(a->shortcut().toString(QKeySequence::NativeText)), qPrintable(a->text()));
        QVERIFY(text.contains(QStringLiteral("Ctrl+Wheel")));
        // A shortcut outside the menus (the table's S key) is listed with where it works.
        QVERIFY2(text.contains(QStringLiteral("Sort by Current Column")), qPrintable(text));
        screenshot(dialog, QStringLiteral("help-shortcuts.png"));

        // Collected when the dialog opens, not written down: an action added now is listed on the next open,
        // in the same dialog.
        QAction* probe = edit->addAction(QStringLiteral("Issue 20 Probe"));
        probe->setShortcut(QKeySequence(QStringLiteral("Ctrl+Alt+J")));
        QVERIFY(!dialog->plainText().contains(QStringLiteral("Issue 20 Probe")));
        QVERIFY(trigger(w, "keyboardShortcutsAction"));
        QCOMPARE(w.findChildren<HelpDialog*>().size(), 1);
        QVERIFY(dialog->plainText().contains(QStringLiteral("Issue 20 Probe")));
        QVERIFY(dialog->plainText().contains(QStringLiteral("Ctrl+Alt+J")));
    }

    void scoresComeFromTheRegistry()
    {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(trigger(w, "scoresHelpAction"));
        auto* dialog = w.findChild<HelpDialog*>(QStringLiteral("scoresDialog"));
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        // Read off the GUI thread; the dialog shows it when it arrives.
        QTRY_VERIFY_WITH_TIMEOUT(dialog->isReady(), 20000);
        const QString text = dialog->plainText().simplified();

        registerBuiltinScorers();
        auto zlib = ScorerRegistry::instance().create("zlib6");
        QVERIFY(zlib);
        std::string zlibDefinition;
        for (const ColumnInfo& c : zlib->columns())
            if (c.name == "zlib6")
                zlibDefinition = c.definition;
        QVERIFY(!zlibDefinition.empty());
        QVERIFY2(text.contains(QString::fromStdString(zlibDefinition).simplified()), qPrintable(text.left(2000)));
        QVERIFY(text.contains(QString::fromStdString(zlib->summary()).simplified()));
        // Every scorer and every column is there, grouped by scorer in the registry's order.
        qsizetype at = 0;
        for (const auto& s : ScorerRegistry::instance().createAll()) {
            const qsizetype found = text.indexOf(QString::fromStdString(s->name()), at);
            QVERIFY2(found >= 0, s->name().c_str());
            at = found;
            for (const ColumnInfo& c : s->columns())
                QVERIFY2(text.contains(QString::fromStdString(c.definition).simplified()), c.name.c_str());
        }
        screenshot(dialog, QStringLiteral("help-scores.png"));
    }
};

QTEST_MAIN(TestHelpDialog)
#include "tst_helpdialog.moc"
