// File > Open Recent (issue 19): entries newest first with "(+N more)" for several inputs,
// choosing one asks to open exactly its inputs, Clear List empties and disables the menu.

#include "testhelpers.h"

#include <recentfilesmenu.h>

#include <QAction>
#include <QSignalSpy>
#include <QTest>

using namespace shardscope;

class TestRecentFilesMenu : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        testhelpers::isolate();
        AppSettings().clearRecent();
    }

    void entriesOpenAndClear()
    {
        RecentFilesMenu menu(QStringLiteral("Open Recent"));
        QVERIFY(!menu.isEnabled());
        menu.add({ QStringLiteral("/data/web.jsonl.zst") });
        menu.add({ QStringLiteral("/data/books"), QStringLiteral("/data/code"), QStringLiteral("/data/mail.jsonl") });
        QVERIFY(menu.isEnabled());
        QCOMPARE(testhelpers::menuLabels(menu),
            (QStringList { QStringLiteral("/data/books (+2 more)"), QStringLiteral("/data/web.jsonl.zst"),
                QStringLiteral("Clear List") }));
        // A second menu (the next run) reads the same list.
        RecentFilesMenu again(QStringLiteral("Open Recent"));
        QCOMPARE(testhelpers::menuLabels(again), testhelpers::menuLabels(menu));

        QSignalSpy open(&menu, &RecentFilesMenu::openRequested);
        menu.actions().at(0)->trigger();
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.first().first().toStringList(),
            (QStringList {
                QStringLiteral("/data/books"), QStringLiteral("/data/code"), QStringLiteral("/data/mail.jsonl") }));
        menu.actions().last()->trigger(); // Clear List
        QVERIFY(testhelpers::menuLabels(menu).isEmpty());
        QVERIFY(!menu.isEnabled());
        QVERIFY(menu.entries().isEmpty());
    }
};

QTEST_MAIN(TestRecentFilesMenu)
#include "tst_recentfilesmenu.moc"
