#include "mainwindow.h"

#include "fieldmappingdialog.h"
#ifdef SHARDSCOPE_HAVE_TORCH
#include "lmdialogs.h"
#include <lm/lmapi.h>
#endif

#include <documenttablemodel.h>
#include <documentviewer.h>
#include <histogramwidget.h>
#include <plotexport.h>
#include <scatterwidget.h>
#include <tokenlossview.h>

#include <atomicfile.h>
#include <filterconfig.h>
#include <suggest.h>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QLoggingCategory>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <limits>

Q_LOGGING_CATEGORY(lcTiming, "shardscope.gui.timing", QtWarningMsg)

namespace shardscope {

namespace {

// Logs GUI-thread handlers slower than a frame: QT_LOGGING_RULES="shardscope.gui.timing.debug=true".
class SlowHandlerLog {
public:
    explicit SlowHandlerLog(const char* what)
        : m_what(what)
    {
        m_timer.start();
    }
    ~SlowHandlerLog()
    {
        const qint64 us = m_timer.nsecsElapsed() / 1000;
        if (us > 8000)
            qCDebug(lcTiming, "%s took %.1f ms", m_what, double(us) / 1000.0);
    }

private:
    const char* m_what;
    QElapsedTimer m_timer;
};

constexpr int kRedrawMs = 40;       // coalesce batch arrivals into one redraw per frame or two
constexpr int kStatsIntervalMs = 400;
constexpr int kMaxRecent = 10;

QString humanSeconds(double s)
{
    if (s < 0)
        return QStringLiteral("?");
    if (s < 90)
        return QStringLiteral("%1 s").arg(int(std::lround(s)));
    return QStringLiteral("%1:%2 min").arg(int(s) / 60).arg(int(s) % 60, 2, 10, QLatin1Char('0'));
}

QString corpusKeyOf(const QStringList& inputs)
{
    QStringList sorted;
    for (const auto& i : inputs)
        sorted << QFileInfo(i).absoluteFilePath();
    sorted.sort();
    return QString::fromLatin1(
        QCryptographicHash::hash(sorted.join(QLatin1Char('\n')).toUtf8(), QCryptographicHash::Sha1).toHex().left(16));
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Shardscope"));
    setWindowIcon(QIcon::fromTheme(QStringLiteral("shardscope"), QIcon(QStringLiteral(":/icons/shardscope.svg"))));
    setAcceptDrops(true);
    m_scan = new ScanController(this);
    connect(m_scan, &ScanController::fieldsUncertain, this, &MainWindow::onFieldsUncertain);
    connect(m_scan, &ScanController::started, this, &MainWindow::onStarted);
    connect(m_scan, &ScanController::batchReady, this, &MainWindow::onBatch);
    connect(m_scan, &ScanController::progress, this, &MainWindow::onProgress);
    connect(m_scan, &ScanController::finished, this, &MainWindow::onFinished);
    connect(m_scan, &ScanController::failed, this, &MainWindow::onFailed);

    m_redrawTimer.setSingleShot(true);
    m_redrawTimer.setInterval(kRedrawMs);
    connect(&m_redrawTimer, &QTimer::timeout, this, &MainWindow::redraw);
    m_rulesUiTimer.setSingleShot(true);
    m_rulesUiTimer.setInterval(kRedrawMs);
    connect(&m_rulesUiTimer, &QTimer::timeout, this, [this]() {
        m_viewer->setRules(m_rules);
        m_scatter->setRules(m_rules);
    });
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(1000);
    connect(&m_saveTimer, &QTimer::timeout, this, &MainWindow::saveCutoffs);

#ifdef SHARDSCOPE_HAVE_TORCH
    // Start from the engine's current choice (set by --model/--device or an earlier window).
    m_lmModelDir = QString::fromStdString(lmOptions().modelDir);
    m_lmDevice = QString::fromStdString(lmOptions().device);
#endif
    setupUi();
    setupMenus();
    resetCorpusUi();

    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1400, 900);
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

MainWindow::~MainWindow()
{
    m_scan->shutdown();
}

void MainWindow::setupUi()
{
    // Centre: filter bar over the document table.
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(4);
    auto* bar = new QHBoxLayout;
    m_groupFilter = new QComboBox(central);
    m_groupFilter->setObjectName(QStringLiteral("groupFilter"));
    m_groupFilter->setMinimumContentsLength(8);
    m_groupFilter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_idFilter = new QLineEdit(central);
    m_idFilter->setObjectName(QStringLiteral("idFilter"));
    m_idFilter->setPlaceholderText(tr("Filter ids…"));
    m_idFilter->setClearButtonEnabled(true);
    m_idFilter->setMinimumWidth(120);
    m_search = new QLineEdit(central);
    m_search->setObjectName(QStringLiteral("textSearch"));
    m_search->setPlaceholderText(tr("Search text (Enter)…"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(160);
    m_searchCase = new QCheckBox(tr("Aa"), central);
    m_searchCase->setToolTip(tr("Case-sensitive text search"));
    m_searchButton = new QPushButton(tr("Search"), central);
    m_rowsLabel = new QLabel(central);
    bar->addWidget(new QLabel(tr("Group:"), central));
    bar->addWidget(m_groupFilter);
    bar->addWidget(m_idFilter, 1);
    bar->addWidget(m_search, 2);
    bar->addWidget(m_searchCase);
    bar->addWidget(m_searchButton);
    bar->addWidget(m_rowsLabel);
    layout->addLayout(bar);

    m_model = new DocumentTableModel(this);
    m_table = new QTableView(central);
    m_table->setObjectName(QStringLiteral("documentTable"));
    m_table->setModel(m_model);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setSortIndicatorShown(true);
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_table->horizontalHeader()->setSectionsMovable(true);
    m_table->horizontalHeader()->setToolTip(tr("Click to sort; press S in the table to sort by the current column"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    // Fixed row heights: QTableView then never measures a million rows.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->verticalHeader()->setVisible(false);
    layout->addWidget(m_table, 1);
    setCentralWidget(central);

    // Keyboard sorting: S sorts by the current column, again to reverse.
    auto* sortAction = new QAction(tr("Sort by Current Column"), m_table);
    sortAction->setShortcut(QKeySequence(Qt::Key_S));
    sortAction->setShortcutContext(Qt::WidgetShortcut);
    m_table->addAction(sortAction);
    connect(sortAction, &QAction::triggered, this, [this]() {
        const int col = m_table->currentIndex().isValid() ? m_table->currentIndex().column() : 0;
        const auto* header = m_table->horizontalHeader();
        const Qt::SortOrder order = header->sortIndicatorSection() == col && header->sortIndicatorOrder() == Qt::AscendingOrder
            ? Qt::DescendingOrder
            : Qt::AscendingOrder;
        m_table->sortByColumn(col, order);
    });

    connect(m_groupFilter, &QComboBox::currentIndexChanged, this,
            [this]() { m_model->setGroupFilter(m_groupFilter->currentData().isValid() ? m_groupFilter->currentData().toInt() : -1); });
    auto* idTimer = new QTimer(this);
    idTimer->setSingleShot(true);
    idTimer->setInterval(150);
    connect(m_idFilter, &QLineEdit::textChanged, idTimer, qOverload<>(&QTimer::start));
    connect(idTimer, &QTimer::timeout, this, [this]() { m_model->setIdFilter(m_idFilter->text()); });
    auto startSearch = [this]() {
        if (m_model->searchRunning()) {
            m_model->cancelTextSearch();
            return;
        }
        if (m_search->text().isEmpty()) {
            m_model->clearTextSearch();
            return;
        }
        m_searchButton->setText(tr("Stop"));
        m_model->startTextSearch(m_search->text(), m_searchCase->isChecked());
    };
    connect(m_search, &QLineEdit::returnPressed, this, startSearch);
    connect(m_searchButton, &QPushButton::clicked, this, startSearch);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& t) {
        if (t.isEmpty())
            m_model->clearTextSearch();
    });
    connect(m_model, &DocumentTableModel::searchProgress, this,
            [this](double f) { m_searchButton->setText(tr("Stop (%1%)").arg(int(f * 100))); });
    connect(m_model, &DocumentTableModel::searchFinished, this, [this](qulonglong matches, const QString& error) {
        m_searchButton->setText(tr("Search"));
        if (!error.isEmpty() && error != tr("cancelled"))
            showMessage(tr("Text search"), tr("The search stopped early: %1").arg(error), true);
        else if (error.isEmpty())
            statusBar()->showMessage(tr("%L1 documents contain \"%2\"").arg(matches).arg(m_search->text()), 5000);
    });
    auto updateRows = [this]() {
        if (!m_corpus) {
            m_rowsLabel->clear();
            return;
        }
        m_rowsLabel->setText(m_model->busy() ? tr("sorting…")
                                             : tr("%L1 of %L2 rows").arg(m_model->rowCount()).arg(qulonglong(m_corpus->size())));
    };
    connect(m_model, &DocumentTableModel::rowsRecomputed, this, updateRows);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, updateRows);
    connect(m_model, &DocumentTableModel::busyChanged, this, updateRows);
    connect(m_model, &DocumentTableModel::rowsRecomputed, this, [this]() {
        // Keep the document under view selected across re-sorts and filters.
        if (auto doc = m_viewer->document()) {
            const int row = m_model->rowOfDoc(*doc);
            if (row >= 0) {
                const QSignalBlocker b(m_table->selectionModel());
                m_table->setCurrentIndex(m_model->index(row, std::max(0, m_table->currentIndex().column())));
                m_table->scrollTo(m_model->index(row, 0));
            }
        }
    });

    // Docks: threshold panel left, histograms and scatter right, document viewer bottom.
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
    // The viewer spans the full width at the bottom: text lines are long.
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);

    m_panel = new ThresholdPanel(this);
    auto* panelDock = new QDockWidget(tr("Thresholds"), this);
    panelDock->setObjectName(QStringLiteral("thresholdDock"));
    panelDock->setWidget(m_panel);
    addDockWidget(Qt::LeftDockWidgetArea, panelDock);

    // Histograms: a chooser over a scrolling stack. Engines emit dozens of columns; the
    // stack shows the chosen ones (and every column with a rule).
    auto* histPage = new QWidget(this);
    auto* histPageLayout = new QVBoxLayout(histPage);
    histPageLayout->setContentsMargins(2, 2, 2, 2);
    histPageLayout->setSpacing(2);
    m_addHistogram = new QComboBox(histPage);
    m_addHistogram->setObjectName(QStringLiteral("addHistogram"));
    m_addHistogram->setToolTip(tr("Add the histogram of another score"));
    histPageLayout->addWidget(m_addHistogram);
    auto* histScroll = new QScrollArea(histPage);
    histScroll->setWidgetResizable(true);
    histScroll->setFrameShape(QFrame::NoFrame);
    m_histContainer = new QWidget(histScroll);
    m_histLayout = new QVBoxLayout(m_histContainer);
    m_histLayout->setContentsMargins(0, 0, 0, 0);
    m_histPlaceholder = new QLabel(tr("Histograms appear here while the corpus is scanned.\n\n"
                                      "Drag the red lines to set cutoffs; the table, counts and viewer follow."),
                                   m_histContainer);
    m_histPlaceholder->setAlignment(Qt::AlignCenter);
    m_histPlaceholder->setWordWrap(true);
    m_histLayout->addWidget(m_histPlaceholder);
    m_histLayout->addStretch(1);
    histScroll->setWidget(m_histContainer);
    histPageLayout->addWidget(histScroll, 1);
    connect(m_addHistogram, &QComboBox::activated, this, [this](int index) {
        const QString column = m_addHistogram->itemData(index).toString();
        if (!column.isEmpty())
            showHistogram(column);
        m_addHistogram->setCurrentIndex(0);
    });
    auto* histDock = new QDockWidget(tr("Histograms"), this);
    histDock->setObjectName(QStringLiteral("histogramDock"));
    histDock->setWidget(histPage);
    addDockWidget(Qt::RightDockWidgetArea, histDock);

    m_scatter = new ScatterWidget(this);
    auto* scatterDock = new QDockWidget(tr("Scatter"), this);
    scatterDock->setObjectName(QStringLiteral("scatterDock"));
    scatterDock->setWidget(m_scatter);
    addDockWidget(Qt::RightDockWidgetArea, scatterDock);
    tabifyDockWidget(histDock, scatterDock);
    histDock->raise();
    connect(scatterDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible && m_corpus)
            m_scatter->refresh();
    });

