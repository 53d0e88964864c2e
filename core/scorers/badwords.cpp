#include "scorers/badwords.h"

#include "scorers/assets.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>

namespace shardscope {

namespace {

constexpr const char* kEnv = "SHARDSCOPE_BADWORDS";
constexpr const char* kInstalled = "badwords/en.json";
constexpr const char* kSource = "resources/models/badwords/en.json";

// The compiled regex of one list file, shared by every worker (match data is per worker).
class BadWordsRegex {
public:
    static std::shared_ptr<const BadWordsRegex> load(const std::string& path, std::string* error)
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            *error = path + ": cannot open the bad-words list";
            return nullptr;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
        if (!j.is_array()) {
            *error = path + ": not a JSON array of words (naughty-words' en.json)";
            return nullptr;
        }
        std::set<std::string> words;
        for (const auto& w : j) {
            if (!w.is_string())
                continue;
            std::string s = w.get<std::string>();
            const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
            s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
            s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
            if (!s.empty())
                words.insert(std::move(s));
        }
        if (words.empty()) {
            *error = path + ": the bad-words list is empty";
            return nullptr;
        }
        std::vector<std::string> ordered(words.begin(), words.end());
        std::stable_sort(ordered.begin(), ordered.end(),
                         [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
        std::string alt;
        for (const auto& w : ordered) {
            if (!alt.empty())
                alt += '|';
            alt.append("\\Q").append(w).append("\\E"); // literal (no entry holds "\\E")
        }
        const std::string pattern = "(?:\\W|^)(" + alt + ")(?:\\W|$)";
        int code = 0;
        PCRE2_SIZE at = 0;
        pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                       PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &code, &at, nullptr);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            *error = path + ": the bad-words regex does not compile: " + reinterpret_cast<const char*>(msg);
            return nullptr;
        }
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); // best effort: the interpreter gives the same matches
        auto out = std::shared_ptr<BadWordsRegex>(new BadWordsRegex);
        out->m_re = re;
        out->m_words = ordered.size();
        out->m_prefix.assign(256 * 257, 0);
        auto add = [&](unsigned key, const std::string& w) {
            out->m_prefix[key] = 1;
            out->m_buckets[key].push_back(w);
        };
        for (const auto& w : ordered) {
            const unsigned b0 = static_cast<unsigned char>(w[0]);
            if (w.size() >= 2)
                add(b0 * 257 + static_cast<unsigned char>(w[1]), w);
            else
                for (unsigned b1 = 0; b1 <= 256; ++b1)
                    add(b0 * 257 + b1, w);
        }
        return out;
    }
    ~BadWordsRegex() { pcre2_code_free(m_re); }
    const pcre2_code* code() const { return m_re; }
    size_t words() const { return m_words; }
    // Whether some word occurs in `text` at p.
    bool wordAt(std::string_view text, size_t p) const
    {
        const unsigned key = static_cast<unsigned char>(text[p]) * 257
            + (p + 1 < text.size() ? static_cast<unsigned char>(text[p + 1]) : 256u);
        if (!m_prefix[key])
            return false;
        for (const auto& w : m_buckets.at(key))
            if (text.compare(p, w.size(), w) == 0)
                return true;
        return false;
    }

private:
    BadWordsRegex() = default;
    pcre2_code* m_re = nullptr;
    size_t m_words = 0;
    std::vector<uint8_t> m_prefix;                                    // [b0 * 257 + (b1 or 256)]: a bucket exists
    std::unordered_map<unsigned, std::vector<std::string>> m_buckets; // words by their first two bytes
};

std::shared_ptr<const BadWordsRegex> sharedRegex(std::string* error)
{
    static std::mutex mutex;
    static std::string loadedPath, loadError;
    static std::shared_ptr<const BadWordsRegex> loaded;
    std::lock_guard lock(mutex);
    const std::string path = findBadWordsList();
    if (path.empty()) {
        std::string where;
        for (const auto& c : assetCandidates(kEnv, kInstalled, kSource)) {
            if (!where.empty())
                where += ", ";
            where += c;
        }
        if (error)
            *error = "c4_badwords: the bad-words list (naughty-words en.json) was not found (looked in " + where
                + "); run scripts/fetch-models.sh or set SHARDSCOPE_BADWORDS";
        return nullptr;
    }
    if (path != loadedPath) {
        loadedPath = path;
        loadError.clear();
        loaded = BadWordsRegex::load(path, &loadError);
    }
    if (!loaded && error)
        *error = "c4_badwords: " + loadError;
    return loaded;
}

