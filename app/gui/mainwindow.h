#pragma once
// The main window: wires the scan controller to the table, plots, viewer and threshold
// panel, and owns the corpus of the current job. Everything here runs on the GUI thread;
// the scan, sorting, statistics, text search and document reads run on workers.

#include "scancontroller.h"

#include <columnsummary.h>
#include <corpusdata.h>
#include <documentsource.h>
#include <filterevaluator.h>
#include <thresholdpanel.h>

#include <QElapsedTimer>
#include <QFuture>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <map>
#include <memory>
#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QPushButton;
class QScrollArea;
class QTableView;
class QVBoxLayout;

namespace shardscope {

class DocumentTableModel;
class DocumentViewer;
class HistogramWidget;
class ScatterWidget;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens files and/or directories as one corpus (cancels any running scan).
    void openInputs(const QStringList& inputs, std::optional<FieldMapping> fields = std::nullopt);
    // Shows a corpus that is already built (no scan): used by tests and the GUI benchmark
    // to drive the window at sizes no fixture has.
    void showCorpus(std::shared_ptr<CorpusData> corpus);
    // Opens the most recent corpus; false when there is none.
    bool openMostRecent();
    void setUseCache(bool on) { m_useCache = on; }
    void setThreads(int n) { m_threads = n; }
    // Scorers for new scans, as --scorers takes them (default "all"). A list naming the language
    // model (e.g. "all,lm") also puts lm_bpb and lm_loss on display once they exist.
    void setScorers(const std::string& list);
    const std::string& scorers() const { return m_scorers; }

    // The language model the `lm` scorer and the token-loss view use (issue 4): an empty directory
    // is the built-in model; device "auto", "cpu" or "cuda:N". Takes effect for the next scan.
    void setLanguageModel(const QString& modelDir, const QString& device);
    // Loads the model in the background, then rescans the open corpus with the current scorers
    // plus `lm`; a model that does not load is reported and changes nothing.
    void scoreWithLanguageModel(const QString& modelDir, const QString& device);
    QString languageModelStatus() const;
    void scoreWithLanguageModelDialog();
    void trainLanguageModelDialog();

    // Filter rules as a config in the engine's format, and back.
    bool loadFilterConfig(const QString& path, QString* error = nullptr);
    bool saveFilterConfig(const QString& path, QString* error = nullptr);
    // One id per line, written atomically off the GUI thread (the list is gathered here, so a scan
    // still appending to the corpus is no hazard). The future's result: "" or the error.
    QFuture<QString> exportIds(const QString& path, bool kept);

    // For tests and the benchmarks.
    bool scanRunning() const { return m_scan->running(); }
    const CorpusData* corpus() const { return m_corpus.get(); }
    const std::vector<FilterRule>& rules() const { return m_rules; }
    const FilterCounts& counts() const { return m_counts; }
    HistogramWidget* histogram(const QString& column) const;
    DocumentTableModel* tableModel() const { return m_model; }
    QTableView* tableView() const { return m_table; }
    ThresholdPanel* thresholdPanel() const { return m_panel; }
    DocumentViewer* viewer() const { return m_viewer; }
    QStringList recentFiles() const;
    bool statsReady() const { return m_summary != nullptr && !m_statsRunning; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void scanFinished();
    void statsUpdated();
    void countsUpdated();
    void suggestionsReady();
    // The status bar names the selected language model (after setLanguageModel).
    void languageModelChanged();
    // scoreWithLanguageModel could not load the model.
    void languageModelFailed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void setupUi();
    void setupMenus();
    void resetCorpusUi();

    void onFieldsUncertain(quint64 job, const QStringList& inputs, const FieldMapping& detected);
    void onStarted(quint64 job, std::shared_ptr<const ScanStart> info);
    void onBatch(quint64 job, std::shared_ptr<DocBatch> batch);
    void onProgress(quint64 job, const ScanProgress& p);
    void onFinished(quint64 job, std::shared_ptr<ScanOutcome> outcome);
    void onFailed(quint64 job, const QString& message);
    void cancelScan();

    void redraw();
    void scheduleStats();
    void startStats();
    void applySummary(std::shared_ptr<const CorpusSummary> summary);
    void ensureHistograms();
    void showHistogram(const QString& column);
    void hideHistogram(const QString& column);

    void onBoundsChanged(HistogramWidget* h);
    void setRules(std::vector<FilterRule> rules, bool updatePlots);
    void reevaluate();
    // Cutoff suggestions for rule `index`, computed on a worker, shown in the panel.
    void suggestCutoffs(int index);
    void applyView();
    void scheduleSaveCutoffs();
    void saveCutoffs();
    void restoreCutoffs();

    void addRecent(const QStringList& inputs);
    void updateRecentMenu();
    void showMessage(const QString& title, const QString& text, bool error);

    void openDialog(bool directory);
    void exportConfigDialog();
    void loadConfigDialog();
    void exportIdsDialog(bool kept);
    void exportPlotDialog(QWidget* plotOwner, const QString& name);
    void editFieldMapping();

    // State of the open corpus.
    ScanController* m_scan = nullptr;
    quint64 m_job = 0;
    QStringList m_inputs;
    QString m_corpusKey;
    std::shared_ptr<const ScanStart> m_start;
    std::shared_ptr<CorpusData> m_corpus;
    std::shared_ptr<DocumentSource> m_source;
    std::shared_ptr<const CorpusSummary> m_summary;
    std::vector<FilterRule> m_rules;
    std::vector<uint8_t> m_keep;
    FilterCounts m_counts;
    FilterEvaluator m_evaluator;
    QTimer m_rulesUiTimer;      // viewer and scatter follow a dragged line at most every 40 ms
    bool m_useCache = true;
    int m_threads = 0;
    std::string m_scorers = "all";
    QString m_lmModelDir;
    QString m_lmDevice = QStringLiteral("auto");
    bool m_showLmColumns = false;   // put lm_bpb/lm_loss on display when the next scan has them
    quint64 m_lmJob = 0;
    QLabel* m_lmLabel = nullptr;
    QString m_lastError;
    bool m_restoringCutoffs = false;

    // Coalesced redraws and background statistics.
    QTimer m_redrawTimer;
    QTimer m_saveTimer;
    QElapsedTimer m_lastStats;
    quint64 m_statsJob = 0;
    quint64 m_suggestJob = 0;
    bool m_statsRunning = false;
    bool m_statsDirty = false;
    bool m_countsDirty = false;

    // Widgets.
    DocumentTableModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QComboBox* m_groupFilter = nullptr;
    QLineEdit* m_idFilter = nullptr;
    QLineEdit* m_search = nullptr;
    QCheckBox* m_searchCase = nullptr;
    QPushButton* m_searchButton = nullptr;
    QLabel* m_rowsLabel = nullptr;
    DocumentViewer* m_viewer = nullptr;
    ThresholdPanel* m_panel = nullptr;
    ScatterWidget* m_scatter = nullptr;
    QWidget* m_histContainer = nullptr;
    QVBoxLayout* m_histLayout = nullptr;
    QLabel* m_histPlaceholder = nullptr;
    QComboBox* m_addHistogram = nullptr;
    QStringList m_shownColumns;      // histograms on display, in order
    std::map<QString, HistogramWidget*> m_histograms;
    QProgressBar* m_progress = nullptr;
    QLabel* m_progressLabel = nullptr;
    QPushButton* m_cancel = nullptr;
    QLabel* m_corpusLabel = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_plotMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QList<QAction*> m_corpusActions;
};

} // namespace shardscope
