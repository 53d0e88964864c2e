#include "columnscan.h"

#include "bytesource.h"
#include "linereader.h"

#include <algorithm>
#include <atomic>
#include <optional>

namespace shardscope {

namespace {
constexpr size_t kSlowBatchBytes = 64 << 10;
}

struct ColumnScan::Impl : ScanSink {
    const ScanResult& table;
    ColumnScanOptions opt;
    std::unique_ptr<Scan> scan;
    std::function<void(ColumnFill&&)> fill;
    uint64_t filled = 0; // on the commit thread
    std::atomic<bool> tableDone { false };
    // Where the rows stopped matching (commit thread; read after run): shard path, byte offset, reason.
    std::optional<InputError> mismatch;

    Impl(const ScanResult& t, ColumnScanOptions o)
        : table(t)
        , opt(std::move(o))
    {
    }

    bool needsLineBytes() const override { return false; }

    void onBatch(const CommittedBatch& b) override
    {
        const uint64_t rows = table.index.size();
        if (b.docs == 0 || tableDone)
            return;
        ColumnFill out;
        out.firstRow = b.firstDoc;
        const uint64_t n = std::min<uint64_t>(b.docs, rows > b.firstDoc ? rows - b.firstDoc : 0);
        out.values.assign(b.columns, std::vector<float>(n));
        uint64_t k = 0;
        for (size_t i = 0; i < b.lines.lines.size() && k < n; ++i) {
            if (b.docOf[i] < 0)
                continue;
            const uint64_t row = b.firstDoc + k;
            const uint64_t offset = b.lines.startOffset + b.lines.lines[i].begin;
            if (table.index.shard[row] != b.lines.shard || table.index.offset[row] != offset
                || table.index.length[row] != b.lines.lines[i].length) {
                mismatch.emplace(opt.shards[b.lines.shard], offset,
                    "the record is not the one scored as row " + std::to_string(row + 1)
                        + " of the table (the shard changed since it was scored): rescan the corpus");
                tableDone = true;
                scan->cancel();
                return;
            }
            for (size_t c = 0; c < b.columns; ++c)
                out.values[c][k] = b.scores[k * b.columns + c];
            ++k;
        }
        filled = b.firstDoc + n;
        if (fill && n > 0)
            fill(std::move(out));
        if (filled >= rows) {
            // The table is a prefix of the corpus (a cancelled scan): nothing after it has a row.
            tableDone = true;
            scan->cancel();
        }
    }
};

ColumnScan::ColumnScan(const ScanResult& table, ColumnScanOptions options)
    : d(std::make_unique<Impl>(table, std::move(options)))
{
    ScanOptions so;
    so.shards = d->opt.shards;
    so.fields = d->opt.fields;
    so.scorers = d->opt.scorers;
    so.threads = d->opt.threads;
    so.buildIndex = false;
    const bool slow = std::any_of(so.scorers.begin(), so.scorers.end(), [](const auto& s) { return s->isSlow(); });
    if (d->opt.batchBytes)
        so.batchBytes = d->opt.batchBytes;
    else if (slow)
        so.batchBytes = kSlowBatchBytes;
    for (const auto& s : so.scorers)
        if (!s->inputColumns().empty())
            throw std::invalid_argument("scorer '" + s->name() + "' is derived from other columns: rescan to add it");
    d->scan = std::make_unique<Scan>(std::move(so));
    d->scan->addSink(d.get());
}

ColumnScan::~ColumnScan() = default;

void ColumnScan::setFillCallback(std::function<void(ColumnFill&&)> fill)
{
    d->fill = std::move(fill);
}

void ColumnScan::setProgressCallback(std::function<void(const ScanProgress&)> cb, int intervalMs)
{
    d->scan->setProgressCallback(std::move(cb), intervalMs);
}

std::vector<ColumnInfo> ColumnScan::columns() const
{
    std::vector<ColumnInfo> out;
    for (const auto& s : d->opt.scorers)
        for (auto& c : s->columns())
            out.push_back(std::move(c));
    return out;
}

ColumnScanResult ColumnScan::run()
{
    // A shard rewritten since the table was made (its size, time or sampled content differ) is refused before
    // anything is scored; matching rows by offset and length below catches what a fingerprint cannot see.
    for (size_t i = 0; i < d->opt.shards.size() && i < d->table.shards.size(); ++i) {
        const ShardInfo& was = d->table.shards[i];
        if (was.fingerprint.empty())
            continue;
        ShardInfo now;
        try {
            now = fingerprintShard(d->opt.shards[i]);
        } catch (const InputError& e) {
            throw InputError(
                d->opt.shards[i], 0, std::string("cannot be read any more: ") + e.what() + ": rescan the corpus");
        }
        if (now.fingerprint != was.fingerprint)
            throw InputError(d->opt.shards[i], 0,
                "changed since it was scored (size " + std::to_string(was.size) + " → " + std::to_string(now.size)
                    + " bytes, or its content): rescan the corpus");
    }
    ScanResult r = d->scan->run();
    if (d->mismatch)
        throw *d->mismatch;
    ColumnScanResult out;
    out.rowsFilled = d->filled;
    out.complete = d->filled == d->table.index.size() && (r.complete() || d->tableDone);
    out.cancelled = r.cancelled && !d->tableDone;
    out.seconds = r.seconds;
    out.errors = r.errors();
    return out;
}

void ColumnScan::cancel()
{
    d->scan->cancel();
}

Scan& ColumnScan::scan()
{
    return *d->scan;
}

ScanProgress ColumnScan::progress() const
{
    return d->scan->progress();
}

} // namespace shardscope
