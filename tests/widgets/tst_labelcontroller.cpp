// Labels, the quality classifier and label next in the window (issue 23), on the real e-mails of the spam/ham
// fixture (spam is "bad", ham "good"): keys label the selected row, undo restores, labels are saved beside the
// scores and come back when the same shards are reopened, import/export round-trips, training runs off the GUI
// thread and adds a `quality` column that separates the labels, retraining replaces it, and label next shows
// documents without a label.

#include "testhelpers.h"

#include <classifier.h>
#include <helpdialog.h>
#include <labelcontroller.h>
#include <labels.h>
#include <labelsdock.h>
#include <mainwindow.h>

#include <documenttablemodel.h>
#include <documentviewer.h>
#include <histogramwidget.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTest>
#include <QUndoStack>

#include <cmath>
#include <fstream>

using namespace shardscope;
using namespace testhelpers;

namespace {

// A copy of the fixture in its own directory: its own cache directory, so its own labels file.
QString freshCorpus(QTemporaryDir& dir)
{
    const QString path = dir.filePath(QStringLiteral("spam_ham.jsonl"));
    QFile::copy(fixture("spam_ham.jsonl"), path);
    return path;
}

bool isSpam(const std::string& id)
{
    return id.rfind("spam", 0) == 0;
}

bool open(MainWindow& w, const QString& path)
{
    QSignalSpy finished(&w, &MainWindow::scanFinished);
    w.openInputs({ path });
    return finished.wait(120000) && w.corpus() && w.corpus()->size() > 0;
}

void showActive(MainWindow& w)
{
    w.show();
    QApplication::setActiveWindow(&w);
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_VERIFY(w.isActiveWindow());
}

// Selects a row of the table as a click would (the viewer follows the selection).
void selectRow(MainWindow& w, int row)
{
    w.tableView()->setFocus();
    w.tableView()->selectRow(row);
    QTRY_VERIFY(w.viewer()->document().has_value());
}

double auc(const CorpusData& c, int column)
{
    std::vector<double> score;
    std::vector<uint8_t> y;
    for (size_t d = 0; d < c.size(); ++d) {
        score.push_back(c.scores(size_t(column))[d]);
        y.push_back(isSpam(c.idOf(d)) ? 0 : 1);
    }
    return rocAuc(score, y);
}

// Every document's true label as a TSV file.
QString writeTrueLabels(const QTemporaryDir& dir, const CorpusData& c, size_t every = 1)
{
    LabelSet l;
    for (size_t d = 0; d < c.size(); d += every)
        l.set(c.idOf(d), isSpam(c.idOf(d)) ? Label::Bad : Label::Good);
    const QString path = dir.filePath(QStringLiteral("truth.tsv"));
    l.save(path.toStdString());
    return path;
}

} // namespace

