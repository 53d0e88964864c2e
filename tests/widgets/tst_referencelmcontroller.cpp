// Language Model > Train Reference Model… in one action (issue 22, part 1, the GUI half): ReferenceLmController
// trains the byte-level model off the GUI thread on a uniform sample of the open corpus, saves it with its provenance
// in the corpus's cache directory, scores the lm columns for a sample of the documents (added to the table at once),
// and the whole corpus on request (cached); a new controller on the same corpus finds the model again, and reopening
// the corpus loads its cached lm columns. A tiny model trained for a few steps: seconds.

#include "testhelpers.h"

#include <addscorerdialog.h>
#include <corpussession.h>
#include <corpusstatusbar.h>
#include <documentsource.h>
#include <histogramstack.h>
#include <lmdialogs.h>
#include <mainwindow.h>
#include <referencelmcontroller.h>

#ifdef SHARDSCOPE_HAVE_TORCH
#include <lm/lmtrain.h>
#include <lm/referencelm.h>
#endif

#include <QFileInfo>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace shardscope;

namespace {

[[maybe_unused]] size_t finiteCount(const CorpusData& c, const char* column)
{
    const int col = c.columnIndex(column);
    if (col < 0)
        return 0;
    size_t n = 0;
    for (float v : c.scores(size_t(col)).toVector())
        n += std::isfinite(v) ? 1 : 0;
    return n;
}

// Opens `shard` in `session` with the cheap zlib6 column only; true once the table is complete.
[[maybe_unused]] bool openCorpus(CorpusSession& session, const QString& shard)
{
    QSignalSpy finished(&session, &CorpusSession::finished);
    session.setScorers("zlib6");
    session.open({ shard });
    return testhelpers::signalled(finished, 60000) && session.corpus() && !session.running();
}

} // namespace

