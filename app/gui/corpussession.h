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

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace shardscope {

// How long a full pass over a sampled corpus would take (issue 21): reading it (the sample's scan read all of it)
// and scoring it with the table's scorers, each timed on texts of the sample as Add Scorers does
// (core/scorerestimate.h), and with the language model as well where this build has one.
struct FullPassEstimate {
    double readSeconds = -1;
    double scoreSeconds = -1; // the table's scorers, over the corpus's estimated text, on the scan's threads
    QStringList scorers;
    double languageModelSeconds = -1; // -1: no language model here, or it is among the table's scorers
    // Reading and scoring overlap (one reader feeds the scoring threads): the slower of the two.
    double seconds() const { return std::max(readSeconds, scoreSeconds); }
};

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
    // Whether open() draws a sample first (issue 21): Auto (the default) for a large corpus. The environment
    // variable SHARDSCOPE_SAMPLE_FIRST overrides it: "0" never, "1" always, a fraction ("0.3", "30%") always,
    // with that chance per record.
    void setSampling(OpenRequest::Sampling mode) { m_sampling = mode; }

    // Opens files and/or directories as one corpus; fields unset: detect them, and emit
    // fieldsUncertain when unsure.
    void open(const QStringList& inputs, std::optional<FieldMapping> fields = std::nullopt);
    // Opens a seeded uniform sample of the inputs, each record with chance `fraction`, and stops there.
    void openSample(const QStringList& inputs, double fraction, uint64_t seed);
    // The sample on display stays and the full pass is not made (stopped, or not started when the sample is
    // still being drawn).
    void stopAtSample();
    // The open inputs again with their field mapping (after the scorers or the mapping changed).
    void reopen(std::optional<FieldMapping> fields = std::nullopt);
    // The open inputs again, rescoring every document (cached scores ignored).
    void rescan();
    // Scores `scorers` (--scorers syntax, e.g. "lm") for the open corpus and adds their columns, filled in as
    // batches finish, keeping every score and view there is (columnsStarted, columnsFilled, columnsFinished).
    // While the corpus is still being read, it is opened again with them instead. Returns false when no
    // corpus is open.
    bool scoreColumns(const std::string& scorers);
    // Adds columns computed elsewhere from the table's own columns (the quality classifier's, issue 23), or
    // replaces them in place when they exist: columnsStarted, columnsFilled and columnsFinished follow at once,
    // as for scored columns. False (nothing changed) when no finished corpus is open or the sizes differ.
    bool addComputedColumns(const std::vector<ColumnInfo>& columns, const std::vector<std::vector<float>>& values);
    // Takes a corpus that is already built (tests, the GUI benchmark: sizes no fixture has).
    // No scan runs: started() and finished() report it as a corpus loaded from the cache.
    void showLoaded(std::shared_ptr<CorpusData> corpus);
    // Stops the running scan and keeps what was read (cancelled() follows).
    void cancel();
    // Stops every job and waits for the workers (the window is closing).
    void shutdown();

    bool running() const { return m_scan->running(); }
    bool scoringColumns() const { return m_scan->scoringColumns(); }
    // The corpus on display is a complete sample (active()), its figures estimates; inactive once exact.
    const SampleScope& sample() const { return m_sample; }
    // A sample is drawn (running()) or on display with the full pass going on behind it.
    bool samplingFirst() const { return m_start && m_start->sample && (running() || fullPassRunning()); }
    bool fullPassRunning() const { return m_scan->fullPassRunning(); }
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
    // The sample is complete and on display (sample() is active); `fullPassFollows`: the whole corpus is being
    // scanned (fullPassProgress, then finished() with the exact table), else the sample is what stays.
    void sampleReady(std::shared_ptr<const shardscope::ScanOutcome> outcome, bool fullPassFollows);
    // `passFraction`: the share of the corpus the pass reads, below 1 while a grown sample is drawn.
    void fullPassProgress(const shardscope::ScanProgress& progress, double passFraction);
    // The full pass was stopped: the sample stays.
    void stoppedAtSample();
    // What a full pass would take, measured on the sample (after sampleReady).
    void fullPassEstimated(const shardscope::FullPassEstimate& estimate);
    void failed(const QString& message);
    // Score columns of the cached scores failed the checksum deferred to their first read (scorestore.h): they read
    // as missing values. `message` names the file, each column and its byte offset; each column once per corpus.
    void corruptColumnsFound(const QString& message);
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
    void onSampleFinished(std::shared_ptr<ScanOutcome> outcome, bool fullPassFollows);
    // A finished scan's (or sample's) outcome becomes the session's: shards, reader, errors, statistics.
    void adoptOutcome(const std::shared_ptr<ScanOutcome>& outcome);
    void estimateFullPass();
    void onFailed(const QString& message);
    // The column job is over (finished or cancelled): its last values shown, statistics started.
    void endColumns();
    void scheduleStats();
    void startStats();
    void reportCorruptColumns();

    ScanController* m_scan = nullptr;
    std::optional<quint64> m_scanJob; // the controller's id of our scan; unset when none runs
    bool m_useCache = true;
    int m_threads = 0;
    std::string m_scorers = "all";
    OpenRequest::Sampling m_sampling = OpenRequest::Sampling::Auto;
    SampleScope m_sample;
    bool m_stopAtSample = false; // asked while the sample was being drawn
    JobTracker m_estimateJobs;
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
    size_t m_corruptReported = 0; // columns named by corruptColumnsFound() for this corpus
    JobTracker m_corpusJobs; // one token per corpus: delayed work of an older one is dropped
    JobTracker::Token m_corpusToken = 0;
    JobTracker m_statsJobs;
    QElapsedTimer m_lastStats;
    bool m_statsRunning = false;
    bool m_statsDirty = false;
};

} // namespace shardscope
