#include "scan.h"

#include "blocksampler.h"
#include "bytesource.h"
#include "corpusdata.h"
#include "recordparser.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <thread>

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

namespace shardscope {

int ScoreTable::columnIndex(std::string_view name) const
{
    for (size_t i = 0; i < columns.size(); ++i)
        if (columns[i].name == name)
            return int(i);
    return -1;
}

bool ScanResult::complete() const
{
    if (cancelled)
        return false;
    return std::all_of(shards.begin(), shards.end(), [](const ShardInfo& s) { return s.complete; });
}

std::vector<std::string> ScanResult::errors() const
{
    std::vector<std::string> e;
    for (const auto& s : shards)
        if (!s.error.empty())
            e.push_back(s.error);
    return e;
}

namespace {

using Clock = std::chrono::steady_clock;

// Records from this size up are parsed in place when nothing needs their bytes afterwards.
constexpr size_t kInPlaceAbove = size_t(1) << 20;

// The seek cache of one compressed shard: the decompressed stream re-compressed as
// independent zstd frames, one per batch (~4 MB of JSON Lines, level 1), plus a table
// of (decompressed offset, cache offset). Reading one document decompresses one frame.
// Cost: about 25-35% of the decompressed size on disk, and level-1 compression time
// (~400 MB/s per core) spread over the workers.
struct SeekCacheWriter {
    std::FILE* data = nullptr;
    std::string dataPath, tablePath;
    std::vector<std::pair<uint64_t, uint64_t>> table;   // (stream offset, file offset)
    uint64_t filePos = 0;
};

// A shard's batches: every line of the stream, or, for a plain shard sampled by byte offset (BlockSampler), only
// the records that start in the chosen blocks (batches with firstLine 0: line numbers unknown).
class ShardReader {
public:
    explicit ShardReader(std::unique_ptr<LineReader> lines)
        : m_lines(std::move(lines))
    {
    }
    explicit ShardReader(std::unique_ptr<BlockLineReader> blocks)
        : m_blocks(std::move(blocks))
    {
    }
    bool nextBatch(LineBatch& b) { return m_lines ? m_lines->nextBatch(b) : m_blocks->nextBatch(b); }
    uint64_t compressedPos() const { return m_lines ? m_lines->compressedPos() : m_blocks->compressedPos(); }

private:
    std::unique_ptr<LineReader> m_lines;
    std::unique_ptr<BlockLineReader> m_blocks;
};

} // namespace

struct Scan::Impl {
    ScanOptions opt;
    std::vector<ScanSink*> sinks;
    std::function<void(const ScanProgress&)> progressCb;
    int progressIntervalMs = 100;

