#pragma once
// The filter of the open corpus: its rules, the keep mask and counts they give, an undo history
// of rule edits, filter configs in the engine's format, id export and cutoff suggestions. No
// widgets: the window shows what this holds and forwards the user's edits to it, so rules can
// be set and counted (and tested) without a plot.

#include "jobtracker.h"

#include <columnsummary.h>
#include <corpusdata.h>
#include <filterevaluator.h>
#include <suggest.h>

#include <QFuture>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shardscope {

class FilterState : public QObject {
    Q_OBJECT
public:
    // Where a change of the rules came from: what the window has to bring up to date.
    enum class Change {
        Edited, // a whole rule set (panel, config, undo): plots follow
        Dragged, // a line on a plot: the plot is already there
        DraggedIncrementally, // the same, recounted only between the old and the new cutoff
        Restored, // the rules last used on this corpus: not an edit, not saved back
        Cleared, // the corpus went, and its rules with it (clear()): not saved back
    };
    Q_ENUM(Change)

    explicit FilterState(QObject* parent = nullptr);

    // The corpus the rules are counted on (null: none). A corpus still growing (a running scan)
    // is counted in full passes; a complete one remembers per document which rules it fails, so
    // a dragged line recounts only what it passes over.
    void setCorpus(std::shared_ptr<const CorpusData> corpus, bool growing);
    void setGrowing(bool growing) { m_growing = growing; }
    // No corpus, no rules, no history (another corpus is being opened); emits Change::Cleared when there were
    // rules, so everything that draws them lets them go.
    void clear();

    const std::vector<FilterRule>& rules() const { return m_rules; }
    const FilterCounts& counts() const { return m_counts; }
    // 1 = kept, per document; the table shows it, so it stays at this address. After a dragged line it can lag
    // the counts by a few turns of the event loop (keepMaskChanged() when it is in); ensureEvaluated() or
    // flushKeepMask() bring it up to date at once.
    const std::vector<uint8_t>& keepMask() const { return m_keep; }
    void flushKeepMask();
    bool keepMaskPending() const { return m_evaluator.pendingDocs() != 0; }
    static constexpr size_t kCatchUpSlice = 250000;
    // The dragged line of `column` recounts from its drag index (built on a worker after its first move).
    bool dragIndexReady(const std::string& column) const;

    // One undoable step each.
    void setRules(std::vector<FilterRule> rules);
    void editRule(int index, const FilterRule& rule);
    void removeRule(const std::string& column);
    // A cutoff line of `column` moved (nullopt: that edge is off). Moves of one column up to
    // endDrag() are one undo step. `summary`, the column's sorted values, allows the
    // incremental recount.
    void setBounds(
        const std::string& column, std::optional<double> min, std::optional<double> max, const ColumnSummary* summary);
    // Rules changed by moving one override's cutoff (a group's or label's line on its own histogram):
    // moves with the same `dragTag` up to endDrag() are one undo step, as setBounds' are.
    void dragRules(std::vector<FilterRule> rules, const std::string& dragTag);
    void endDrag() { m_dragColumn.reset(); }
    // The rules remembered for this corpus; not an undo step.
    void restoreRules(std::vector<FilterRule> rules);

    bool canUndo() const { return !m_undo.empty(); }
    bool canRedo() const { return !m_redo.empty(); }
    void undo();
    void redo();

    // Also count per label of this categorical column ("" for none).
    void setBreakdownColumn(const std::string& column);
    // Counts again after the corpus grew.
    void reevaluate();
    // Counts again when the keep mask does not cover every document yet.
    void ensureEvaluated();

    // Filter configs in the engine's format. load: `unknown` receives the rules' columns this
    // corpus lacks (carried, not evaluated). save: with the corpus's fields and provenance.
    bool loadConfig(const QString& path, QString* error = nullptr, QStringList* unknown = nullptr);
    bool saveConfig(const QString& path, QString* error = nullptr) const;
    // Model-backed scorers (--scorers syntax, e.g. "ngram:model=DIR") whose files saveConfig() names with their
    // SHA-256 when a rule uses their columns (core recordFileScorers), so that apply runs the same model.
    void setModelScorers(const std::string& list) { m_modelScorers = list; }
    std::string configJson() const;

    // One id per line, written atomically off the GUI thread (the list is gathered here, so a
    // scan still appending to the corpus is no hazard). The future's result: "" or the error.
    QFuture<QString> exportIds(const QString& path, bool kept);

    // Cutoff suggestions for rule `index`, computed on a worker: suggestionsReady or, when the
    // rule's column cannot have any, suggestionsUnavailable at once.
    void requestSuggestions(int index);

Q_SIGNALS:
    // Emitted after the counts are up to date, before countsChanged().
    void rulesChanged(shardscope::FilterState::Change change);
    // `incremental`: a dragged line; per-corpus choices (groups, columns) did not change.
    void countsChanged(bool incremental);
    // The keep mask caught up with a dragged line's counts.
    void keepMaskChanged();
    void undoStateChanged();
    void suggestionsReady(int index, const std::string& column, const std::vector<shardscope::CutoffSuggestion>& list);
    void suggestionsUnavailable(int index, const std::string& column, const QString& why);

private:
    void apply(std::vector<FilterRule> rules, Change change);
    void pushUndo();
    void evaluate();
    void startDragIndex(size_t rule, const ColumnSummary& summary);

    std::shared_ptr<const CorpusData> m_corpus;
    bool m_growing = false;
    std::vector<FilterRule> m_rules;
    std::string m_modelScorers;
    std::vector<uint8_t> m_keep;
    FilterCounts m_counts;
    FilterEvaluator m_evaluator;
    std::vector<std::vector<FilterRule>> m_undo, m_redo;
    std::optional<std::string> m_dragColumn; // the column (or override tag) whose moves merge into one undo step
    JobTracker m_suggestJobs;
    QTimer m_catchUp;
    JobTracker m_indexJobs;
    bool m_indexRunning = false;
    QThreadPool m_indexPool; // last member: destroyed first, it waits for a running build
};

} // namespace shardscope
