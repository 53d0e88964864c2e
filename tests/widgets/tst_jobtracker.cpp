// JobTracker (issue 19): tokens of superseded or invalidated jobs are stale, and a worker's
// result that lands after a newer job started is dropped, as the window's jobs use it.

#include <jobtracker.h>

#include <QSemaphore>
#include <QStringList>
#include <QTest>
#include <QtConcurrent/QtConcurrentRun>

using namespace shardscope;

class TestJobTracker : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tokensGoStale()
    {
        JobTracker t;
        const auto a = t.start();
        QVERIFY(t.isCurrent(a));
        const auto b = t.start();
        QVERIFY(!t.isCurrent(a));
        QVERIFY(t.isCurrent(b));
        t.invalidate();
        QVERIFY(!t.isCurrent(a));
        QVERIFY(!t.isCurrent(b));
        const auto c = t.start();
        QVERIFY(c != a && c != b);
        QVERIFY(t.isCurrent(c));
        QVERIFY(!JobTracker().isCurrent(JobTracker().start() + 1));
    }

    void lateResultOfAnOlderJobIsDropped()
    {
        JobTracker tracker;
        QStringList applied;
        QSemaphore gate;
        auto run = [&](const QString& name, bool waitForGate) {
            const auto token = tracker.start();
            QtConcurrent::run([&gate, name, waitForGate]() {
                if (waitForGate)
                    gate.acquire();
                return name;
            }).then(this, [&applied, &tracker, token](const QString& result) {
                if (tracker.isCurrent(token))
                    applied << result;
            });
        };
        run(QStringLiteral("old corpus"), true);
        run(QStringLiteral("new corpus"), false);
        QTRY_COMPARE(applied, QStringList { QStringLiteral("new corpus") });
        gate.release(); // the old job finishes last
        QTest::qWait(200);
        QCOMPARE(applied, QStringList { QStringLiteral("new corpus") });
    }
};

QTEST_MAIN(TestJobTracker)
#include "tst_jobtracker.moc"