    // Reading and committing (under `mutex`). Shards are read in parallel, one batch at a time per shard: a
    // worker takes the lowest shard whose reader is free, marks it busy and reads one batch outside the lock.
    // A batch is known by (shard, number within the shard); batches commit in that order, so results keep the
    // input's order whatever the thread count. The front moves to the next shard once a shard's reader has
    // ended (end of stream, a broken stream, or a shard that could not be opened) and its batches are in.
    struct ShardRead {
        std::unique_ptr<ShardReader> reader; // only the worker holding `busy` uses it
        bool opened = false; // a reader was made (or tried)
        bool ended = false; // no more batches
        bool busy = false; // a worker opens it or reads a batch from it, outside the lock
        uint64_t batches = 0; // batches read; the next batch's number
        uint64_t compressedPos = 0; // compressed bytes consumed so far, as counted in compressedDone
        std::string error; // copied to ShardInfo after the scan
        bool complete = false;
    };
    using BatchKey = std::pair<uint32_t, uint64_t>; // (shard, batch number within the shard)
    std::mutex mutex;
    std::condition_variable changed; // a reader freed, a batch committed, the front moved, or cancel
    std::vector<ShardRead> reading;
    size_t openReaders = 0;
    size_t maxOpenReaders = 1;
    uint32_t frontShard = 0; // the next batch to commit is (frontShard, frontBatch)
    uint64_t frontBatch = 0;
    // Memory bound. A batch is "heavy" while it holds its data buffer (~batchBytes): from the read until it is
    // committed, or, when no sink reads the lines' bytes, until it is scored (and its seek-cache frame made):
    // then only its results wait for the commit, a few kB per batch. Shards past the front wait while either
    // budget is used; the front shard counts only its own batches, so it always proceeds and is never stalled
    // by later shards that filled the budget (its batches commit as soon as they are scored).
    uint64_t inFlight = 0, heavy = 0;
    uint64_t maxHeavy = 3, maxInFlight = 3;
    uint64_t peakHeavy = 0;
    bool committing = false; // one worker applies commits at a time, outside the lock
    struct Done {
        std::unique_ptr<LineBatch> batch;
        bool heavy = true; // batch->data still holds the lines
        std::vector<int64_t> docOf;
        std::vector<float> scores;
        std::vector<std::string> reasons;
        std::vector<std::string> groupNames;   // per accepted doc
        std::vector<std::string> ids;          // per accepted doc
        std::vector<uint32_t> textBytes, textChars;
        std::vector<std::string> frame;        // seek-cache frame (0 or 1 element)
    };
    std::map<BatchKey, Done> pending;
    // Committed batches go back here so their multi-megabyte buffers are reused rather than
    // freed and faulted in again for every batch.
    std::mutex poolMutex;
    std::vector<std::unique_ptr<LineBatch>> pool;
    std::vector<ByteBuffer> buffers; // data buffers of batches that no longer needed them
    GroupNumbering groups;
    ScanResult result;
    std::vector<SeekCacheWriter> seek;
    // When run() started; atomic because progress() may be called from another thread at any time.
    std::atomic<Clock::rep> startTicks { 0 };
    Clock::time_point start() const { return Clock::time_point(Clock::duration(startTicks.load())); }
    Clock::time_point lastProgress;
    std::atomic<uint64_t> compressedDone { 0 };
    std::atomic<uint64_t> compressedTotal { 0 };
    std::atomic<uint64_t> records { 0 }, docs { 0 }, rejected { 0 }, textBytes { 0 }, rawBytes { 0 };
    std::atomic<uint64_t> modelTokens { 0 }, modelBytes { 0 }; // lent to the workers (ScoringControl)
    size_t nColumns = 0;
    std::vector<size_t> columnBase;   // first column of each scorer
    // Per scorer: for a derived scorer (Scorer::inputColumns()), the columns its inputs are in; empty for
    // a text scorer.
    std::vector<std::vector<size_t>> derivedInputs;
    std::exception_ptr sinkError; // the first exception a sink threw (by the committing worker)
};

Scan::Scan(ScanOptions options)
    : d(std::make_unique<Impl>())
{
    d->opt = std::move(options);
    // DocIndex stores a document's shard as 16 bits: more shards would wrap silently and read documents from the
    // wrong file, so refuse them before any work is done.
    if (d->opt.shards.size() > kMaxShards)
        throw InputError(d->opt.shards[kMaxShards], 0,
            std::to_string(d->opt.shards.size()) + " shards in one scan, at most " + std::to_string(kMaxShards)
                + " are supported: merge small shards, or scan the corpus in parts");
    for (const auto& s : d->opt.scorers) {
        // A scorer over other score columns takes them from scorers before it in the list.
        std::vector<size_t> inputs;
        for (const auto& name : s->inputColumns()) {
            const int at = d->result.scores.columnIndex(name);
            if (at < 0)
                throw std::invalid_argument("scorer '" + s->name() + "' needs the column '" + name
                    + "': list a scorer that makes it before it");
            inputs.push_back(size_t(at));
        }
        d->derivedInputs.push_back(std::move(inputs));
        d->columnBase.push_back(d->nColumns);
        auto cols = s->columns();
        d->nColumns += cols.size();
        for (auto& c : cols)
            d->result.scores.columns.push_back(std::move(c));
    }
    d->result.scores.values.resize(d->nColumns);
    d->result.fields = d->opt.fields;
    if (d->opt.selector)
        d->result.selection = d->opt.selector->describe();
    d->result.index.groups.push_back("");
}

Scan::~Scan() = default;

void Scan::addSink(ScanSink* sink)
{
    d->sinks.push_back(sink);
}

void Scan::setProgressCallback(std::function<void(const ScanProgress&)> cb, int intervalMs)
{
    d->progressCb = std::move(cb);
    d->progressIntervalMs = intervalMs;
}

void Scan::cancel()
{
    // No lock here: cancel() may be called from a sink or a progress callback, on the committing
    // worker. Waiters re-check the flag every 50 ms, so a wake-up that slips between their check
    // and their wait is not lost for long.
    m_cancel.store(true, std::memory_order_relaxed);
    d->changed.notify_all();
}

ScanProgress Scan::progress() const
{
    ScanProgress p;
    p.compressedDone = d->compressedDone.load(std::memory_order_relaxed);
    p.compressedTotal = d->compressedTotal.load(std::memory_order_relaxed);
    p.records = d->records.load(std::memory_order_relaxed);
    p.docs = d->docs.load(std::memory_order_relaxed);
    p.rejected = d->rejected.load(std::memory_order_relaxed);
    p.textBytes = d->textBytes.load(std::memory_order_relaxed);
    p.modelTokens = d->modelTokens.load(std::memory_order_relaxed);
    p.modelBytes = d->modelBytes.load(std::memory_order_relaxed);
    p.elapsedSeconds = std::chrono::duration<double>(Clock::now() - d->start()).count();
    if (p.elapsedSeconds > 0) {
        p.docsPerSecond = double(p.records) / p.elapsedSeconds;
        p.mbPerSecond = double(d->rawBytes.load(std::memory_order_relaxed)) / 1e6 / p.elapsedSeconds;
        double f = p.fraction();
        if (f > 0.01 && f < 1)
            p.etaSeconds = p.elapsedSeconds * (1 - f) / f;
        else if (f >= 1)
            p.etaSeconds = 0;
    }
    return p;
}

BernoulliSelector::BernoulliSelector(double p, uint64_t seed)
    : m_p(std::clamp(p, 0.0, 1.0))
    , m_seed(seed)
    // select() compares 64 hash bits with p * 2^64; p = 1 selects everything.
    , m_threshold(m_p >= 1.0 ? UINT64_MAX : uint64_t(std::ldexp(m_p, 64)))
{
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

bool BernoulliSelector::select(uint32_t shard, uint64_t line) const
{
    if (m_p >= 1.0)
        return true;
    return splitmix64(splitmix64(m_seed ^ (uint64_t(shard) << 40)) ^ line) < m_threshold;
}

std::string BernoulliSelector::describe() const
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "bernoulli p=%.9g seed=%llu", m_p, static_cast<unsigned long long>(m_seed));
    return buf;
}

