#pragma once
// The scan: reads shards, parses records and runs scorers on a pool of worker threads.
//
// Each worker reads the next batch of whole lines (~4 MB) from the lowest shard whose reader
// is free, so different shards are decompressed in parallel (up to one per thread), then
// parses and scores the batch, and commits it. Commits happen strictly in input order, by
// (shard, batch within the shard): a finished batch waits in a small map until its
// predecessors are in, so results, the TSV and `apply` output keep the input's order
// whatever the thread count. With one thread the same loop runs on the calling thread only.
//
// Progress is measured in compressed bytes consumed, so it moves steadily on .zst shards.

#include "docindex.h"
#include "fieldmapping.h"
#include "linereader.h"
#include "scorecolumn.h"
#include "scorer.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shardscope {

struct DocBatch;

struct RejectedRecord {
    uint32_t shard;
    uint64_t line;
    uint64_t offset;   // decompressed byte offset of the line
    std::string reason;
};

// Score columns: one float array per column, in document order.
struct ScoreTable {
    std::vector<ColumnInfo> columns;
    std::vector<ScoreColumn> values;   // values[column][doc]; owned, or mapped from a scores file
    int columnIndex(std::string_view name) const;
};

// One committed batch, handed to sinks in order. References stay valid during the call.
struct CommittedBatch {
    const LineBatch& lines;
    // Per line of `lines`: -1 blank line, -2 rejected, -3 left out by the selector, otherwise doc number.
    const std::vector<int64_t>& docOf;
    uint64_t firstDoc;              // global doc number of the first accepted record
    uint32_t docs;                  // accepted records in this batch
    const std::vector<float>& scores;   // docs x columns, row-major
    const std::vector<std::string>& rejectReasons; // per rejected line, in order
    size_t columns;
    const std::vector<std::string>& ids;      // per accepted doc ("" when the record has none)
    const std::vector<std::string>& groups;   // per accepted doc
    const std::vector<uint32_t>& textBytes;   // per accepted doc: UTF-8 bytes of the text
    const std::vector<uint32_t>& textChars;   // per accepted doc: code points of the text
};

class ScanSink {
public:
    virtual ~ScanSink() = default;
    // Called on a worker thread, serialized and in input order.
    virtual void onBatch(const CommittedBatch& batch) = 0;
    // Whether onBatch() reads the bytes of batch.lines (apply writes them out). When no sink does,
    // the scan unescapes huge texts over their JSON, and gives a batch's buffer back once it is
    // scored: batch.lines.data is then empty (the line offsets and lengths stay).
    virtual bool needsLineBytes() const { return true; }
};

// Chooses the records a scan scores (a sample of the corpus). The others are read past without being
// parsed or scored, and counted (ScanResult::skipped). select() is called from every scan thread and must
// depend only on its arguments, so the choice is the same whatever the thread count or batch size.
class DocumentSelector {
public:
    virtual ~DocumentSelector() = default;
    // shard: index into ScanOptions::shards; line: 1-based line number in the shard.
    virtual bool select(uint32_t shard, uint64_t line) const = 0;
    // Recorded with the results: what was selected, e.g. "bernoulli p=0.01 seed=7".
    virtual std::string describe() const = 0;
};

// Every record independently with probability p, decided by a seeded hash of (shard, line): the same
// seed selects the same records every time.
class BernoulliSelector final : public DocumentSelector {
public:
    BernoulliSelector(double p, uint64_t seed);
    bool select(uint32_t shard, uint64_t line) const override;
    std::string describe() const override;

private:
    double m_p;
    uint64_t m_seed;
    uint64_t m_threshold;
};

// A thread count as the options take it (0: all cores) resolved to a number, at least 1.
int resolveThreads(int requested);

struct ScanOptions {
    std::vector<std::string> shards;            // expanded, absolute
    FieldMapping fields;
    std::vector<std::shared_ptr<const Scorer>> scorers;
    int threads = 0;                            // 0: all cores
    size_t batchBytes = 4 << 20;
    bool buildIndex = true;                     // keep DocIndex + ScoreTable (apply turns it off)
    // When set, each committed batch's rows go here instead of into the result's table (the GUI appends
    // them to its own table on its thread): a batch is indexed once either way. Called on the commit
    // thread, in order; the result then holds the counts but no rows.
    std::function<void(std::shared_ptr<DocBatch>)> indexBatches;
    std::string seekCacheDir;                   // non-empty: write random-access caches here
    size_t maxStoredRejects = 10000;            // reasons kept in memory; all are counted
    std::shared_ptr<const DocumentSelector> selector; // null: every record
};

struct ScanProgress {
    uint64_t compressedDone = 0;
    uint64_t compressedTotal = 0;
    uint64_t records = 0;
    uint64_t docs = 0;
    uint64_t rejected = 0;
    uint64_t textBytes = 0;
    uint64_t modelTokens
        = 0; // tokens a model scorer has scored so far (ScoringControl), batches not yet committed included
    uint64_t modelBytes = 0; // text bytes a model scorer has finished
    double elapsedSeconds = 0;
    double docsPerSecond = 0;
    double mbPerSecond = 0;       // decompressed MB/s
    double etaSeconds = -1;       // -1: unknown
    double fraction() const { return compressedTotal ? double(compressedDone) / double(compressedTotal) : 0; }
};

struct ScanResult {
    std::vector<ShardInfo> shards;
    FieldMapping fields;
    DocIndex index;
    ScoreTable scores;
    std::vector<RejectedRecord> rejects;   // at most maxStoredRejects
    uint64_t records = 0; // non-blank lines read: documents + rejected + skipped
    uint64_t skipped = 0; // records the selector left out (neither parsed nor scored)
    std::string selection; // the selector's describe(); empty: every record
    uint64_t rejected = 0;
    uint64_t blankLines = 0;
    bool cancelled = false;
    double seconds = 0;
    uint64_t textBytes = 0;
    uint64_t peakBatchBuffers = 0; // most batch buffers (~batchBytes each) read and not yet given back at once
    bool complete() const;                 // every shard read to its end without error
    std::vector<std::string> errors() const; // stream errors, "file: byte N: what"
};

class Scan {
public:
    explicit Scan(ScanOptions options);
    ~Scan();

    // Extra sinks (apply writers, GUI forwarders), called after the built-in index sink.
    void addSink(ScanSink* sink);
    // Called from a worker thread at most every `intervalMs`, and once at the end.
    void setProgressCallback(std::function<void(const ScanProgress&)> cb, int intervalMs = 100);

    // Runs to completion (or cancellation) on the calling thread plus workers. Stream errors
    // do not throw: the shard is marked incomplete with its error and the scan goes on with
    // the next shard, so everything readable is kept. An exception thrown by a sink (an output
    // that cannot be written) stops the scan and is rethrown here.
    ScanResult run();
    // Thread-safe; the workers stop at the next batch.
    void cancel();
    bool isCancelled() const { return m_cancel.load(std::memory_order_relaxed); }
    ScanProgress progress() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
    std::atomic<bool> m_cancel { false };
};

// Random access to one document's line after a scan: plain shards are read in place,
// compressed ones through the seek cache written by a scan with seekCacheDir set, or by
// decompressing from the start when there is none (slow for big shards, but correct).
class DocumentReader {
public:
    DocumentReader(std::vector<ShardInfo> shards, std::string seekCacheDir);
    ~DocumentReader();
    // The raw JSON line of a record. Throws InputError when the shard changed or is gone.
    std::string readLine(uint32_t shard, uint64_t offset, uint32_t length);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace shardscope
