#pragma once
// The scorer interface. A scorer turns one document's text into one or more float columns.
// Scorers are immutable and shared between threads; per-thread scratch state (compression
// contexts, parsers, buffers) lives in a ScorerWorker that each scan thread creates once.

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

class ScorerWorker {
public:
    virtual ~ScorerWorker() = default;
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
};

class Scorer {
public:
    virtual ~Scorer() = default;
    // Stable identifier used by --scorers; one scorer may produce several columns
    // (e.g. "gopher_quality" computes word statistics once and emits many columns).
    virtual std::string name() const = 0;
    virtual std::string summary() const = 0;     // one line for `shardscope-cli scorers`
    virtual std::vector<ColumnInfo> columns() const = 0;
    // Bump when the definition changes; cached scores with another version are recomputed.
    virtual int version() const { return 1; }
    virtual bool needsModel() const { return false; }
    // Whether `--scorers all` includes this scorer: the model-free ones, and a model scorer whose
    // model is installed with the product when it is found (langid with lid.176.ftz).
    virtual bool includedInAll() const { return !needsModel(); }
    // Empty when the scorer can run here; otherwise why not, in words a user can act on (which
    // model file is missing or corrupt, and where it was looked for).
    virtual std::string unavailableReason() const { return {}; }
    virtual std::unique_ptr<ScorerWorker> makeWorker() const = 0;
};

// The registry of built-in scorers. Factories register at static-init time through
// ScorerRegistration objects in each scorer's .cpp; the core library is linked with
// WHOLE_ARCHIVE semantics avoided by an explicit registerBuiltinScorers() call.
class ScorerUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ScorerRegistry {
public:
    using Factory = std::unique_ptr<Scorer> (*)();
    static ScorerRegistry& instance();
    void add(Factory f);
    // All scorers (model-free first, in registration order).
    std::vector<std::unique_ptr<Scorer>> createAll() const;
    // Resolve a name: a scorer name or a column name (selects the scorer that produces it).
    // Returns nullptr when unknown.
    std::unique_ptr<Scorer> create(std::string_view nameOrColumn) const;
    // Expand a comma-separated --scorers value; "all" = every scorer with includedInAll().
    // Throws std::invalid_argument naming an unknown scorer, ScorerUnavailable for a named scorer
    // whose unavailableReason() is not empty.
    std::vector<std::unique_ptr<Scorer>> resolveList(std::string_view commaList) const;

private:
    std::vector<Factory> m_factories;
};

// Registers every built-in scorer exactly once (idempotent). Each scorer family provides a
// `void registerXxxScorers(ScorerRegistry&)` function called from here.
void registerBuiltinScorers();

} // namespace shardscope