int resolveThreads(int requested)
{
    return requested > 0 ? requested : int(std::max(1u, std::thread::hardware_concurrency()));
}

ScanResult Scan::run()
{
    Impl& s = *d;
    s.lastProgress = Clock::now();
    s.startTicks = s.lastProgress.time_since_epoch().count();
    for (const auto& path : s.opt.shards) {
        ShardInfo info;
        try {
            info = fingerprintShard(path);
        } catch (const InputError& e) {
            info.path = path;
            info.error = e.what();
        }
        s.compressedTotal += info.size;
        s.result.shards.push_back(std::move(info));
    }
    if (!s.opt.seekCacheDir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(s.opt.seekCacheDir, ec);
        s.seek.resize(s.opt.shards.size());
        for (size_t i = 0; i < s.opt.shards.size(); ++i) {
            if (s.result.shards[i].compression == "plain" || !s.result.shards[i].error.empty())
                continue;
            auto& w = s.seek[i];
            std::string base = s.opt.seekCacheDir + "/" + std::to_string(i) + "-" + s.result.shards[i].fingerprint;
            w.dataPath = base + ".seek.zst";
            w.tablePath = base + ".seek.idx";
            w.data = std::fopen((w.dataPath + ".tmp").c_str(), "wb");
        }
    }

    const uint32_t nShards = uint32_t(s.opt.shards.size());
    s.reading.resize(nShards);
    for (uint32_t i = 0; i < nShards; ++i) {
        const ShardInfo& info = s.result.shards[i];
        if (info.error.empty())
            continue;
        // Not fingerprinted (gone, unreadable): nothing to read, but its place in the order stays.
        s.reading[i].opened = s.reading[i].ended = true;
        s.reading[i].error = info.error;
        s.reading[i].compressedPos = info.size;
        s.compressedDone += info.size;
    }

    // The one place a shard's reader is made.
    const auto* blockSampler = dynamic_cast<const BlockSampler*>(s.opt.selector.get());
    auto openReader = [&](uint32_t shard) -> std::unique_ptr<ShardReader> {
        const ShardInfo& info = s.result.shards[shard];
        if (blockSampler && info.compression == "plain")
            return std::make_unique<ShardReader>(
                std::make_unique<BlockLineReader>(info.path, shard, *blockSampler, s.opt.batchBytes));
        // A multi-frame zstd shard whose frames state their sizes: sampled the same way, by blocks of its
        // decompressed bytes, decompressing only the frames they lie in (issue 21). Its seek cache would hold only
        // those batches: none is written.
        if (blockSampler)
            if (std::shared_ptr<const ZstdFrameIndex> frames = sampledFrames(info)) {
                if (shard < s.seek.size() && s.seek[shard].data) {
                    std::fclose(s.seek[shard].data);
                    s.seek[shard].data = nullptr;
                    std::remove((s.seek[shard].dataPath + ".tmp").c_str());
                }
                return std::make_unique<ShardReader>(std::make_unique<BlockLineReader>(
                    info.path, shard, *blockSampler, std::move(frames), s.opt.batchBytes));
            }
        return std::make_unique<ShardReader>(
            std::make_unique<LineReader>(ByteSource::open(info.path), info.path, s.opt.batchBytes));
    };

    auto takeBatch = [&]() {
        std::unique_ptr<LineBatch> batch;
        std::lock_guard poolLock(s.poolMutex);
        if (!s.pool.empty()) {
            batch = std::move(s.pool.back());
            s.pool.pop_back();
        } else {
            batch = std::make_unique<LineBatch>();
        }
        if (batch->data.capacity() == 0 && !s.buffers.empty()) {
            batch->data = std::move(s.buffers.back());
            s.buffers.pop_back();
        }
        return batch;
    };

    auto applyCommit = [&](Impl::Done& r) {
        LineBatch& b = *r.batch;
        ShardInfo& info = s.result.shards[b.shard];
        uint32_t nDocs = uint32_t(r.ids.size());
        // Global doc numbers.
        uint64_t docBase = s.docs.load(std::memory_order_relaxed);
        int64_t k = 0;
        size_t rej = 0;
        for (size_t i = 0; i < b.lines.size(); ++i) {
            if (r.docOf[i] >= 0) {
                r.docOf[i] = int64_t(docBase) + k++;
            } else if (r.docOf[i] == -3) {
                ++s.result.skipped;
            } else if (r.docOf[i] == -2) {
                ++s.result.rejected;
                ++info.rejected;
                if (s.result.rejects.size() < s.opt.maxStoredRejects)
                    s.result.rejects.push_back({ b.shard, b.firstLine ? b.firstLine + i : 0,
                        b.startOffset + b.lines[i].begin, r.reasons[rej] });
                ++rej;
            } else {
                ++s.result.blankLines;
                continue;
            }
            ++s.result.records;
            ++info.records;
        }
        info.decompressedBytes = b.startOffset + b.payload;
        for (uint32_t j = 0; j < nDocs; ++j)
            s.result.textBytes += r.textBytes[j];
        if (!s.seek.empty() && s.seek[b.shard].data && !r.frame.empty()) {
            auto& w = s.seek[b.shard];
            w.table.emplace_back(b.startOffset, w.filePos);
            std::fwrite(r.frame[0].data(), 1, r.frame[0].size(), w.data);
            w.filePos += r.frame[0].size();
        }
        CommittedBatch cb { b, r.docOf, docBase, nDocs, r.scores, r.reasons, s.nColumns, r.ids, r.groupNames,
            r.textBytes, r.textChars };
        // A sink that fails (apply's writer on a full disk) stops the scan; run() rethrows its error once the
        // workers are joined. Escaping here, on a worker thread, would terminate the process.
        if (!s.sinkError) {
            try {
                // Each batch is indexed once: into the result's table, or handed to whoever keeps the table.
                if (s.opt.indexBatches)
                    s.opt.indexBatches(makeDocBatch(cb, s.groups));
                else if (s.opt.buildIndex)
                    appendRows(s.result, std::move(*makeDocBatch(cb, s.groups)));
                for (auto* sink : s.sinks)
                    sink->onBatch(cb);
            } catch (...) {
                s.sinkError = std::current_exception();
                cancel();
            }
        }
        s.docs.fetch_add(nDocs, std::memory_order_relaxed);
        s.records.store(s.result.records, std::memory_order_relaxed);
        s.rejected.store(s.result.rejected, std::memory_order_relaxed);
        s.textBytes.store(s.result.textBytes, std::memory_order_relaxed);
        {
            std::lock_guard poolLock(s.poolMutex);
            s.pool.push_back(std::move(r.batch));
        }
    };

    // Commits the batches that are next in order, with `lock` held on entry and exit. One worker at a time does
    // it (the others only queue their batch and go back to reading), outside the lock: sinks (apply's writer)
    // may take a while, and they are called in order, one batch at a time.
    auto drain = [&](std::unique_lock<std::mutex>& lock) {
        if (s.committing)
            return; // the committing worker sees what was queued before it lets go
        s.committing = true;
        bool reported = false; // progress at most once per commit (intervalMs may be 0)
        for (;;) {
            bool moved = false;
            while (s.frontShard < nShards && s.reading[s.frontShard].ended
                && s.frontBatch == s.reading[s.frontShard].batches) {
                ++s.frontShard;
                s.frontBatch = 0;
                moved = true;
            }
            if (moved)
                s.changed.notify_all();
            if (!s.pending.empty() && s.pending.begin()->first == Impl::BatchKey(s.frontShard, s.frontBatch)) {
                auto node = s.pending.extract(s.pending.begin());
                lock.unlock();
                const bool wasHeavy = node.mapped().heavy;
                applyCommit(node.mapped());
                lock.lock();
                ++s.frontBatch;
                --s.inFlight;
                if (wasHeavy)
                    --s.heavy;
                s.changed.notify_all();
                reported = false;
                continue;
            }
            if (s.progressCb && !reported
                && Clock::now() - s.lastProgress >= std::chrono::milliseconds(s.progressIntervalMs)) {
                s.lastProgress = Clock::now();
                reported = true;
                lock.unlock();
                s.progressCb(progress());
                lock.lock();
                continue;
            }
            break;
        }
        s.committing = false;
    };

    auto commit = [&](Impl::BatchKey key, Impl::Done&& done) {
        std::unique_lock lock(s.mutex);
        if (!done.heavy)
            --s.heavy; // counted as heavy from its read until its buffer was given back
        s.pending.emplace(key, std::move(done));
        drain(lock);
    };

    // Reads the next batch of some shard: the lowest one whose reader is free and that the memory budget lets
    // run. Returns a null batch when every shard has ended, or on cancel.
    auto readBatch = [&]() -> std::pair<Impl::BatchKey, std::unique_ptr<LineBatch>> {
        std::unique_lock lock(s.mutex);
        while (!isCancelled()) {
            uint32_t pick = nShards;
            bool allEnded = true;
            for (uint32_t i = s.frontShard; i < nShards; ++i) {
                const Impl::ShardRead& r = s.reading[i];
                if (r.ended)
                    continue;
                allEnded = false;
                if (r.busy)
                    continue;
                if (i == s.frontShard) {
                    if (r.batches - s.frontBatch < s.maxHeavy) {
                        pick = i;
                        break;
                    }
                    continue;
                }
                // Shards open in order, so the front's is never among those left waiting here.
                if (s.heavy >= s.maxHeavy || s.inFlight >= s.maxInFlight
                    || (!r.opened && s.openReaders >= s.maxOpenReaders))
                    break;
                pick = i;
                break;
            }
            if (allEnded)
                return {};
            if (pick == nShards) {
                s.changed.wait_for(lock, std::chrono::milliseconds(50));
                continue;
            }
            Impl::ShardRead& r = s.reading[pick];
            r.busy = true;
            const uint64_t k = r.batches++;
            ++s.inFlight;
            ++s.heavy;
            s.peakHeavy = std::max(s.peakHeavy, s.heavy);
            const bool open = !r.opened;
            if (open) {
                r.opened = true;
                ++s.openReaders;
            }
            lock.unlock();

            std::string error;
            if (open) {
                try {
                    r.reader = openReader(pick);
                } catch (const InputError& e) {
                    error = e.what();
                }
            }
            std::unique_ptr<LineBatch> batch;
            bool got = false;
            if (r.reader) {
                batch = takeBatch();
                batch->shard = pick;
                try {
                    got = r.reader->nextBatch(*batch);
                } catch (const InputError& e) {
                    error = e.what();
                }
            }
            // At the end the whole shard counts, also when the stream broke early.
            const uint64_t pos = got ? r.reader->compressedPos() : s.result.shards[pick].size;
            std::unique_ptr<ShardReader> finished;
            if (!got) {
                finished = std::move(r.reader);
                if (batch) {
                    std::lock_guard poolLock(s.poolMutex);
                    s.pool.push_back(std::move(batch));
                }
            }

            lock.lock();
            r.busy = false;
            if (pos > r.compressedPos) {
                s.compressedDone.fetch_add(pos - r.compressedPos, std::memory_order_relaxed);
                r.compressedPos = pos;
            }
            s.changed.notify_all();
            if (got)
                return { Impl::BatchKey(pick, k), std::move(batch) };
            // The stream ended (or broke, or never opened): the batch reserved above was not read.
            r.ended = true;
            r.complete = error.empty();
            r.error = std::move(error);
            --r.batches;
            --s.inFlight;
            --s.heavy;
            --s.openReaders;
            drain(lock); // the front may move past this shard now
            lock.unlock();
            finished.reset();
            lock.lock();
        }
        return {};
    };

    // Sinks that write lines out (apply) and the seek cache (of a compressed shard) need each line's
    // bytes after parsing.
    const bool sinksNeedBytes
        = std::any_of(s.sinks.begin(), s.sinks.end(), [](const ScanSink* k) { return k->needsLineBytes(); });
    auto worker = [&]() {
        RecordParser parser(s.opt.fields);
        std::vector<std::unique_ptr<ScorerWorker>> workers;
        for (const auto& sc : s.opt.scorers) {
            workers.push_back(sc->makeWorker());
            workers.back()->setControl({ &m_cancel, &s.modelTokens, &s.modelBytes });
        }
        std::vector<size_t> perText; // workers that score one text at a time
        std::vector<size_t> batched; // workers that score a whole read batch at once
        std::vector<size_t> derived; // workers over other columns, run on each row once the others are in
        for (size_t k = 0; k < workers.size(); ++k) {
            if (!s.derivedInputs[k].empty())
                derived.push_back(k);
            else if (workers[k]->prefersBatches())
                batched.push_back(k);
            else
                perText.push_back(k);
        }
        std::vector<float> inputs;
        // Their texts, copied: the parser's unescaped text lives only until the next record. A text
        // unescaped in place lives in the batch's own buffer instead, as long as the batch: not copied.
        std::string arena;
        struct Span {
            size_t offset; // in arena, unless `inBatch`
            size_t size;
            const char* inBatch;
        };
        std::vector<Span> spans;
        std::vector<std::string_view> views;
        ZSTD_CCtx* cctx = s.seek.empty() ? nullptr : ZSTD_createCCtx();
        for (;;) {
            auto [key, batch] = readBatch();
            if (!batch)
                break;
            Impl::Done r;
            arena.clear();
            spans.clear();
            const LineBatch& b = *batch;
            const bool unescapeInPlace = !sinksNeedBytes && (s.seek.empty() || !s.seek[b.shard].data);
            r.docOf.assign(b.lines.size(), -1);
            for (size_t i = 0; i < b.lines.size(); ++i) {
                std::string_view line = b.line(i);
                if (line.find_first_not_of(" \t\r") == std::string_view::npos)
                    continue;   // blank line: not a record
                // A batch read by byte offset (firstLine 0) holds only the sampled records.
                if (s.opt.selector && b.firstLine && !s.opt.selector->select(b.shard, b.firstLine + i)) {
                    r.docOf[i] = -3; // left out of the sample: not parsed, not scored
                    continue;
                }
                // A huge text is unescaped over its own JSON when nothing reads the line's bytes later:
                // the line and a second copy of its text were twice the record in memory.
                ParsedRecord rec = unescapeInPlace && line.size() >= kInPlaceAbove
                    ? parser.parseInPlace(batch->data.data() + b.lines[i].begin, line.size(), b.readableAfter(i))
                    : parser.parse(line, b.readableAfter(i));
                if (!rec.ok()) {
                    r.docOf[i] = -2;
                    r.reasons.push_back(std::move(rec.error));
                    continue;
                }
                r.docOf[i] = 0;
                size_t row = r.ids.size();
                r.ids.emplace_back(rec.id);
                r.groupNames.emplace_back(rec.group);
                r.textBytes.push_back(uint32_t(std::min<size_t>(rec.text.size(), UINT32_MAX)));
                r.textChars.push_back(uint32_t(std::min<size_t>(utf8Length(rec.text), UINT32_MAX)));
                r.scores.resize((row + 1) * s.nColumns);
                float* out = r.scores.data() + row * s.nColumns;
                const DocumentScope document(rec.text); // the workers below share per-text work
                for (size_t k : perText)
                    workers[k]->score(rec.text, out + s.columnBase[k]);
                if (!batched.empty()) {
                    const auto at = reinterpret_cast<uintptr_t>(rec.text.data());
                    const auto from = reinterpret_cast<uintptr_t>(b.data.data());
                    if (at >= from && at < from + b.data.size()) {
                        spans.push_back({ 0, rec.text.size(), rec.text.data() });
                    } else {
                        spans.push_back({ arena.size(), rec.text.size(), nullptr });
                        arena.append(rec.text);
                    }
                }
            }
            if (!batched.empty() && !spans.empty()) {
                views.clear();
                for (const Span& sp : spans)
                    views.emplace_back(sp.inBatch ? sp.inBatch : arena.data() + sp.offset, sp.size);
                for (size_t k : batched)
                    workers[k]->scoreBatch(views, r.scores.data() + s.columnBase[k], s.nColumns);
                // A batched scorer stops within its batch when the scan is cancelled (a language model's
                // batch takes minutes): its rows are not all scored, so the batch is not committed.
                if (isCancelled())
                    break;
                // A huge text copied here is not kept resident for the ordinary batches after it.
                if (arena.capacity() > 4 * s.opt.batchBytes)
                    std::string().swap(arena);
            }
            for (size_t row = 0; !derived.empty() && row < r.ids.size(); ++row) {
                float* out = r.scores.data() + row * s.nColumns;
                for (size_t k : derived) {
                    inputs.clear();
                    for (size_t col : s.derivedInputs[k])
                        inputs.push_back(out[col]);
                    workers[k]->scoreRow(inputs.data(), out + s.columnBase[k]);
                }
            }
            s.rawBytes.fetch_add(b.payload, std::memory_order_relaxed);
            if (cctx && s.seek[b.shard].data) {
                std::string frame(ZSTD_compressBound(b.payload), '\0');
                size_t n = ZSTD_compressCCtx(cctx, frame.data(), frame.size(), b.data.data(), b.payload, 1);
                if (!ZSTD_isError(n)) {
                    frame.resize(n);
                    r.frame.push_back(std::move(frame));
                }
            }
            // Nothing reads the lines' bytes from here on: the buffer goes back for the next read, so that a batch
            // waiting for its turn to commit holds only its results.
            if (!sinksNeedBytes) {
                std::lock_guard poolLock(s.poolMutex);
                s.buffers.push_back(std::move(batch->data));
                r.heavy = false;
            }
            r.batch = std::move(batch);
            commit(key, std::move(r));
        }
        if (cctx)
            ZSTD_freeCCtx(cctx);
    };

    const int threads = resolveThreads(s.opt.threads);
    // A few batch buffers per thread, as with one reader; results alone may run further ahead, so that a shard
    // read beside the front is not stopped after a few batches (16 per thread: a few MB).
    s.maxHeavy = uint64_t(threads) * 2 + 1;
    s.maxInFlight = s.maxHeavy + uint64_t(threads) * 16;
    s.maxOpenReaders = size_t(threads);
    if (threads == 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
            pool.emplace_back(worker);
        for (auto& t : pool)
            t.join();
    }
    for (uint32_t i = 0; i < nShards; ++i) {
        s.result.shards[i].error = s.reading[i].error;
        s.result.shards[i].complete = s.reading[i].complete;
        s.reading[i].reader.reset();
    }
    s.result.peakBatchBuffers = s.peakHeavy;
    s.result.index.ids.flush();
    // Columns grew by doubling; give back the slack so the index costs what it holds.
    s.result.index.shrinkToFit();
    for (auto& col : s.result.scores.values)
        col.shrink_to_fit();
    s.result.cancelled = isCancelled();
    s.result.seconds = std::chrono::duration<double>(Clock::now() - s.start()).count();

    for (size_t i = 0; i < s.seek.size(); ++i) {
        auto& w = s.seek[i];
        if (!w.data)
            continue;
        bool ok = std::fclose(w.data) == 0 && s.result.shards[i].complete;
        w.data = nullptr;
        std::string tmp = w.dataPath + ".tmp";
        if (ok) {
            std::FILE* t = std::fopen((w.tablePath + ".tmp").c_str(), "wb");
            if (t) {
                uint64_t n = w.table.size();
                std::fwrite(&n, sizeof n, 1, t);
                std::fwrite(w.table.data(), sizeof(w.table[0]), w.table.size(), t);
                ok = std::fclose(t) == 0;
            }
            ok = ok && std::rename(tmp.c_str(), w.dataPath.c_str()) == 0
                && std::rename((w.tablePath + ".tmp").c_str(), w.tablePath.c_str()) == 0;
        }
        if (!ok) {
            std::remove(tmp.c_str());
            std::remove((w.tablePath + ".tmp").c_str());
        }
    }
    if (s.sinkError)
        std::rethrow_exception(s.sinkError);
    if (s.progressCb)
        s.progressCb(progress());
    return std::move(s.result);
}

