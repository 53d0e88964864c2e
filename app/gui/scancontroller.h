#pragma once
// Runs one corpus job at a time in the background: expand the inputs, detect the field
// mapping, then load the cached scores or scan, then score the columns the table still lacks
// (ColumnScan): scorers the cache does not hold up to date, and slow ones (the language model)
// when asked. Every job has an id and a stop flag; results of a superseded job are dropped
// before they reach a signal (hotspot's job tracker), so nothing from one corpus leaks into
// the next.

#include <corpusdata.h>
#include <samplescope.h>
#include <scorestore.h>

#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace shardscope {

struct OpenRequest {
    QStringList inputs;
    std::optional<FieldMapping> fields; // unset: detect, and ask when unsure
    bool useCache = true;
    int threads = 0;
    std::string scorers = "all";
    // Slow scorers (Scorer::isSlow(): the language model) whose scores are not cached are scored after the
    // table is shown, as added columns, only when this is set (Score with Language Model); otherwise they
    // are left out, so opening a corpus never starts hours of model scoring unasked.
    bool scoreSlow = false;

    // Sample first (issue 21, part 1): a large corpus is scanned first as a seeded uniform random sample (never a
    // prefix), which is shown at once, then in full; the full table replaces the sample when it is complete.
    // Auto samples when the corpus is large (kLargeCorpusBytes on disk or kLargeCorpusRecords estimated), Always
    // samples any corpus. A corpus whose scores are cached opens whole, as does a request with scoreSlow.
    enum class Sampling { Never, Auto, Always };
    Sampling sampling = Sampling::Never;
    double sampleFraction = 0; // each record's chance; 0: sized for sampleDocuments
    uint64_t sampleDocuments = 20000;
    uint64_t sampleSeed = 1;
    bool stopAtSample = false; // no full pass after the sample (File > Open Sample…)
};

inline constexpr uint64_t kLargeCorpusBytes = 200ull << 20;
inline constexpr uint64_t kLargeCorpusRecords = 200000;

// The records of a corpus before it is read: the shards' sizes on disk scaled by the records per on-disk byte
// in the first few megabytes of the first shard (exact for a corpus that small).
struct CorpusSize {
    uint64_t bytesOnDisk = 0;
    uint64_t estimatedRecords = 0;
    double meanRecordBytes = 0; // decompressed, with the newline, in the probe
};
CorpusSize estimateCorpusSize(const std::vector<ShardInfo>& shards);
// The sample fraction a request asks for on a corpus of this size; 0: no sample.
double sampleFractionFor(const OpenRequest& request, const CorpusSize& size);
// What a finished sample scan stands for, N included: the records its figures are estimates for (exact when
// every shard was read; plain shards sampled by byte offset count only what their blocks held).
SampleScope sampleScopeOf(const ScanResult& result, double probability, uint64_t seed);

// Scoring columns for a table that is shown already.
struct ColumnRequest {
    std::vector<std::string> shards; // the table's, in order
    FieldMapping fields;
    std::string scorers; // --scorers syntax; each is scored again even when the table has its columns
    int threads = 0;
    bool useCache = true; // add the columns to the corpus's scores file when they are complete
};

struct ColumnProgress {
    QStringList columns;
    uint64_t rowsDone = 0, rowsTotal = 0;
    uint64_t bytesDone = 0, bytesTotal = 0; // UTF-8 text scored / in the table
    uint64_t modelTokens = 0; // tokens a model has scored (0 without a model scorer)
    double elapsedSeconds = 0;
    double tokensPerSecond = 0;
    double etaSeconds = -1; // -1: unknown yet
};

struct ColumnOutcome {
    QStringList columns;
    uint64_t rowsFilled = 0, rowsTotal = 0;
    bool complete = false;
    bool cancelled = false;
    double seconds = 0;
    QString error; // the job stopped: a shard changed, a model failed to load
    QString cacheWarning;
};

struct ScanStart {
    std::vector<ShardInfo> shards; // fingerprinted
    FieldMapping fields;
    std::vector<ColumnInfo> columns;
    std::string cacheDir; // corpus cache (scores file, seek caches)
    std::string seekCacheDir;
    bool fromCache = false;
    bool sample = false; // the table is a sample being drawn (a full pass may follow)
    double sampleProbability = 0;
    uint64_t sampleSeed = 0;
    // A scan's table: the controller appends each batch's rows to it on the GUI thread, then emits
    // rowsAppended(). Null when the corpus comes from the cache (ScanOutcome::corpus).
    std::shared_ptr<CorpusData> corpus;
};

struct ScanOutcome {
    std::vector<ShardInfo> shards;
    std::vector<std::string> errors; // "file: byte N: what"
    uint64_t records = 0;
    uint64_t rejected = 0;
    std::vector<RejectedRecord> rejects;
    bool cancelled = false;
    bool fromCache = false;
    double seconds = 0;
    std::shared_ptr<CorpusData> corpus; // set when loaded from the cache
    std::string cacheWarning;
    std::string cacheNote; // why a cached scores file was rescored (torn, corrupt, older format)
    SampleScope sample; // active(): the table is a sample of the corpus
};