    m_viewer = new DocumentViewer(this);
    auto* viewerDock = new QDockWidget(tr("Document"), this);
    viewerDock->setObjectName(QStringLiteral("viewerDock"));
    viewerDock->setWidget(m_viewer);
    addDockWidget(Qt::BottomDockWidgetArea, viewerDock);

    resizeDocks({ panelDock, histDock }, { 340, 430 }, Qt::Horizontal);
    resizeDocks({ viewerDock }, { 290 }, Qt::Vertical);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid())
                    m_viewer->showDocument(m_model->docAt(current.row()));
            });
    connect(m_panel, &ThresholdPanel::viewRequested, this, &MainWindow::applyView);
    connect(m_panel, &ThresholdPanel::removeRuleRequested, this, [this](const QString& column) {
        auto rules = m_rules;
        rules.erase(std::remove_if(rules.begin(), rules.end(),
                                   [&](const FilterRule& r) { return r.column == column.toStdString(); }),
                    rules.end());
        setRules(std::move(rules), true);
    });
    connect(m_panel, &ThresholdPanel::clearRulesRequested, this, [this]() { setRules({}, true); });
    connect(m_panel, &ThresholdPanel::ruleEdited, this, [this](int index, const FilterRule& rule) {
        if (index < 0 || index >= int(m_rules.size()))
            return;
        auto rules = m_rules;
        rules[size_t(index)] = rule;
        setRules(std::move(rules), true);
    });
    connect(m_panel, &ThresholdPanel::suggestRequested, this, &MainWindow::suggestCutoffs);
    connect(m_panel, &ThresholdPanel::breakdownChanged, this, [this](const QString& column) {
        m_evaluator.setBreakdownColumn(column.toStdString());
        reevaluate();
    });

    // Status bar: progress, rate, ETA and Cancel while a scan runs.
    m_corpusLabel = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_progressLabel = new QLabel(this);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelScan"));
    connect(m_cancel, &QPushButton::clicked, this, &MainWindow::cancelScan);
    m_lmLabel = new QLabel(this);
    m_lmLabel->setObjectName(QStringLiteral("languageModelStatus"));
    statusBar()->addWidget(m_corpusLabel, 1);
    statusBar()->addPermanentWidget(m_lmLabel);
    statusBar()->addPermanentWidget(m_progressLabel);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
}

