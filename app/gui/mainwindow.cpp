#include "mainwindow.h"

#include "addscorerdialog.h"
#include "corpusstatusbar.h"
#include "documenttablepage.h"
#include "fieldmappingdialog.h"
#include "filteractions.h"
#include "helpdialog.h"
#include "histogramstack.h"
#include "labelcontroller.h"
#include "languagemodelcontroller.h"
#include "ngramtraindialog.h"
#include "plotexportmenu.h"
#include "recentfilesmenu.h"
#include "referencelmcontroller.h"
#include "suggestdialog.h"

#include <documenttablemodel.h>
#include <documentviewer.h>
#include <histogramwidget.h>
#include <labelsdock.h>
#include <scatterwidget.h>
#include <tokenlossview.h>

#include <filterconfig.h>

#include <QAction>
#include <QCloseEvent>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QIcon>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSpinBox>
#include <QTableView>

#include <limits>
#include <numeric>

namespace shardscope {

namespace {

constexpr int kRulesUiMs = 40;

// File > Open Sample…: the share of records and the seed (issue 21). False when cancelled.
bool askSample(QWidget* parent, double* fraction, uint64_t* seed)
{
    QDialog dlg(parent);
    dlg.setWindowTitle(MainWindow::tr("Open a Sample"));
    auto* form = new QFormLayout(&dlg);
    auto* intro
        = new QLabel(MainWindow::tr("Each record is drawn independently with this chance, the same records for "
                                    "the same seed: a uniform sample of the whole corpus, never its first part. "
                                    "Every figure shown is an estimate with its 95% interval."),
            &dlg);
    intro->setWordWrap(true);
    form->addRow(intro);
    auto* percent = new QDoubleSpinBox(&dlg);
    percent->setObjectName(QStringLiteral("samplePercent"));
    percent->setRange(0.001, 100);
    percent->setDecimals(3);
    percent->setValue(1);
    percent->setSuffix(QStringLiteral(" %"));
    form->addRow(MainWindow::tr("Sample size:"), percent);
    auto* seedBox = new QSpinBox(&dlg);
    seedBox->setObjectName(QStringLiteral("sampleSeed"));
    seedBox->setRange(0, std::numeric_limits<int>::max());
    seedBox->setValue(1);
    form->addRow(MainWindow::tr("Seed:"), seedBox);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dlg);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dlg, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    form->addRow(buttons);
    if (dlg.exec() != QDialog::Accepted)
        return false;
    *fraction = percent->value() / 100;
    *seed = uint64_t(seedBox->value());
    return true;
}

// The figures on display are a sample's (active) or exact: the panel, every plot and the status bar say which.
void showSampleIn(ThresholdPanel* panel, HistogramStack* histograms, CorpusStatusBar* status, DocumentViewer* viewer,
    const SampleScope& sample, bool fullPassFollows)
{
    panel->setSample(sample, fullPassFollows);
    viewer->setSample(sample);
    for (const QString& c : histograms->shownColumns())
        if (HistogramWidget* h = histograms->histogram(c))
            h->setSample(sample);
    if (sample.active())
        status->showSample(sample, fullPassFollows);
    else
        status->clearSample();
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_session(new CorpusSession(this))
    , m_filter(new FilterState(this))
    , m_lm(new LanguageModelController(this))
    , m_ngram(new NgramReferenceController(this))
    , m_referenceLm(new ReferenceLmController(m_session, this))
{
    setWindowTitle(tr("Shardscope"));
    setWindowIcon(QIcon::fromTheme(QStringLiteral("shardscope"), QIcon(QStringLiteral(":/icons/shardscope.svg"))));
    setAcceptDrops(true);
    m_rulesUiTimer.setSingleShot(true);
    m_rulesUiTimer.setInterval(kRulesUiMs);
    connect(&m_rulesUiTimer, &QTimer::timeout, this, [this]() {
        m_viewer->setRules(m_filter->rules());
        m_scatter->setRules(m_filter->rules());
    });
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(1000);
    connect(&m_saveTimer, &QTimer::timeout, this, &MainWindow::saveCutoffs);

    setupUi();
    setupMenus();
    connectSession();
    connectFilter();
    resetCorpusUi({});
    if (!restoreGeometry(m_settings.windowGeometry()))
        resize(1600, 1000);
    restoreState(m_settings.windowState());
}

MainWindow::~MainWindow()
{
    m_session->shutdown();
}

void MainWindow::setupUi()
{
    m_page = new DocumentTablePage(this);
    setCentralWidget(m_page);
    m_status = new CorpusStatusBar(this);
    setStatusBar(m_status);
    connect(m_status, &CorpusStatusBar::cancelRequested, m_session, &CorpusSession::cancel);
    connect(m_status, &CorpusStatusBar::stopAtSampleRequested, m_session, &CorpusSession::stopAtSample);

    // Docks: threshold panel left, histograms and scatter right, document viewer bottom.
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
    // The viewer spans the bottom under the panel and the table (text lines are long); the histograms take the
    // whole height on the right, so the ones a user added are in view together (issue 20: at 1600x1000 four
    // or more, with the table and viewer still usable).
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    auto addDock = [this](const QString& title, const char* name, QWidget* widget, Qt::DockWidgetArea area) {
        auto* dock = new QDockWidget(title, this);
        dock->setObjectName(QLatin1String(name));
        dock->setWidget(widget);
        addDockWidget(area, dock);
        return dock;
    };
    m_panel = new ThresholdPanel(this);
    auto* panelDock = addDock(tr("Thresholds"), "thresholdDock", m_panel, Qt::LeftDockWidgetArea);
    m_histograms = new HistogramStack(this);
    auto* histDock = addDock(tr("Histograms"), "histogramDock", m_histograms, Qt::RightDockWidgetArea);
    m_scatter = new ScatterWidget(this);
    auto* scatterDock = addDock(tr("Scatter"), "scatterDock", m_scatter, Qt::RightDockWidgetArea);
    tabifyDockWidget(histDock, scatterDock);
    histDock->raise();
    m_viewer = new DocumentViewer(this);
    auto* viewerDock = addDock(tr("Document"), "viewerDock", m_viewer, Qt::BottomDockWidgetArea);
    // Labels, the quality classifier and label next (issue 23): their own controller and dock.
    m_labels = new LabelController(m_session, this);
    m_labels->setCurrentDocument([this]() { return m_viewer->document(); });
    m_labelsDock = new LabelsDock(this);
    m_labelsDock->setActions({ m_labels->markGoodAction(), m_labels->markBadAction(), m_labels->clearAction(),
        m_labels->labelNextAction(), m_labels->trainAction(), m_labels->undoAction() });
    // A tab beside the thresholds: the left column has no height to spare at 1400x900.
    tabifyDockWidget(panelDock, addDock(tr("Labels"), "labelsDock", m_labelsDock, Qt::LeftDockWidgetArea));
    panelDock->raise();
    connect(m_labels, &LabelController::labelsChanged, this, [this]() {
        m_labelsDock->setCounts(m_labels->count(Label::Good), m_labels->count(Label::Bad));
        m_page->model()->setLabelMask(&m_labels->labelMask());
    });
    connect(m_labelsDock, &LabelsDock::tableFilterChanged, this,
        [this](int f) { m_page->model()->setLabelFilter(DocumentTableModel::LabelFilter(f)); });
    connect(m_labels, &LabelController::showRequested, this, [this](uint32_t doc, const QString& why) {
        m_page->reselect(doc);
        m_viewer->showDocument(doc);
        m_status->showMessage(tr("Label next (%1): G good, B bad, N skip").arg(why), 10000);
    });
    connect(m_labels, &LabelController::trainingStarted, this, [this]() {
        m_labelsDock->setSummary(tr("Training the quality classifier…"));
        m_labelsDock->parentWidget()->raise(); // its dock: the AUC and the curve are about to change
    });
    connect(m_labels, &LabelController::trained, this, [this](const QString& column, const QString& summary) {
        m_histograms->showColumn(column);
        m_labelsDock->setSummary(summary);
        m_labelsDock->setLearningCurve(m_labels->learningCurve());
        m_status->showMessage(summary, 10000);
    });
    connect(m_labels, &LabelController::trainingFailed, this, [this](const QString& error) {
        m_lastError = error;
        m_labelsDock->setSummary(error);
    });
    connect(
        m_labels, &LabelController::message, this, [this](const QString& text) { m_status->showMessage(text, 8000); });
    resizeDocks({ panelDock, histDock }, { 340, 430 }, Qt::Horizontal);
    resizeDocks({ viewerDock }, { 290 }, Qt::Vertical);
    connect(scatterDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible && m_session->corpus())
            m_scatter->refresh();
    });

