#include "labelcontroller.h"

#include "corpussession.h"

#include <classifier.h>
#include <corpusdata.h>
#include <labelnext.h>
#include <scorer.h>
#include <scorestore.h>

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QKeySequence>
#include <QMessageBox>
#include <QTemporaryDir>
#include <QUndoCommand>
#include <QUndoStack>
#include <QtConcurrent>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace shardscope {

// Every step keeps the whole set before and after: a few thousand labels copy in microseconds, and an import
// is one step like a key press.
class LabelCommand : public QUndoCommand {
public:
    // `doc`: the one document whose label changes (a key press), so the mask changes in place; none: an import.
    LabelCommand(LabelController* c, LabelSet before, LabelSet after, const QString& text, std::optional<uint32_t> doc)
        : QUndoCommand(text)
        , m_c(c)
        , m_before(std::move(before))
        , m_after(std::move(after))
        , m_doc(doc)
    {
    }
    void redo() override { m_c->applySet(m_after, m_doc); }
    void undo() override { m_c->applySet(m_before, m_doc); }

private:
    LabelController* m_c;
    LabelSet m_before, m_after;
    std::optional<uint32_t> m_doc;
};

namespace {

constexpr int kSaveDelayMs = 300;
constexpr int kCurvePoints = 8;
const char* const kQuality = "quality";

// The score columns the classifier and label next read: every column but the classifier's own (a retrained
// classifier must not learn from the previous one's output). Copied on the GUI thread, read on a worker.
ScoreTable featureTable(const CorpusData& corpus, std::vector<std::string>* names)
{
    ScoreTable t;
    for (size_t c = 0; c < corpus.columnCount(); ++c) {
        if (corpus.columns()[c].name == kQuality)
            continue;
        t.columns.push_back(corpus.columns()[c]);
        t.values.push_back(corpus.scores(c));
        names->push_back(corpus.columns()[c].name);
    }
    return t;
}

struct TrainOutput {
    ClassifierResult result;
    std::vector<LearningPoint> curve;
    std::vector<ColumnInfo> columns;
    std::vector<std::vector<float>> values;
    QString error;
};

TrainOutput runTraining(const std::shared_ptr<const CorpusData>& corpus, const ScoreTable& table,
    const std::vector<std::string>& features, const LabelSet& labels, const std::string& dir,
    const std::shared_ptr<std::atomic<bool>>& stop)
{
    TrainOutput out;
    try {
        const LabelMatch m = matchLabels(labels, corpus->index);
        ClassifierOptions o;
        o.features = features;
        o.stop = stop.get();
        out.result = trainClassifier(table, m.rows, m.good, o);

        // The learning curve: the classifier on the first k labels as they were given, at up to 8 sizes.
        const size_t n = labels.size();
        ClassifierOptions co = o;
        co.bootstrap = 0;
        for (int p = 1; p < kCurvePoints; ++p) {
            const size_t k = std::max<size_t>(4, n * size_t(p) / kCurvePoints);
            if (k >= n || (!out.curve.empty() && size_t(out.curve.back().labels) >= k))
                continue;
            LabelSet prefix;
            for (size_t i = 0; i < k; ++i)
                prefix.set(labels.entries()[i].id, labels.entries()[i].label);
            const LabelMatch pm = matchLabels(prefix, corpus->index);
            try {
                const ClassifierResult r = trainClassifier(table, pm.rows, pm.good, co);
                out.curve.push_back({ int(k), r.cvAuc, r.cvAucStd });
            } catch (const std::invalid_argument&) {
                // Fewer than 2 labels of a class among the first k: no point there.
            }
        }
        out.curve.push_back({ int(n), out.result.cvAuc, out.result.cvAucStd });

        std::filesystem::create_directories(dir);
        saveClassifier(dir, out.result);
        {
            // The curve beside the model, so that it is shown again with the restored column.
            std::ofstream curve(std::filesystem::path(dir) / "learning_curve.tsv");
            curve << "labels\tcv_auc\tfold_std\n";
            for (const auto& p : out.curve)
                curve << p.labels << '\t' << p.auc << '\t' << p.std << '\n';
        }
        const std::shared_ptr<const Scorer> linear(ScorerRegistry::instance().create(classifierSpec(dir)));
        std::vector<const float*> in;
        for (const auto& c : linear->inputColumns()) {
            const int at = table.columnIndex(c);
            if (at < 0)
                throw std::runtime_error("the classifier's input column '" + c + "' is not in the table");
            in.push_back(std::as_const(table.values[size_t(at)]).data());
        }
        out.values = computeDerived(*linear, in, corpus->size(), 2);
        out.columns = linear->columns();
    } catch (const std::exception& e) {
        out.error = QString::fromStdString(e.what());
    }
    return out;
}

} // namespace

