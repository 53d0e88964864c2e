#pragma once
// The scores file: the result of a scan on disk, so reopening the same shards with the same
// scorers does not rescore.
//
// Layout (little-endian), format version 2:
//   "SSCORES\0"  u32 version  u32 reserved  u64 headerLength  u64 headerXxh3  header (JSON, UTF-8)
//   then 8-byte aligned blocks, each described in the header's "blocks" array by name,
//   element type, count, offset and XXH3-64 (hex): the DocIndex columns, the id offsets and
//   bytes, and one float32 block per score column.
// The header carries: tool version, creation time, the field mapping, every shard with its
// fingerprint and counts, every scorer with its name, version and column definitions, the
// group names, document and rejected counts, and the file's length in bytes ("file_bytes").
// The file is written atomically, but a crash of the machine before its data reached the disk,
// a partial copy or a disk fault can still leave a torn file at the final name: loading checks
// the length, the header's and the index's checksums, so such a file is rejected (and rescored by the
// cache policy), never read as scores. The score columns are mapped and each is checked the first time
// it is read (issue 21: a cold reopen of 10M documents read 3.4 GB for their checksums): a column that
// fails reads as missing values, with an error naming the file, the column and its byte offset
// (ScoreColumn::integrityError(), corruptColumns()), and the other columns read normally.
// Version 1 files (no checksums) are not read: they are rescored.

#include "scan.h"
#include "scorerspec.h"

#include <optional>
#include <string>

namespace shardscope {

// A scorer as a scores file records it: its identity (Scorer::identity()) and its columns, in file order.
struct StoredScorer {
    ScorerIdentity identity;
    std::vector<ColumnInfo> columns;
    static StoredScorer of(const Scorer& scorer);
    // Whether scores stored under this record are what `scorer` would compute: equal identities. A file
    // written before identities were stored (name and version only) matches a scorer with no parameters
    // and no files of the same name and version.
    bool matches(const Scorer& scorer) const;
};

struct ScoresFileInfo {
    std::vector<ShardInfo> shards;
    FieldMapping fields;
    std::vector<StoredScorer> scorers;
};

// Written atomically. Throws std::runtime_error on I/O failure. `scorers` describe result.scores'
// columns, in order.
void saveScores(
    const std::string& path, const ScanResult& result, const std::vector<std::shared_ptr<const Scorer>>& scorers);
void saveScores(const std::string& path, const ScanResult& result, const std::vector<StoredScorer>& scorers);
// Throws InputError for a corrupt or foreign file.
ScanResult loadScores(const std::string& path, ScoresFileInfo* info = nullptr);
// The errors of a loaded table's score columns that failed their deferred checksum (see above): one message per
// column, "FILE: byte OFFSET: score column NAME fails its checksum ...". Only the columns read so far are
// reported unless `checkAll` (which reads and checks every column). For the CLI and the GUI to show after use.
std::vector<std::string> corruptColumns(const ScoreTable& table, bool checkAll = false);
// True when `path` exists, was made from shards whose fingerprints equal the current files,
// with the same field mapping, and holds every requested scorer at the same version.
bool scoresUpToDate(const std::string& path, const std::vector<std::string>& shards, const FieldMapping& fields,
    const std::vector<std::shared_ptr<const Scorer>>& scorers);

// What a scores file holds for a request. usable: it loads, is complete, and was made from these shards
// (unchanged on disk) with this field mapping; then `missing` lists the requested scorers it has no
// up-to-date columns for (a scorer added since, or one whose identity changed: new weights, a new
// definition), and `present` the others. Not usable: the reason in `unusable` (empty when there is no file).
struct CacheContents {
    bool usable = false;
    std::vector<std::shared_ptr<const Scorer>> present, missing;
    std::string unusable;
};
CacheContents inspectScores(const std::string& path, const std::vector<std::string>& shards, const FieldMapping& fields,
    const std::vector<std::shared_ptr<const Scorer>>& scorers);

// Adds the columns of `scorers` (values[column][document], columns in the scorers' order, one value per
// document of the file) to a scores file, replacing the columns of a stored scorer of the same name. The
// file is rewritten atomically; the index, ids and other columns are kept as they are, except a stored
// scorer with a column that fails its checksum, which is dropped (then missing, so scored again at the next
// open). Throws InputError for an unreadable file, std::invalid_argument when a column has the wrong length.
void appendScoreColumns(const std::string& path, const std::vector<std::shared_ptr<const Scorer>>& scorers,
    std::vector<ScoreColumn> values);
void appendScoreColumns(const std::string& path, const std::vector<std::shared_ptr<const Scorer>>& scorers,
    std::vector<std::vector<float>> values);

// The cache policy of `score`, `stats`, `suggest` and the GUI: the scores in `path` when they are up to
// date (as scoresUpToDate) and load whole, else nullopt, and the scan runs. A file that is there but
// unusable (torn, corrupt, an older format) gives nullopt too, with the reason in *unusable (empty
// otherwise) for a warning; it never makes the open fail.
std::optional<ScanResult> loadCachedScores(const std::string& path, const std::vector<std::string>& shards,
    const FieldMapping& fields, const std::vector<std::shared_ptr<const Scorer>>& scorers,
    std::string* unusable = nullptr);

// Default cache location: $SHARDSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/shardscope, else
// ~/.cache/shardscope; one subdirectory per corpus (hash of the shard paths and fields).
std::string defaultCacheRoot();
std::string corpusCacheDir(
    const std::string& cacheRoot, const std::vector<std::string>& shards, const FieldMapping& fields);

// Where one corpus's cached scores and seek caches live (the CLI and the GUI share the layout, so a
// corpus scored by one opens in the other without rescoring).
struct CorpusCache {
    std::string dir; // corpusCacheDir(root, shards, fields)
    std::string scoresPath; // dir/scores.sscores, or the file the user named
    std::string seekDir; // dir/seek
    bool userNamedScores = false;
    // root "": defaultCacheRoot().
    static CorpusCache of(const std::string& root, const std::vector<std::string>& shards, const FieldMapping& fields,
        const std::string& scoresFile = {});
};

// The "open or score" policy of every command and of the GUI, in one place. openCached gives the cached
// table when the scores file is up to date (loadCachedScores), with its score columns narrowed to the
// requested scorers' columns in their order; otherwise nullopt, and the caller scans (an unusable file's
// reason in *unusable). storeScores then saves a scan's table when every shard was read to its end, the
// scan was not cancelled and it scored every record (a sample is not cached); a failure to write is an error (rethrown)
// when the user named the file, else only a warning, returned (the results are complete and the next open rescores).
std::optional<ScanResult> openCached(const CorpusCache& cache, const std::vector<std::string>& shards,
    const FieldMapping& fields, const std::vector<std::shared_ptr<const Scorer>>& scorers,
    std::string* unusable = nullptr);
std::string storeScores(
    const CorpusCache& cache, const ScanResult& table, const std::vector<std::shared_ptr<const Scorer>>& scorers);

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
