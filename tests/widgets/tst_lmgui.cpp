// The language model in the desktop app (issue 4, item 6): scoring the open corpus with a model
// adds lm_loss and lm_bpb with histograms, a bad model directory is reported without a rescan,
// the token-loss tab shows the selected document, and the training dialog trains and cancels.
// Ends with a screenshot of the window (token losses and the lm_bpb histogram).

#include "testhelpers.h"

#include <documenttablemodel.h>
#include <documentviewer.h>
#include <histogramwidget.h>
#include <mainwindow.h>
#include <tokenlossview.h>

#ifdef SHARDSCOPE_HAVE_TORCH
#include <lm/lmapi.h>
#include <lmdialogs.h>
#endif

#include <corpussession.h>

#include <QCheckBox>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

#ifndef SHARDSCOPE_TEST_OUTPUT
#define SHARDSCOPE_TEST_OUTPUT "."
#endif

using namespace shardscope;

class TestLmGui : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_fixture;
    QString m_model;

    static bool notesContain(MainWindow& w, const QString& text)
    {
        for (auto* label : w.statusBar()->findChildren<QLabel*>())
            if (label->isVisible() && label->text().contains(text))
                return true;
        return false;
    }

    static bool waitStats(MainWindow& w, int timeoutMs = 120000)
    {
        QElapsedTimer t;
        t.start();
        while (!w.statsReady() && t.elapsed() < timeoutMs)
            QTest::qWait(20);
        return w.statsReady();
    }