class ScanController : public QObject {
    Q_OBJECT
public:
    explicit ScanController(QObject* parent = nullptr);
    ~ScanController() override;

    // Starts a job, cancelling the running one. Returns the new job's id.
    quint64 start(const OpenRequest& request);
    // Scores `request.scorers` for the rows of `table` (which must not grow meanwhile) and fills their
    // columns in as batches finish, cancelling the running job. Returns the new job's id.
    quint64 scoreColumns(std::shared_ptr<CorpusData> table, const ColumnRequest& request);
    // Stops the current job; its remaining results are dropped (values filled in so far stay).
    void cancel();
    // Stops every job and waits for the workers (window closing): within about a second, since a slow
    // scorer checks the stop flag between forward passes.
    void shutdown();
    // The table is being read or scanned (it grows).
    bool running() const { return m_running; }
    // Columns are being scored for a table that is complete otherwise.
    bool scoringColumns() const { return m_scoringColumns; }
    // A sample is on display and the whole corpus is being scanned behind it (its table replaces the sample).
    bool fullPassRunning() const { return m_fullPass; }
    // While the full pass runs: the fraction of the corpus its current pass reads (a grown sample), 1 for the
    // last pass over everything.
    double passFraction() const { return m_passFraction; }
    // Each grown sample behind the first is this many times larger, up to kLastSampleFraction; then the whole.
    static constexpr double kSampleGrowth = 8.0;
    static constexpr double kLastSampleFraction = 0.5;
    // The fractions the full pass reads after a first sample of `first`: growing samples, then 1.
    static std::vector<double> growingFractions(double first);
    // The current job ends with its sample: no full pass is started after it (one running is not stopped here:
    // cancel() does that and keeps the sample).
    void setStopAtSample();
    quint64 currentJob() const { return m_current; }

Q_SIGNALS:
    void fieldsUncertain(quint64 job, const QStringList& inputs, const shardscope::FieldMapping& detected);
    void started(quint64 job, std::shared_ptr<const shardscope::ScanStart> info);
    // Rows [firstRow, firstRow + rows) of ScanStart::corpus are in.
    void rowsAppended(quint64 job, quint64 firstRow, quint64 rows);
    void progress(quint64 job, const shardscope::ScanProgress& progress);
    void finished(quint64 job, std::shared_ptr<shardscope::ScanOutcome> outcome);
    // The sample is complete (outcome->sample); `fullPassFollows`: the whole corpus is scanned next (progress(),
    // then finished() with the full table in outcome->corpus), else the job is over.
    void sampleFinished(quint64 job, std::shared_ptr<shardscope::ScanOutcome> outcome, bool fullPassFollows);
    void failed(quint64 job, const QString& message);
    // Columns were added to the table (all values missing, or reset to missing when they existed).
    void columnsStarted(quint64 job, const QStringList& columns);
    // Rows [firstRow, firstRow + rows) of the added columns have their values.
    void columnsFilled(quint64 job, quint64 firstRow, quint64 rows);
    void columnsProgress(quint64 job, const shardscope::ColumnProgress& progress);
    void columnsFinished(quint64 job, const shardscope::ColumnOutcome& outcome);

private:
    struct Job;
    // Cancels the running job and makes the current one, with the next id.
    std::shared_ptr<Job> newJob();
    void run(std::shared_ptr<Job> job, OpenRequest request);
    // The column phase of a job; `scorers` are scored and their columns added to `table`.
    void runColumns(const std::shared_ptr<Job>& job, const std::shared_ptr<CorpusData>& table,
        const std::vector<std::string>& shards, const FieldMapping& fields,
        const std::vector<std::shared_ptr<const Scorer>>& scorers, int threads, const CorpusCache* cache);
    // How the first sample was drawn, so that larger ones contain it.
    using SelectorFor = std::function<std::shared_ptr<const DocumentSelector>(double fraction)>;
    struct SampleGrowth {
        double first = 0;
        uint64_t seed = 0;
        SelectorFor selectorFor;
    };
    // The whole corpus after its sample, through growing samples (sampleFinished() each), into a table of its
    // own that finished() hands over.
    void runFullPass(const std::shared_ptr<Job>& job, ScanOptions options, const CorpusCache* cache,
        const std::vector<std::shared_ptr<const Scorer>>& scorers, const std::string& unusableCache,
        const SampleGrowth& growth);
    void finishFullPass(const std::shared_ptr<Job>& job, const std::shared_ptr<ScanOutcome>& outcome,
        const CorpusCache* cache, const std::vector<std::shared_ptr<const Scorer>>& scorers);
    template <typename F> void post(const std::shared_ptr<Job>& job, F&& f);

    QThreadPool m_pool;
    std::shared_ptr<Job> m_job;
    quint64 m_current = 0;
    quint64 m_counter = 0;
    bool m_running = false;
    bool m_scoringColumns = false;
    bool m_fullPass = false;
    double m_passFraction = 1.0;
};

} // namespace shardscope
