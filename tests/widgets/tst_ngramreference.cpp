// Language Model > Train N-gram Reference Model… (issue 22, parts 1-3, the GUI half): the model is trained off the
// GUI thread on a uniform random sample of the open corpus, saved with its provenance in the corpus's cache
// directory, and its ngram_bpb column is added to the open corpus with the values the core scorer gives; reopening
// the corpus finds the model (and loads the column from the scores cache), Add Scorers offers ngram with it, an
// exported filter config names the model file with its SHA-256, and suggestions on the loss column are two-sided.

#include "testhelpers.h"

#include <addscorerdialog.h>
#include <corpusstatusbar.h>
#include <mainwindow.h>
#include <ngramreferencecontroller.h>
#include <ngramtraindialog.h>

#include <filterconfig.h>
#include <ngramlm.h>
#include <ngramtrainer.h>

#include <QCryptographicHash>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>

using namespace shardscope;

class TestNgramReference : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    static QByteArray sha256Of(const QString& path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        QCryptographicHash h(QCryptographicHash::Sha256);
        h.addData(&f);
        return h.result().toHex();
    }

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void trainScoreReopenExport()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        const QString a = testhelpers::gzipFixture(m_dir, "udhr_sentences.jsonl");
        const QString b = testhelpers::gzipFixture(m_dir, "informal.jsonl");
        QString modelDir;
        std::shared_ptr<CorpusData> zlibOnly;
        {
            MainWindow w;
            w.resize(1400, 900);
            w.show();
            w.setScorers("zlib6");
            QSignalSpy finished(&w, &MainWindow::scanFinished);
            w.openInputs({ a, b });
            QVERIFY(testhelpers::signalled(finished, 120000));
            QVERIFY(w.corpus()->size() > 50);
            QVERIFY(w.corpus()->columnIndex("ngram_bpb") < 0);
            QVERIFY(w.ngramReference()->modelDir().isEmpty()); // no model yet

            // The menu action opens the dialog.
            auto* action = w.findChild<QAction*>(QStringLiteral("trainNgramReference"));
            QVERIFY(action);
            QVERIFY(action->isEnabled());
            QSignalSpy opened(&w, &MainWindow::ngramTrainOpened);
            action->trigger();
            QCOMPARE(opened.count(), 1);
            auto* dlg = qobject_cast<NgramTrainDialog*>(opened.first().first().value<QDialog*>());
            QVERIFY(dlg);
            QCOMPARE(dlg->options().fraction, 1.0); // a corpus this small is sampled whole by default
            dlg->setSamplePercent(60);
            dlg->setOrder(4);
            dlg->grab().save(QStringLiteral("/tmp/ngram-dialog.png"));

            QSignalSpy trained(w.ngramReference(), &NgramReferenceController::trained);
            QSignalSpy columnsDone(&w, &MainWindow::columnsFinished);
            // Asynchronous: the call returns while the job runs; its result comes through the event loop.
            QVERIFY(dlg->startTraining());
            QVERIFY(w.ngramReference()->running());
            QCOMPARE(trained.count(), 0);
            QVERIFY(testhelpers::signalled(trained, 120000));
            QVERIFY(testhelpers::signalled(columnsDone, 120000));
            QCOMPARE(finished.count(), 1); // added as a column: no rescan

            // Saved in the corpus's cache directory, beside the scores, with its provenance.
            modelDir = w.ngramReference()->modelDir();
            QCOMPARE(modelDir, w.ngramReference()->targetDir());
            QCOMPARE(modelDir, QString::fromStdString(ngramReferenceDir(w.session()->scanStart()->cacheDir)));
            QVERIFY(isNgramModelDir(modelDir.toStdString()));
            const NgramModel model = NgramModel::load(modelDir.toStdString());
            QCOMPARE(model.order(), 4);
            QVERIFY2(model.provenance.sample.find("0.6") != std::string::npos, model.provenance.sample.c_str());
            QCOMPARE(model.provenance.seed, uint64_t(1));
            QVERIFY(model.provenance.documents > 0);
            // A sample, not everything: fewer documents than the corpus has (trained + held out).
            QVERIFY(model.provenance.documents + model.provenance.heldOutDocuments < w.corpus()->size());
            QVERIFY(model.provenance.heldOutBpb > 0 && model.provenance.heldOutBpb < 8);
            QVERIFY2(w.ngramReference()->details().contains(QStringLiteral("bpb held out")),
                qPrintable(w.ngramReference()->details()));
            QVERIFY(w.findChild<CorpusStatusBar*>()->toolTip().contains(QStringLiteral("Sample: bernoulli")));

            // The column: finite for every document, and exactly the core scorer's values on the same texts.
            const CorpusData* c = w.corpus();
            const int col = c->columnIndex("ngram_bpb");
            QVERIFY(col >= 0);
            const auto values = c->scores(size_t(col)).toVector();
            QCOMPARE(values.size(), size_t(c->size()));
            for (float v : values)
                QVERIFY(std::isfinite(v) && v > 0);
            const auto core = testhelpers::scanCorpus(
                { a.toStdString(), b.toStdString() }, "ngram:model=" + modelDir.toStdString());
            QCOMPARE(core->scores(0).size(), values.size());
            QVERIFY(std::memcmp(values.data(), core->scores(0).data(), values.size() * sizeof(float)) == 0);
            QVERIFY(w.scorers().find("ngram:model=") != std::string::npos);

            // Two-sided by default on a loss column: the rule's suggestions set both cutoffs.
            FilterRule rule;
            rule.column = "ngram_bpb";
            w.filterState()->setRules({ rule });
            QSignalSpy suggested(&w, &MainWindow::suggestionsReady);
            w.filterState()->requestSuggestions(0);
            QVERIFY(testhelpers::signalled(suggested, 60000));
            const auto& list = w.thresholdPanel()->suggestions();
            QVERIFY(!list.empty());
            for (const auto& s : list) {
                QVERIFY2(s.min && s.max, s.from.method.c_str());
                QVERIFY(*s.min < *s.max);
            }
            QVERIFY(w.thresholdPanel()->acceptSuggestion(0));
            QCOMPARE(w.rules().size(), size_t(1));
            QVERIFY(w.rules()[0].bounds.min && w.rules()[0].bounds.max);

            // The exported config names the model file with its SHA-256, so apply runs the same model.
            const QString configPath = m_dir.filePath(QStringLiteral("filter.json"));
            QString error;
            QVERIFY2(w.saveFilterConfig(configPath, &error), qPrintable(error));
            const QByteArray sha = sha256Of(modelDir + QStringLiteral("/ngram.bin"));
            QCOMPARE(sha.size(), 64);
            QFile cfgFile(configPath);
            QVERIFY(cfgFile.open(QIODevice::ReadOnly));
            const QByteArray json = cfgFile.readAll();
            QVERIFY2(json.contains(sha), json.constData());
            const FilterConfig cfg = FilterConfig::load(configPath.toStdString());
            QCOMPARE(cfg.scorers.size(), size_t(1));
            QVERIFY(cfg.scorers[0].spec.find("ngram") == 0);
            QCOMPARE(QByteArray::fromStdString(cfg.scorers[0].files.at(0).sha256), sha);

            QTRY_VERIFY_WITH_TIMEOUT(w.statsReady(), 60000);
            QVERIFY(w.histogram(QStringLiteral("ngram_bpb")));
            QTest::qWait(300); // the plots replot on the event loop
            QVERIFY(w.grab().save(QStringLiteral("/tmp/ngram-gui.png")));
        }

        // Reopened in a new window that does not ask for ngram: the model is found in the cache directory and its
        // column loads from the scores cache with the rest.
        {
            MainWindow w;
            w.show();
            w.setScorers("zlib6");
            QSignalSpy finished(&w, &MainWindow::scanFinished);
            QSignalSpy found(w.ngramReference(), &NgramReferenceController::modelChanged);
            w.openInputs({ a, b });
            QVERIFY(testhelpers::signalled(finished, 120000));
            QVERIFY(found.count() >= 1);
            QCOMPARE(w.ngramReference()->modelDir(), modelDir);
            QVERIFY(w.session()->outcome() && w.session()->outcome()->fromCache);
            const int col = w.corpus()->columnIndex("ngram_bpb");
            QVERIFY(col >= 0);
            QCOMPARE(w.ngramReference()->scorerSpec(), QStringLiteral("ngram:model=") + modelDir);
        }

        // Add Scorers offers ngram with the corpus's model (without one it is listed as not available).
        zlibOnly = testhelpers::scanCorpus({ a.toStdString(), b.toStdString() }, "zlib6");
        auto source = std::make_shared<DocumentSource>(zlibOnly->shards, std::string(), zlibOnly->fields);
        {
            AddScorerDialog plain(zlibOnly, source, 1);
            QVERIFY(!plain.offered().contains(QStringLiteral("ngram")));
            QCOMPARE(plain.estimateText(QStringLiteral("ngram")), QStringLiteral("not available"));
        }
        AddScorerDialog dlg(zlibOnly, source, 1, nullptr, { QString(QStringLiteral("ngram:model=") + modelDir) });
        QVERIFY(dlg.offered().contains(QStringLiteral("ngram")));
        QTRY_VERIFY_WITH_TIMEOUT(dlg.estimatesDone(), 120000);
        const QString estimate = dlg.estimateText(QStringLiteral("ngram"));
        QVERIFY2(estimate.startsWith(QStringLiteral("about")) || estimate == QStringLiteral("under a second"),
            qPrintable(estimate));
        dlg.setChecked(QStringLiteral("ngram"), true);
        QCOMPARE(QString::fromStdString(dlg.chosen()), QStringLiteral("ngram:model=") + modelDir);
    }

    void cancelLeavesNoModel()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir cache;
        NgramReferenceController c;
        const std::string shard = testdata::fixture("informal.jsonl");
        c.setCorpus({ shard }, detectFields(shard, FieldMapping {}, false), cache.path().toStdString());
        QVERIFY(c.modelDir().isEmpty());
        QSignalSpy cancelled(&c, &NgramReferenceController::cancelled);
        QSignalSpy trained(&c, &NgramReferenceController::trained);
        QVERIFY(c.train({}));
        QVERIFY(!c.train({})); // one job at a time
        c.cancel();
        QCOMPARE(cancelled.count(), 1);
        QVERIFY(!c.running());
        QTest::qWait(2000); // the job's late result is dropped
        QCOMPARE(trained.count(), 0);
        QVERIFY(c.modelDir().isEmpty());
    }
};

QTEST_MAIN(TestNgramReference)
#include "tst_ngramreference.moc"