private Q_SLOTS:
    void initTestCase()
    {
#ifndef SHARDSCOPE_HAVE_TORCH
        QSKIP("built without libtorch (SHARDSCOPE_WITH_TORCH=OFF)");
#else
        testhelpers::isolate();
        // Ten real documents: the first ten UDHR paragraphs (English) of the generated fixtures.
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QFile in(testhelpers::fixture("udhr_sentences.jsonl"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray ten;
        for (int i = 0; i < 10; ++i)
            ten += in.readLine();
        m_fixture = m_tmp.filePath(QStringLiteral("ten.jsonl"));
        QFile out(m_fixture);
        QVERIFY(out.open(QIODevice::WriteOnly) && out.write(ten) == ten.size());
        const std::string dir = m_tmp.filePath(QStringLiteral("tiny")).toStdString();
        QVERIFY(testhelpers::trainTinyByteModel(dir, 60));
        m_model = QString::fromStdString(dir);
#endif
    }

#ifdef SHARDSCOPE_HAVE_TORCH
    void scoringAddsLmColumnsWithHistograms()
    {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.setScorers("zlib6,zstd3");
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        w.openInputs({ m_fixture });
        QVERIFY(testhelpers::signalled(finished, 120000));
        QVERIFY(waitStats(w));
        QCOMPARE(w.corpus()->columnIndex("lm_bpb"), -1);

        QSignalSpy changed(&w, &MainWindow::languageModelChanged);
        QSignalSpy columnsDone(&w, &MainWindow::columnsFinished);
        finished.clear();
        w.scoreWithLanguageModel(m_model, QStringLiteral("cpu"));
        QVERIFY(testhelpers::signalled(columnsDone, 180000)); // the lm columns added, no rescan
        QCOMPARE(finished.count(), 0);
        QVERIFY(waitStats(w));
        QVERIFY(w.scorers().find("lm") != std::string::npos);
        const CorpusData* c = w.corpus();
        QVERIFY(c && c->size() == 10);
        const int bpb = c->columnIndex("lm_bpb"), loss = c->columnIndex("lm_loss");
        QVERIFY(bpb >= 0 && loss >= 0);
        QVERIFY(c->columnIndex("zlib6") >= 0); // the current scorers stay
        for (size_t d = 0; d < c->size(); ++d) {
            const float b = c->scores(size_t(bpb))[d];
            // An untrained byte model is near 8 bits per byte; a barely trained one a bit below.
            QVERIFY2(std::isfinite(b) && b > 1 && b < 12, qPrintable(QString::number(b)));
            QVERIFY(std::isfinite(c->scores(size_t(loss))[d]));
        }
        HistogramWidget* h = w.histogram(QStringLiteral("lm_bpb"));
        QVERIFY(h);
        QTRY_VERIFY_WITH_TIMEOUT(h->hasData(), 10000);
        QVERIFY(w.histogram(QStringLiteral("lm_loss")));
        QTRY_VERIFY_WITH_TIMEOUT(changed.count() > 0, 10000);
        QVERIFY2(w.languageModelStatus().contains(QStringLiteral("on cpu")), qPrintable(w.languageModelStatus()));
        QVERIFY(w.languageModelStatus().contains(QStringLiteral("tiny")));

        // The selected document's token losses, then the screenshot of the whole window.
        w.tableView()->setCurrentIndex(w.tableModel()->index(0, 1));
        TokenLossView* tv = w.viewer()->tokenLossView();
        QSignalSpy shown(tv, &TokenLossView::lossesShown);
        w.viewer()->setTokenLossesShown(true);
        QVERIFY(testhelpers::signalled(shown, 60000));
        QVERIFY(!tv->result().segments.empty());
        QVERIFY(tv->result().error.isEmpty());
        // The lm_bpb histogram scrolled into view for the picture.
        for (QWidget* p = h->parentWidget(); p; p = p->parentWidget())
            if (auto* area = qobject_cast<QScrollArea*>(p)) {
                area->ensureWidgetVisible(h);
                break;
            }
        QTest::qWait(300);
        const QString png = QStringLiteral(SHARDSCOPE_TEST_OUTPUT) + QStringLiteral("/tst_lmgui.png");
        QVERIFY(w.grab().save(png));
        qInfo("screenshot: %s", qPrintable(png));
    }

    // Issue 20, bugs 1 to 3: Language Model > Score emptied the table and histograms, rescanned everything
    // with "Opening… 100%" and no rate for half an hour, ignored Cancel for minutes (discarding the whole
    // corpus and its cached scores), made Open Recent score again, and Quit waited for it. Now the lm
    // columns are added to the table on display and fill in with progress, Cancel stops within about a
    // second keeping everything, and reopening does not start the model unasked.
    void lmScoringKeepsTheCorpusShowsProgressAndCancels()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        // The built-in byte model over 80 mails (~400 kB): about half a minute of forward passes on two cores.
        const QString corpus = testhelpers::fixture("spam_ham.jsonl");
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.setScorers("zlib6,zstd3");
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        w.openInputs({ corpus });
        QVERIFY(testhelpers::signalled(finished, 120000));
        QVERIFY(waitStats(w));
        const size_t n = w.corpus()->size();
        QVERIFY(n >= 50);
        const std::vector<float> zlib = w.corpus()->scores(size_t(w.corpus()->columnIndex("zlib6"))).toVector();
        QVERIFY(w.histogram(QStringLiteral("zlib6")) && w.histogram(QStringLiteral("zlib6"))->hasData());

        QSignalSpy progress(w.session(), &CorpusSession::columnsProgress);
        QSignalSpy filled(w.session(), &CorpusSession::columnsFilled);
        QSignalSpy columnsDone(&w, &MainWindow::columnsFinished);
        finished.clear();
        w.scoreWithLanguageModel(QString(), QStringLiteral("cpu"));
        QVERIFY(testhelpers::signalled(filled, 180000));
        QVERIFY(w.scoringColumns());
        QCOMPARE(finished.count(), 0); // no rescan

        // Bug 1: the corpus, its scores and views stay while the model runs; its column fills in.
        const CorpusData* c = w.corpus();
        QCOMPARE(c->size(), n);
        QCOMPARE(size_t(w.tableModel()->rowCount()), n);
        QCOMPARE(c->scores(size_t(c->columnIndex("zlib6"))), zlib);
        QVERIFY(w.histogram(QStringLiteral("zlib6"))->hasData());
        const int bpb = c->columnIndex("lm_bpb");
        QVERIFY(bpb >= 0);
        QVERIFY(w.histogram(QStringLiteral("lm_bpb"))); // on display at once
        auto scored = [&]() {
            const auto& v = w.corpus()->scores(size_t(bpb));
            return size_t(std::count_if(v.begin(), v.end(), [](float x) { return std::isfinite(x); }));
        };
        const size_t early = scored();
        QVERIFY2(early > 0 && early < n, qPrintable(QStringLiteral("%1 of %2").arg(early).arg(n)));
        // Progress in documents and tokens, with a rate, not a byte count stuck at 100%.
        QTRY_VERIFY_WITH_TIMEOUT(
            !progress.isEmpty() && progress.last().first().value<ColumnProgress>().modelTokens > 0, 30000);
        const auto p = progress.last().first().value<ColumnProgress>();
        QCOMPARE(p.rowsTotal, uint64_t(n));
        QVERIFY(p.tokensPerSecond > 0);
        QVERIFY(p.columns.contains(QStringLiteral("lm_bpb")));
        QStringList notes;
        for (auto* label : w.statusBar()->findChildren<QLabel*>())
            notes << label->text();
        QVERIFY2(notes.join(QLatin1Char('|')).contains(QStringLiteral("tokens/s")),
            qPrintable(notes.join(QLatin1Char('|'))));

        // Bug 2: Cancel stops the work within about a second (the workers are idle once shutdown() returns)
        // and keeps every row, every other score and the lm values computed so far.
        auto* cancel = w.statusBar()->findChild<QPushButton*>(QStringLiteral("cancelScan"));
        QVERIFY(cancel && cancel->isVisible());
        QElapsedTimer t;
        t.start();
        QTest::mouseClick(cancel, Qt::LeftButton);
        w.session()->shutdown();
        const qint64 stopMs = t.elapsed();
        qInfo("the language model stopped %lld ms after Cancel", stopMs);
        QVERIFY2(stopMs < 2000, qPrintable(QString::number(stopMs)));
        QCOMPARE(columnsDone.count(), 1);
        QVERIFY(!w.scoringColumns());
        QCOMPARE(w.corpus()->size(), n);
        QCOMPARE(w.corpus()->scores(size_t(w.corpus()->columnIndex("zlib6"))), zlib);
        QVERIFY(scored() >= early);
        QVERIFY(notesContain(w, QStringLiteral("Cancelled")));

        // Reopening (Open Recent) loads the cached scores and does not start the model again.
        finished.clear();
        QVERIFY(w.openMostRecent());
        QVERIFY(testhelpers::signalled(finished, 120000));
        QVERIFY(!w.scoringColumns());
        QCOMPARE(w.corpus()->size(), n);
        QCOMPARE(w.corpus()->columnIndex("lm_bpb"), -1);
        QCOMPARE(w.corpus()->scores(size_t(w.corpus()->columnIndex("zlib6"))), zlib);
        QVERIFY(notesContain(w, QStringLiteral("from the cache")));
    }

    // Issue 20, bug 3: closing the window while the model scores returns within 2 seconds.
    void closingWhileTheModelScoresReturnsQuickly()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto* w = new MainWindow;
        w->show();
        w->setScorers("zlib6");
        QSignalSpy finished(w, &MainWindow::scanFinished);
        w->openInputs({ testhelpers::fixture("spam_ham.jsonl") });
        QVERIFY(testhelpers::signalled(finished, 120000));
        QSignalSpy progress(w->session(), &CorpusSession::columnsProgress);
        w->scoreWithLanguageModel(QString(), QStringLiteral("cpu"));
        QTRY_VERIFY_WITH_TIMEOUT(
            !progress.isEmpty() && progress.last().first().value<ColumnProgress>().modelTokens > 0, 120000);
        QVERIFY(w->scoringColumns());
        QElapsedTimer t;
        t.start();
        QVERIFY(w->close());
        delete w;
        qInfo("the window closed %lld ms after close() while the model scored", t.elapsed());
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    }

    void badModelIsReportedWithoutRescan()
    {
        MainWindow w;
        w.show();
        w.setScorers("zlib6");
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        w.openInputs({ m_fixture });
        QVERIFY(testhelpers::signalled(finished, 120000));
        const std::string before = lmOptions().modelDir;
        QSignalSpy failed(&w, &MainWindow::languageModelFailed);
        w.scoreWithLanguageModel(m_tmp.filePath(QStringLiteral("no-such-model")), QStringLiteral("cpu"));
        QVERIFY(testhelpers::signalled(failed, 30000));
        QVERIFY(!failed.first().first().toString().isEmpty());
        QVERIFY(!w.scanRunning());
        QCOMPARE(w.scorers(), std::string("zlib6"));
        QCOMPARE(w.corpus()->columnIndex("lm_bpb"), -1);
        QCOMPARE(lmOptions().modelDir, before); // the previous choice is back
        // The dialog's own check names what a directory lacks.
        const QString problem = LmScoreDialog::checkModelDirectory(m_tmp.path());
        QVERIFY2(problem.contains(QStringLiteral("config.json")), qPrintable(problem));
        QVERIFY(LmScoreDialog::checkModelDirectory(m_model).isEmpty());
    }

    // Issue 20, bug 8: the proposed directory named the application twice (organisation and application
    // are both the application's name, and AppDataLocation joins them).
    void trainingDialogProposesADataDirectoryNamedOnce()
    {
        TrainLmDialog dlg({ m_fixture }, QStringLiteral("/text"));
        auto* out = dlg.findChild<QLineEdit*>(QStringLiteral("outputDirectory"));
        QVERIFY(out);
        const QString app = QCoreApplication::applicationName();
        const QString expected = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
            + QLatin1Char('/') + app + QStringLiteral("/models/reference-");
        QVERIFY2(out->text().startsWith(expected), qPrintable(out->text()));
        QVERIFY2(!out->text().contains(app + QLatin1Char('/') + app), qPrintable(out->text()));
    }

    void trainingDialogTrainsAndCancels()
    {
        TrainLmDialog dlg({ m_fixture }, QStringLiteral("/text"));
        dlg.show();
        dlg.setSample(0, 0);
        dlg.setShape(1, 32, 2, 64);
        dlg.setBudget(0, 25);
        const QString out = m_tmp.filePath(QStringLiteral("trained"));
        dlg.setOutputDirectory(out);
        QSignalSpy done(&dlg, &TrainLmDialog::trainingFinished);
        QVERIFY(dlg.findChild<QCheckBox*>(QStringLiteral("randomSample"))->isChecked()); // a uniform sample by default
        QVERIFY(dlg.grab().save(QStringLiteral(SHARDSCOPE_TEST_OUTPUT) + QStringLiteral("/tst_lmgui_train.png")));
        dlg.startTraining();
        QVERIFY(dlg.running());
        QVERIFY(testhelpers::signalled(done, 120000));
        QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(2).toString()));
        QVERIFY(!dlg.running());
        QVERIFY(QFileInfo::exists(out + QStringLiteral("/model.safetensors")));
        QVERIFY(QFileInfo::exists(out + QStringLiteral("/config.json")));
        QCOMPARE(dlg.progressValue(), 1000);
        QVERIFY(dlg.logText().contains(QStringLiteral("parameters")));
        QVERIFY(LmScoreDialog::checkModelDirectory(out).isEmpty());

        // A long budget, cancelled once training runs: it stops within a step or two and
        // writes nothing.
        const QString out2 = m_tmp.filePath(QStringLiteral("cancelled"));
        dlg.setOutputDirectory(out2);
        dlg.setBudget(30, 0);
        done.clear();
        dlg.startTraining();
        QTRY_VERIFY_WITH_TIMEOUT(dlg.progressValue() > 0 || dlg.logText().contains(QStringLiteral("step 0")), 60000);
        QElapsedTimer t;
        t.start();
        dlg.cancelTraining();
        QVERIFY(testhelpers::signalled(done, 30000));
        QVERIFY(t.elapsed() < 20000);
        QCOMPARE(done.first().at(0).toBool(), false);
        QCOMPARE(done.first().at(1).toBool(), true);
        QVERIFY(!QFileInfo::exists(out2 + QStringLiteral("/model.safetensors")));
        QVERIFY(dlg.logText().contains(QStringLiteral("Cancelled")));
    }
#endif
};

QTEST_MAIN(TestLmGui)
#include "tst_lmgui.moc"
