#pragma once
// The open corpus: its inputs, the scan that reads it (through ScanController), the documents
// as they arrive, the reader for their text, the scan's report and the statistics of the
// plotted columns. One corpus at a time: opening another stops the running scan and drops
// everything of the old one before anything of the new one exists (hotspot #92 / #156).
// GUI thread only; the scan and the statistics run on workers.

#include "jobtracker.h"
#include "scancontroller.h"

#include <columnsummary.h>
#include <corpusdata.h>
#include <documentsource.h>

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace shardscope {

class CorpusSession : public QObject {
    Q_OBJECT
public:
    explicit CorpusSession(QObject* parent = nullptr);
    ~CorpusSession() override;

    // Options of the scans open() starts.
    void setUseCache(bool on) { m_useCache = on; }
    bool useCache() const { return m_useCache; }
    void setThreads(int n) { m_threads = n; }
    int threads() const { return m_threads; }
    void setScorers(const std::string& list) { m_scorers = list; }
    const std::string& scorers() const { return m_scorers; }

    // Opens files and/or directories as one corpus; fields unset: detect them, and emit
    // fieldsUncertain when unsure.
    void open(const QStringList& inputs, std::optional<FieldMapping> fields = std::nullopt);
    // The open inputs again with their field mapping (after the scorers or the mapping changed).
    void reopen(std::optional<FieldMapping> fields = std::nullopt);
    // The open inputs again, rescoring every document (cached scores ignored).
    void rescan();
    // Scores `scorers` (--scorers syntax, e.g. "lm") for the open corpus and adds their columns, filled in as
    // batches finish, keeping every score and view there is (columnsStarted, columnsFilled, columnsFinished).
    // While the corpus is still being read, it is opened again with them instead. Returns false when no
    // corpus is open.
    bool scoreColumns(const std::string& scorers);
    // Takes a corpus that is already built (tests, the GUI benchmark: sizes no fixture has).
    // No scan runs: started() and finished() report it as a corpus loaded from the cache.
    void showLoaded(std::shared_ptr<CorpusData> corpus);
    // Stops the running scan and keeps what was read (cancelled() follows).
    void cancel();
    // Stops every job and waits for the workers (the window is closing).
    void shutdown();

    bool running() const { return m_scan->running(); }
    bool scoringColumns() const { return m_scan->scoringColumns(); }
    const QStringList& inputs() const { return m_inputs; }
    // Names the inputs in settings; "" for a corpus shown with showLoaded().
    const QString& corpusKey() const { return m_corpusKey; }
    // The fields and columns of the scan; null before started().
    std::shared_ptr<const ScanStart> scanStart() const { return m_start; }
    std::optional<FieldMapping> fields() const;
    std::shared_ptr<CorpusData> corpus() const { return m_corpus; }
    std::shared_ptr<DocumentSource> source() const { return m_source; }
    // The finished scan's report; null while it runs and after a cancel.
    std::shared_ptr<const ScanOutcome> outcome() const { return m_outcome; }
    uint64_t documents() const { return m_corpus ? m_corpus->size() : 0; }
    uint64_t records() const { return m_outcome ? m_outcome->records : 0; }
    uint64_t rejected() const { return m_outcome ? m_outcome->rejected : 0; }
    // What could not be read or opened, "" when all was.
    const QString& lastError() const { return m_lastError; }

    // Statistics are computed for the columns `wanted` accepts (a summary keeps a sorted copy
    // of its column, so only plotted columns get one).
    void setSummaryFilter(std::function<bool(const std::string&)> wanted) { m_wanted = std::move(wanted); }
    // Summarise again (a column was put on display).
    void requestStats();
    std::shared_ptr<const CorpusSummary> summary() const { return m_summary; }
    bool statsReady() const { return m_summary != nullptr && !m_statsRunning; }

Q_SIGNALS:
    // The current corpus is about to be dropped: the last moment its state can be saved.
    void aboutToChange();
    // A new corpus begins: `inputs` are opened (empty for showLoaded).
    void opening(const QStringList& inputs);
    void fieldsUncertain(const QStringList& inputs, const shardscope::FieldMapping& detected);
    // corpus() exists with its columns, and no documents yet unless it came whole.
    void started();
    // Documents were appended; at most one signal per 40 ms while a scan runs.
    void grew();
    void progress(const shardscope::ScanProgress& progress);
    // The scan is complete. `replaced`: corpus() is another object than at started() (the
    // scores came from the cache all at once).
    void finished(std::shared_ptr<const shardscope::ScanOutcome> outcome, bool replaced);
    void cancelled();
    void failed(const QString& message);
    // Columns being scored for the open corpus (scoreColumns, or scorers its cache lacked).
    void columnsStarted(const QStringList& columns);
    // More of their values are in (at most one signal per 40 ms).
    void columnsFilled();
    void columnsProgress(const shardscope::ColumnProgress& progress);
    void columnsFinished(const shardscope::ColumnOutcome& outcome);
    // Cancelled: the values filled in so far stay, the rest are missing.
    void columnsCancelled(const QStringList& columns, quint64 rowsFilled, quint64 rowsTotal);
    void statsUpdated();

private:
    void start(const OpenRequest& request);
    bool ours(quint64 job) const { return m_scanJob && *m_scanJob == job; }
    void drop();
    void onStarted(std::shared_ptr<const ScanStart> info);
    void onRowsAppended();
    void onFinished(std::shared_ptr<ScanOutcome> outcome);
    void onFailed(const QString& message);
    // The column job is over (finished or cancelled): its last values shown, statistics started.
    void endColumns();
    void scheduleStats();
    void startStats();

    ScanController* m_scan = nullptr;
    std::optional<quint64> m_scanJob; // the controller's id of our scan; unset when none runs
    bool m_useCache = true;
    int m_threads = 0;
    std::string m_scorers = "all";
    QStringList m_inputs;
    QString m_corpusKey;
    std::shared_ptr<const ScanStart> m_start;
    std::shared_ptr<CorpusData> m_corpus;
    std::shared_ptr<DocumentSource> m_source;
    std::shared_ptr<const ScanOutcome> m_outcome;
    QString m_lastError;
    QTimer m_grewTimer;
    QTimer m_filledTimer;
    QStringList m_scoringColumns; // of the running column job
    uint64_t m_columnRows = 0; // rows it has filled

    std::function<bool(const std::string&)> m_wanted;
    std::shared_ptr<const CorpusSummary> m_summary;
    JobTracker m_corpusJobs; // one token per corpus: delayed work of an older one is dropped
    JobTracker::Token m_corpusToken = 0;
    JobTracker m_statsJobs;
    QElapsedTimer m_lastStats;
    bool m_statsRunning = false;
    bool m_statsDirty = false;
};

} // namespace shardscope