void MainWindow::setupMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* open = file->addAction(QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open Shards…"), this,
                                 [this]() { openDialog(false); });
    open->setShortcut(QKeySequence::Open);
    file->addAction(QIcon::fromTheme(QStringLiteral("folder-open")), tr("Open &Directory…"),
                    QKeySequence(tr("Ctrl+Shift+O")), this, [this]() { openDialog(true); });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    auto* mapping = file->addAction(tr("&Field Mapping…"), this, &MainWindow::editFieldMapping);
    auto* rescan = file->addAction(tr("Re&scan (ignore cached scores)"), this, [this]() {
        if (m_inputs.isEmpty())
            return;
        const bool old = m_useCache;
        m_useCache = false;
        openInputs(m_inputs, m_start ? std::optional<FieldMapping>(m_start->fields) : std::nullopt);
        m_useCache = old;
    });
    // The viewer found a shard changed or deleted on disk and offers this.
    connect(m_viewer, &DocumentViewer::rescanRequested, rescan, &QAction::trigger);
    file->addSeparator();
    auto* loadCfg = file->addAction(tr("&Load Filter Config…"), QKeySequence(tr("Ctrl+L")), this,
                                    &MainWindow::loadConfigDialog);
    auto* saveCfg = file->addAction(QIcon::fromTheme(QStringLiteral("document-save")), tr("&Export Filter Config…"),
                                    QKeySequence(QKeySequence::Save), this, &MainWindow::exportConfigDialog);
    auto* keptIds = file->addAction(tr("Export &Kept Ids…"), this, [this]() { exportIdsDialog(true); });
    auto* droppedIds = file->addAction(tr("Export &Dropped Ids…"), this, [this]() { exportIdsDialog(false); });
    m_plotMenu = file->addMenu(tr("Export &Plot"));
    file->addSeparator();
    file->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"), QKeySequence(QKeySequence::Quit),
                    this, &QWidget::close);
    m_corpusActions = { mapping, rescan, loadCfg, saveCfg, keptIds, droppedIds };

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (auto* dock : findChildren<QDockWidget*>())
        m_viewMenu->addAction(dock->toggleViewAction());
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(tr("Log Counts in All Histograms"), this, [this]() {
        for (auto& [name, h] : m_histograms)
            h->setLogScale(!h->logScale());
    });
    m_viewMenu->addAction(tr("Group Overlay in All Histograms"), this, [this]() {
        for (auto& [name, h] : m_histograms)
            h->setGroupOverlay(!h->groupOverlay());
    });

    auto* lmMenu = menuBar()->addMenu(tr("&Language Model"));
    lmMenu->setObjectName(QStringLiteral("languageModelMenu"));
#ifdef SHARDSCOPE_HAVE_TORCH
    auto* scoreLm = lmMenu->addAction(tr("&Score with Language Model…"), this, &MainWindow::scoreWithLanguageModelDialog);
    auto* trainLm = lmMenu->addAction(tr("&Train Reference Model…"), this, &MainWindow::trainLanguageModelDialog);
    m_corpusActions << scoreLm << trainLm;
    lmMenu->addSeparator();
    lmMenu->addAction(tr("Show &Token Losses of the Selected Document"), this,
                  [this]() { m_viewer->setTokenLossesShown(true); });
#else
    lmMenu->addAction(tr("This build has no language-model support (SHARDSCOPE_WITH_TORCH=OFF)"))->setEnabled(false);
#endif

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Shardscope"), this, [this]() {
        QMessageBox::about(this, tr("About Shardscope"),
                           tr("<b>Shardscope %1</b><p>Inspect LLM pretraining corpora: score documents, find cutoffs on "
                              "histograms, see what they drop, and export the filter for shardscope-cli apply.</p>")
                               .arg(QStringLiteral(SHARDSCOPE_VERSION)));
    });
    updateRecentMenu();
}

void MainWindow::resetCorpusUi()
{
    m_model->setCorpus(nullptr);
    m_viewer->setCorpus(nullptr, nullptr);
    m_scatter->setCorpus(nullptr);
    m_panel->clear();
    for (auto& [name, h] : m_histograms)
        delete h;
    m_histograms.clear();
    m_histPlaceholder->show();
    m_addHistogram->clear();
    m_plotMenu->clear();
    m_plotMenu->setEnabled(false);
    {
        const QSignalBlocker b(m_groupFilter);
        m_groupFilter->clear();
        m_groupFilter->addItem(tr("All groups"));
    }
    m_idFilter->clear();
    m_search->clear();
    m_progress->hide();
    m_progressLabel->hide();
    m_cancel->hide();
    m_corpusLabel->setText(m_inputs.isEmpty() ? tr("Open shards with File > Open, or drop them here.") : QString());
    for (auto* a : std::as_const(m_corpusActions))
        a->setEnabled(false);
}

// ---------------------------------------------------------------------------------------------
// Opening and scanning

void MainWindow::openInputs(const QStringList& inputs, std::optional<FieldMapping> fields)
{
    if (inputs.isEmpty())
        return;
    // Stop the old job before anything of the new corpus exists (hotspot #92 / #156).
    saveCutoffs();
    m_scan->cancel();
    m_statsJob++;
    m_suggestJob++;
    m_statsRunning = false;
    m_redrawTimer.stop();
    m_corpus.reset();
    m_source.reset();
    m_summary.reset();
    m_start.reset();
    m_rules.clear();
    m_keep.clear();
    m_counts = {};
    m_lastError.clear();
    m_inputs = inputs;
    m_corpusKey = corpusKeyOf(inputs);
    resetCorpusUi();
    QStringList names;
    for (const auto& i : inputs)
        names << QFileInfo(i).fileName();
    setWindowTitle(tr("%1 — Shardscope").arg(names.join(QStringLiteral(", "))));
    addRecent(inputs);

    OpenRequest req;
    req.inputs = inputs;
    req.fields = fields;
    req.useCache = m_useCache;
    req.threads = m_threads;
    req.scorers = m_scorers;
    m_job = m_scan->start(req);
    m_progress->setValue(0);
    m_progress->show();
    m_progressLabel->setText(tr("Opening…"));
    m_progressLabel->show();
    m_cancel->show();
}

void MainWindow::showCorpus(std::shared_ptr<CorpusData> corpus)
{
    saveCutoffs();
    m_scan->cancel();
    ++m_statsJob;
    ++m_suggestJob;
    m_statsRunning = false;
    m_summary.reset();
    m_rules.clear();
    m_keep.clear();
    m_inputs.clear();
    m_corpusKey.clear();
    resetCorpusUi();
    // A job id the controller never hands out, so no scan result can match it.
    m_job = std::numeric_limits<quint64>::max();
    auto start = std::make_shared<ScanStart>();
    start->shards = corpus->shards;
    start->fields = corpus->fields;
    start->columns = corpus->columns();
    onStarted(m_job, start);
    auto outcome = std::make_shared<ScanOutcome>();
    outcome->shards = corpus->shards;
    outcome->corpus = std::move(corpus);
    outcome->fromCache = true;
    onFinished(m_job, outcome);
}

