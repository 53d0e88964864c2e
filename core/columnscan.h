#pragma once
// Scores more columns for a table that is already there: only the scorers asked for run, over the same
// shards, and their values are matched to the table's rows, so the scores a user is looking at stay while
// a slow scorer (the language model) fills its column in. The GUI adds a scorer this way to an open corpus,
// and scores what a cached scores file lacks (a scorer added or changed since) without rescoring the rest.
//
// Rows are matched by where the record is (shard and byte offset), not by counting: a scan's documents come
// in the table's order, and a record that is not where the table says (the shard changed since) stops the
// job with an error instead of giving another record's score. A table that holds a prefix of the corpus (a
// cancelled scan) is filled for its rows and the scan stops after its last one.

#include "scan.h"

#include <functional>
#include <memory>
#include <vector>

namespace shardscope {

struct ColumnScanOptions {
    std::vector<std::string> shards; // the table's shards, in its order
    FieldMapping fields;
    std::vector<std::shared_ptr<const Scorer>> scorers; // text scorers (not derived)
    int threads = 0;
    // 0: small batches (64 KiB) when a scorer isSlow(), so its column fills in every few seconds and the
    // progress moves; the scan's default otherwise.
    size_t batchBytes = 0;
};

// Values for table rows [firstRow, firstRow + values[c].size()) of each new column c.
struct ColumnFill {
    uint64_t firstRow = 0;
    std::vector<std::vector<float>> values; // [column][row]
    size_t rows() const { return values.empty() ? 0 : values.front().size(); }
};

struct ColumnScanResult {
    uint64_t rowsFilled = 0;
    bool complete = false; // every row of the table has its values
    bool cancelled = false;
    double seconds = 0;
    std::vector<std::string> errors; // stream errors of the scan
};

class ColumnScan {
public:
    // `table` is read (shard and offset columns) from the scan's threads while run() runs: it must not
    // change meanwhile (the GUI's table does not after its scan finished).
    ColumnScan(const ScanResult& table, ColumnScanOptions options);
    ~ColumnScan();
    // Called on the scan's commit thread, in row order.
    void setFillCallback(std::function<void(ColumnFill&&)> fill);
    void setProgressCallback(std::function<void(const ScanProgress&)> cb, int intervalMs = 100);
    // The columns run() fills, in order.
    std::vector<ColumnInfo> columns() const;
    // Throws InputError when a record is not where the table has it (the shards changed since they were
    // scored), naming the shard and byte offset.
    ColumnScanResult run();
    void cancel(); // thread-safe; a slow scorer stops within its current forward pass
    ScanProgress progress() const;
    // The scan underneath (a signal handler cancels it, as it does a plain scan).
    Scan& scan();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace shardscope