class TestLabelController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { isolate(); }

    // G and B on the selected row label it, 0 clears, Undo Label restores, Redo Label repeats; the counts in
    // the dock follow; the actions are in the window (Help > Keyboard Shortcuts lists them from there).
    void keysLabelSelectedRowAndUndo()
    {
        QTemporaryDir dir;
        MainWindow w;
        QAbstractItemModelTester tester(w.tableModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(open(w, freshCorpus(dir)));
        showActive(w);
        LabelController* labels = w.labels();
        QVERIFY(w.findChildren<QAction*>().contains(labels->markGoodAction()));
        // Help > Keyboard Shortcuts reads the window's actions: the label keys are listed, in the Labels menu.
        QStringList listed;
        for (const auto& s : HelpDialog::collectShortcuts(&w))
            listed << s.keys + QLatin1Char(' ') + s.what + QLatin1Char(' ') + s.where;
        for (const char* key : { "G Mark Good", "B Mark Bad", "0 Clear Label", "N Label Next" })
            QVERIFY2(listed.filter(QLatin1String(key)).size() == 1, key);
        QVERIFY2(listed.filter(QStringLiteral("Labels menu")).size() >= 4, qPrintable(listed.join(QLatin1Char('\n'))));

        selectRow(w, 0);
        const uint32_t first = *w.viewer()->document();
        QVERIFY(!labels->labelOf(first));
        QTest::keyClick(w.tableView(), Qt::Key_G);
        QCOMPARE(labels->labelOf(first), std::optional<Label>(Label::Good));

        selectRow(w, 1);
        const uint32_t second = *w.viewer()->document();
        QVERIFY(second != first);
        QTest::keyClick(w.tableView(), Qt::Key_B);
        QCOMPARE(labels->labelOf(second), std::optional<Label>(Label::Bad));
        QVERIFY(w.labelsDock()->countsText().contains(QStringLiteral("1 good")));
        QVERIFY(w.labelsDock()->countsText().contains(QStringLiteral("1 bad")));

        // The table's Label column says it, and the dock's "Show in the table" keeps the rows of one label.
        DocumentTableModel* model = w.tableModel();
        const int labelColumn = model->labelColumn();
        QCOMPARE(labelColumn, model->columnCount() - 1);
        // Shown beside the Filter verdict (the page moves it there), not after the scores.
        const QHeaderView* header = w.tableView()->horizontalHeader();
        QCOMPARE(header->visualIndex(labelColumn), header->visualIndex(DocumentTableModel::FilterColumn) + 1);
        QCOMPARE(model->headerData(labelColumn, Qt::Horizontal).toString(), QStringLiteral("Label"));
        QCOMPARE(model->index(model->rowOfDoc(first), labelColumn).data().toString(), QStringLiteral("good"));
        QCOMPARE(model->index(model->rowOfDoc(second), labelColumn).data().toString(), QStringLiteral("bad"));
        const int all = model->rowCount();
        w.labelsDock()->tableFilter()->setCurrentIndex(int(DocumentTableModel::LabelFilter::Good));
        QTRY_COMPARE(model->rowCount(), 1);
        QCOMPARE(model->docAt(0), first);
        w.labelsDock()->tableFilter()->setCurrentIndex(int(DocumentTableModel::LabelFilter::Labelled));
        QTRY_COMPARE(model->rowCount(), 2);
        w.labelsDock()->tableFilter()->setCurrentIndex(int(DocumentTableModel::LabelFilter::Unlabelled));
        QTRY_COMPARE(model->rowCount(), all - 2);
        w.labelsDock()->tableFilter()->setCurrentIndex(int(DocumentTableModel::LabelFilter::All));
        QTRY_COMPARE(model->rowCount(), all);
        QVERIFY(model->rowOfDoc(second) >= 0);
        w.tableView()->selectRow(model->rowOfDoc(second));
        QTRY_COMPARE(w.viewer()->document(), std::optional<uint32_t>(second));

        // From the viewer too: the keys act on the document on display wherever the focus is.
        auto* text = w.viewer()->findChild<QPlainTextEdit*>();
        QVERIFY(text);
        text->setFocus();
        QTest::keyClick(text, Qt::Key_G); // the text of the document: read-only, the key is the window's
        QCOMPARE(labels->labelOf(second), std::optional<Label>(Label::Good));
        QTest::keyClick(text, Qt::Key_B);
        QCOMPARE(labels->labelOf(second), std::optional<Label>(Label::Bad));
        w.viewer()->setFocus();
        QTest::keyClick(w.viewer(), Qt::Key_0);
        QVERIFY(!labels->labelOf(second));

        QCOMPARE(model->index(model->rowOfDoc(second), labelColumn).data().toString(), QString());
        labels->undoAction()->trigger();
        QCOMPARE(labels->labelOf(second), std::optional<Label>(Label::Bad));
        QCOMPARE(model->index(model->rowOfDoc(second), labelColumn).data().toString(), QStringLiteral("bad"));
        labels->undoAction()->trigger(); // B in the viewer
        QCOMPARE(labels->labelOf(second), std::optional<Label>(Label::Good));
        labels->undoAction()->trigger(); // G in the viewer
        QCOMPARE(labels->labelOf(second), std::optional<Label>(Label::Bad));
        labels->undoAction()->trigger(); // B in the table
        QVERIFY(!labels->labelOf(second));
        QCOMPARE(labels->labelOf(first), std::optional<Label>(Label::Good));
        labels->redoAction()->trigger();
        QCOMPARE(labels->labelOf(second), std::optional<Label>(Label::Bad));
        QCOMPARE(labels->labels().size(), size_t(2));
    }

    // Labels are saved beside the corpus's scores after each change and loaded when the same shards are
    // opened again (in this window and in a new one).
    void labelsSurviveReopening()
    {
        QTemporaryDir dir;
        const QString path = freshCorpus(dir);
        QString labelsFile;
        std::string goodId, badId;
        {
            MainWindow w;
            QVERIFY(open(w, path));
            LabelController* labels = w.labels();
            labelsFile = labels->labelsPath();
            QVERIFY(!labelsFile.isEmpty());
            goodId = w.corpus()->idOf(3);
            badId = w.corpus()->idOf(5);
            QSignalSpy saved(labels, &LabelController::saved);
            QVERIFY(labels->setLabel(3, Label::Good));
            QVERIFY(labels->setLabel(5, Label::Bad));
            QVERIFY(signalled(saved, 5000)); // debounced: one save for both
            const LabelSet onDisk = LabelSet::load(labelsFile.toStdString());
            QCOMPARE(onDisk.size(), size_t(2));
            QCOMPARE(onDisk.get(goodId), std::optional<Label>(Label::Good));

            // A change not yet written is written when the corpus is opened again.
            QVERIFY(labels->setLabel(7, Label::Bad));
            QVERIFY(open(w, path));
            QCOMPARE(labels->labels().size(), size_t(3));
            QCOMPARE(labels->labelOf(7), std::optional<Label>(Label::Bad));
            QCOMPARE(labels->labels().get(badId), std::optional<Label>(Label::Bad));
        }
        MainWindow again;
        QVERIFY(open(again, path));
        QCOMPARE(again.labels()->labelsPath(), labelsFile);
        QCOMPARE(again.labels()->labels().size(), size_t(3));
        QCOMPARE(again.labels()->labels().get(goodId), std::optional<Label>(Label::Good));
        QVERIFY(again.labelsDock()->countsText().contains(QStringLiteral("1 good")));
    }

    // File > Import Labels… and Export Labels…: TSV id<TAB>label; an import is one undo step.
    void importExportRoundTrip()
    {
        QTemporaryDir dir;
        MainWindow w;
        QVERIFY(open(w, freshCorpus(dir)));
        LabelController* labels = w.labels();
        const QString truth = writeTrueLabels(dir, *w.corpus(), 2);
        size_t unknown = 99;
        QString error;
        QVERIFY2(labels->importLabels(truth, &error, &unknown), qPrintable(error));
        QCOMPARE(unknown, size_t(0));
        QCOMPARE(labels->labels().size(), (w.corpus()->size() + 1) / 2);
        QCOMPARE(labels->undoStack()->count(), 1);

        const QString out = dir.filePath(QStringLiteral("out.tsv"));
        QVERIFY(labels->exportLabels(out, &error));
        QFile a(truth), b(out);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QCOMPARE(b.readAll(), a.readAll());

        labels->undoAction()->trigger();
        QVERIFY(labels->labels().empty());

        // A malformed file is refused with its line, nothing changes.
        const QString bad = dir.filePath(QStringLiteral("bad.tsv"));
        {
            std::ofstream f(bad.toStdString());
            f << "id\tlabel\nx\tmaybe\n";
        }
        QVERIFY(!labels->importLabels(bad, &error));
        QVERIFY2(error.contains(QStringLiteral("bad.tsv")), qPrintable(error));
        QVERIFY(labels->labels().empty());
    }

    // Train Quality Classifier: returns at once and trains on a worker; the `quality` column arrives in the
    // table with its histogram, and separates spam from ham; the CV AUC is shown with its spread and the
    // learning curve has points; retraining on other labels replaces the column in place.
    void trainingAddsQualityColumn()
    {
        QTemporaryDir dir;
        MainWindow w;
        const QString path = freshCorpus(dir);
        QVERIFY(open(w, path));
        showActive(w);
        LabelController* labels = w.labels();
        QVERIFY(labels->importLabels(writeTrueLabels(dir, *w.corpus())));
        const size_t columns = w.corpus()->columns().size();

        QSignalSpy trained(labels, &LabelController::trained);
        QSignalSpy failed(labels, &LabelController::trainingFailed);
        QVERIFY(labels->train());
        // Asynchronous: the call came back before the result, and the table has no quality column yet.
        QCOMPARE(trained.count(), 0);
        QVERIFY(labels->training());
        QCOMPARE(w.corpus()->columnIndex("quality"), -1);
        QVERIFY2(signalled(trained, 60000), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));

        const int q = w.corpus()->columnIndex("quality");
        QVERIFY(q >= 0);
        // The table: Id, Filter, Label, then the other columns in the model's order, quality last.
        const QHeaderView* header = w.tableView()->horizontalHeader();
        const int labelColumn = w.tableModel()->labelColumn();
        QCOMPARE(labelColumn, DocumentTableModel::FirstScoreColumn + q + 1);
        QCOMPARE(header->visualIndex(labelColumn), header->visualIndex(DocumentTableModel::FilterColumn) + 1);
        QCOMPARE(header->visualIndex(DocumentTableModel::GroupColumn), header->visualIndex(labelColumn) + 1);
        QCOMPARE(header->visualIndex(DocumentTableModel::FirstScoreColumn + q), labelColumn);
        QCOMPARE(w.corpus()->columns().size(), columns + 1);
        const double separation = auc(*w.corpus(), q);
        QVERIFY2(separation > 0.9, qPrintable(QString::number(separation)));
        QVERIFY(w.histogram(QStringLiteral("quality")) != nullptr);
        QVERIFY2(w.labelsDock()->summaryText().contains(QStringLiteral("CV AUC")),
            qPrintable(w.labelsDock()->summaryText()));
        QVERIFY(w.labelsDock()->summaryText().contains(QStringLiteral("±")));
        QVERIFY(w.labelsDock()->curvePoints() >= 2);
        QCOMPARE(w.labelsDock()->curvePoints(), int(labels->learningCurve().size()));
        QCOMPARE(labels->learningCurve().back().labels, int(w.corpus()->size()));
        QVERIFY(QFileInfo::exists(
            QFileInfo(labels->labelsPath()).absolutePath() + QStringLiteral("/classifier/model.json")));

        // A cutoff on quality is a rule like any other: the counts per group (ham, spam) follow it.
        w.filterState()->setBounds("quality", 0.5, std::nullopt, nullptr);
        QTRY_VERIFY(!w.counts().perGroup.empty() && w.counts().total.kept < w.corpus()->size());
        uint64_t keptHam = 0, keptSpam = 0;
        for (size_t d = 0; d < w.corpus()->size(); ++d)
            if (w.filterState()->keepMask()[d])
                ++(isSpam(w.corpus()->idOf(d)) ? keptSpam : keptHam);
        QCOMPARE(keptHam + keptSpam, w.counts().total.kept);
        QVERIFY2(keptHam >= 35 && keptSpam <= 5, qPrintable(QStringLiteral("%1 %2").arg(keptHam).arg(keptSpam)));
        uint64_t perGroup = 0;
        for (const auto& g : w.counts().perGroup)
            perGroup += g.kept;
        QCOMPARE(perGroup, w.counts().total.kept);

        selectRow(w, 1); // the viewer shows a document, with its quality score
        QTest::qWait(300); // the histogram draws its bars
        QVERIFY(w.labelsDock()->isVisible()); // training raised its tab
        QVERIFY(w.grab().save(QStringLiteral("/tmp/labels.png")));

        // Retrain on a third of the labels (others cleared): the same single column, other values.
        std::vector<float> before(w.corpus()->scores(size_t(q)).begin(), w.corpus()->scores(size_t(q)).end());
        for (uint32_t d = 0; d < w.corpus()->size(); ++d)
            if (d % 3 != 0)
                labels->setLabel(d, std::nullopt);
        trained.clear();
        QVERIFY(labels->train());
        QVERIFY(signalled(trained, 60000));
        QCOMPARE(w.corpus()->columns().size(), columns + 1);
        QCOMPARE(w.corpus()->columnIndex("quality"), q);
        size_t changed = 0;
        for (size_t d = 0; d < before.size(); ++d)
            changed += std::abs(before[d] - w.corpus()->scores(size_t(q))[d]) > 1e-6f;
        QVERIFY(changed > before.size() / 2);
        QCOMPARE(labels->learningCurve().back().labels, int(labels->labels().size()));

        // Opened again, the saved classifier gives the same column back without training, and its figures.
        std::vector<float> last(w.corpus()->scores(size_t(q)).begin(), w.corpus()->scores(size_t(q)).end());
        const size_t curve = labels->learningCurve().size();
        MainWindow again;
        QSignalSpy restored(again.labels(), &LabelController::trained);
        QVERIFY(open(again, path));
        QVERIFY(signalled(restored, 30000));
        const int rq = again.corpus()->columnIndex("quality");
        QVERIFY(rq >= 0);
        for (size_t d = 0; d < last.size(); ++d)
            QCOMPARE(again.corpus()->scores(size_t(rq))[d], last[d]);
        QVERIFY2(again.labelsDock()->summaryText().contains(QStringLiteral("CV AUC")),
            qPrintable(again.labelsDock()->summaryText()));
        QCOMPARE(again.labels()->learningCurve().size(), curve);
        QVERIFY(!again.labels()->training());
    }

    // Too few labels: no job starts, the reason is said.
    void trainingNeedsBothClasses()
    {
        QTemporaryDir dir;
        MainWindow w;
        QVERIFY(open(w, freshCorpus(dir)));
        QSignalSpy failed(w.labels(), &LabelController::trainingFailed);
        w.labels()->setLabel(0, Label::Good);
        QVERIFY(!w.labels()->train());
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.first().first().toString().contains(QStringLiteral("2 good and 2 bad")));
    }

    // Label next from the keyboard: N shows an unlabelled document (tails first: no labels yet), G labels it
    // and the next unlabelled one is shown.
    void labelNextLoop()
    {
        QTemporaryDir dir;
        MainWindow w;
        QVERIFY(open(w, freshCorpus(dir)));
        showActive(w);
        LabelController* labels = w.labels();
        QSignalSpy shownSpy(labels, &LabelController::showRequested);
        w.tableView()->setFocus();
        QTest::keyClick(w.tableView(), Qt::Key_N);
        QTRY_VERIFY_WITH_TIMEOUT(labels->nextShown().has_value(), 10000);
        const uint32_t first = *labels->nextShown();
        // No labels yet: the first pick is from a tail of a score column.
        QVERIFY2(shownSpy.first().at(1).toString().startsWith(QStringLiteral("tail")),
            qPrintable(shownSpy.first().at(1).toString()));
        QCOMPARE(w.viewer()->document(), std::optional<uint32_t>(first));
        QVERIFY(!labels->labelOf(first));

        std::vector<uint32_t> seen { first };
        for (int i = 0; i < 12; ++i) { // past the first selection of 10: a second one is computed
            const uint32_t shown = *w.viewer()->document();
            QTest::keyClick(w.tableView(), isSpam(w.corpus()->idOf(shown)) ? Qt::Key_B : Qt::Key_G);
            QVERIFY(labels->labelOf(shown));
            QTRY_VERIFY_WITH_TIMEOUT(labels->nextShown().has_value(), 10000);
            const uint32_t next = *labels->nextShown();
            QCOMPARE(w.viewer()->document(), std::optional<uint32_t>(next));
            QVERIFY(!labels->labelOf(next));
            QVERIFY(std::find(seen.begin(), seen.end(), next) == seen.end());
            seen.push_back(next);
        }
        QCOMPARE(labels->labels().size(), size_t(12));
        // The second selection came from a classifier fitted on the first 10 labels: its picks are the
        // uncertain ones (and random ones), no longer tails.
        QStringList later;
        for (int i = 10; i < shownSpy.count(); ++i)
            later << shownSpy.at(i).at(1).toString();
        QVERIFY2(!later.filter(QStringLiteral("uncertain")).isEmpty(), qPrintable(later.join(QStringLiteral("; "))));
        QVERIFY2(later.filter(QStringLiteral("tail")).isEmpty(), qPrintable(later.join(QStringLiteral("; "))));
    }

    // Closing the window while the classifier trains: the job is stopped, its result dropped, nothing crashes.
    void closeWhileTraining()
    {
        QTemporaryDir dir;
        auto* w = new MainWindow;
        QVERIFY(open(*w, freshCorpus(dir)));
        QVERIFY(w->labels()->importLabels(writeTrueLabels(dir, *w->corpus())));
        QVERIFY(w->labels()->train());
        w->close();
        delete w;
        QTest::qWait(1500); // the worker ends (stopped or finished) with nothing to hand its result to
    }
};

QTEST_MAIN(TestLabelController)
#include "tst_labelcontroller.moc"