    connect(
        m_page, &DocumentTablePage::documentSelected, m_viewer, [this](uint32_t doc) { m_viewer->showDocument(doc); });
    connect(m_page, &DocumentTablePage::searchHighlightChanged, m_viewer, &DocumentViewer::setHighlightTerm);
    connect(m_scatter, &ScatterWidget::documentActivated, this, [this](quint64 doc) {
        m_page->reselect(uint32_t(doc));
        m_viewer->showDocument(uint32_t(doc));
    });
    // Keep the document under view selected across re-sorts and filters.
    // A document the new rows no longer hold (a filter removed it) is let go by the viewer too.
    connect(m_page->model(), &DocumentTableModel::rowsRecomputed, this, [this]() {
        if (!m_page->reselect(m_viewer->document()))
            m_viewer->showFilteredOut();
    });
    connect(m_page, &DocumentTablePage::statusMessage, m_status, &QStatusBar::showMessage);
    connect(m_page, &DocumentTablePage::errorMessage, this,
        [this](const QString& title, const QString& text) { showMessage(title, text, true); });

    connect(m_histograms, &HistogramStack::boundsChanged, m_filter,
        [this](const QString& column, std::optional<double> min, std::optional<double> max) {
            const auto summary = m_session->summary();
            m_filter->setBounds(
                column.toStdString(), min, max, summary ? summary->column(column.toStdString()) : nullptr);
        });
    connect(m_histograms, &HistogramStack::groupBoundsChanged, m_filter,
        [this](const QString& column, const QString& key, std::optional<double> min, std::optional<double> max) {
            // One drag of a group's (or label's) line is one undo step, as a drag of the rule's own line.
            m_filter->dragRules(HistogramStack::withOverrideBounds(m_filter->rules(), column, key, min, max),
                QString(column + QLatin1Char('\x1f') + key).toStdString());
        });
    connect(m_histograms, &HistogramStack::dragFinished, this, [this]() {
        m_filter->endDrag();
        if (m_panel->view() != ThresholdPanel::View::All)
            applyView();
    });
    connect(m_histograms, &HistogramStack::shownColumnsChanged, this,
        [this](const QStringList& columns) { m_settings.setShownHistograms(columns); });
    connect(m_histograms, &HistogramStack::summaryMissing, m_session, &CorpusSession::requestStats);
    connect(m_histograms, &HistogramStack::message, this,
        [this](const QString& text) { m_status->showMessage(text, 5000); });