bool MainWindow::openMostRecent()
{
    const QStringList recent = recentFiles();
    if (recent.isEmpty())
        return false;
    openInputs(recent.first().split(QLatin1Char('\n'), Qt::SkipEmptyParts));
    return true;
}

void MainWindow::onFieldsUncertain(quint64 job, const QStringList& inputs, const FieldMapping& detected)
{
    if (job != m_job)
        return;
    m_progress->hide();
    m_progressLabel->hide();
    m_cancel->hide();
    FieldMappingDialog dlg(inputs, detected, true, this);
    if (dlg.exec() == QDialog::Accepted)
        openInputs(inputs, dlg.fields());
    else
        m_corpusLabel->setText(tr("Not opened: the field mapping was not confirmed."));
}

void MainWindow::editFieldMapping()
{
    if (m_inputs.isEmpty() || !m_start)
        return;
    FieldMappingDialog dlg(m_inputs, m_start->fields, false, this);
    if (dlg.exec() == QDialog::Accepted && !(dlg.fields() == m_start->fields))
        openInputs(m_inputs, dlg.fields());
}

void MainWindow::onStarted(quint64 job, std::shared_ptr<const ScanStart> info)
{
    const SlowHandlerLog slow("onStarted");
    if (job != m_job)
        return;
    m_start = info;
    m_corpus = std::make_shared<CorpusData>();
    m_corpus->setColumns(info->columns);
    m_corpus->shards = info->shards;
    m_corpus->fields = info->fields;
    m_source = std::make_shared<DocumentSource>(info->shards, info->seekCacheDir, info->fields);
    m_model->setCorpus(m_corpus);
    m_model->setKeepMask(&m_keep);
    m_viewer->setCorpus(m_corpus, m_source);
    m_scatter->setCorpus(m_corpus.get());
    QStringList names;
    for (const auto& c : info->columns)
        names << QString::fromStdString(c.name);
    m_scatter->setColumns(names);
    m_shownColumns.clear();
    const QStringList wanted = QSettings().value(QStringLiteral("histograms/shown")).toStringList();
    for (const QString& c : wanted)
        if (names.contains(c))
            m_shownColumns << c;
    // Default: the first two scores (the compression ratios).
    if (m_shownColumns.isEmpty())
        m_shownColumns = names.mid(0, 2);
    // Asked to score with the language model: its columns go on display, and the scatter shows
    // compression ratio against LM loss (the two scores the tool exists for).
    if (m_showLmColumns && names.contains(QStringLiteral("lm_bpb"))) {
        for (const QString& c : { QStringLiteral("lm_bpb"), QStringLiteral("lm_loss") })
            if (names.contains(c) && !m_shownColumns.contains(c))
                m_shownColumns << c;
        QSettings().setValue(QStringLiteral("histograms/shown"), m_shownColumns);
        if (names.contains(QStringLiteral("zlib6")))
            m_scatter->setAxes(QStringLiteral("zlib6"), QStringLiteral("lm_bpb"));
        m_showLmColumns = false;
    }
    ensureHistograms();
    m_table->horizontalHeader()->resizeSection(DocumentTableModel::FilterColumn, 64);
    m_table->horizontalHeader()->resizeSection(DocumentTableModel::IdColumn, 260);
    m_table->horizontalHeader()->resizeSection(DocumentTableModel::GroupColumn, 170);
    for (int c = DocumentTableModel::BytesColumn; c < m_model->columnCount(); ++c)
        m_table->horizontalHeader()->resizeSection(c, 80);
    for (auto* a : std::as_const(m_corpusActions))
        a->setEnabled(true);
    m_corpusLabel->setText(tr("%n shard(s) · fields: %1", nullptr, int(info->shards.size()))
                               .arg(QString::fromStdString(info->fields.describe())));
    restoreCutoffs();
}

void MainWindow::ensureHistograms()
{
    if (!m_corpus)
        return;
    m_histPlaceholder->setVisible(m_corpus->columnCount() == 0);
    // Columns with rules are always on display, so every cutoff can be seen and dragged.
    for (const auto& r : m_rules) {
        const QString c = QString::fromStdString(r.column);
        if (!m_shownColumns.contains(c) && m_corpus->columnIndex(r.column) >= 0)
            m_shownColumns << c;
    }
    for (auto it = m_histograms.begin(); it != m_histograms.end();) {
        if (!m_shownColumns.contains(it->first)) {
            delete it->second;
            it = m_histograms.erase(it);
        } else {
            ++it;
        }
    }
    int position = 0;
    for (const QString& name : std::as_const(m_shownColumns)) {
        const int col = m_corpus->columnIndex(name.toStdString());
        if (col < 0)
            continue;
        HistogramWidget* h = histogram(name);
        if (!h) {
            h = new HistogramWidget(name, m_histContainer);
            h->setToolTip(QString::fromStdString(m_corpus->columns()[size_t(col)].definition));
            h->setMinimumHeight(250);
            m_histograms[name] = h;
            connect(h, &HistogramWidget::boundsChanged, this, [this, h]() { onBoundsChanged(h); });
            connect(h, &HistogramWidget::dragFinished, this, [this]() {
                if (m_panel->view() != ThresholdPanel::View::All)
                    applyView();
            });
            connect(h, &HistogramWidget::closeRequested, this, [this, name]() { hideHistogram(name); });
            for (const auto& r : m_rules)
                if (r.column == name.toStdString())
                    h->setBounds(r.bounds.min, r.bounds.max);
            if (m_summary)
                if (const ColumnSummary* cs = m_summary->column(name.toStdString()))
                    h->setSummary(*cs, m_corpus->groupNames());
        }
        // Placeholder first, then the histograms in display order, then the stretch.
        m_histLayout->insertWidget(1 + position++, h);
    }

    // The chooser offers the columns not on display; the plot export menu the ones that are.
    {
        const QSignalBlocker b(m_addHistogram);
        m_addHistogram->clear();
        m_addHistogram->addItem(tr("Add a histogram…"));
        for (const auto& c : m_corpus->columns()) {
            const QString name = QString::fromStdString(c.name);
            if (!m_shownColumns.contains(name)) {
                m_addHistogram->addItem(name, name);
                m_addHistogram->setItemData(m_addHistogram->count() - 1, QString::fromStdString(c.definition),
                                            Qt::ToolTipRole);
            }
        }
    }
    m_plotMenu->clear();
    for (const QString& name : std::as_const(m_shownColumns)) {
        if (HistogramWidget* h = histogram(name))
            m_plotMenu->addAction(tr("Histogram of %1…").arg(name), this, [this, h, name]() { exportPlotDialog(h, name); });
    }
    m_plotMenu->addSeparator();
    m_plotMenu->addAction(tr("Scatter Plot…"), this, [this]() {
        exportPlotDialog(m_scatter, m_scatter->xColumn() + QStringLiteral("-vs-") + m_scatter->yColumn());
    });
    m_plotMenu->setEnabled(true);
}