class TestReferenceLmController : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void trainSampleWholeAndFindAgain()
    {
#ifndef SHARDSCOPE_HAVE_TORCH
        QSKIP("this build has no language models (SHARDSCOPE_WITH_TORCH=OFF)");
#else
        REQUIRE_FIXTURE("spam_ham.jsonl"); // 80 real e-mails
        const QString shard = testhelpers::fixture("spam_ham.jsonl");
        QString modelDir;
        {
            CorpusSession session;
            ReferenceLmController reference(&session);
            QVERIFY(openCorpus(session, shard));
            const uint64_t docs = session.corpus()->size();
            QCOMPARE(docs, uint64_t(80));
            QVERIFY(reference.modelDir().isEmpty()); // none yet
            const QString cacheDir = QString::fromStdString(session.scanStart()->cacheDir);
            QCOMPARE(reference.targetDir(), cacheDir + QStringLiteral("/reference-lm"));

            // The dialog is the one action: its form, then Train.
            ReferenceLmDialog dialog(&reference);
            dialog.setBudget(0, 5);
            dialog.setShape(1, 32, 2, 64, 4);
            dialog.setSample(0, 40);
            dialog.setDevice(QStringLiteral("cpu"));
            QSignalSpy trained(&reference, &ReferenceLmController::trained);
            QSignalSpy progress(&reference, &ReferenceLmController::progress);
            QSignalSpy sampled(&reference, &ReferenceLmController::sampleScored);
            QSignalSpy columns(&session, &CorpusSession::columnsFinished);
            QVERIFY(dialog.startTraining());
            // Off the GUI thread: the call returned while the job runs.
            QVERIFY(reference.running());
            QVERIFY(dialog.cancelButton()->isEnabled());
            QCOMPARE(trained.count(), 0);
            QVERIFY(testhelpers::signalled(trained, 120000));
            QVERIFY(progress.count() > 0);
            QCOMPARE(progress.last().at(0).toDouble(), 1.0);

            // Saved in the corpus's cache directory with its provenance.
            modelDir = reference.modelDir();
            QCOMPARE(modelDir, reference.targetDir());
            QVERIFY(lm::isReferenceLmDir(modelDir.toStdString()));
            const auto p = lm::readReferenceLmProvenance(modelDir.toStdString());
            QVERIFY(p);
            QCOMPARE(p->sampleDocuments(), int64_t(40));
            QCOMPARE(p->steps, int64_t(5));
            QCOMPARE(p->device, std::string("cpu"));
            QVERIFY(p->heldoutBpb > 0);
            QCOMPARE(p->shards, std::vector<std::string> { QFileInfo(shard).absoluteFilePath().toStdString() });
            QVERIFY2(reference.summary().startsWith(QStringLiteral("Reference LM: ")), qPrintable(reference.summary()));
            QVERIFY2(reference.summary().contains(QStringLiteral("bpb held out")), qPrintable(reference.summary()));
            QVERIFY2(reference.summary().contains(QStringLiteral("on cpu, 40 docs")), qPrintable(reference.summary()));
            QVERIFY2(reference.details().contains(QStringLiteral("seed 1")), qPrintable(reference.details()));
            QCOMPARE(reference.scorerSpec(), QStringLiteral("lm:device=cpu,model=") + modelDir);

            // Then the sample's lm columns arrive in the table on display (this corpus is small: all of it).
            QVERIFY(testhelpers::signalled(sampled, 120000));
            QCOMPARE(sampled.last().at(0).toULongLong(), docs);
            QCOMPARE(finiteCount(*session.corpus(), "lm_bpb"), size_t(docs));
            QCOMPARE(dialog.progressValue(), 1000);
            QVERIFY2(dialog.statusText().contains(QStringLiteral("uniform sample of 80 of 80")),
                qPrintable(dialog.statusText()));
            QVERIFY(dialog.wholeCorpusButton()->isEnabled());
            dialog.resize(640, 700);
            dialog.grab().save(QStringLiteral(SHARDSCOPE_TEST_OUTPUT "/referencelm-dialog.png"));
            // The values are the lm scorer's on the same texts.
            const auto core = testhelpers::scanCorpus({ shard.toStdString() }, reference.scorerSpec().toStdString());
            const int col = session.corpus()->columnIndex("lm_bpb");
            const int coreCol = core->columnIndex("lm_bpb");
            QVERIFY(coreCol >= 0);
            for (size_t i = 0; i < docs; ++i)
                QVERIFY2(std::abs(session.corpus()->scores(size_t(col))[i] - core->scores(size_t(coreCol))[i]) < 1e-3,
                    qPrintable(QString::number(i)));

            // A smaller sample: a uniform draw of rows, the others missing.
            sampled.clear();
            QVERIFY(reference.scoreSample(25, 60));
            QVERIFY(testhelpers::signalled(sampled, 60000));
            QCOMPARE(sampled.last().at(0).toULongLong(), 25ull);
            QCOMPARE(finiteCount(*session.corpus(), "lm_bpb"), size_t(25));

            // The rest on request: every document, then cached beside the corpus's scores.
            columns.clear();
            QVERIFY(reference.scoreWholeCorpus());
            QVERIFY(testhelpers::signalled(columns, 120000));
            QVERIFY(!session.scoringColumns());
            QCOMPARE(finiteCount(*session.corpus(), "lm_bpb"), size_t(docs));
        }

        // A new controller on the same corpus finds the model again, and the reopened corpus loads its lm columns
        // from the scores cache (nothing is scored: the column is there when the table is).
        CorpusSession session;
        ReferenceLmController again(&session);
        QSignalSpy changed(&again, &ReferenceLmController::modelChanged);
        QSignalSpy notes(&again, &ReferenceLmController::note);
        QVERIFY(openCorpus(session, shard));
        QCOMPARE(again.modelDir(), modelDir);
        QVERIFY(changed.count() >= 1);
        QVERIFY2(again.summary().contains(QStringLiteral("40 docs")), qPrintable(again.summary()));
        QVERIFY(!notes.isEmpty() && notes.last().at(0).toString() == again.summary());
        QVERIFY(session.outcome() && session.outcome()->fromCache);
        QCOMPARE(finiteCount(*session.corpus(), "lm_bpb"), size_t(80));

        // Add Scorers offers lm with the corpus's reference model on a table that has no lm columns yet.
        const auto zlibOnly = testhelpers::scanCorpus({ shard.toStdString() }, "zlib6");
        auto source = std::make_shared<DocumentSource>(zlibOnly->shards, std::string(), zlibOnly->fields);
        AddScorerDialog dlg(zlibOnly, source, 1, nullptr, { QString(), again.scorerSpec() });
        QVERIFY(dlg.offered().contains(QStringLiteral("lm")));
        dlg.setChecked(QStringLiteral("lm"), true);
        QCOMPARE(QString::fromStdString(dlg.chosen()), again.scorerSpec());
#endif
    }

    // The window's part: the menu action opens the dialog, and the sample's columns go on display with the model's
    // provenance in the status bar.
    void menuActionInTheWindow()
    {
#ifndef SHARDSCOPE_HAVE_TORCH
        QSKIP("this build has no language models (SHARDSCOPE_WITH_TORCH=OFF)");
#else
        REQUIRE_FIXTURE("informal.jsonl");
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.setScorers("zlib6");
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        w.openInputs({ testhelpers::fixture("informal.jsonl") });
        QVERIFY(testhelpers::signalled(finished, 60000));
        auto* action = w.findChild<QAction*>(QStringLiteral("trainReferenceLm"));
        QVERIFY(action);
        QVERIFY(action->isEnabled());
        auto* whole = w.findChild<QAction*>(QStringLiteral("scoreWithReferenceLm"));
        QVERIFY(whole);
        QVERIFY(!whole->isEnabled()); // no model of this corpus yet
        action->trigger();
        auto* dialog = w.findChild<ReferenceLmDialog*>();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        dialog->setBudget(0, 5);
        dialog->setShape(1, 32, 2, 64, 4);
        dialog->setDevice(QStringLiteral("cpu"));
        QSignalSpy sampled(w.referenceLm(), &ReferenceLmController::sampleScored);
        QVERIFY(dialog->startTraining());
        QVERIFY(testhelpers::signalled(sampled, 120000));
        QVERIFY(whole->isEnabled());
        QVERIFY(w.corpus()->columnIndex("lm_bpb") >= 0);
        QVERIFY(w.histogramStack()->shownColumns().contains(QStringLiteral("lm_bpb")));
        auto* status = w.findChild<CorpusStatusBar*>();
        QVERIFY2(status->toolTip().contains(QStringLiteral("Reference language model of this corpus")),
            qPrintable(status->toolTip()));
        QTRY_VERIFY_WITH_TIMEOUT(w.languageModelStatus().contains(QStringLiteral("reference-lm")), 30000);
        dialog->close();
        QTest::qWait(200);
        w.grab().save(QStringLiteral(SHARDSCOPE_TEST_OUTPUT "/referencelm-window.png"));
#endif
    }

    // Cancel stops the training at its next step; nothing is saved and a model there before stays.
    void cancelKeepsNothing()
    {
#ifndef SHARDSCOPE_HAVE_TORCH
        QSKIP("this build has no language models (SHARDSCOPE_WITH_TORCH=OFF)");
#else
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        const QString shard = testhelpers::fixture("udhr_sentences.jsonl");
        CorpusSession session;
        ReferenceLmController reference(&session);
        QVERIFY(openCorpus(session, shard));
        lm::TrainOptions o;
        o.layers = 1;
        o.hidden = 32;
        o.heads = 2;
        o.context = 64;
        o.batch = 4;
        o.minutes = 10; // far longer than the test
        o.device = "cpu";
        o.threads = 1;
        QSignalSpy progress(&reference, &ReferenceLmController::progress);
        QSignalSpy cancelled(&reference, &ReferenceLmController::cancelled);
        QVERIFY(reference.train(o));
        QVERIFY(testhelpers::signalled(progress, 60000)); // training, not still reading
        reference.cancel();
        QCOMPARE(cancelled.count(), 1);
        QVERIFY(!reference.running());
        // The worker notices at its next step and removes what it wrote.
        const QDir cacheDir(QString::fromStdString(session.scanStart()->cacheDir));
        QTRY_COMPARE_WITH_TIMEOUT(cacheDir.entryList({ QStringLiteral("reference-lm*") }, QDir::Dirs).size(), 0, 30000);
        QVERIFY(reference.modelDir().isEmpty());
#endif
    }
};

QTEST_MAIN(TestReferenceLmController)
#include "tst_referencelmcontroller.moc"
