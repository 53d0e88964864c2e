// AppSettings (issue 19): the app's settings in one place. Recent corpora (newest first, no
// duplicates, at most ten), the key cutoffs are kept under (the same for the same inputs in any
// order or spelling), cutoffs per corpus, the histograms on display and the last directory,
// all read back through a fresh object as the next run of the app would.

#include "testhelpers.h"

#include <appsettings.h>

#include <QDir>
#include <QFileInfo>
#include <QTest>

using namespace shardscope;

class TestAppSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void recentCorpora()
    {
        AppSettings s;
        s.clearRecent();
        QVERIFY(s.recentFiles().isEmpty());
        const QString a = QDir::current().filePath(QStringLiteral("a.jsonl"));
        s.addRecent({ QStringLiteral("a.jsonl") }); // stored absolute
        s.addRecent({ QStringLiteral("/data/b.jsonl.zst"), QStringLiteral("/data/c") });
        QCOMPARE(AppSettings().recentFiles(),
            (QStringList { QStringLiteral("/data/b.jsonl.zst\n/data/c"), QFileInfo(a).absoluteFilePath() }));
        s.addRecent({ a }); // again: moves to the top, once
        QCOMPARE(AppSettings().recentFiles().size(), 2);
        QCOMPARE(AppSettings().recentFiles().first(), QFileInfo(a).absoluteFilePath());
        for (int i = 0; i < 15; ++i)
            s.addRecent({ QStringLiteral("/data/%1.jsonl").arg(i) });
        QCOMPARE(AppSettings().recentFiles().size(), AppSettings::kMaxRecent);
        QCOMPARE(AppSettings().recentFiles().first(), QStringLiteral("/data/14.jsonl"));
        s.clearRecent();
        QVERIFY(AppSettings().recentFiles().isEmpty());
    }

    void corpusKeyIgnoresOrderAndSpelling()
    {
        const QString key = AppSettings::corpusKey({ QStringLiteral("/data/b"), QStringLiteral("/data/a") });
        QCOMPARE(key.size(), 16);
        QCOMPARE(AppSettings::corpusKey({ QStringLiteral("/data/a"), QStringLiteral("/data/b") }), key);
        QCOMPARE(AppSettings::corpusKey({ QStringLiteral("rel.jsonl") }),
            AppSettings::corpusKey({ QDir::current().filePath(QStringLiteral("rel.jsonl")) }));
        QVERIFY(AppSettings::corpusKey({ QStringLiteral("/data/a") }) != key);
    }

    void cutoffsPerCorpus()
    {
        AppSettings s;
        const QString k1 = AppSettings::corpusKey({ QStringLiteral("/one") });
        const QString k2 = AppSettings::corpusKey({ QStringLiteral("/two") });
        s.setCutoffs(k1, QStringLiteral("{\"rules\":[1]}"));
        s.setCutoffs(k2, QStringLiteral("{\"rules\":[2]}"));
        QCOMPARE(AppSettings().cutoffs(k1), QStringLiteral("{\"rules\":[1]}"));
        QCOMPARE(AppSettings().cutoffs(k2), QStringLiteral("{\"rules\":[2]}"));
        // A corpus without a key (one shown without inputs) has nothing stored.
        s.setCutoffs(QString(), QStringLiteral("{}"));
        QVERIFY(AppSettings().cutoffs(QString()).isEmpty());
    }

    void displayAndDialogs()
    {
        AppSettings s;
        s.setShownHistograms({ QStringLiteral("zstd3"), QStringLiteral("lm_bpb") });
        QCOMPARE(AppSettings().shownHistograms(), (QStringList { QStringLiteral("zstd3"), QStringLiteral("lm_bpb") }));
        s.setLastDirectory(QStringLiteral("/data/shards"));
        QCOMPARE(AppSettings().lastDirectory(), QStringLiteral("/data/shards"));
        s.setWindowGeometry("geometry", "state");
        QCOMPARE(AppSettings().windowGeometry(), QByteArray("geometry"));
        QCOMPARE(AppSettings().windowState(), QByteArray("state"));
    }
};

QTEST_MAIN(TestAppSettings)
#include "tst_appsettings.moc"
