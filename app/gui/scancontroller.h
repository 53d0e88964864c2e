#pragma once
// Runs one corpus job at a time in the background: expand the inputs, detect the field
// mapping, then load the cached scores or scan. Every job has an id and a stop flag; results
// of a superseded job are dropped before they reach a signal (hotspot's job tracker), so
// nothing from one corpus leaks into the next.

#include <corpusdata.h>

#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace shardscope {

struct OpenRequest {
    QStringList inputs;
    std::optional<FieldMapping> fields;   // unset: detect, and ask when unsure
    bool useCache = true;
    int threads = 0;
    std::string scorers = "all";
};

struct ScanStart {
    std::vector<ShardInfo> shards;        // fingerprinted
    FieldMapping fields;
    std::vector<ColumnInfo> columns;
    std::string cacheDir;                 // corpus cache (scores file, seek caches)
    std::string seekCacheDir;
    bool fromCache = false;
    // A scan's table: the controller appends each batch's rows to it on the GUI thread, then emits
    // rowsAppended(). Null when the corpus comes from the cache (ScanOutcome::corpus).
    std::shared_ptr<CorpusData> corpus;
};

struct ScanOutcome {
    std::vector<ShardInfo> shards;
    std::vector<std::string> errors;      // "file: byte N: what"
    uint64_t records = 0;
    uint64_t rejected = 0;
    std::vector<RejectedRecord> rejects;
    bool cancelled = false;
    bool fromCache = false;
    double seconds = 0;
    std::shared_ptr<CorpusData> corpus;   // set when loaded from the cache
    std::string cacheWarning;
    std::string cacheNote;   // why a cached scores file was rescored (torn, corrupt, older format)
};

class ScanController : public QObject {
    Q_OBJECT
public:
    explicit ScanController(QObject* parent = nullptr);
    ~ScanController() override;

    // Starts a job, cancelling the running one. Returns the new job's id.
    quint64 start(const OpenRequest& request);
    // Stops the current job; its remaining results are dropped.
    void cancel();
    // Stops every job and waits for the workers (window closing).
    void shutdown();
    bool running() const { return m_running; }
    quint64 currentJob() const { return m_current; }

Q_SIGNALS:
    void fieldsUncertain(quint64 job, const QStringList& inputs, const shardscope::FieldMapping& detected);
    void started(quint64 job, std::shared_ptr<const shardscope::ScanStart> info);
    // Rows [firstRow, firstRow + rows) of ScanStart::corpus are in.
    void rowsAppended(quint64 job, quint64 firstRow, quint64 rows);
    void progress(quint64 job, const shardscope::ScanProgress& progress);
    void finished(quint64 job, std::shared_ptr<shardscope::ScanOutcome> outcome);
    void failed(quint64 job, const QString& message);

private:
    struct Job;
    void run(std::shared_ptr<Job> job, OpenRequest request);
    template<typename F>
    void post(const std::shared_ptr<Job>& job, F&& f);

    QThreadPool m_pool;
    std::shared_ptr<Job> m_job;
    quint64 m_current = 0;
    quint64 m_counter = 0;
    bool m_running = false;
};

} // namespace shardscope
