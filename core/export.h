#pragma once
// `export` (issue 24, part 2): a filter config turned into something another engine runs, keeping exactly the
// documents `apply` keeps on the same shards. The scores come from Shardscope's own scan (the same scan as `score`
// and `apply`, with the scorers resolveConfigScorers() picks), so every rule exports, whatever its scorer; the other
// engine joins them to its documents and evaluates the rules.
//
// datatrove: <out>/pipeline.py        a self-contained script (datatrove + the standard library): a JsonlReader
//                                      that numbers lines as the scan does, a filter holding the rules as data,
//                                      a JsonlWriter of the kept documents under <out>/kept/; LocalPipelineExecutor,
//                                      or SlurmPipelineExecutor with --slurm
//            <out>/scores/<stem>.scores.jsonl.gz  per shard, one line per record the scan read as a document, in
//                                      shard order: {"line": N, "id": ..., "group": ..., "scores": {column: value}}
//            <out>/shards.txt          the shards, relative to the script's SHARD_ROOT (datatrove's paths_file)
//   datatrove has no join with precomputed scores, so the filter reads the score file of the shard being read in
//   step with the reader (both run in line order: constant memory, shards read unchanged). The alternative, a copy
//   of the documents with their scores in the metadata, would write the corpus a second time.
//
// dolma:     <out>/attributes/<name>/<rel>  per shard, one line per non-blank line of the shard, in order:
//                                      {"id": <the record's "id" as it is>, "attributes":
//                                       {"<name>__shardscope__<column>": [[0, <code points>, value]]}}
//                                      value: the score (a number), or the label of a categorical column; [] when
//                                      missing. "<name>__shardscope__group" holds the group when a rule is keyed by
//                                      group. Written with the compression the name says (.gz, .zst or none).
//            <out>/documents/<rel>     symbolic links to the shards: Dolma finds a document's attributes by
//                                      replacing "/documents/" in its path with "/attributes/<name>/"
//            <out>/mixer.yaml          one stream over those documents with filter.include: one jq expression, the
//                                      AND of the rules, each guarded with a default (`// false`) because the mixer
//                                      skips a missing attribute file silently and jq orders null below numbers
// <rel> is the shard's path after its last "/documents/", else its file name (duplicates get their index first).
//
// Numbers are written exactly: a score (float) as the shortest decimal of its double value, a cutoff as the shortest
// decimal of the double the config holds, so Python's and jq's double comparisons decide as BoundRules does, also
// when a cutoff equals a score.

#include "filterconfig.h"
#include "scan.h"

#include <functional>
#include <string>
#include <vector>

namespace shardscope {

enum class ExportTarget { Datatrove, Dolma };

struct ExportOptions {
    ExportTarget target = ExportTarget::Datatrove;
    std::string outDir;
    std::string name; // Dolma's attribute set (and stream) name; empty: "shardscope"
    std::string configPath; // named in the generated files' headers
};

struct ExportSummary {
    uint64_t records = 0; // documents + rejected
    uint64_t documents = 0;
    uint64_t kept = 0; // what `apply` keeps: the exported pipeline must keep the same
    uint64_t rejected = 0;
    std::vector<std::string> outputs;
    std::vector<std::string> errors; // stream errors (file, byte offset, what)
    std::vector<std::string> warnings; // labels no column has; what the other engine does differently
    bool cancelled = false;
};

// Throws std::invalid_argument naming the rule for what an export cannot express (min/max on a categorical column,
// whose values the exports write as labels), std::runtime_error for unusable output directories.
ExportSummary runExport(const FilterConfig& config, ScanOptions scan, const ExportOptions& options,
    std::function<void(const ScanProgress&)> progress = {});

// The shortest decimal that reads back as exactly `v` (std::to_chars); "null" for NaN.
std::string exactNumber(double v);

// The jq expression that is true for the documents the rules keep, over a document whose "attributes" hold the
// export's attributes named "<prefix><column>" (and "<prefix>group"). `columns` as the scan lays them out.
std::string dolmaIncludeExpression(
    const std::vector<FilterRule>& rules, const std::vector<ColumnInfo>& columns, const std::string& prefix);

} // namespace shardscope