    connect(m_panel, &ThresholdPanel::viewRequested, this, &MainWindow::applyView);
    connect(m_panel, &ThresholdPanel::stopAtSampleRequested, m_session, &CorpusSession::stopAtSample);
    connect(m_panel, &ThresholdPanel::removeRuleRequested, m_filter,
        [this](const QString& column) { m_filter->removeRule(column.toStdString()); });
    connect(m_panel, &ThresholdPanel::clearRulesRequested, m_filter, [this]() { m_filter->setRules({}); });
    connect(m_panel, &ThresholdPanel::ruleEdited, m_filter, &FilterState::editRule);
    connect(m_panel, &ThresholdPanel::suggestRequested, m_filter, &FilterState::requestSuggestions);
    connect(m_panel, &ThresholdPanel::suggestRequested, this,
        [this](int rule) { SuggestDialog::openFor(m_filter, m_session->corpus(), rule, this, m_session->sample()); });
    // The scatter's box edges move cutoffs as the histograms' lines do (issue 20): the same path to the filter.
    connect(m_scatter, &ScatterWidget::boundsChanged, m_histograms, &HistogramStack::boundsChanged);
    connect(m_scatter, &ScatterWidget::dragFinished, m_histograms, &HistogramStack::dragFinished);
    connect(m_panel, &ThresholdPanel::breakdownChanged, m_filter,
        [this](const QString& column) { m_filter->setBreakdownColumn(column.toStdString()); });

    // Only plotted columns are summarised (a summary keeps a sorted copy of its column; the
    // viewer counts percentiles of the other columns itself).
    m_session->setSummaryFilter([this](const std::string& column) {
        const QString name = QString::fromStdString(column);
        return m_histograms->shownColumns().contains(name) || name == m_scatter->xColumn()
            || name == m_scatter->yColumn();
    });
}