LabelController::LabelController(CorpusSession* session, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_undo(new QUndoStack(this))
{
    m_savePool.setMaxThreadCount(1);
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(kSaveDelayMs);
    connect(&m_saveTimer, &QTimer::timeout, this, [this]() {
        if (m_path.isEmpty())
            return;
        QtConcurrent::run(&m_savePool, [labels = m_labels, path = m_path.toStdString()]() -> QString {
            try {
                std::filesystem::create_directories(std::filesystem::path(path).parent_path());
                labels.save(path);
                return {};
            } catch (const std::exception& e) {
                return QString::fromStdString(e.what());
            }
        }).then(this, [this](const QString& error) {
            if (error.isEmpty())
                Q_EMIT saved();
            else
                Q_EMIT message(tr("The labels could not be saved: %1").arg(error));
        });
    });

    auto make = [this](const QString& text, const QKeySequence& key, const char* name) {
        auto* a = new QAction(text, this);
        a->setShortcut(key);
        // The keys work wherever the focus is in the window: in the table, the viewer or a dock.
        a->setShortcutContext(Qt::WindowShortcut);
        a->setObjectName(QLatin1String(name));
        return a;
    };
    m_good = make(tr("Mark &Good"), QKeySequence(Qt::Key_G), "markGoodAction");
    m_bad = make(tr("Mark &Bad"), QKeySequence(Qt::Key_B), "markBadAction");
    m_clear = make(tr("&Clear Label"), QKeySequence(Qt::Key_0), "clearLabelAction");
    m_next = make(tr("Label &Next"), QKeySequence(Qt::Key_N), "labelNextAction");
    m_train = make(tr("&Train Quality Classifier"), QKeySequence(tr("Ctrl+T")), "trainClassifierAction");
    m_import = make(tr("&Import Labels…"), QKeySequence(), "importLabelsAction");
    m_export = make(tr("&Export Labels…"), QKeySequence(), "exportLabelsAction");
    m_undoAction = m_undo->createUndoAction(this, tr("Undo Label"));
    m_undoAction->setShortcut(QKeySequence(tr("Ctrl+Alt+Z")));
    m_undoAction->setShortcutContext(Qt::WindowShortcut);
    m_undoAction->setObjectName(QStringLiteral("undoLabelAction"));
    m_redoAction = m_undo->createRedoAction(this, tr("Redo Label"));
    m_redoAction->setShortcut(QKeySequence(tr("Ctrl+Alt+Shift+Z")));
    m_redoAction->setShortcutContext(Qt::WindowShortcut);
    m_redoAction->setObjectName(QStringLiteral("redoLabelAction"));

    auto labelCurrent = [this](std::optional<Label> l) {
        if (const auto doc = m_current ? m_current() : std::nullopt)
            setLabel(*doc, l);
    };
    connect(m_good, &QAction::triggered, this, [labelCurrent]() { labelCurrent(Label::Good); });
    connect(m_bad, &QAction::triggered, this, [labelCurrent]() { labelCurrent(Label::Bad); });
    connect(m_clear, &QAction::triggered, this, [labelCurrent]() { labelCurrent(std::nullopt); });
    connect(m_next, &QAction::triggered, this, &LabelController::labelNext);
    connect(m_import, &QAction::triggered, this, [this]() {
        auto* window = qobject_cast<QWidget*>(this->parent());
        const QString path = QFileDialog::getOpenFileName(
            window, tr("Import Labels"), QString(), tr("Labels (*.tsv *.txt);;All files (*)"));
        if (path.isEmpty())
            return;
        QString error;
        size_t unknown = 0;
        if (!importLabels(path, &error, &unknown))
            QMessageBox::warning(window, tr("Import Labels"), tr("The labels could not be imported:\n\n%1").arg(error));
        else if (unknown > 0)
            Q_EMIT message(tr("Imported; %1 of the labels match no document of this corpus (kept)").arg(unknown));
    });
    connect(m_export, &QAction::triggered, this, [this]() {
        auto* window = qobject_cast<QWidget*>(this->parent());
        const QString path = QFileDialog::getSaveFileName(
            window, tr("Export Labels"), QStringLiteral("labels.tsv"), tr("Labels (*.tsv);;All files (*)"));
        QString error;
        if (!path.isEmpty() && !exportLabels(path, &error))
            QMessageBox::warning(window, tr("Export Labels"), tr("The labels could not be written:\n\n%1").arg(error));
    });
    connect(m_train, &QAction::triggered, this, &LabelController::train);

    connect(m_session, &CorpusSession::aboutToChange, this, [this]() {
        saveNow();
        reset();
    });
    connect(m_session, &CorpusSession::started, this, &LabelController::onStarted);
    // The documents are all in: the label of each (those that arrived after the labels were loaded too).
    connect(m_session, &CorpusSession::finished, this, [this]() {
        updateActions();
        updateMask();
        Q_EMIT labelsChanged();
        restoreClassifier();
    });
    updateActions();
}

LabelController::~LabelController()
{
    if (m_stop)
        *m_stop = true;
    m_savePool.waitForDone();
}

std::optional<Label> LabelController::labelOf(uint32_t doc) const
{
    const auto corpus = m_session->corpus();
    if (!corpus || doc >= corpus->size() || m_labels.empty())
        return std::nullopt;
    return m_labels.get(corpus->idOf(doc));
}

void LabelController::reset()
{
    m_trainJobs.invalidate();
    m_nextJobs.invalidate();
    if (m_stop)
        *m_stop = true;
    m_stop.reset();
    m_training = m_selecting = false;
    m_saveTimer.stop();
    m_labels = LabelSet();
    m_mask.clear();
    m_path.clear();
    m_undo->clear();
    m_summary.clear();
    m_curve.clear();
    m_queue.clear();
    m_nextShown.reset();
    updateActions();
    Q_EMIT labelsChanged();
}

void LabelController::onStarted()
{
    const auto start = m_session->scanStart();
    QString path;
    if (start && !start->cacheDir.empty()) {
        CorpusCache cache;
        cache.dir = start->cacheDir;
        path = QString::fromStdString(labelsPathOf(cache));
    }
    if (path == m_path && !path.isEmpty())
        return; // the full pass behind a sample: the same corpus, the same labels
    reset();
    m_path = path;
    if (!m_path.isEmpty()) {
        try {
            // A labels file is a few kilobytes (one line per label a person made): read here, not on a worker.
            m_labels = LabelSet::loadIfExists(m_path.toStdString());
        } catch (const std::exception& e) {
            Q_EMIT message(tr("The labels of this corpus could not be read: %1").arg(QString::fromStdString(e.what())));
        }
    }
    updateMask();
    updateActions();
    Q_EMIT labelsChanged();
}

void LabelController::updateMask()
{
    const auto corpus = m_session->corpus();
    m_mask.assign(corpus ? corpus->size() : 0, 0);
    if (!corpus || m_labels.empty())
        return;
    // One pass over the ids (a hash lookup each): about 0.1 s per million documents.
    const LabelMatch m = matchLabels(m_labels, corpus->index);
    for (size_t i = 0; i < m.rows.size(); ++i)
        m_mask[m.rows[i]] = m.good[i] ? 2 : 1;
}

void LabelController::applySet(const LabelSet& labels, std::optional<uint32_t> doc)
{
    m_labels = labels;
    const auto corpus = m_session->corpus();
    if (doc && corpus && m_mask.size() == corpus->size() && *doc < m_mask.size()) {
        // A key press: no pass over a million ids on the GUI thread for one label. (A corpus whose ids repeat
        // gets the other copies' marks at the next full update.)
        const auto l = m_labels.get(corpus->idOf(*doc));
        m_mask[*doc] = !l ? 0 : *l == Label::Good ? 2 : 1;
    } else {
        updateMask();
    }
    scheduleSave();
    updateActions();
    Q_EMIT labelsChanged();
}

void LabelController::push(LabelSet after, const QString& text, std::optional<uint32_t> doc)
{
    m_undo->push(new LabelCommand(this, m_labels, std::move(after), text, doc));
}

void LabelController::scheduleSave()
{
    if (!m_path.isEmpty())
        m_saveTimer.start();
}

void LabelController::saveNow()
{
    const bool pending = m_saveTimer.isActive();
    m_saveTimer.stop();
    m_savePool.waitForDone();
    if (!pending || m_path.isEmpty())
        return;
    try {
        std::filesystem::create_directories(std::filesystem::path(m_path.toStdString()).parent_path());
        m_labels.save(m_path.toStdString());
        Q_EMIT saved();
    } catch (const std::exception& e) {
        Q_EMIT message(tr("The labels could not be saved: %1").arg(QString::fromStdString(e.what())));
    }
}

bool LabelController::setLabel(uint32_t doc, std::optional<Label> label)
{
    const auto corpus = m_session->corpus();
    if (!corpus || doc >= corpus->size())
        return false;
    const std::string id = corpus->idOf(doc);
    const auto before = m_labels.get(id);
    if (before != label) {
        LabelSet after = m_labels;
        if (label)
            after.set(id, *label);
        else
            after.remove(id);
        const QString shown = QString::fromStdString(id);
        push(std::move(after),
            label ? tr("Label %1 %2").arg(shown, QString::fromLatin1(labelName(*label))) : tr("Clear %1").arg(shown),
            doc);
    }
    // Label next: the document it showed has its label, on to the next one.
    if (label && m_nextShown == doc) {
        m_nextShown.reset();
        showNextFromQueue();
    }
    return before != label;
}

bool LabelController::importLabels(const QString& path, QString* error, size_t* unknown)
{
    try {
        const LabelSet in = LabelSet::load(path.toStdString());
        LabelSet after = m_labels;
        after.merge(in);
        if (unknown) {
            const auto corpus = m_session->corpus();
            *unknown = corpus ? matchLabels(in, corpus->index).unknown.size() : in.size();
        }
        push(std::move(after), tr("Import %1 labels").arg(in.size()));
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

bool LabelController::exportLabels(const QString& path, QString* error) const
{
    try {
        m_labels.save(path.toStdString());
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

bool LabelController::corpusReady(QString* why) const
{
    const auto corpus = m_session->corpus();
    if (!corpus || corpus->size() == 0) {
        *why = tr("No corpus is open.");
        return false;
    }
    if (m_session->running() || m_session->fullPassRunning() || m_session->scoringColumns()) {
        *why = tr("The corpus is still being read or scored; wait until it is complete.");
        return false;
    }
    return true;
}

bool LabelController::train()
{
    QString why;
    if (!corpusReady(&why)) {
        Q_EMIT trainingFailed(why);
        return false;
    }
    if (m_labels.count(Label::Good) < 2 || m_labels.count(Label::Bad) < 2) {
        Q_EMIT trainingFailed(tr("Training needs at least 2 good and 2 bad labels (there are %1 good, %2 bad).")
                                  .arg(m_labels.count(Label::Good))
                                  .arg(m_labels.count(Label::Bad)));
        return false;
    }
    const auto corpus = m_session->corpus();
    std::vector<std::string> features;
    ScoreTable table = featureTable(*corpus, &features);
    // The model goes beside the labels (the CLI's score --classifier can use it), or to a temporary directory
    // for a corpus without a cache directory.
    std::string dir;
    if (!m_path.isEmpty()) {
        dir = QDir(QFileInfo(m_path).absolutePath()).filePath(QStringLiteral("classifier")).toStdString();
    } else {
        static QTemporaryDir temp;
        dir = QDir(temp.path()).filePath(QStringLiteral("classifier")).toStdString();
    }
    if (m_stop)
        *m_stop = true;
    m_stop = std::make_shared<std::atomic<bool>>(false);
    const JobTracker::Token job = m_trainJobs.start();
    m_training = true;
    updateActions();
    Q_EMIT trainingStarted();
    QtConcurrent::run([corpus = std::shared_ptr<const CorpusData>(corpus), table = std::move(table), features,
                          labels = m_labels, dir, stop = m_stop]() {
        return runTraining(corpus, table, features, labels, dir, stop);
    }).then(this, [this, job](TrainOutput out) {
        if (!m_trainJobs.isCurrent(job))
            return;
        m_training = false;
        updateActions();
        if (!out.error.isEmpty()) {
            Q_EMIT trainingFailed(out.error);
            return;
        }
        if (!m_session->addComputedColumns(out.columns, out.values)) {
            Q_EMIT trainingFailed(tr("The corpus changed while the classifier was trained; train again."));
            return;
        }
        m_summary = QString::fromStdString(out.result.summary());
        m_curve = std::move(out.curve);
        Q_EMIT trained(QString::fromLatin1(kQuality), m_summary);
    });
    return true;
}

QString LabelController::classifierDir() const
{
    return m_path.isEmpty() ? QString() : QDir(QFileInfo(m_path).absolutePath()).filePath(QStringLiteral("classifier"));
}

void LabelController::restoreClassifier()
{
    const auto corpus = m_session->corpus();
    const QString dir = classifierDir();
    if (dir.isEmpty() || !corpus || corpus->columnIndex(kQuality) >= 0 || m_training
        || !QFileInfo::exists(QString::fromStdString(classifierModelPath(dir.toStdString()))))
        return;
    QString why;
    if (!corpusReady(&why))
        return;
    std::vector<std::string> features;
    ScoreTable table = featureTable(*corpus, &features);
    const JobTracker::Token job = m_trainJobs.start();
    QtConcurrent::run([table = std::move(table), docs = corpus->size(), dir = dir.toStdString()]() {
        TrainOutput out;
        try {
            const std::shared_ptr<const Scorer> linear(ScorerRegistry::instance().create(classifierSpec(dir)));
            std::vector<const float*> in;
            for (const auto& c : linear->inputColumns()) {
                const int at = table.columnIndex(c);
                if (at < 0)
                    throw std::runtime_error("the saved classifier's input column '" + c + "' is not in the table");
                in.push_back(std::as_const(table.values[size_t(at)]).data());
            }
            out.values = computeDerived(*linear, in, docs, 2);
            out.columns = linear->columns();
            std::ifstream meta(classifierMetadataPath(dir));
            const std::string text((std::istreambuf_iterator<char>(meta)), std::istreambuf_iterator<char>());
            const QJsonObject j = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
            ClassifierResult& r = out.result;
            r.date = j.value(QStringLiteral("date")).toString().toStdString();
            r.labels = size_t(j.value(QStringLiteral("labels")).toDouble());
            r.good = size_t(j.value(QStringLiteral("good")).toDouble());
            r.bad = size_t(j.value(QStringLiteral("bad")).toDouble());
            r.folds = j.value(QStringLiteral("folds")).toInt();
            r.lambda = j.value(QStringLiteral("lambda")).toDouble();
            r.cvAuc = j.value(QStringLiteral("cv_auc")).toDouble();
            r.cvAucStd = j.value(QStringLiteral("cv_auc_fold_std")).toDouble();
            r.pooledAuc = j.value(QStringLiteral("pooled_oof_auc")).toDouble();
            const QJsonArray ci = j.value(QStringLiteral("pooled_oof_auc_bootstrap95")).toArray();
            r.ciLow = ci.size() == 2 ? ci[0].toDouble() : 0;
            r.ciHigh = ci.size() == 2 ? ci[1].toDouble() : 0;
            for (const auto& f : j.value(QStringLiteral("features")).toArray())
                r.model.inputs.push_back(f.toString().toStdString());
            std::ifstream curve(std::filesystem::path(dir) / "learning_curve.tsv");
            std::string header;
            std::getline(curve, header);
            LearningPoint p;
            while (curve >> p.labels >> p.auc >> p.std)
                out.curve.push_back(p);
        } catch (const std::exception& e) {
            out.error = QString::fromStdString(e.what());
        }
        return out;
    }).then(this, [this, job](TrainOutput out) {
        if (!m_trainJobs.isCurrent(job))
            return;
        if (!out.error.isEmpty()) {
            Q_EMIT message(tr("The saved quality classifier was not applied: %1").arg(out.error));
            return;
        }
        if (!m_session->addComputedColumns(out.columns, out.values))
            return;
        m_summary = tr("Saved classifier (trained %1): %2")
                        .arg(QString::fromStdString(out.result.date), QString::fromStdString(out.result.summary()));
        m_curve = std::move(out.curve);
        Q_EMIT trained(QString::fromLatin1(kQuality), m_summary);
    });
}

void LabelController::labelNext()
{
    QString why;
    if (!corpusReady(&why)) {
        Q_EMIT message(why);
        return;
    }
    m_nextShown.reset();
    if (!m_queue.empty()) {
        showNextFromQueue();
        return;
    }
    const auto corpus = m_session->corpus();
    std::vector<std::string> features;
    ScoreTable table = featureTable(*corpus, &features);
    const JobTracker::Token job = m_nextJobs.start();
    m_selecting = true;
    QtConcurrent::run([corpus = std::shared_ptr<const CorpusData>(corpus), table = std::move(table), features,
                          labels = m_labels, seed = uint64_t(m_labels.size() + 1)]() {
        LabelNextOptions o;
        o.features = features;
        o.seed = seed; // another draw of the random share after each round
        std::vector<std::pair<uint32_t, QString>> out;
        try {
            const LabelNextResult r = shardscope::labelNext(table, corpus->index, labels, o);
            for (const auto& c : r.candidates) {
                QString why = QString::fromLatin1(whyName(c.why));
                if (!c.detail.empty())
                    why += QStringLiteral(": ") + QString::fromStdString(c.detail);
                if (!isMissing(c.probability))
                    why += QStringLiteral(", p(good) %1").arg(double(c.probability), 0, 'f', 2);
                out.emplace_back(c.row, why);
            }
        } catch (const std::exception& e) {
            out.emplace_back(UINT32_MAX, QString::fromStdString(e.what()));
        }
        return out;
    }).then(this, [this, job](const std::vector<std::pair<uint32_t, QString>>& picks) {
        if (!m_nextJobs.isCurrent(job))
            return;
        m_selecting = false;
        if (picks.size() == 1 && picks.front().first == UINT32_MAX) {
            Q_EMIT message(tr("Label next: %1").arg(picks.front().second));
            return;
        }
        m_queue.clear();
        m_why.clear();
        for (const auto& [row, why] : picks) {
            m_queue.push_back(row);
            m_why.push_back(why);
        }
        if (m_queue.empty()) {
            Q_EMIT message(tr("Every document has a label."));
            return;
        }
        showNextFromQueue();
    });
}

void LabelController::showNextFromQueue()
{
    while (!m_queue.empty()) {
        const uint32_t doc = m_queue.front();
        const QString why = m_why.empty() ? QString() : m_why.front();
        m_queue.pop_front();
        if (!m_why.empty())
            m_why.pop_front();
        if (labelOf(doc))
            continue; // labelled meanwhile (browsing)
        m_nextShown = doc;
        Q_EMIT showRequested(doc, why);
        return;
    }
    // The selection is used up: a new one, from a classifier refitted on every label so far.
    labelNext();
}

void LabelController::updateActions()
{
    const bool open = m_session->corpus() != nullptr;
    for (QAction* a : { m_good, m_bad, m_clear, m_next, m_import, m_export })
        a->setEnabled(open);
    m_train->setEnabled(open && !m_training);
}

} // namespace shardscope
