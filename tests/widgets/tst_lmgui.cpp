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

#include <QCheckBox>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLineEdit>
#include <QScrollArea>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

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
        finished.clear();
        w.scoreWithLanguageModel(m_model, QStringLiteral("cpu"));
        QVERIFY(testhelpers::signalled(finished, 180000)); // the rescan with lm
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