void MainWindow::setupMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* open = file->addAction(
        QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open Shards…"), this, [this]() { openDialog(false); });
    open->setShortcut(QKeySequence::Open);
    file->addAction(QIcon::fromTheme(QStringLiteral("folder-open")), tr("Open &Directory…"),
        QKeySequence(tr("Ctrl+Shift+O")), this, [this]() { openDialog(true); });
    // A uniform random sample of any corpus, and no full pass (issue 21).
    auto* openSample = file->addAction(tr("Open &Sample…"), this, [this]() {
        const QStringList inputs
            = QFileDialog::getOpenFileNames(this, tr("Open a Sample of Shards"), m_settings.lastDirectory(),
                tr("Shards (*.jsonl *.jsonl.gz *.jsonl.zst *.json.gz *.json.zst *.ndjson *.jsonl.zstd *.warc.wet.gz "
                   "*.wet.gz *.warc.gz *.warc.wet *.wet *.warc);;All files (*)"));
        double fraction = 0;
        uint64_t seed = 1;
        if (inputs.isEmpty() || !askSample(this, &fraction, &seed))
            return;
        m_settings.setLastDirectory(QFileInfo(inputs.first()).absolutePath());
        m_session->openSample(inputs, fraction, seed);
    });
    openSample->setObjectName(QStringLiteral("openSampleAction"));
    m_recentMenu = new RecentFilesMenu(tr("Open &Recent"), file);
    file->addMenu(m_recentMenu);
    connect(
        m_recentMenu, &RecentFilesMenu::openRequested, this, [this](const QStringList& inputs) { openInputs(inputs); });
    auto* mapping = file->addAction(tr("&Field Mapping…"), this, &MainWindow::editFieldMapping);
    // Scorers the corpus has no columns for, with the time each would take; scored as added columns.
    auto* addScorers = file->addAction(tr("&Add Scorers…"), this, &MainWindow::addScorersDialog);
    auto* rescan = file->addAction(tr("Re&scan (ignore cached scores)"), m_session, &CorpusSession::rescan);
    // The viewer found a shard changed or deleted on disk and offers this.
    connect(m_viewer, &DocumentViewer::rescanRequested, rescan, &QAction::trigger);
    file->addSeparator();
    m_filterActions = new FilterActions(m_filter, this);
    connect(m_filterActions, &FilterActions::statusMessage, m_status, &QStatusBar::showMessage);
    connect(m_filterActions, &FilterActions::error, this,
        [this](const QString& title, const QString& text) { showMessage(title, text, true); });
    file->addActions({ m_filterActions->loadConfigAction(), m_filterActions->saveConfigAction(),
        m_filterActions->exportKeptAction(), m_filterActions->exportDroppedAction() });
    file->addActions({ m_labels->importAction(), m_labels->exportAction() });
    m_plotMenu = new PlotExportMenu(tr("Export &Plot"), m_histograms, m_scatter, this);
    file->addMenu(m_plotMenu);
    connect(m_plotMenu, &PlotExportMenu::error, this,
        [this](const QString& title, const QString& text) { showMessage(title, text, true); });
    connect(m_histograms, &HistogramStack::plotsChanged, this,
        [this]() { m_plotMenu->rebuild(m_session->corpus() != nullptr); });
    file->addSeparator();
    file->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"), QKeySequence(QKeySequence::Quit),
        this, &QWidget::close);
    m_corpusActions
        = { mapping, addScorers, rescan, m_filterActions->loadConfigAction(), m_filterActions->saveConfigAction(),
              m_filterActions->exportKeptAction(), m_filterActions->exportDroppedAction() };

    auto* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addActions({ m_filterActions->undoAction(), m_filterActions->redoAction() });
    edit->addActions({ m_labels->undoAction(), m_labels->redoAction() });
    edit->addSeparator();
    // Ctrl+F finds in the document on display wherever the focus is (issue 20), not only inside the viewer.
    m_viewer->findAction()->setShortcutContext(Qt::WindowShortcut);
    edit->addAction(m_viewer->findAction());

    auto* view = menuBar()->addMenu(tr("&View"));
    for (auto* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    view->addAction(tr("Log Counts in All Histograms"), m_histograms, &HistogramStack::toggleLogScale);
    view->addAction(tr("Group Overlay in All Histograms"), m_histograms, &HistogramStack::toggleGroupOverlay);

    auto* lmMenu = menuBar()->addMenu(tr("&Language Model"));
    lmMenu->setObjectName(QStringLiteral("languageModelMenu"));
    if (LanguageModelController::available()) {
        m_corpusActions << lmMenu->addAction(
            tr("&Score with Language Model…"), this, &MainWindow::scoreWithLanguageModelDialog);
        // Issue 22: train on a sample of the open corpus, keep the model in its cache, score a sample with it.
        auto* trainReference = lmMenu->addAction(
            tr("&Train Reference Model…"), this, [this]() { m_lm->openReferenceDialog(this, m_referenceLm); });
        trainReference->setObjectName(QStringLiteral("trainReferenceLm"));
        m_corpusActions << trainReference;
        auto* scoreWhole = lmMenu->addAction(tr("Score the &Whole Corpus with the Reference Model"), m_referenceLm,
            &ReferenceLmController::scoreWholeCorpus);
        scoreWhole->setObjectName(QStringLiteral("scoreWithReferenceLm"));
        scoreWhole->setEnabled(false);
        m_corpusActions << lmMenu->addAction(
            tr("Train a Model into a &Directory…"), this, &MainWindow::trainLanguageModelDialog);
        connect(m_referenceLm, &ReferenceLmController::note, m_status, &CorpusStatusBar::showNote);
        connect(m_referenceLm, &ReferenceLmController::columnsComing, this, [this]() { m_promoteLmColumns = true; });
        // The token-loss view and the LM line of the status bar follow the model the lm columns come from.
        connect(m_referenceLm, &ReferenceLmController::trained, this,
            [this]() { m_lm->setLanguageModel(m_referenceLm->modelDir(), m_referenceLm->device()); });
        connect(m_referenceLm, &ReferenceLmController::modelChanged, this, [this, scoreWhole]() {
            scoreWhole->setEnabled(!m_referenceLm->modelDir().isEmpty());
            scoreWhole->setToolTip(m_referenceLm->details());
            m_status->setToolTip(
                QString(m_ngram->details() + QStringLiteral("\n\n") + m_referenceLm->details()).trimmed());
            m_filter->setModelScorers(
                QString(m_ngram->scorerSpec() + QLatin1Char(',') + m_referenceLm->scorerSpec()).toStdString());
        });
        connect(
            m_referenceLm, &ReferenceLmController::failed, this, [this](const QString& error) { m_lastError = error; });
        lmMenu->addSeparator();
        lmMenu->addAction(
            tr("Show &Token Losses of the Selected Document"), this, [this]() { m_viewer->setTokenLossesShown(true); });
    } else {
        lmMenu->addAction(tr("This build has no language-model support (SHARDSCOPE_WITH_TORCH=OFF)"))
            ->setEnabled(false);
    }
    lmMenu->addSeparator();
    auto* trainNgram
        = lmMenu->addAction(tr("Train &N-gram Reference Model…"), this, &MainWindow::trainNgramReferenceDialog);
    trainNgram->setObjectName(QStringLiteral("trainNgramReference"));
    m_corpusActions << trainNgram;
    connect(m_ngram, &NgramReferenceController::trained, this, [this](const QString& spec) {
        // Later opens of this corpus find the model in its cache directory and load the column from the cache.
        if (scorers().find(spec.toStdString()) == std::string::npos)
            setScorers(scorers() + "," + spec.toStdString());
        m_promoteLmColumns = true; // what the user asked for goes on display
        // The provenance stays in the status bar after the column's own message.
        connect(
            this, &MainWindow::columnsFinished, this, [this]() { m_status->showNote(m_ngram->summary()); },
            Qt::SingleShotConnection);
        m_session->scoreColumns(spec.toStdString());
    });
    connect(m_ngram, &NgramReferenceController::modelChanged, this, [this]() {
        m_filter->setModelScorers(
            QString(m_ngram->scorerSpec() + QLatin1Char(',') + m_referenceLm->scorerSpec()).toStdString());
        if (!m_ngram->summary().isEmpty())
            m_status->showNote(m_ngram->summary());
        m_status->setToolTip(QString(m_ngram->details() + QStringLiteral("\n\n") + m_referenceLm->details()).trimmed());
    });
    connect(m_ngram, &NgramReferenceController::failed, this, [this](const QString& error) {
        m_lastError = error;
        m_status->showNote(tr("The n-gram reference model could not be trained"));
    });
    connect(m_lm, &LanguageModelController::statusChanged, m_status, &CorpusStatusBar::setLanguageModelStatus);
    connect(m_lm, &LanguageModelController::changed, this, [this]() {
        m_viewer->tokenLossView()->refresh();
        Q_EMIT languageModelChanged();
    });
    connect(m_lm, &LanguageModelController::loading, this,
        [this]() { m_status->showNote(tr("Loading the language model…")); });
    connect(m_lm, &LanguageModelController::loaded, this, [this]() {
        // The lm columns are added to what is shown (issue 20): no rescan, nothing discarded.
        setScorers(LanguageModelController::withLanguageModel(scorers()));
        m_session->scoreColumns("lm");
    });
    connect(m_lm, &LanguageModelController::failed, this, [this](const QString& error) {
        m_status->showNote(tr("The language model did not load"));
        m_lastError = error;
        showMessage(tr("Language model"), tr("The language model could not be loaded:\n\n%1").arg(error), true);
        Q_EMIT languageModelFailed(error);
    });

    auto* labelsMenu = menuBar()->addMenu(tr("La&bels"));
    labelsMenu->setObjectName(QStringLiteral("labelsMenu"));
    labelsMenu->addActions({ m_labels->markGoodAction(), m_labels->markBadAction(), m_labels->clearAction() });
    labelsMenu->addSeparator();
    labelsMenu->addActions({ m_labels->labelNextAction(), m_labels->trainAction() });

    auto* help = menuBar()->addMenu(tr("&Help"));
    HelpDialog::addToMenu(help, this); // Keyboard Shortcuts, What the Scores Mean (issue 20)
    help->addAction(tr("&About Shardscope"), this, [this]() {
        QMessageBox::about(this, tr("About Shardscope"),
            tr("<b>Shardscope %1</b><p>Inspect LLM pretraining corpora: score documents, find cutoffs on "
               "histograms, see what they drop, and export the filter for shardscope-cli apply.</p>")
                .arg(QStringLiteral(SHARDSCOPE_VERSION)));
    });
}