// ---------------------------------------------------------------------------------------------

struct DocumentReader::Impl {
    std::vector<ShardInfo> shards;
    std::string cacheDir;
    struct Seek {
        bool loaded = false;
        std::vector<std::pair<uint64_t, uint64_t>> table;
        std::string dataPath;
        uint64_t dataSize = 0;
    };
    std::vector<Seek> seek;
    // Last decompressed frame, since neighbouring rows are often viewed in turn.
    int lastShard = -1;
    uint64_t lastFrameStart = 0;
    std::string lastFrame;
};

DocumentReader::DocumentReader(std::vector<ShardInfo> shards, std::string seekCacheDir)
    : d(std::make_unique<Impl>())
{
    d->shards = std::move(shards);
    d->cacheDir = std::move(seekCacheDir);
    d->seek.resize(d->shards.size());
}

DocumentReader::~DocumentReader() = default;

static std::string readWholeFile(const std::string& path)
{
    std::string out;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        return out;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    std::fclose(f);
    return out;
}

std::string DocumentReader::readLine(uint32_t shard, uint64_t offset, uint32_t length)
{
    if (shard >= d->shards.size())
        throw InputError("<shard " + std::to_string(shard) + ">", offset, "no such shard");
    const ShardInfo& info = d->shards[shard];
    ShardInfo now = fingerprintShard(info.path);
    if (now.fingerprint != info.fingerprint)
        throw InputError(info.path, offset, "the shard changed on disk since it was scanned; rescan it");
    if (info.compression == "plain") {
        int fd = ::open(info.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            throw InputError(info.path, offset, std::string("cannot open: ") + std::strerror(errno));
        std::string out(length, '\0');
        ssize_t n = ::pread(fd, out.data(), length, off_t(offset));
        ::close(fd);
        if (n != ssize_t(length))
            throw InputError(info.path, offset, "short read");
        return out;
    }
    auto& sk = d->seek[shard];
    if (!sk.loaded && !d->cacheDir.empty()) {
        // Marked loaded only once found: a reader made while the scan still writes the
        // cache picks it up as soon as it exists.
        std::string base = d->cacheDir + "/" + std::to_string(shard) + "-" + info.fingerprint;
        std::string table = readWholeFile(base + ".seek.idx");
        if (table.size() >= 8) {
            uint64_t n;
            std::memcpy(&n, table.data(), 8);
            if (table.size() == 8 + n * 16) {
                sk.table.resize(n);
                for (uint64_t i = 0; i < n; ++i) {
                    std::memcpy(&sk.table[i].first, table.data() + 8 + i * 16, 8);
                    std::memcpy(&sk.table[i].second, table.data() + 16 + i * 16, 8);
                }
                sk.dataPath = base + ".seek.zst";
                std::error_code ec;
                sk.dataSize = std::filesystem::file_size(sk.dataPath, ec);
                if (ec)
                    sk.table.clear();
                else
                    sk.loaded = true;
            }
        }
    }
    if (!sk.table.empty()) {
        auto it = std::upper_bound(sk.table.begin(), sk.table.end(), std::make_pair(offset, UINT64_MAX));
        if (it != sk.table.begin()) {
            --it;
            uint64_t frameStart = it->first;
            if (!(d->lastShard == int(shard) && d->lastFrameStart == frameStart)) {
                uint64_t fileBegin = it->second;
                uint64_t fileEnd = (it + 1 != sk.table.end()) ? (it + 1)->second : sk.dataSize;
                std::string comp(fileEnd - fileBegin, '\0');
                int fd = ::open(sk.dataPath.c_str(), O_RDONLY | O_CLOEXEC);
                ssize_t n = fd >= 0 ? ::pread(fd, comp.data(), comp.size(), off_t(fileBegin)) : -1;
                if (fd >= 0)
                    ::close(fd);
                if (n == ssize_t(comp.size())) {
                    unsigned long long sz = ZSTD_getFrameContentSize(comp.data(), comp.size());
                    if (sz != ZSTD_CONTENTSIZE_ERROR && sz != ZSTD_CONTENTSIZE_UNKNOWN) {
                        d->lastFrame.resize(sz);
                        size_t got = ZSTD_decompress(d->lastFrame.data(), sz, comp.data(), comp.size());
                        if (!ZSTD_isError(got)) {
                            d->lastShard = int(shard);
                            d->lastFrameStart = frameStart;
                        }
                    }
                }
            }
            if (d->lastShard == int(shard) && d->lastFrameStart == frameStart
                && offset - frameStart + length <= d->lastFrame.size())
                return d->lastFrame.substr(offset - frameStart, length);
        }
    }
    // A multi-frame zstd shard whose frames state their sizes (issue 21): a sample reads it by frame and writes no
    // seek cache, so the viewer decompresses the frames that hold the record, not the shard up to it.
    if (info.compression == "zstd") {
        std::shared_ptr<const ZstdFrameIndex> frames;
        try {
            frames = zstdFrameIndex(info.path);
        } catch (const InputError&) {
            // the stream below reports where it breaks
        }
        if (frames && frames->randomAccess()) {
            if (offset > frames->contentBytes || length > frames->contentBytes - offset)
                throw InputError(info.path, offset, "record lies past the end of the stream");
            const int fd = ::open(info.path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                throw InputError(info.path, offset, std::string("cannot open: ") + std::strerror(errno));
            std::string out, text, compressed;
            try {
                for (size_t i = frames->frameAt(offset); out.size() < length && i < frames->frames.size(); ++i) {
                    const ZstdFrame& f = frames->frames[i];
                    compressed.resize(size_t(f.compressedSize));
                    if (::pread(fd, compressed.data(), compressed.size(), off_t(f.offset))
                        != ssize_t(compressed.size()))
                        throw InputError(info.path, f.offset, "short read");
                    decompressZstdFrame(info.path, f, compressed.data(), text);
                    const uint64_t from = std::max(offset, f.contentOffset) - f.contentOffset;
                    out.append(text, size_t(from), size_t(std::min<uint64_t>(text.size() - from, length - out.size())));
                }
            } catch (...) {
                ::close(fd);
                throw;
            }
            ::close(fd);
            return out;
        }
    }
    // No cache: stream from the start. Correct for any shard, linear in its size.
    auto src = ByteSource::open(info.path);
    std::vector<char> buf(1 << 20);
    uint64_t pos = 0;
    std::string out;
    while (out.size() < length) {
        size_t n = src->read(buf.data(), buf.size());
        if (n == 0)
            throw InputError(info.path, offset, "record lies past the end of the stream");
        uint64_t end = pos + n;
        if (end > offset) {
            uint64_t from = offset > pos ? offset - pos : 0;
            size_t take = std::min<uint64_t>(n - from, length - out.size());
            out.append(buf.data() + from, take);
        }
        pos = end;
    }
    return out;
}

} // namespace shardscope
