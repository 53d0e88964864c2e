#pragma once
// `apply`: runs the scorers a filter config needs over shards and writes, per input shard,
//   <out>/<stem>.kept.jsonl.zst          kept records, each byte-identical to its input line
//   <out>/<stem>.dropped.jsonl.zst       (with writeDropped) dropped records, byte-identical
//   <out>/<stem>.dropped.tsv             line-aligned with the above: line, id, the first rule
//                                        that dropped it (index and column), value, bounds
//   <out>/<stem>.rejected.jsonl.zst/.tsv (with writeRejected) unparseable records and why
//   <out>/summary.json                   counts overall, per group, per label of every
//                                        categorical column the rules use ("by" columns such
//                                        as "lang", "in" rules), and per rule (in order, alone)
// Every file is written atomically. records read = kept + dropped + rejected, always. summary.json is
// removed first and written last, so its presence says the run finished; a rerun of a killed run removes the
// temporary files that run left for the same outputs.

#include "filterconfig.h"
#include "scan.h"

#include <map>
#include <string>
#include <vector>

namespace shardscope {

struct ApplyOptions {
    std::string outDir;
    bool writeDropped = false;
    bool writeRejected = false;
    int zstdLevel = 3;
};

struct RuleCounts {
    uint64_t droppedInOrder = 0; // documents this rule drops when rules apply in order
    uint64_t droppedAlone = 0; // documents this rule alone would drop
};

// Sizes are counted two ways, and both are named for what they count (issue 20: one "bytes" was the text in the
// GUI and the JSON lines here): text bytes are the UTF-8 bytes of the text field, as the GUI's threshold panel
// counts them (CorpusData::textBytes); record bytes are the bytes of the whole JSON line without its newline,
// what the output files hold (CorpusData::length). summary.json writes them as kept_text_bytes,
// dropped_text_bytes, kept_record_bytes and dropped_record_bytes.
struct ApplyGroupCounts {
    uint64_t read = 0, kept = 0, dropped = 0, rejected = 0;
    uint64_t keptTextBytes = 0, droppedTextBytes = 0;
    uint64_t keptRecordBytes = 0, droppedRecordBytes = 0;
    std::vector<RuleCounts> rules;
};

struct ApplySummary {
    ApplyGroupCounts total;
    std::map<std::string, ApplyGroupCounts> groups;
    // Per categorical column the rules use, per label ("" = missing value).
    std::map<std::string, std::map<std::string, ApplyGroupCounts>> byLabel;
    std::vector<std::string> outputs; // files written
    std::vector<std::string> errors; // stream errors (file, byte offset, what)
    std::vector<std::string> warnings; // labels in the config that no column has (BoundRules)
    bool cancelled = false;
    std::string toJson(const FilterConfig& config) const;
};

// The names apply gives each shard's outputs (<stem>.kept.jsonl.zst, ...): the file name without its compression and
// JSON Lines extensions, prefixed with the shard's index ("0003-") where two shards would share a stem. The Slurm
// tasks and the datatrove/Dolma exports name their outputs the same way.
std::vector<std::string> applyOutputStems(const std::vector<std::string>& shards);

// Runs `apply`. `scan` must carry the scorers the config needs (resolveConfigScorers()).
// Throws std::runtime_error for unusable output directories.
ApplySummary runApply(const FilterConfig& config, ScanOptions scan, const ApplyOptions& options,
    std::function<void(const ScanProgress&)> progress = {});

// The scorers that produce the columns a config names: those of its "scorers" from their specs once their files'
// SHA-256 are checked, the others by column name. Throws std::invalid_argument for an unknown column or scorer,
// InputError naming a model file that is missing or differs from the config's SHA-256 (verifyConfigScorer()),
// ScorerUnavailable for a scorer that needs a model file and was given none (its reason says what it needs).
// `shared`: parameters for the scorers made by column name (the CLI's --model for an ngram_bpb rule of a config
// that has no "scorers" entry for it).
std::vector<std::shared_ptr<const Scorer>> resolveConfigScorers(
    const FilterConfig& config, const ScorerParams& shared = {});

} // namespace shardscope
