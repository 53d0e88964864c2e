#pragma once
// The scores file: the result of a scan on disk, so reopening the same shards with the same
// scorers does not rescore.
//
// Layout (little-endian), format version 1:
//   "SSCORES\0"  u32 version  u32 reserved  u64 headerLength  header (JSON, UTF-8)
//   then 8-byte aligned blocks, each described in the header's "blocks" array by name,
//   element type, count and offset: the DocIndex columns, the id offsets and bytes, and one
//   float32 block per score column.
// The header carries: tool version, creation time, the field mapping, every shard with its
// fingerprint and counts, every scorer with its name, version and column definitions, the
// group names, document and rejected counts.

#include "scan.h"

#include <string>

namespace shardscope {

struct ScoresFileInfo {
    std::vector<ShardInfo> shards;
    FieldMapping fields;
    std::vector<std::pair<std::string, int>> scorers;   // name, version
};

// Written atomically. Throws std::runtime_error on I/O failure.
void saveScores(const std::string& path, const ScanResult& result,
                const std::vector<std::shared_ptr<const Scorer>>& scorers);
// Throws InputError for a corrupt or foreign file.
ScanResult loadScores(const std::string& path, ScoresFileInfo* info = nullptr);
// True when `path` exists, was made from shards whose fingerprints equal the current files,
// with the same field mapping, and holds every requested scorer at the same version.
bool scoresUpToDate(const std::string& path, const std::vector<std::string>& shards, const FieldMapping& fields,
                    const std::vector<std::shared_ptr<const Scorer>>& scorers);

// Default cache location: $SHARDSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/shardscope, else
// ~/.cache/shardscope; one subdirectory per corpus (hash of the shard paths and fields).
std::string defaultCacheRoot();
std::string corpusCacheDir(const std::string& cacheRoot, const std::vector<std::string>& shards,
                           const FieldMapping& fields);

// TSV: id, group, bytes, then one column per score (header row first). Missing values are
// written as empty cells ("" reads as NaN in pandas). Written atomically; path "-" writes to stdout.
// Rows are formatted on `threads` threads (0: all cores) and written in order.
void writeTsv(const std::string& path, const ScanResult& result, int threads = 1);

// A score as text, exactly as printf's "%.9g" writes the float32 widened to double (nine significant digits
// round-trip every float32), but through std::to_chars, which the standard specifies to give printf's
// output for the same format and precision, at about a third of snprintf's cost. Writes at most
// kScoreTextMax characters at out (no terminating zero); returns the end.
inline constexpr size_t kScoreTextMax = 24;
char* formatScore(float v, char* out);

} // namespace shardscope