void MainWindow::showHistogram(const QString& column)
{
    if (!m_shownColumns.contains(column))
        m_shownColumns << column;
    QSettings().setValue(QStringLiteral("histograms/shown"), m_shownColumns);
    ensureHistograms();
    if (HistogramWidget* h = histogram(column); h && m_summary && !m_summary->column(column.toStdString())) {
        m_statsDirty = true;
        scheduleStats();
    }
}

void MainWindow::hideHistogram(const QString& column)
{
    for (const auto& r : m_rules)
        if (r.column == column.toStdString()) {
            statusBar()->showMessage(tr("%1 has an active rule; remove the rule first to hide its histogram").arg(column),
                                     5000);
            return;
        }
    m_shownColumns.removeAll(column);
    QSettings().setValue(QStringLiteral("histograms/shown"), m_shownColumns);
    ensureHistograms();
}

void MainWindow::onBatch(quint64 job, std::shared_ptr<DocBatch> batch)
{
    const SlowHandlerLog slow("onBatch");
    if (job != m_job || !m_corpus)
        return;
    const size_t groupsBefore = m_corpus->groupNames().size();
    m_corpus->append(std::move(*batch));
    if (m_corpus->groupNames().size() != groupsBefore) {
        const QSignalBlocker b(m_groupFilter);
        for (size_t g = groupsBefore; g < m_corpus->groupNames().size(); ++g) {
            const auto& n = m_corpus->groupNames()[g];
            m_groupFilter->addItem(n.empty() ? tr("(no group)") : QString::fromStdString(n), int(g));
        }
    }
    m_countsDirty = true;
    m_statsDirty = true;
    if (!m_redrawTimer.isActive())
        m_redrawTimer.start();
}

void MainWindow::redraw()
{
    const SlowHandlerLog slow("redraw");
    if (!m_corpus)
        return;
    m_model->documentsAppended();
    if (m_countsDirty)
        reevaluate();
    if (m_statsDirty)
        scheduleStats();
}

void MainWindow::onProgress(quint64 job, const ScanProgress& p)
{
    const SlowHandlerLog slow("onProgress");
    if (job != m_job)
        return;
    m_progress->setValue(int(std::lround(p.fraction() * 1000)));
    m_progress->setFormat(QStringLiteral("%1%").arg(int(p.fraction() * 100)));
    const QLocale loc;
    m_progressLabel->setText(tr("%1 docs · %2 docs/s · %3 MB/s · ETA %4")
                                 .arg(loc.toString(qulonglong(p.docs)), loc.toString(qlonglong(std::llround(p.docsPerSecond))),
                                      QString::number(p.mbPerSecond, 'f', 1), humanSeconds(p.etaSeconds)));
}

void MainWindow::cancelScan()
{
    if (!m_scan->running())
        return;
    m_scan->cancel();
    m_progress->hide();
    m_cancel->hide();
    m_progressLabel->setText(tr("Cancelled — %L1 documents read are kept").arg(qulonglong(m_corpus ? m_corpus->size() : 0)));
    // Sort in what arrived, and finish the statistics for it.
    m_model->refresh();
    m_statsDirty = true;
    startStats();
    Q_EMIT scanFinished();
}

void MainWindow::onFinished(quint64 job, std::shared_ptr<ScanOutcome> outcome)
{
    const SlowHandlerLog slow("onFinished");
    if (job != m_job)
        return;
    m_redrawTimer.stop();
    if (outcome->corpus) {
        // Loaded from the scores cache: the whole corpus arrives at once.
        m_corpus = outcome->corpus;
        m_corpus->shards = outcome->shards;
        m_model->setCorpus(m_corpus);
        m_model->setKeepMask(&m_keep);
        const QSignalBlocker b(m_groupFilter);
        for (size_t g = 1; g < m_corpus->groupNames().size(); ++g) {
            const auto& n = m_corpus->groupNames()[g];
            m_groupFilter->addItem(n.empty() ? tr("(no group)") : QString::fromStdString(n), int(g));
        }
    } else if (m_corpus) {
        m_model->documentsAppended();
        m_corpus->shards = outcome->shards;
    }
    if (!m_corpus)
        return;
    // Seek caches are complete now: a fresh reader picks them up.
    m_source = std::make_shared<DocumentSource>(outcome->shards, m_start ? m_start->seekCacheDir : std::string(),
                                                m_corpus->fields);
    const auto shownDoc = m_viewer->document();
    m_viewer->setCorpus(m_corpus, m_source);
    m_viewer->setCorpusComplete(true);
    m_viewer->setRules(m_rules);
    if (shownDoc)
        m_viewer->showDocument(shownDoc);
    m_scatter->setCorpus(m_corpus.get());
    if (m_model->sortColumn() >= 0 || m_model->groupFilter() >= 0 || m_model->hasRowSet())
        m_model->refresh();
    reevaluate();
    m_statsDirty = true;
    startStats();

    m_progress->hide();
    m_cancel->hide();
    const QLocale loc;
    QString summary = outcome->fromCache
        ? tr("%1 documents (scores from the cache, not rescored)").arg(loc.toString(qulonglong(m_corpus->size())))
        : tr("%1 documents scored in %2").arg(loc.toString(qulonglong(m_corpus->size())), humanSeconds(outcome->seconds));
    if (outcome->rejected)
        summary += tr(" · %1 records rejected").arg(loc.toString(qulonglong(outcome->rejected)));
    m_progressLabel->setText(summary);
    m_progressLabel->show();

    QStringList problems;
    for (const auto& e : outcome->errors)
        problems << QString::fromStdString(e);
    if (!problems.isEmpty()) {
        m_lastError = problems.join(QLatin1Char('\n'));
        showMessage(tr("Unreadable input"),
                    tr("Part of the input could not be read:\n\n%1\n\nEverything before that point was kept "
                       "(%2 documents).")
                        .arg(m_lastError, loc.toString(qulonglong(m_corpus->size()))),
                    true);
    } else if (outcome->rejected && !outcome->rejects.empty()) {
        QStringList lines;
        for (size_t i = 0; i < outcome->rejects.size() && i < 5; ++i) {
            const auto& r = outcome->rejects[i];
            const QString path = r.shard < outcome->shards.size() ? QString::fromStdString(outcome->shards[r.shard].path)
                                                                  : QString();
            lines << tr("%1:%2 (byte %3): %4").arg(path).arg(r.line).arg(r.offset).arg(QString::fromStdString(r.reason));
        }
        m_progressLabel->setToolTip(lines.join(QLatin1Char('\n')));
    }
    if (!outcome->cacheWarning.empty())
        statusBar()->showMessage(tr("Scores were not cached: %1").arg(QString::fromStdString(outcome->cacheWarning)), 8000);
    else if (!outcome->cacheNote.empty())
        statusBar()->showMessage(QString::fromStdString(outcome->cacheNote), 8000);
    Q_EMIT scanFinished();
}

void MainWindow::onFailed(quint64 job, const QString& message)
{
    if (job != m_job)
        return;
    m_progress->hide();
    m_cancel->hide();
    m_progressLabel->setText(tr("Could not open"));
    m_lastError = message;
    showMessage(tr("Could not open the corpus"), message, true);
    Q_EMIT scanFinished();
}

// ---------------------------------------------------------------------------------------------
// Statistics

