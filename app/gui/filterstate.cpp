#include "filterstate.h"

#include <atomicfile.h>
#include <filterconfig.h>

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace shardscope {

namespace {
constexpr size_t kMaxUndo = 200;
} // namespace

FilterState::FilterState(QObject* parent)
    : QObject(parent)
{
    // Issue 21: a drag across ten million documents recounts from bins; the keep mask of the documents the line
    // crossed is written here, a slice (a few ms) per turn of the event loop, so no move waits for it.
    // The drag index of a dragged line is built on a worker; meanwhile moves recount document by document.
    m_evaluator.setBuildDragIndexInline(false);
    m_indexPool.setMaxThreadCount(1);
    m_catchUp.setInterval(0);
    connect(&m_catchUp, &QTimer::timeout, this, [this]() {
        const size_t before = m_evaluator.pendingDocs();
        const size_t left = m_evaluator.catchUp(m_keep, kCatchUpSlice);
        if (left == 0 || left == before) { // done, or nothing it can write (the state went meanwhile)
            m_catchUp.stop();
            Q_EMIT keepMaskChanged();
            Q_EMIT countsChanged(true); // whoever shows the mask takes it from here (the counts are the same)
        }
    });
}

void FilterState::startDragIndex(size_t rule, const ColumnSummary& summary)
{
    if (m_indexRunning)
        return; // one at a time; a line moved meanwhile asks again on its next move
    auto job = m_evaluator.dragJob(*m_corpus, rule, summary.order, summary.sortedValues, m_counts);
    if (!job)
        return;
    m_indexRunning = true;
    const JobTracker::Token token = m_indexJobs.start();
    // The corpus stays alive with the job: the index reads its group and size columns.
    // On a pool of its own: Qt's raster engine splits large fills over the global pool and waits for them, so a
    // long job there held a repaint of the window 1.3-2.1 s (perf sched: QRasterPaintEngine::drawLines in
    // QSemaphore::acquire) at 10M documents.
    QtConcurrent::run(&m_indexPool, [job, corpus = m_corpus]() {
        return FilterEvaluator::buildDragIndex(*job);
    }).then(this, [this, token](std::shared_ptr<FilterEvaluator::Drag> index) {
        if (!m_indexJobs.isCurrent(token))
            return;
        m_indexRunning = false;
        m_evaluator.adoptDragIndex(std::move(index)); // dropped when the rules changed meanwhile
    });
}

bool FilterState::dragIndexReady(const std::string& column) const
{
    for (size_t i = 0; i < m_rules.size(); ++i)
        if (m_rules[i].column == column)
            return m_evaluator.hasDragIndex(i);
    return false;
}

void FilterState::flushKeepMask()
{
    if (m_evaluator.pendingDocs() == 0)
        return;
    m_evaluator.catchUp(m_keep);
    m_catchUp.stop();
    Q_EMIT keepMaskChanged();
}

void FilterState::setCorpus(std::shared_ptr<const CorpusData> corpus, bool growing)
{
    m_corpus = std::move(corpus);
    m_growing = growing;
    m_catchUp.stop();
    m_indexJobs.invalidate();
    m_indexRunning = false;
    m_evaluator.setRules(m_rules); // nothing pending of the previous corpus
    m_keep.clear();
    m_counts = {};
    reevaluate();
}

void FilterState::clear()
{
    m_suggestJobs.invalidate();
    m_corpus.reset();
    const bool hadRules = !m_rules.empty();
    m_rules.clear();
    m_keep.clear();
    m_counts = {};
    m_evaluator.setRules({});
    m_catchUp.stop();
    m_indexJobs.invalidate();
    m_indexRunning = false;
    m_dragColumn.reset();
    const bool hadHistory = canUndo() || canRedo();
    m_undo.clear();
    m_redo.clear();
    if (hadHistory)
        Q_EMIT undoStateChanged();
    if (hadRules)
        Q_EMIT rulesChanged(Change::Cleared);
}

void FilterState::pushUndo()
{
    m_undo.push_back(m_rules);
    if (m_undo.size() > kMaxUndo)
        m_undo.erase(m_undo.begin());
    m_redo.clear();
    Q_EMIT undoStateChanged();
}

void FilterState::setRules(std::vector<FilterRule> rules)
{
    m_dragColumn.reset();
    pushUndo();
    apply(std::move(rules), Change::Edited);
}

void FilterState::editRule(int index, const FilterRule& rule)
{
    if (index < 0 || index >= int(m_rules.size()))
        return;
    auto rules = m_rules;
    rules[size_t(index)] = rule;
    setRules(std::move(rules));
}

void FilterState::removeRule(const std::string& column)
{
    auto rules = m_rules;
    rules.erase(std::remove_if(rules.begin(), rules.end(), [&](const FilterRule& r) { return r.column == column; }),
        rules.end());
    setRules(std::move(rules));
}

void FilterState::restoreRules(std::vector<FilterRule> rules)
{
    m_dragColumn.reset();
    apply(std::move(rules), Change::Restored);
}

void FilterState::undo()
{
    if (m_undo.empty())
        return;
    m_dragColumn.reset();
    m_redo.push_back(m_rules);
    auto rules = std::move(m_undo.back());
    m_undo.pop_back();
    Q_EMIT undoStateChanged();
    apply(std::move(rules), Change::Edited);
}

void FilterState::redo()
{
    if (m_redo.empty())
        return;
    m_dragColumn.reset();
    m_undo.push_back(m_rules);
    auto rules = std::move(m_redo.back());
    m_redo.pop_back();
    Q_EMIT undoStateChanged();
    apply(std::move(rules), Change::Edited);
}

void FilterState::setBounds(
    const std::string& column, std::optional<double> min, std::optional<double> max, const ColumnSummary* summary)
{
    auto rules = m_rules;
    auto it = std::find_if(rules.begin(), rules.end(), [&](const FilterRule& r) { return r.column == column; });
    if (it == rules.end() && !min && !max)
        return;
    if (m_dragColumn != column) {
        pushUndo();
        m_dragColumn = column;
    }
    if (it == rules.end()) {
        FilterRule r;
        r.column = column;
        r.bounds.min = min;
        r.bounds.max = max;
        rules.push_back(std::move(r));
        apply(std::move(rules), Change::Dragged);
        return;
    }
    // A moved line: recount only the documents between the old and the new cutoff.
    const size_t index = size_t(it - rules.begin());
    Bounds moved = it->bounds;
    moved.min = min;
    moved.max = max;
    if ((min || max || !it->overrides.empty()) && m_corpus && summary && summary->order
        && summary->docs == m_corpus->size() && !m_growing && m_keep.size() == m_corpus->size()
        && m_evaluator.updateBounds(*m_corpus, index, moved, summary->order, summary->sortedValues, m_keep, m_counts)) {
        m_rules = m_evaluator.rules();
        if (!m_evaluator.hasDragIndex(index))
            startDragIndex(index, *summary);
        // The counts are exact; the keep mask of the documents crossed is written now up to a slice, the rest
        // in slices between events.
        if (m_evaluator.catchUp(m_keep, kCatchUpSlice) != 0 && !m_catchUp.isActive())
            m_catchUp.start();
        Q_EMIT rulesChanged(Change::DraggedIncrementally);
        Q_EMIT countsChanged(true);
        return;
    }
    it->bounds = moved;
    // A rule without bounds or overrides does nothing: drop it from the list.
    if (!min && !max && it->overrides.empty())
        rules.erase(it);
    apply(std::move(rules), Change::Dragged);
}

void FilterState::dragRules(std::vector<FilterRule> rules, const std::string& dragTag)
{
    if (m_dragColumn != dragTag) {
        pushUndo();
        m_dragColumn = dragTag;
    }
    apply(std::move(rules), Change::Dragged);
}

void FilterState::apply(std::vector<FilterRule> rules, Change change)
{
    m_rules = std::move(rules);
    m_evaluator.setRules(m_rules);
    if (m_corpus)
        evaluate();
    Q_EMIT rulesChanged(change);
    if (m_corpus)
        Q_EMIT countsChanged(false);
}

void FilterState::evaluate()
{
    // One pass over the score columns (a few ms at a million documents), so the counts keep up
    // with a dragged line. While the corpus grows, per-document state would be stale at the
    // next batch.
    m_counts = m_growing ? m_evaluator.evaluate(*m_corpus, &m_keep) : m_evaluator.evaluateTracked(*m_corpus, m_keep);
}

void FilterState::setBreakdownColumn(const std::string& column)
{
    m_evaluator.setBreakdownColumn(column);
    reevaluate();
}

void FilterState::reevaluate()
{
    if (!m_corpus)
        return;
    m_evaluator.setRules(m_rules);
    evaluate();
    Q_EMIT countsChanged(false);
}

void FilterState::ensureEvaluated()
{
    flushKeepMask();
    if (m_corpus && m_keep.size() != m_corpus->size())
        reevaluate();
}

bool FilterState::loadConfig(const QString& path, QString* error, QStringList* unknown)
{
    try {
        FilterConfig cfg = FilterConfig::load(path.toStdString());
        if (unknown) {
            unknown->clear();
            for (const auto& r : cfg.rules)
                if (m_corpus && m_corpus->columnIndex(r.column) < 0)
                    *unknown << QString::fromStdString(r.column);
        }
        setRules(std::move(cfg.rules));
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

bool FilterState::saveConfig(const QString& path, QString* error) const
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
        if (!m_modelScorers.empty())
            recordFileScorers(cfg, m_modelScorers);
        cfg.save(path.toStdString());
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

std::string FilterState::configJson() const
{
    FilterConfig cfg;
    cfg.rules = m_rules;
    return cfg.toJson();
}

QFuture<QString> FilterState::exportIds(const QString& path, bool kept)
{
    if (!m_corpus)
        return QtFuture::makeReadyFuture(tr("no corpus is open"));
    ensureEvaluated();
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

void FilterState::requestSuggestions(int index)
{
    if (!m_corpus || index < 0 || index >= int(m_rules.size()))
        return;
    const FilterRule rule = m_rules[size_t(index)];
    const int col = m_corpus->columnIndex(rule.column);
    if (col < 0 || m_corpus->columns()[size_t(col)].categorical()) {
        Q_EMIT suggestionsUnavailable(index, rule.column,
            col < 0
                ? tr("This corpus has no column \"%1\".").arg(QString::fromStdString(rule.column))
                : tr("\"%1\" is categorical: it has labels, not cutoffs.").arg(QString::fromStdString(rule.column)));
        return;
    }
    // Copies of the columns (a million floats copy in about a millisecond): the corpus keeps
    // growing on the GUI thread while a scan runs.
    auto values = std::make_shared<std::vector<float>>(m_corpus->scores(size_t(col)).toVector());
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
    const JobTracker::Token job = m_suggestJobs.start();
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
        std::stable_sort(
            out.begin(), out.end(), [](const CutoffSuggestion& a, const CutoffSuggestion& b) { return a.key < b.key; });
        return out;
    }).then(this, [this, job, index, column](std::vector<CutoffSuggestion> out) {
        if (!m_suggestJobs.isCurrent(job))
            return; // another corpus or a newer request
        Q_EMIT suggestionsReady(index, column, out);
    });
}

} // namespace shardscope