void MainWindow::resetCorpusUi(const QStringList& inputs)
{
    m_page->setCorpus(nullptr);
    m_viewer->setCorpus(nullptr, nullptr);
    m_scatter->setCorpus(nullptr);
    m_panel->clear();
    m_histograms->clear();
    m_status->clearScan();
    m_status->setCorpusText(inputs.isEmpty() ? tr("Open shards with File > Open, or drop them here.") : QString());
    for (auto* a : std::as_const(m_corpusActions))
        a->setEnabled(false);
}

// ---------------------------------------------------------------------------------------------
// The corpus session

bool MainWindow::openMostRecent()
{
    const QStringList recent = recentFiles();
    if (recent.isEmpty())
        return false;
    openInputs(recent.first().split(QLatin1Char('\n'), Qt::SkipEmptyParts));
    return true;
}

void MainWindow::connectSession()
{
    // Save the old corpus's cutoffs before anything of the new one exists (hotspot #92 / #156).
    connect(m_session, &CorpusSession::aboutToChange, this, [this]() {
        saveCutoffs();
        m_filter->clear();
    });
    connect(m_session, &CorpusSession::opening, this, [this](const QStringList& inputs) {
        m_lastError.clear();
        resetCorpusUi(inputs);
        if (inputs.isEmpty())
            return;
        QStringList names;
        for (const auto& i : inputs)
            names << QFileInfo(i).fileName();
        setWindowTitle(tr("%1 — Shardscope").arg(names.join(QStringLiteral(", "))));
        m_recentMenu->add(inputs);
        m_status->showOpening();
    });
    connect(m_session, &CorpusSession::fieldsUncertain, this,
        [this](const QStringList& inputs, const FieldMapping& detected) {
            m_status->clearScan();
            FieldMappingDialog dlg(inputs, detected, true, this);
            if (dlg.exec() == QDialog::Accepted)
                openInputs(inputs, dlg.fields());
            else
                m_status->setCorpusText(tr("Not opened: the field mapping was not confirmed."));
        });
    connect(m_session, &CorpusSession::started, this, &MainWindow::onStarted);
    connect(m_session, &CorpusSession::started, this, [this]() {
        const auto start = m_session->scanStart();
        std::vector<std::string> shards;
        for (const auto& shard : start->shards)
            shards.push_back(shard.path);
        m_ngram->setCorpus(shards, start->fields, start->cacheDir);
    });
    connect(m_session, &CorpusSession::grew, this, [this]() {
        m_page->documentsAppended();
        m_filter->reevaluate();
    });
    connect(m_session, &CorpusSession::progress, m_status, &CorpusStatusBar::showProgress);
    connect(
        m_session, &CorpusSession::finished, this, [this](std::shared_ptr<const ScanOutcome> outcome, bool replaced) {
            onFinished(*outcome, replaced);
            // Exact figures (the full pass behind a sample, or any other open): no intervals left from a sample
            // opened before.
            showSampleIn(m_panel, m_histograms, m_status, m_viewer, m_session->sample(), false);
        });
    // Sample first (issue 21): the complete sample is shown as a finished table with its intervals, the full pass
    // goes on behind it.
    connect(m_session, &CorpusSession::sampleReady, this,
        [this](std::shared_ptr<const ScanOutcome> outcome, bool fullPassFollows) {
            onFinished(*outcome, outcome->corpus != nullptr); // a grown sample brings a table of its own
            showSampleIn(m_panel, m_histograms, m_status, m_viewer, m_session->sample(), fullPassFollows);
        });
    connect(m_session, &CorpusSession::fullPassProgress, m_status, &CorpusStatusBar::showFullPassProgress);
    connect(m_session, &CorpusSession::fullPassEstimated, m_status, &CorpusStatusBar::setFullPassEstimate);
    connect(m_session, &CorpusSession::stoppedAtSample, this, [this]() {
        m_panel->setSample(m_session->sample(), false);
        m_status->showStoppedAtSample();
        Q_EMIT scanFinished();
    });
    connect(m_histograms, &HistogramStack::plotsChanged, this, [this]() {
        for (const QString& c : m_histograms->shownColumns())
            if (HistogramWidget* h = m_histograms->histogram(c))
                h->setSample(m_session->sample());
    });
    connect(m_session, &CorpusSession::cancelled, this, [this]() {
        m_filter->setGrowing(false);
        m_status->showCancelled(m_session->documents());
        // Sort in what arrived.
        m_page->model()->refresh();
        Q_EMIT scanFinished();
    });
    connect(m_session, &CorpusSession::failed, this, [this](const QString& message) {
        m_status->clearScan();
        m_status->showNote(tr("Could not open"));
        m_lastError = message;
        showMessage(tr("Could not open the corpus"), message, true);
        Q_EMIT scanFinished();
    });
    connect(m_session, &CorpusSession::corruptColumnsFound, this, [this](const QString& message) {
        m_lastError = message;
        showMessage(tr("Damaged cached scores"),
            tr("%1\n\nThese columns show as missing values. File > Rescan scores them again.").arg(message), true);
    });
    connect(m_session, &CorpusSession::columnsStarted, this, &MainWindow::onColumnsStarted);
    connect(m_session, &CorpusSession::columnsFilled, this, [this]() {
        m_filter->reevaluate();
        m_page->table()->viewport()->update();
    });
    connect(m_session, &CorpusSession::columnsProgress, m_status, &CorpusStatusBar::showColumnProgress);
    connect(m_session, &CorpusSession::columnsFinished, this, [this](const ColumnOutcome& outcome) {
        m_status->showColumnsFinished(outcome);
        m_page->model()->refresh();
        if (!outcome.error.isEmpty()) {
            m_lastError = outcome.error;
            showMessage(tr("Scoring stopped"),
                tr("Scoring %1 stopped after %L2 of %L3 documents:\n\n%4")
                    .arg(outcome.columns.join(QStringLiteral(", ")))
                    .arg(qulonglong(outcome.rowsFilled))
                    .arg(qulonglong(outcome.rowsTotal))
                    .arg(outcome.error),
                true);
        }
        Q_EMIT columnsFinished();
    });
    connect(m_session, &CorpusSession::columnsCancelled, this,
        [this](const QStringList& columns, quint64 rowsFilled, quint64 rowsTotal) {
            m_status->showColumnsCancelled(columns, rowsFilled, rowsTotal);
            m_page->model()->refresh();
            Q_EMIT columnsFinished();
        });
    connect(m_session, &CorpusSession::statsUpdated, this, [this]() {
        m_histograms->setSummary(m_session->summary());
        m_viewer->setSummary(m_session->summary());
        if (m_scatter->isVisible())
            m_scatter->refresh();
        Q_EMIT statsUpdated();
    });
}