void MainWindow::scheduleStats()
{
    // While scanning, statistics trail the data by at most kStatsIntervalMs plus their own
    // run time; one job at a time.
    if (m_statsRunning)
        return;
    if (m_lastStats.isValid() && m_lastStats.elapsed() < kStatsIntervalMs) {
        QTimer::singleShot(kStatsIntervalMs - int(m_lastStats.elapsed()), this, [this, job = m_job]() {
            if (job == m_job && m_statsDirty && !m_statsRunning)
                startStats();
        });
        return;
    }
    startStats();
}

void MainWindow::startStats()
{
    const SlowHandlerLog slow("startStats");
    if (!m_corpus || m_statsRunning || !m_statsDirty)
        return;
    m_statsDirty = false;
    m_statsRunning = true;
    m_lastStats.restart();
    auto in = std::make_shared<SummaryInput>();
    // Only plotted columns are summarised (a summary keeps a sorted copy of its column; the
    // viewer counts percentiles of the other columns itself).
    for (size_t c = 0; c < m_corpus->columnCount(); ++c) {
        const QString name = QString::fromStdString(m_corpus->columns()[c].name);
        const bool needed = m_shownColumns.contains(name) || name == m_scatter->xColumn() || name == m_scatter->yColumn();
        if (!needed)
            continue;
        in->names.push_back(m_corpus->columns()[c].name);
        in->columns.push_back(m_corpus->scores(c));
        in->categories.push_back(m_corpus->columns()[c].categories);
    }
    in->groups = m_corpus->groups();
    in->groupCount = m_corpus->groupNames().size();
    const quint64 statsJob = ++m_statsJob;
    auto previous = m_summary;
    QtConcurrent::run([in, previous]() {
        auto merged = std::make_shared<CorpusSummary>(previous ? *previous : CorpusSummary {});
        merged->merge(summarize(*in));
        return std::shared_ptr<const CorpusSummary>(std::move(merged));
    }).then(this, [this, statsJob](std::shared_ptr<const CorpusSummary> s) {
            if (statsJob != m_statsJob)
                return; // corpus changed meanwhile
            m_statsRunning = false;
            applySummary(std::move(s));
            if (m_statsDirty) {
                if (m_scan->running())
                    scheduleStats();
                else
                    startStats();
            }
        });
}

void MainWindow::applySummary(std::shared_ptr<const CorpusSummary> summary)
{
    const SlowHandlerLog slow("applySummary");
    m_summary = std::move(summary);
    ensureHistograms();
    for (const auto& cs : m_summary->columns) {
        auto it = m_histograms.find(QString::fromStdString(cs.name));
        if (it != m_histograms.end())
            it->second->setSummary(cs, m_corpus->groupNames());
    }
    m_viewer->setSummary(m_summary);
    if (m_scatter->isVisible())
        m_scatter->refresh();
    Q_EMIT statsUpdated();
}

// ---------------------------------------------------------------------------------------------
// Rules and counts

HistogramWidget* MainWindow::histogram(const QString& column) const
{
    auto it = m_histograms.find(column);
    return it == m_histograms.end() ? nullptr : it->second;
}

void MainWindow::onBoundsChanged(HistogramWidget* h)
{
    const std::string column = h->column().toStdString();
    auto rules = m_rules;
    auto it = std::find_if(rules.begin(), rules.end(), [&](const FilterRule& r) { return r.column == column; });
    const auto min = h->minCutoff(), max = h->maxCutoff();
    if (it == rules.end()) {
        if (!min && !max)
            return;
        FilterRule r;
        r.column = column;
        r.bounds.min = min;
        r.bounds.max = max;
        rules.push_back(std::move(r));
    } else {
        // A moved line: recount only the documents between the old and the new cutoff.
        const ColumnSummary* cs = m_summary ? m_summary->column(column) : nullptr;
        const size_t index = size_t(it - rules.begin());
        Bounds moved = it->bounds;
        moved.min = min;
        moved.max = max;
        if ((min || max || !it->overrides.empty()) && cs && cs->order && cs->docs == m_corpus->size()
            && !m_scan->running() && m_keep.size() == m_corpus->size()
            && m_evaluator.updateBounds(*m_corpus, index, moved, *cs->order, *cs->sortedValues, m_keep, m_counts)) {
            m_rules = m_evaluator.rules();
            m_model->setKeepMask(&m_keep);
            m_panel->setRules(m_rules);
            m_panel->setCounts(m_counts, m_corpus->groupNames());
            m_rulesUiTimer.start();
            scheduleSaveCutoffs();
            Q_EMIT countsUpdated();
            return;
        }
        it->bounds.min = min;
        it->bounds.max = max;
        // A rule without bounds or overrides does nothing: drop it from the list.
        if (!min && !max && it->overrides.empty())
            rules.erase(it);
    }
    setRules(std::move(rules), false);
}

void MainWindow::setRules(std::vector<FilterRule> rules, bool updatePlots)
{
    m_rules = std::move(rules);
    if (updatePlots) {
        ensureHistograms();
        for (auto& [name, h] : m_histograms) {
            std::optional<double> min, max;
            for (const auto& r : m_rules)
                if (r.column == name.toStdString()) {
                    min = r.bounds.min;
                    max = r.bounds.max;
                }
            h->setBounds(min, max);
        }
    }
    m_panel->setRules(m_rules);
    m_rulesUiTimer.stop();
    m_viewer->setRules(m_rules);
    m_scatter->setRules(m_rules);
    reevaluate();
    if (updatePlots && m_panel->view() != ThresholdPanel::View::All)
        applyView();
    if (!m_restoringCutoffs)
        scheduleSaveCutoffs();
}

void MainWindow::reevaluate()
{
    m_countsDirty = false;
    if (!m_corpus)
        return;
    // One pass over the score columns (a few ms at a million documents), so the counts keep up
    // with a dragged line.
    m_evaluator.setRules(m_rules);
    // While the corpus grows the per-document state would be stale at the next batch.
    m_counts = m_scan->running() ? m_evaluator.evaluate(*m_corpus, &m_keep) : m_evaluator.evaluateTracked(*m_corpus, m_keep);
    m_model->setKeepMask(&m_keep);
    m_panel->setKeyChoices(m_corpus->groupNames(), m_corpus->columns());
    m_panel->setCounts(m_counts, m_corpus->groupNames());
    Q_EMIT countsUpdated();
}

