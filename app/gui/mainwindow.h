#pragma once
// The main window creates the parts of the app and connects them: the corpus session (open,
// scan, statistics), the filter state (rules, counts, undo), the document table page, the
// histogram stack, the threshold panel, the scatter plot, the document viewer and the language
// model controller. It holds no corpus state of its own. Everything here runs on the GUI
// thread; scans, sorting, statistics, text search and document reads run on workers.

#include "appsettings.h"
#include "corpussession.h"
#include "filteractions.h"
#include "filterstate.h"
#include "languagemodelcontroller.h"
#include "ngramreferencecontroller.h"

#include <thresholdpanel.h>

#include <QFuture>
#include <QMainWindow>
#include <QTimer>

#include <memory>
#include <optional>

class QAction;
class QDialog;
class QTableView;

namespace shardscope {

class CorpusStatusBar;
class ReferenceLmController;
class DocumentTableModel;
class DocumentTablePage;
class DocumentViewer;
class HistogramStack;
class HistogramWidget;
class LabelController;
class LabelsDock;
class PlotExportMenu;
class RecentFilesMenu;
class ScatterWidget;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens files and/or directories as one corpus (cancels any running scan).
    void openInputs(const QStringList& inputs, std::optional<FieldMapping> fields = std::nullopt)
    {
        m_session->open(inputs, std::move(fields));
    }
    // Shows a corpus that is already built (no scan): used by tests and the GUI benchmark
    // to drive the window at sizes no fixture has.
    void showCorpus(std::shared_ptr<CorpusData> corpus) { m_session->showLoaded(std::move(corpus)); }
    // Opens the most recent corpus; false when there is none.
    bool openMostRecent();
    void setUseCache(bool on) { m_session->setUseCache(on); }
    void setThreads(int n) { m_session->setThreads(n); }
    // Scorers for new scans, as --scorers takes them (default "all"). A list naming the language
    // model (e.g. "all,lm") also puts lm_bpb and lm_loss on display once they exist.
    void setScorers(const std::string& list);
    const std::string& scorers() const { return m_session->scorers(); }

    // The language model the `lm` scorer and the token-loss view use (issue 4): an empty directory
    // is the built-in model; device "auto", "cpu" or "cuda:N". Takes effect for the next scan.
    void setLanguageModel(const QString& modelDir, const QString& device) { m_lm->setLanguageModel(modelDir, device); }
    // Loads the model in the background, then scores the open corpus with it: the lm columns are added
    // and filled in as batches finish, every other score and view stays (columnsFinished() at the end).
    // A model that does not load is reported and changes nothing.
    void scoreWithLanguageModel(const QString& modelDir, const QString& device) { m_lm->load(modelDir, device); }
    QString languageModelStatus() const;
    void scoreWithLanguageModelDialog() { m_lm->openScoreDialog(this); }
    void trainLanguageModelDialog();
    // File > Add Scorers…: the scorers the corpus lacks, with estimated times; the chosen are scored as columns.
    void addScorersDialog();
    // Language Model > Train N-gram Reference Model… (issue 22): trains on a sample of the open corpus, then
    // scores ngram_bpb as an added column.
    void trainNgramReferenceDialog();

    // Filter rules as a config in the engine's format, and back.
    bool loadFilterConfig(const QString& path, QString* error = nullptr)
    {
        return m_filterActions->loadConfig(path, error);
    }
    bool saveFilterConfig(const QString& path, QString* error = nullptr) { return m_filter->saveConfig(path, error); }
    // One id per line, written atomically off the GUI thread. The future's result: "" or the error.
    QFuture<QString> exportIds(const QString& path, bool kept) { return m_filter->exportIds(path, kept); }

    // The parts, for tests and the benchmarks.
    CorpusSession* session() const { return m_session; }
    FilterState* filterState() const { return m_filter; }
    HistogramStack* histogramStack() const { return m_histograms; }
    LanguageModelController* languageModel() const { return m_lm; }
    LabelController* labels() const { return m_labels; }
    LabelsDock* labelsDock() const { return m_labelsDock; }
    NgramReferenceController* ngramReference() const { return m_ngram; }
    ReferenceLmController* referenceLm() const { return m_referenceLm; }
    bool scanRunning() const { return m_session->running(); }
    bool scoringColumns() const { return m_session->scoringColumns(); }
    const CorpusData* corpus() const { return m_session->corpus().get(); }
    const std::vector<FilterRule>& rules() const { return m_filter->rules(); }
    const FilterCounts& counts() const { return m_filter->counts(); }
    HistogramWidget* histogram(const QString& column) const;
    DocumentTableModel* tableModel() const;
    QTableView* tableView() const;
    ThresholdPanel* thresholdPanel() const { return m_panel; }
    DocumentViewer* viewer() const { return m_viewer; }
    QStringList recentFiles() const { return m_settings.recentFiles(); }
    bool statsReady() const { return m_session->statsReady(); }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void scanFinished();
    // Columns added to the open corpus (the language model's) are complete, cancelled or stopped.
    void columnsFinished();
    void statsUpdated();
    void countsUpdated();
    void suggestionsReady();
    // The status bar names the selected language model (after setLanguageModel).
    void languageModelChanged();
    // scoreWithLanguageModel could not load the model.
    void languageModelFailed(const QString& message);
    // The Add Scorers dialog is open (tests drive it).
    void addScorersOpened(QDialog* dialog);
    // The Train N-gram Reference Model dialog is open (tests drive it).
    void ngramTrainOpened(QDialog* dialog);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void setupUi();
    void setupMenus();
    void connectSession();
    void connectFilter();
    void resetCorpusUi(const QStringList& inputs);
    void onStarted();
    void onFinished(const ScanOutcome& outcome, bool replaced);
    // The open corpus gained columns: every view learns them, nothing else of it changes.
    void onColumnsStarted(const QStringList& columns);
    // The viewer takes the (complete) corpus again and shows the document it showed, with its new scores.
    void showInViewerAgain(const std::shared_ptr<CorpusData>& corpus);
    void onRulesChanged(FilterState::Change change);
    void applyView();
    void saveCutoffs();
    void restoreCutoffs();
    void showMessage(const QString& title, const QString& text, bool error);
    void openDialog(bool directory);
    void editFieldMapping();

    AppSettings m_settings;
    CorpusSession* m_session = nullptr;
    FilterState* m_filter = nullptr;
    LanguageModelController* m_lm = nullptr;
    LabelController* m_labels = nullptr; // labels, the quality classifier, label next (issue 23)
    LabelsDock* m_labelsDock = nullptr;
    NgramReferenceController* m_ngram = nullptr;
    ReferenceLmController* m_referenceLm = nullptr; // the corpus's neural reference model (issue 22)
    QString m_lastError;
    bool m_promoteLmColumns = false; // put lm_bpb/lm_loss on display when the next scan has them
    QTimer m_rulesUiTimer; // viewer and scatter follow a dragged line at most every 40 ms
    QTimer m_saveTimer; // cutoffs are saved a second after the last change

    DocumentTablePage* m_page = nullptr;
    HistogramStack* m_histograms = nullptr;
    DocumentViewer* m_viewer = nullptr;
    ThresholdPanel* m_panel = nullptr;
    ScatterWidget* m_scatter = nullptr;
    CorpusStatusBar* m_status = nullptr;
    RecentFilesMenu* m_recentMenu = nullptr;
    PlotExportMenu* m_plotMenu = nullptr;
    FilterActions* m_filterActions = nullptr;
    QList<QAction*> m_corpusActions;
};

} // namespace shardscope