void MainWindow::onStarted()
{
    const auto corpus = m_session->corpus();
    m_page->setCorpus(corpus);
    m_page->setKeepMask(&m_filter->keepMask());
    m_viewer->setCorpus(corpus, m_session->source());
    m_scatter->setCorpus(corpus.get());
    QStringList names;
    for (const auto& c : corpus->columns())
        names << QString::fromStdString(c.name);
    m_scatter->setColumns(names);
    // Asked to score with the language model: its columns go on display, and the scatter shows
    // compression ratio against LM loss (the two scores the tool exists for).
    if (m_histograms->setCorpus(corpus, m_settings.shownHistograms(), m_promoteLmColumns)) {
        m_settings.setShownHistograms(m_histograms->shownColumns());
        if (names.contains(QStringLiteral("zlib6")))
            m_scatter->setAxes(QStringLiteral("zlib6"), QStringLiteral("lm_bpb"));
        m_promoteLmColumns = false;
    }
    m_filter->setCorpus(corpus, m_session->running());
    for (auto* a : std::as_const(m_corpusActions))
        a->setEnabled(true);
    const auto start = m_session->scanStart();
    m_status->setCorpusText(tr("%n shard(s) · fields: %1", nullptr, int(start->shards.size()))
                                .arg(QString::fromStdString(start->fields.describe())));
    if (start->sample)
        m_status->showDrawingSample(start->sampleProbability, start->sampleSeed);
    restoreCutoffs();
}

