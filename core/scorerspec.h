#pragma once
// What a scorer is, as text and as a record (issue 19).
//
// ScorerSpec: how a user or a front end asks for a scorer: a name and its parameters, written
//   name                          e.g. zlib6
//   name:key=value,key=value      e.g. lm:model=/models/gpt2,device=cuda:0
// Names and keys are [A-Za-z0-9_]+; a value is any non-empty text in which ',' and '\' are written
// "\," and "\\" (format() escapes them). In a --scorers list the comma also separates scorers: a
// piece of the list that holds '=' and no ':' before it is one more parameter of the scorer before it,
// so "zlib6,lm:model=/m,device=cpu,zstd3" is zlib6, lm with two parameters, and zstd3.
//
// ScorerIdentity: what scores were computed by, so cached scores are reused only when they would be
// computed the same way again: name, definition version, the parameters that change the scores
// (in canonical form: defaults written out) and the content hash of every file the scorer read
// (model weights, tokenizer, lid.176.ftz, the bad-words list, a linear model). Parameters that only
// say where a file is (model=PATH) are left out of the parameters, the file's hash stands for them, so
// a model moved or copied elsewhere still matches; parameters that only say how to run (device, batch
// size, threads) are left out too. File paths are recorded for messages but not compared.

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope {

using ScorerParams = std::map<std::string, std::string>;

struct ScorerSpec {
    std::string name;
    ScorerParams params;

    // Throws std::invalid_argument saying what is wrong and where (empty name, a character not allowed
    // in a name or key, a parameter without '=', an empty key or value, a key given twice, a dangling
    // '\' or ',').
    static ScorerSpec parse(std::string_view text);
    // A --scorers list: specs separated by commas (see above). Empty pieces are skipped; "all" is a spec
    // like any other here (the registry expands it). Throws like parse().
    static std::vector<ScorerSpec> parseList(std::string_view text);
    // The canonical text: parameters in key order, ',' and '\' escaped; parse(format()) == *this.
    std::string format() const;

    bool operator==(const ScorerSpec&) const = default;
};

struct ScorerFile {
    std::string role; // what the file is to the scorer: "weights", "config", "tokenizer", "model", "list"
    std::string path; // where it was read; for messages, not compared
    std::string hash; // hex XXH3-128 of the content; empty when the file was missing or unreadable

    // Role and content; the path is not compared.
    bool operator==(const ScorerFile& o) const { return role == o.role && hash == o.hash; }
};

struct ScorerIdentity {
    std::string name;
    int version = 1;
    ScorerParams params;
    std::vector<ScorerFile> files; // in the order the scorer lists them

    // {"name": "lm", "version": 1, "params": {"window": "0", ...},
    //  "files": [{"role": "weights", "path": "...", "xxh3_128": "..."}]}
    nlohmann::json toJson() const;
    // Throws std::invalid_argument naming the field that is missing or has the wrong type.
    static ScorerIdentity fromJson(const nlohmann::json& j);

    // Name, version, parameters and every file's role and hash, in order.
    bool operator==(const ScorerIdentity& o) const
    {
        return name == o.name && version == o.version && params == o.params && files == o.files;
    }
};

// Whether `s` can be a scorer, column or parameter name: [A-Za-z0-9_]+.
bool isScorerName(std::string_view s);

// Hex XXH3-128 of bytes, as hashFile() gives it for a file holding them.
std::string hashBytes(std::string_view bytes);
// Hex XXH3-128 of a file's content, streamed. Throws std::runtime_error naming the file when it cannot
// be opened or read.
std::string hashFile(const std::string& path);
// A ScorerFile for `path`: its hash, or an empty hash when the file is missing or unreadable (a scorer
// that runs without its file gives missing values; the empty hash keeps such scores apart).
ScorerFile scorerFile(std::string role, const std::string& path);

// Parameter helpers for scorer factories. Each throws std::invalid_argument naming the scorer and the
// parameter.
//   rejectUnknownParams: a key not in `known` ("lm has no parameter 'foo' (it takes model, device)").
void rejectUnknownParams(const std::string& scorer, const ScorerParams& params, const std::vector<std::string>& known);
//   intParam: the value as a whole number in [min, max], or `fallback` when the key is absent.
int intParam(const std::string& scorer, const ScorerParams& params, const std::string& key, int fallback, int min = 0,
    int max = 1 << 30);
//   stringParam: the value, or `fallback` when the key is absent.
std::string stringParam(const ScorerParams& params, const std::string& key, const std::string& fallback = {});

} // namespace shardscope
