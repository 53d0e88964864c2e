// The filter's file and history actions (issue 19) on a real scored corpus: loading a config
// reports the rules loaded and the columns this corpus lacks, undo and redo follow the filter
// state's history and act on it.

#include "testhelpers.h"

#include <filteractions.h>
#include <filterstate.h>

#include <QAction>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWidget>

using namespace shardscope;

class TestFilterActions : public QObject {
    Q_OBJECT

    std::shared_ptr<CorpusData> m_corpus;
    QTemporaryDir m_tmp;

    QString writeConfig(const char* name, const QByteArray& json)
    {
        const QString path = m_tmp.filePath(QLatin1String(name));
        QFile f(path);
        return f.open(QIODevice::WriteOnly) && f.write(json) == json.size() ? path : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        testhelpers::isolate();
        REQUIRE_FIXTURE("spam_ham.jsonl");
        m_corpus = testhelpers::scanCorpus({ testhelpers::fixture("spam_ham.jsonl").toStdString() }, "zlib6,zstd3");
    }

    void loadReportsWhatWasLoaded()
    {
        QWidget parent;
        FilterState filter;
        filter.setCorpus(m_corpus, false);
        FilterActions actions(&filter, &parent);
        QSignalSpy status(&actions, &FilterActions::statusMessage);
        const QString both = writeConfig("both.json", R"({"format":"shardscope-filter","version":1,"rules":[
            {"scorer":"zlib6","min":0.3},{"scorer":"zstd3","max":0.7}]})");
        QString error;
        QVERIFY2(actions.loadConfig(both, &error), qPrintable(error));
        QCOMPARE(filter.rules().size(), size_t(2));
        QVERIFY(filter.counts().total.dropped() > 0);
        QVERIFY2(status.last().first().toString().contains(QStringLiteral("Loaded 2 rule(s)")),
            qPrintable(status.last().first().toString()));
        const QString unknown = writeConfig("unknown.json", R"({"format":"shardscope-filter","version":1,"rules":[
            {"scorer":"zlib6","min":0.3},{"scorer":"perplexity_ccnet","max":900}]})");
        QVERIFY(actions.loadConfig(unknown, &error));
        QVERIFY2(status.last().first().toString().contains(
                     QStringLiteral("not in this corpus (kept, not evaluated): perplexity_ccnet")),
            qPrintable(status.last().first().toString()));
        QVERIFY(!actions.loadConfig(m_tmp.filePath(QStringLiteral("none.json")), &error));
        QVERIFY(error.contains(QStringLiteral("none.json")));
    }

    void undoRedoActionsFollowTheHistory()
    {
        QWidget parent;
        FilterState filter;
        filter.setCorpus(m_corpus, false);
        FilterActions actions(&filter, &parent);
        QVERIFY(!actions.undoAction()->isEnabled());
        QVERIFY(!actions.redoAction()->isEnabled());
        QCOMPARE(actions.undoAction()->shortcut(), QKeySequence(QKeySequence::Undo));
        FilterRule r;
        r.column = "zlib6";
        r.bounds.min = 0.4;
        filter.setRules({ r });
        const uint64_t kept = filter.counts().total.kept;
        QVERIFY(kept < m_corpus->size());
        QVERIFY(actions.undoAction()->isEnabled());
        actions.undoAction()->trigger();
        QVERIFY(filter.rules().empty());
        QCOMPARE(filter.counts().total.kept, uint64_t(m_corpus->size()));
        QVERIFY(!actions.undoAction()->isEnabled());
        QVERIFY(actions.redoAction()->isEnabled());
        actions.redoAction()->trigger();
        QCOMPARE(filter.rules().size(), size_t(1));
        QCOMPARE(filter.counts().total.kept, kept);
        QVERIFY(!actions.redoAction()->isEnabled());
    }
};

QTEST_MAIN(TestFilterActions)
#include "tst_filteractions.moc"