void MainWindow::onFinished(const ScanOutcome& outcome, bool replaced)
{
    const auto corpus = m_session->corpus();
    if (replaced) {
        m_page->setCorpus(corpus);
        m_page->setKeepMask(&m_filter->keepMask());
        m_histograms->replaceCorpus(corpus);
        m_filter->setCorpus(corpus, false);
    } else {
        m_page->documentsAppended();
        m_filter->setGrowing(false);
    }
    showInViewerAgain(corpus);
    m_scatter->setCorpus(corpus.get());
    DocumentTableModel* model = m_page->model();
    if (model->sortColumn() >= 0 || model->groupFilter() >= 0 || model->hasRowSet())
        model->refresh();
    if (!replaced)
        m_filter->reevaluate();

    m_status->showFinished(outcome, corpus->size());
    if (!m_session->lastError().isEmpty()) {
        m_lastError = m_session->lastError();
        showMessage(tr("Unreadable input"),
            tr("Part of the input could not be read:\n\n%1\n\nEverything before that point was kept "
               "(%2 documents).")
                .arg(m_lastError, QLocale().toString(qulonglong(corpus->size()))),
            true);
    }
    // A sample with the full pass behind it: the scan is not over yet.
    if (!m_session->fullPassRunning())
        Q_EMIT scanFinished();
}

void MainWindow::onColumnsStarted(const QStringList& columns)
{
    const auto corpus = m_session->corpus();
    m_page->setCorpus(corpus);
    m_page->setKeepMask(&m_filter->keepMask());
    QStringList names;
    for (const auto& c : corpus->columns())
        names << QString::fromStdString(c.name);
    m_scatter->setColumns(names);
    m_scatter->setCorpus(corpus.get());
    m_histograms->replaceCorpus(corpus);
    // Columns the user asked for (Score with Language Model) go on display at once and fill in as they
    // are scored; columns the cache lacked appear where they were before.
    if (m_promoteLmColumns)
        for (const QString& c : columns)
            m_histograms->showColumn(c);
    if (m_promoteLmColumns && names.contains(QStringLiteral("zlib6")) && columns.contains(QStringLiteral("lm_bpb")))
        m_scatter->setAxes(QStringLiteral("zlib6"), QStringLiteral("lm_bpb"));
    m_promoteLmColumns = false;
    m_settings.setShownHistograms(m_histograms->shownColumns());
    showInViewerAgain(corpus);
    m_filter->setCorpus(corpus, false);
    m_session->requestStats();
}

void MainWindow::showInViewerAgain(const std::shared_ptr<CorpusData>& corpus)
{
    const auto shownDoc = m_viewer->document();
    m_viewer->setCorpus(corpus, m_session->source());
    m_viewer->setCorpusComplete(true);
    m_viewer->setRules(m_filter->rules());
    if (shownDoc)
        m_viewer->showDocument(shownDoc);
}

// ---------------------------------------------------------------------------------------------
// The filter state

void MainWindow::connectFilter()
{
    connect(m_filter, &FilterState::rulesChanged, this, &MainWindow::onRulesChanged);
    connect(m_filter, &FilterState::countsChanged, this, [this](bool incremental) {
        const auto corpus = m_session->corpus();
        if (!corpus)
            return;
        m_page->setKeepMask(&m_filter->keepMask());
        if (!incremental)
            m_panel->setKeyChoices(corpus->groupNames(), corpus->columns());
        m_panel->setCounts(m_filter->counts(), corpus->groupNames());
        Q_EMIT countsUpdated();
    });
    connect(m_filter, &FilterState::suggestionsReady, this,
        [this](int index, const std::string& column, const std::vector<CutoffSuggestion>& list) {
            m_panel->setSuggestions(index, column, list);
            Q_EMIT suggestionsReady();
        });
    connect(m_filter, &FilterState::suggestionsUnavailable, this,
        [this](int index, const std::string& column, const QString& why) {
            m_panel->setSuggestions(index, column, {});
            m_status->showMessage(why, 5000);
        });
}

void MainWindow::onRulesChanged(FilterState::Change change)
{
    using Change = FilterState::Change;
    const auto& rules = m_filter->rules();
    const bool movePlots = change == Change::Edited || change == Change::Restored;
    m_histograms->setRules(rules, movePlots);
    m_panel->setRules(rules);
    if (change == Change::DraggedIncrementally) {
        m_rulesUiTimer.start();
    } else {
        m_rulesUiTimer.stop();
        m_viewer->setRules(rules);
        m_scatter->setRules(rules);
    }
    if (change == Change::Edited && m_panel->view() != ThresholdPanel::View::All)
        applyView();
    if (change != Change::Restored && change != Change::Cleared)
        m_saveTimer.start();
}