void MainWindow::suggestCutoffs(int index)
{
    if (!m_corpus || index < 0 || index >= int(m_rules.size()))
        return;
    const FilterRule rule = m_rules[size_t(index)];
    const int col = m_corpus->columnIndex(rule.column);
    if (col < 0 || m_corpus->columns()[size_t(col)].categorical()) {
        m_panel->setSuggestions(index, rule.column, {});
        statusBar()->showMessage(col < 0 ? tr("This corpus has no column \"%1\".").arg(QString::fromStdString(rule.column))
                                         : tr("\"%1\" is categorical: it has labels, not cutoffs.")
                                               .arg(QString::fromStdString(rule.column)),
                                 5000);
        return;
    }
    // Copies of the columns (a million floats copy in about a millisecond): the corpus keeps
    // growing on the GUI thread while a scan runs.
    auto values = std::make_shared<std::vector<float>>(m_corpus->scores(size_t(col)));
    auto keys = std::make_shared<std::vector<uint32_t>>();
    auto keyNames = std::make_shared<std::vector<std::string>>();
    if (rule.byGroup()) {
        *keys = m_corpus->groups();
        *keyNames = m_corpus->groupNames();
    } else if (const int bc = m_corpus->columnIndex(rule.by); bc >= 0) {
        *keyNames = m_corpus->columns()[size_t(bc)].categories;
        *keys = categoricalKeys(m_corpus->scores(size_t(bc)), keyNames->size());
    }
    keys->resize(values->size());
    const quint64 job = ++m_suggestJob;
    const std::string column = rule.column;
    QtConcurrent::run([values, keys, keyNames, column]() {
        std::vector<CutoffSuggestion> out;
        const auto specs = standardSuggestSpecs();
        for (const auto& spec : specs)
            out.push_back(shardscope::suggestCutoffs(*values, spec, column));
        // Per key only where a cutoff can mean something: 50 values or more.
        for (const auto& spec : specs)
            for (auto& s : suggestCutoffsPerKey(*values, *keys, *keyNames, spec, column, 50))
                out.push_back(std::move(s));
        // Keys together: (all) first, then each key with its methods.
        std::stable_sort(out.begin(), out.end(),
                         [](const CutoffSuggestion& a, const CutoffSuggestion& b) { return a.key < b.key; });
        return out;
    }).then(this, [this, job, index, column](std::vector<CutoffSuggestion> out) {
        if (job != m_suggestJob)
            return; // another corpus or a newer request
        m_panel->setSuggestions(index, column, std::move(out));
        Q_EMIT suggestionsReady();
    });
}

void MainWindow::applyView()
{
    if (!m_corpus)
        return;
    if (m_keep.size() != m_corpus->size())
        reevaluate();
    const int n = m_panel->sampleSize();
    switch (m_panel->view()) {
    case ThresholdPanel::View::All:
        m_model->setRowSet(std::nullopt);
        break;
    case ThresholdPanel::View::Kept:
        m_model->setRowSet(FilterEvaluator::kept(m_keep));
        break;
    case ThresholdPanel::View::Dropped:
        m_model->setRowSet(FilterEvaluator::dropped(m_keep));
        break;
    case ThresholdPanel::View::Borderline: {
        FilterEvaluator ev;
        ev.setRules(m_rules);
        // Distance order is the point of this view: drop any sort so it shows.
        m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
        m_model->setRowSet(ev.borderline(*m_corpus, size_t(n)));
        break;
    }
    case ThresholdPanel::View::RandomDropped:
        m_model->setRowSet(FilterEvaluator::randomDropped(m_keep, size_t(n), uint64_t(QDateTime::currentMSecsSinceEpoch())));
        break;
    }
}

void MainWindow::scheduleSaveCutoffs()
{
    m_saveTimer.start();
}

void MainWindow::saveCutoffs()
{
    m_saveTimer.stop();
    if (m_corpusKey.isEmpty() || !m_start)
        return;
    FilterConfig cfg;
    cfg.rules = m_rules;
    QSettings settings;
    settings.setValue(QStringLiteral("cutoffs/") + m_corpusKey, QString::fromStdString(cfg.toJson()));
}

void MainWindow::restoreCutoffs()
{
    QSettings settings;
    const QString json = settings.value(QStringLiteral("cutoffs/") + m_corpusKey).toString();
    if (json.isEmpty())
        return;
    try {
        FilterConfig cfg = FilterConfig::parse(json.toStdString(), "settings");
        m_restoringCutoffs = true;
        setRules(cfg.rules, true);
        m_restoringCutoffs = false;
        if (!cfg.rules.empty())
            statusBar()->showMessage(tr("Restored the last cutoffs used on this corpus"), 5000);
    } catch (const std::exception&) {
        m_restoringCutoffs = false;
    }
}