// text.lower(), one code point at a time (ASCII without utf8proc).
void lowerInto(std::string_view text, std::string& out)
{
    out.clear();
    out.reserve(text.size());
    const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
    size_t i = 0;
    while (i < text.size()) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            out += char(c >= 'A' && c <= 'Z' ? c + 32 : c);
            ++i;
            continue;
        }
        utf8proc_int32_t cp = 0;
        const utf8proc_ssize_t n = utf8proc_iterate(p + i, utf8proc_ssize_t(text.size() - i), &cp);
        if (n <= 0) { // not UTF-8 (the reader rejects such text; still never loop or crash)
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        utf8proc_uint8_t buf[4];
        const utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_tolower(cp), buf);
        out.append(reinterpret_cast<const char*>(buf), size_t(m));
        i += size_t(n);
    }
}

inline bool isAsciiWordByte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (c >= 'A' && c <= 'Z');
}

class BadWordsWorker final : public ScorerWorker {
public:
    explicit BadWordsWorker(std::shared_ptr<const BadWordsRegex> re)
        : m_re(std::move(re))
        , m_md(m_re ? pcre2_match_data_create_from_pattern(m_re->code(), nullptr) : nullptr)
    {
    }
    ~BadWordsWorker() override { pcre2_match_data_free(m_md); }
    BadWordsWorker(const BadWordsWorker&) = delete;
    BadWordsWorker& operator=(const BadWordsWorker&) = delete;

    void score(std::string_view text, float* out) override
    {
        if (!m_re) {
            out[0] = kMissing;
            return;
        }
        lowerInto(text, m_lower);
        // re.finditer without scanning the regex over every position (a 400-way alternation runs at
        // ~8 MB/s): a match starts either at a \W character right before a word or at 0 with a word
        // there, so only positions p that follow a byte that is not an ASCII word character (or p = 0)
        // and where a whole word of the list occurs can hold the matched word. For each, leftmost first,
        // the regex itself is run anchored at the start of the character before p (at 0 for p = 0):
        // it decides exactly as the unanchored search would at that start.
        const auto* t = reinterpret_cast<const unsigned char*>(m_lower.data());
        const size_t n = m_lower.size();
        size_t pos = 0, count = 0;
        for (size_t p = 0; p < n; ++p) {
            if (p > 0 && isAsciiWordByte(t[p - 1]))
                continue;
            if (!m_re->wordAt(m_lower, p))
                continue;
            size_t s = p;
            if (p > 0) {
                s = p - 1;
                while (s > 0 && (t[s] & 0xC0) == 0x80)
                    --s;
            }
            if (s < pos)
                continue;
            // Compiled anchored (the JIT does not take PCRE2_ANCHORED at match time).
            const int rc = pcre2_match(m_re->code(), t, n, s, PCRE2_NO_UTF_CHECK, m_md, nullptr);
            if (rc < 0)
                continue;
            ++count;
            pos = pcre2_get_ovector_pointer(m_md)[1]; // > s: a word is at least one character
        }
        out[0] = float(count);
    }

private:
    std::shared_ptr<const BadWordsRegex> m_re;
    pcre2_match_data* m_md;
    std::string m_lower;
};

class BadWordsScorer final : public Scorer {
public:
    std::string name() const override { return "c4_badwords"; }
    std::string summary() const override
    {
        return "C4 bad-words rule, datatrove dialect, English LDNOOBW list (npm naughty-words 1.2.0)";
    }
    std::vector<ColumnInfo> columns() const override
    {
        return { { "c4_badwords",
                   "matches of (?:\\W|^)(word|...)(?:\\W|$) in text.lower() (re.finditer, longest word first), "
                   "English LDNOOBW list (naughty-words 1.2.0 en.json); datatrove C4BadWordsFilter (C4: drop if >= 1)",
                   {} } };
    }
    int version() const override { return fileVersion(findBadWordsList()); }
    bool needsModel() const override { return true; }
    bool includedInAll() const override { return !findBadWordsList().empty(); }
    std::string unavailableReason() const override
    {
        std::string error;
        sharedRegex(&error);
        return error;
    }
    std::unique_ptr<ScorerWorker> makeWorker() const override
    {
        std::string error;
        auto re = sharedRegex(&error);
        if (!re) {
            static std::once_flag once;
            std::call_once(once, [&] { std::fprintf(stderr, "error: %s (c4_badwords left missing)\n", error.c_str()); });
        }
        return std::make_unique<BadWordsWorker>(std::move(re));
    }
};

} // namespace

std::string findBadWordsList()
{
    return findAsset(kEnv, kInstalled, kSource);
}

std::unique_ptr<Scorer> makeC4BadWordsScorer()
{
    return std::make_unique<BadWordsScorer>();
}

} // namespace shardscope