void MainWindow::applyView()
{
    m_filter->ensureEvaluated();
    m_page->showView(m_panel->view(), m_panel->sampleSize(), m_filter->keepMask(), m_filter->rules());
}

void MainWindow::saveCutoffs()
{
    m_saveTimer.stop();
    if (!m_session->corpusKey().isEmpty() && m_session->scanStart())
        m_settings.setCutoffs(m_session->corpusKey(), QString::fromStdString(m_filter->configJson()));
}

void MainWindow::restoreCutoffs()
{
    const QString json = m_settings.cutoffs(m_session->corpusKey());
    if (json.isEmpty())
        return;
    try {
        FilterConfig cfg = FilterConfig::parse(json.toStdString(), "settings");
        const bool any = !cfg.rules.empty();
        m_filter->restoreRules(std::move(cfg.rules));
        if (any)
            m_status->showMessage(tr("Restored the last cutoffs used on this corpus"), 5000);
    } catch (const std::exception&) {
        // A damaged setting is no reason to refuse the corpus: it opens without cutoffs.
    }
}

HistogramWidget* MainWindow::histogram(const QString& column) const
{
    return m_histograms->histogram(column);
}

DocumentTableModel* MainWindow::tableModel() const
{
    return m_page->model();
}

QTableView* MainWindow::tableView() const
{
    return m_page->table();
}

// ---------------------------------------------------------------------------------------------
// Dialogs, menus, lifecycle

void MainWindow::openDialog(bool directory)
{
    const QString dir = m_settings.lastDirectory();
    QStringList inputs;
    if (directory) {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Open a Directory of Shards"), dir);
        if (!d.isEmpty())
            inputs << d;
    } else {
        inputs = QFileDialog::getOpenFileNames(this, tr("Open Shards"), dir,
            tr("Shards (*.jsonl *.jsonl.gz *.jsonl.zst *.json.gz *.json.zst *.ndjson *.jsonl.zstd "
               "*.warc.wet.gz *.wet.gz *.warc.gz *.warc.wet *.wet *.warc);;"
               "JSON Lines shards (*.jsonl *.jsonl.gz *.jsonl.zst *.json.gz *.json.zst *.ndjson *.jsonl.zstd);;"
               "Common Crawl WET and WARC (*.warc.wet.gz *.wet.gz *.warc.gz *.warc.wet *.wet *.warc);;"
               "All files (*)"));
    }
    if (inputs.isEmpty())
        return;
    m_settings.setLastDirectory(QFileInfo(inputs.first()).absolutePath());
    openInputs(inputs);
}

void MainWindow::editFieldMapping()
{
    const auto fields = m_session->fields();
    if (m_session->inputs().isEmpty() || !fields)
        return;
    FieldMappingDialog dlg(m_session->inputs(), *fields, false, this);
    if (dlg.exec() == QDialog::Accepted && !(dlg.fields() == *fields))
        m_session->reopen(dlg.fields());
}

void MainWindow::showMessage(const QString& title, const QString& text, bool error)
{
    // Not modal: a message never blocks the event loop (or an unattended test run).
    auto* box
        = new QMessageBox(error ? QMessageBox::Warning : QMessageBox::Information, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

// ---------------------------------------------------------------------------------------------
// Language model

void MainWindow::setScorers(const std::string& list)
{
    m_session->setScorers(list);
    m_promoteLmColumns = LanguageModelController::namesLanguageModel(list);
}

QString MainWindow::languageModelStatus() const
{
    return m_status->languageModelStatus();
}

void MainWindow::addScorersDialog()
{
    if (!m_session->corpus() || m_session->running())
        return;
    auto* dlg = new AddScorerDialog(m_session->corpus(), m_session->source(), m_session->threads(), this,
        { m_ngram->scorerSpec(), m_referenceLm->scorerSpec() });
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &QDialog::accepted, this, [this, dlg]() {
        const std::string added = dlg->chosen();
        if (added.empty())
            return;
        // Later opens of this corpus load them from the cache with the rest.
        setScorers(scorers() + "," + added);
        m_promoteLmColumns = true; // what the user asked for goes on display
        m_session->scoreColumns(added);
    });
    dlg->open();
    Q_EMIT addScorersOpened(dlg);
}

void MainWindow::trainNgramReferenceDialog()
{
    const auto corpus = m_session->corpus();
    if (!corpus || m_session->running() || m_ngram->running())
        return;
    const auto& textBytes = corpus->textBytesColumn();
    const uint64_t total = std::accumulate(textBytes.begin(), textBytes.end(), uint64_t(0));
    auto* dlg = new NgramTrainDialog(m_ngram, total, this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->open();
    Q_EMIT ngramTrainOpened(dlg);
}

void MainWindow::trainLanguageModelDialog()
{
    const auto fields = m_session->fields();
    m_lm->openTrainDialog(this, m_session->inputs(), fields ? QString::fromStdString(fields->text) : QString());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // Stop the scan first: workers must not outlive the window they post to.
    m_session->shutdown();
    saveCutoffs();
    m_labels->saveNow();
    m_settings.setWindowGeometry(saveGeometry(), saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    QStringList inputs;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile())
            inputs << url.toLocalFile();
    if (inputs.isEmpty())
        return;
    event->acceptProposedAction();
    openInputs(inputs);
}

} // namespace shardscope
