#pragma once
// The scorer interface. A scorer turns one document's text into one or more float columns, or (a
// derived scorer) other score columns of the document into new ones.
// Scorers are immutable and shared between threads: everything a scorer's values depend on is fixed
// when it is made (from a ScorerSpec's parameters), never read from process-global settings later.
// Per-thread scratch state (compression contexts, parsers, buffers) lives in a ScorerWorker that each
// scan thread creates once.

#include "scorerspec.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shardscope {

// A value a scorer could not define for this text (e.g. a ratio over empty text).
// Stored as quiet NaN; histograms count it as "missing" and filter rules drop it unless the
// rule says `"missing": "keep"`.
inline constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
inline bool isMissing(float v) { return std::isnan(v); }

struct ColumnInfo {
    std::string name;        // column name in TSV / configs, e.g. "zlib6", "gopher_word_count"
    std::string definition;  // one line: exact formula, tokenisation, empty-text value, dialect
    // Categorical columns store an index into `categories` as a float (e.g. "lang").
    std::vector<std::string> categories;
    bool categorical() const { return !categories.empty(); }
};

// Marks, on this thread, the text that several workers are about to score one after another (the scan
// loop sets one around each document). Work that scorers share per text (the word and line splits of
// the heuristic scorers) is then recognised by the text's address and size while the scope lives,
// instead of by hashing the whole text at every call. Without a scope everything still works, hashed.
class DocumentScope {
public:
    explicit DocumentScope(std::string_view text);
    ~DocumentScope();
    DocumentScope(const DocumentScope&) = delete;
    DocumentScope& operator=(const DocumentScope&) = delete;
    // The serial number (never reused on this thread) of the innermost live scope if it is exactly
    // this text (same address and size), else 0.
    static uint64_t serialOf(std::string_view text);

private:
    std::string_view m_text;
    uint64_t m_serial;
    DocumentScope* m_outer;
};

// What a scan lends its scorers' workers: its stop flag, which a slow scorer (a language model's forward
// passes over a batch take minutes on a CPU) checks between units of work so a cancel is honoured within
// about a second, and counters of the model work done, for a progress display between batch commits.
// Null pointers: not lent (a worker outside a scan).
struct ScoringControl {
    const std::atomic<bool>* stop = nullptr;
    std::atomic<uint64_t>* modelTokens = nullptr; // tokens whose loss a model has computed
    std::atomic<uint64_t>* modelBytes = nullptr; // UTF-8 bytes of text a model has finished
    bool stopRequested() const { return stop && stop->load(std::memory_order_relaxed); }
};

class ScorerWorker {
public:
    virtual ~ScorerWorker() = default;
    // Set by the scan once, before the first score call.
    void setControl(const ScoringControl& control) { m_control = control; }
    const ScoringControl& control() const { return m_control; }
    // Writes exactly columns().size() values to out. `text` is valid UTF-8 (the reader
    // rejects anything else before a scorer sees it). Must not throw for any input.
    virtual void score(std::string_view text, float* out) = 0;

    // Scorers whose cost per call is dominated by fixed overhead (a language model's forward pass)
    // return true here; the scan then collects a whole read batch (a few MB of documents) and calls
    // scoreBatch() once, so short documents share forward passes. Row r's values go to
    // out + r * rowStride. The default scores one text at a time.
    virtual bool prefersBatches() const { return false; }
    virtual void scoreBatch(const std::vector<std::string_view>& texts, float* out, size_t rowStride)
    {
        for (size_t r = 0; r < texts.size(); ++r)
            score(texts[r], out + r * rowStride);
    }

    // Derived scorers (Scorer::inputColumns() not empty): one document's values from its input columns,
    // `inputs` in inputColumns() order (a missing input is kMissing). Writes columns().size() values.
    // Must not throw. Text scorers are never asked (computeDerived() refuses them); the default
    // writes nothing. A derived scorer's score() (text) writes all its columns missing.
    virtual void scoreRow(const float* inputs, float* out)
    {
        (void)inputs;
        (void)out;
    }

private:
    ScoringControl m_control;
};

class Scorer {
public:
    virtual ~Scorer() = default;
    // Stable identifier used by --scorers; one scorer may produce several columns
    // (e.g. "gopher_quality" computes word statistics once and emits many columns).
    virtual std::string name() const = 0;
    virtual std::string summary() const = 0;     // one line for `shardscope-cli scorers`
    virtual std::vector<ColumnInfo> columns() const = 0;
    // The definition's version: bump it when the formula changes. Files and parameters are not
    // folded into it; they are part of identity().
    virtual int version() const { return 1; }
    // What the scores depend on (scorerspec.h): name, version, the parameters that change the values,
    // and the content hash of every file read. The default suits a scorer without parameters or files.
    //
    // Reuse rule: cached scores of a scorer are reused only when the identity stored with them equals
    // (operator==: name, version, parameters, and each file's role and content hash; file paths are not
    // compared) the identity() of the scorer about to run; otherwise that scorer's columns are
    // recomputed. A stored file hash that is empty (the file was missing) never equals a present file.
    virtual ScorerIdentity identity() const { return { name(), version(), {}, {} }; }
    // Non-empty for a derived scorer: the score columns (by column name) its values are a function of,
    // in the order ScorerWorker::scoreRow() receives them. Such a scorer reads no text: in a scan it runs
    // on each document's row once the scorers before it in the list have filled its inputs (the scan
    // refuses one whose inputs no earlier scorer makes); computeDerived() adds its columns to scores
    // that exist.
    virtual std::vector<std::string> inputColumns() const { return {}; }
    virtual bool needsModel() const { return false; }
    // Whether scoring costs far more than reading the text (a neural language model: thousands of tokens
    // per second per core, against tens of megabytes for the heuristics). Front ends score such a scorer
    // after the others, as a column added to a table that is already shown, in small batches with its
    // own progress, and only when asked to (scorecolumns.h).
    virtual bool isSlow() const { return false; }
    // Whether `--scorers all` includes this scorer: the model-free ones, and a model scorer whose
    // model is installed with the product when it is found (langid with lid.176.ftz).
    virtual bool includedInAll() const { return !needsModel(); }
    // Empty when the scorer can run here; otherwise why not, in words a user can act on (which
    // model file is missing or corrupt, and where it was looked for).
    virtual std::string unavailableReason() const { return {}; }
    virtual std::unique_ptr<ScorerWorker> makeWorker() const = 0;
};

class ScorerUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The registry of built-in scorers. Each scorer family has a registerXxxScorers(ScorerRegistry&)
// function that registerBuiltinScorers() calls (explicitly, not from static initialisers, which a
// static library would drop).
//
// Parameters: a scorer is made from a ScorerSpec. A scorer registered with add(Factory) takes none
// and is refused with a parameter; one registered with addWithParams() lists the keys it takes, and
// its factory builds it from them. Parameters shared by a whole list (resolveList's `shared`, e.g. the
// CLI's --model and --device for lm) go to every scorer in the list that takes the key; a shared key
// written "name.key" goes to that scorer only. A spec's own parameters override shared ones.
class ScorerRegistry {
public:
    // A scorer without parameters.
    using Factory = std::unique_ptr<Scorer> (*)();
    // A scorer built from parameters; throws std::invalid_argument for a bad value. Called with no
    // parameters it must still succeed (the registry asks it for its name and columns; a scorer that
    // cannot work without parameters then says so in unavailableReason()).
    using ParamFactory = std::unique_ptr<Scorer> (*)(const ScorerParams&);
    // Transitional (issue 19): the parameters a scorer gets when neither its spec nor the shared
    // parameters give it any. Only lm has one, reading the process-global setLmOptions() (lmapi.h), so
    // front ends that still set that global behave as before. Remove once every caller passes
    // parameters.
    using DefaultParams = ScorerParams (*)();

    static ScorerRegistry& instance();
    void add(Factory f);
    void addWithParams(ParamFactory f, std::vector<std::string> keys, DefaultParams defaults = nullptr);
    // All scorers (model-free first, in registration order), each with its default parameters.
    std::vector<std::unique_ptr<Scorer>> createAll() const;
    // Resolve a spec whose name is a scorer name or a column name (selects the scorer that produces
    // it). Returns nullptr when the name is unknown. Throws std::invalid_argument naming the scorer and
    // parameter for a parameter it does not take or a bad value, and whatever the scorer's factory
    // throws (a linear model file that cannot be read: InputError naming the file).
    std::unique_ptr<Scorer> create(const ScorerSpec& spec, const ScorerParams& shared = {}) const;
    // The same from spec text ("zlib6", "lm_bpb", "lm:model=/m"). Text without ':' is taken as a name as
    // it stands (nullptr when unknown); text with ':' that is not a spec throws std::invalid_argument.
    std::unique_ptr<Scorer> create(std::string_view specText) const;
    // Expand a comma-separated --scorers value (ScorerSpec::parseList); "all" = every scorer with
    // includedInAll(). A scorer named twice with the same identity (e.g. "lm,lm_bpb") is kept once.
    // Throws std::invalid_argument naming an unknown scorer or parameter, or a scorer named twice with
    // different parameters (both would write its columns); ScorerUnavailable for a named scorer whose
    // unavailableReason() is not empty.
    std::vector<std::unique_ptr<Scorer>> resolveList(std::string_view commaList, const ScorerParams& shared = {}) const;

private:
    struct Entry {
        Factory plain = nullptr;
        ParamFactory withParams = nullptr;
        std::vector<std::string> keys;
        DefaultParams defaults = nullptr;
    };
    // `effective` (when given) receives the parameters the factory was called with.
    std::unique_ptr<Scorer> make(const Entry& e, const std::string& name, const ScorerParams& own,
        const ScorerParams& shared, ScorerParams* effective = nullptr) const;
    std::unique_ptr<Scorer> createWith(
        const ScorerSpec& spec, const ScorerParams& shared, ScorerParams* effective) const;
    std::vector<Entry> m_entries;
};

// Adds the columns of a derived scorer (inputColumns() not empty) to scores that exist, without
// reading any text: inputColumns[i] holds `docs` values of the scorer's i-th input column. Returns
// one vector of `docs` values per output column. Rows are split over `threads` threads (at least 1),
// each with its own worker. Throws std::invalid_argument when the scorer is not derived or the number
// of input columns is not inputColumns().size(), and whatever makeWorker() throws (a linear model file
// that changed since the scorer was made).
std::vector<std::vector<float>> computeDerived(
    const Scorer& scorer, const std::vector<const float*>& inputColumns, size_t docs, int threads);

// Registers every built-in scorer exactly once (idempotent).
void registerBuiltinScorers();

} // namespace shardscope