bool MainWindow::loadFilterConfig(const QString& path, QString* error)
{
    try {
        FilterConfig cfg = FilterConfig::load(path.toStdString());
        QStringList unknown;
        for (const auto& r : cfg.rules)
            if (m_corpus && m_corpus->columnIndex(r.column) < 0)
                unknown << QString::fromStdString(r.column);
        setRules(cfg.rules, true);
        if (!unknown.isEmpty())
            statusBar()->showMessage(tr("Loaded %1; not in this corpus (kept, not evaluated): %2")
                                         .arg(QFileInfo(path).fileName(), unknown.join(QStringLiteral(", "))),
                                     10000);
        else
            statusBar()->showMessage(tr("Loaded %n rule(s) from %1", nullptr, int(cfg.rules.size())).arg(path), 5000);
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

bool MainWindow::saveFilterConfig(const QString& path, QString* error)
{
    try {
        FilterConfig cfg;
        cfg.rules = m_rules;
        std::vector<std::string> shards;
        if (m_corpus) {
            cfg.fields = m_corpus->fields;
            for (const auto& s : m_corpus->shards)
                shards.push_back(s.path);
        }
        cfg.provenanceJson = makeProvenance(shards, m_counts.total.docs, m_counts.total.kept, m_counts.total.dropped());
        cfg.save(path.toStdString());
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

QFuture<QString> MainWindow::exportIds(const QString& path, bool kept)
{
    if (!m_corpus)
        return QtFuture::makeReadyFuture(tr("no corpus is open"));
    if (m_keep.size() != m_corpus->size())
        reevaluate();
    std::string out;
    for (size_t i = 0; i < m_corpus->size(); ++i) {
        if (bool(m_keep[i]) != kept)
            continue;
        out += m_corpus->idOf(i);
        out += '\n';
    }
    return QtConcurrent::run([file = path.toStdString(), out = std::move(out)]() -> QString {
        try {
            writeFileAtomically(file, out);
            return {};
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Dialogs, settings, lifecycle

void MainWindow::openDialog(bool directory)
{
    QSettings settings;
    const QString dir = settings.value(QStringLiteral("lastDirectory")).toString();
    QStringList inputs;
    if (directory) {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Open a Directory of Shards"), dir);
        if (!d.isEmpty())
            inputs << d;
    } else {
        inputs = QFileDialog::getOpenFileNames(
            this, tr("Open Shards"), dir,
            tr("JSON Lines shards (*.jsonl *.jsonl.gz *.jsonl.zst *.json.gz *.json.zst *.ndjson *.jsonl.zstd);;All files (*)"));
    }
    if (inputs.isEmpty())
        return;
    settings.setValue(QStringLiteral("lastDirectory"), QFileInfo(inputs.first()).absolutePath());
    openInputs(inputs);
}

void MainWindow::exportConfigDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Filter Config"), QStringLiteral("filter.json"),
                                                      tr("Filter configs (*.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!saveFilterConfig(path, &error))
        showMessage(tr("Export Filter Config"), error, true);
    else
        statusBar()->showMessage(tr("Saved %1 — apply it with: shardscope-cli apply --config %1 --out DIR SHARDS").arg(path),
                                 10000);
}

void MainWindow::loadConfigDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Filter Config"), QString(),
                                                      tr("Filter configs (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!loadFilterConfig(path, &error))
        showMessage(tr("Load Filter Config"), error, true);
}

void MainWindow::exportIdsDialog(bool kept)
{
    const QString path = QFileDialog::getSaveFileName(
        this, kept ? tr("Export Kept Ids") : tr("Export Dropped Ids"),
        kept ? QStringLiteral("kept-ids.txt") : QStringLiteral("dropped-ids.txt"), tr("Text files (*.txt)"));
    if (path.isEmpty())
        return;
    statusBar()->showMessage(tr("Writing %1…").arg(path));
    exportIds(path, kept).then(this, [this, path](const QString& error) {
        if (!error.isEmpty()) {
            statusBar()->clearMessage();
            showMessage(tr("Export Ids"), error, true);
        } else {
            statusBar()->showMessage(tr("Saved %1").arg(path), 10000);
        }
    });
}

void MainWindow::exportPlotDialog(QWidget* plotOwner, const QString& name)
{
    QCustomPlot* plot = nullptr;
    if (auto* h = qobject_cast<HistogramWidget*>(plotOwner))
        plot = h->plot();
    else if (auto* s = qobject_cast<ScatterWidget*>(plotOwner))
        plot = s->plot();
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Plot"), name + QStringLiteral(".png"),
                                                      plotExportFilter());
    if (path.isEmpty())
        return;
    const QString error = exportPlot(plot, path);
    if (!error.isEmpty())
        showMessage(tr("Export Plot"), error, true);
}

QStringList MainWindow::recentFiles() const
{
    return QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void MainWindow::addRecent(const QStringList& inputs)
{
    QStringList abs;
    for (const auto& i : inputs)
        abs << QFileInfo(i).absoluteFilePath();
    const QString entry = abs.join(QLatin1Char('\n'));
    QStringList recent = recentFiles();
    recent.removeAll(entry);
    recent.prepend(entry);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    QSettings().setValue(QStringLiteral("recentFiles"), recent);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = recentFiles();
    for (const QString& entry : recent) {
        const QStringList inputs = entry.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QString label = inputs.value(0);
        if (inputs.size() > 1)
            label += tr(" (+%1 more)").arg(inputs.size() - 1);
        m_recentMenu->addAction(label, this, [this, inputs]() { openInputs(inputs); });
    }
    if (!recent.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear List"), this, [this]() {
            QSettings().remove(QStringLiteral("recentFiles"));
            updateRecentMenu();
        });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::showMessage(const QString& title, const QString& text, bool error)
{
    // Not modal: a message never blocks the event loop (or an unattended test run).
    auto* box = new QMessageBox(error ? QMessageBox::Warning : QMessageBox::Information, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

// ---------------------------------------------------------------------------------------------
// Language model

void MainWindow::setScorers(const std::string& list)
{
    m_scorers = list;
    const QStringList items = QString::fromStdString(list).split(QLatin1Char(','), Qt::SkipEmptyParts);
    m_showLmColumns = items.contains(QStringLiteral("lm")) || items.contains(QStringLiteral("lm_bpb"))
        || items.contains(QStringLiteral("lm_loss"));
}

void MainWindow::setLanguageModel(const QString& modelDir, const QString& device)
{
    m_lmModelDir = modelDir;
    m_lmDevice = device.isEmpty() ? QStringLiteral("auto") : device;
#ifdef SHARDSCOPE_HAVE_TORCH
    LmOptions o = lmOptions();
    o.modelDir = modelDir.toStdString();
    o.device = m_lmDevice.toStdString(); // resolved (auto -> cuda:0 or cpu) off the GUI thread below
    setLmOptions(o);
    const quint64 job = ++m_lmJob;
    m_lmLabel->setText(tr("LM: …"));
    // Resolving "auto" and describing the model ask torch about CUDA and read config files: not
    // on the GUI thread.
    QtConcurrent::run([o]() {
        LmOptions r = o;
        r.device = resolveLmDevice(o.device);
        if (lmOptions().modelDir == o.modelDir && lmOptions().device == o.device)
            setLmOptions(r);
        return QString::fromStdString(selectedLmDescription());
    }).then(this, [this, job](const QString& text) {
        if (job != m_lmJob)
            return;
        m_lmLabel->setText(tr("LM: %1").arg(text));
        m_lmLabel->setToolTip(tr("The language model used by the lm scorer and the token-loss view "
                                 "(Language Model > Score with Language Model)"));
        m_viewer->tokenLossView()->refresh();
        Q_EMIT languageModelChanged();
    });
#else
    m_lmLabel->clear();
#endif
}

QString MainWindow::languageModelStatus() const
{
    return m_lmLabel->text();
}

void MainWindow::scoreWithLanguageModel(const QString& modelDir, const QString& device)
{
#ifdef SHARDSCOPE_HAVE_TORCH
    const LmOptions previous = lmOptions();
    const QString previousDir = m_lmModelDir, previousDevice = m_lmDevice;
    setLanguageModel(modelDir, device);
    const quint64 job = m_lmJob;
    m_progressLabel->setText(tr("Loading the language model…"));
    m_progressLabel->show();
    QtConcurrent::run([options = lmOptions()]() -> QString {
        LmOptions o = options;
        o.device = resolveLmDevice(o.device);
        setLmOptions(o);
        try {
            checkSelectedLm();
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
        return {};
    }).then(this, [this, job, previous, previousDir, previousDevice](const QString& error) {
        if (job != m_lmJob)
            return; // another model was chosen meanwhile
        if (!error.isEmpty()) {
            m_progressLabel->setText(tr("The language model did not load"));
            setLmOptions(previous);
            setLanguageModel(previousDir, previousDevice);
            m_lastError = error;
            showMessage(tr("Language model"), tr("The language model could not be loaded:\n\n%1").arg(error), true);
            Q_EMIT languageModelFailed(error);
            return;
        }
        QStringList items = QString::fromStdString(m_scorers).split(QLatin1Char(','), Qt::SkipEmptyParts);
        if (!items.contains(QStringLiteral("lm")))
            items << QStringLiteral("lm");
        setScorers(items.join(QLatin1Char(',')).toStdString());
        if (!m_inputs.isEmpty())
            openInputs(m_inputs, m_start ? std::optional<FieldMapping>(m_start->fields) : std::nullopt);
    });
#else
    Q_UNUSED(modelDir);
    Q_UNUSED(device);
#endif
}

void MainWindow::scoreWithLanguageModelDialog()
{
#ifdef SHARDSCOPE_HAVE_TORCH
    auto* dlg = new LmScoreDialog(m_lmModelDir, m_lmDevice, this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &QDialog::accepted, this, [this, dlg]() { scoreWithLanguageModel(dlg->modelDir(), dlg->device()); });
    dlg->open();
#endif
}

void MainWindow::trainLanguageModelDialog()
{
#ifdef SHARDSCOPE_HAVE_TORCH
    if (m_inputs.isEmpty())
        return;
    const QString textField = m_start ? QString::fromStdString(m_start->fields.text) : QString();
    auto* dlg = new TrainLmDialog(m_inputs, textField, this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &TrainLmDialog::scoreRequested, this, &MainWindow::scoreWithLanguageModel);
    dlg->open();
#endif
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // Stop the scan first: workers must not outlive the window they post to.
    m_scan->shutdown();
    saveCutoffs();
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
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
