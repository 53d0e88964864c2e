#include "scorers/badwords.h"

#include "scorers/assets.h"
#include "scorers/bytescan.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

namespace shardscope {

namespace {

constexpr const char* kEnv = "SHARDSCOPE_BADWORDS";
constexpr const char* kInstalled = "badwords/en.json";
constexpr const char* kSource = "resources/models/badwords/en.json";

inline bool isAsciiWordByte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (c >= 'A' && c <= 'Z');
}

// ASCII capitals lower-cased, every other byte (non-ASCII ones included) unchanged: one byte, or eight.
inline unsigned char foldAscii(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}
inline uint64_t foldAscii8(uint64_t x)
{
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    const uint64_t low = ~x & kHigh; // bytes < 0x80; within them the sums below carry into no neighbour
    const uint64_t y = x & ~kHigh;
    // per byte: bit 7 of y + 0x3F is byte >= 'A', of y + 0x25 byte > 'Z'
    const uint64_t upper = (y + kOnes * (0x80 - 'A')) & ~(y + kOnes * (0x7F - 'Z')) & low;
    return x | (upper >> 2);
}

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
        size_t slots = 64;
        while (slots < 4 * ordered.size())
            slots *= 2;
        out->m_heads.assign(slots, Head{});
        for (const auto& w : ordered) {
            size_t k = 0;
            while (k < w.size() && isAsciiWordByte(static_cast<unsigned char>(w[k])))
                ++k;
            if (k == 0) { // starts with a character that is not an ASCII word byte: compared in place
                out->m_odd.push_back(w);
                const unsigned char first = static_cast<unsigned char>(w[0]);
                out->m_oddByte = out->m_odd.size() == 1 || out->m_oddByte == first ? int(first) : -2;
                out->m_oddFirst[first] = 1;
                continue;
            }
            out->m_headWords[out->addHead(std::string_view(w).substr(0, k))].push_back(w);
        }
        out->findCaseTraps(ordered);
        return out;
    }
    ~BadWordsRegex() { pcre2_code_free(m_re); }
    const pcre2_code* code() const { return m_re; }
    size_t words() const { return m_words; }

    // Whether some word of the list occurs at p of lower(t) (t[0, n), readable up to t[n + 7]), given
    // that t[p, q) is a maximal run of ASCII word bytes. Only such a word can match the regex at p: its
    // leading run of ASCII word bytes S equals the run (if w == S, the (?:\W|$) after it needs t[q] to be
    // no ASCII word byte; otherwise w continues with a byte that is not one, which stops the run at the
    // same place). The run is looked up by hash among the words' leading runs, then the words with that
    // run are compared (wordAt).
    bool wordAtRun(const unsigned char* t, size_t n, size_t p, size_t q) const
    {
        const size_t len = q - p;
        if (len > m_maxHead)
            return false;
        uint64_t x;
        std::memcpy(&x, t + p, 8);
        x = headKey(x, len);
        const uint64_t h = hashOf(x, len);
        if (!(m_filter[h >> 54] >> (h >> 48 & 63) & 1))
            return false;
        for (size_t i = slotOf(h);; i = (i + 1) & (m_heads.size() - 1)) {
            const Head& e = m_heads[i];
            if (e.len == 0)
                return false;
            if (e.key == x && e.len == len && (len <= 8 || wordAt(t, n, p, m_headText[e.text]))) {
                for (const auto& w : m_headWords[e.text])
                    if (wordAt(t, n, p, w))
                        return true;
                return false;
            }
        }
    }
    bool hasOdd() const { return !m_odd.empty(); }
    // The first position at or after k where a word that oddAt() compares may start (n if none).
    size_t nextOdd(const unsigned char* t, size_t k, size_t n) const
    {
        if (k >= n)
            return n;
        if (m_oddByte >= 0) { // one possible first byte (the emoji's 0xF0): memchr
            const void* at = std::memchr(t + k, m_oddByte, n - k);
            return at ? size_t(static_cast<const unsigned char*>(at) - t) : n;
        }
        while (k < n && !m_oddFirst[t[k]])
            ++k;
        return k;
    }
    // Whether a word that starts with a byte that is not an ASCII word byte occurs at p of lower(t).
    bool oddAt(const unsigned char* t, size_t n, size_t p) const
    {
        if (!m_oddFirst[t[p]])
            return false;
        for (const auto& w : m_odd)
            if (wordAt(t, n, p, w))
                return true;
        return false;
    }
    // Whether the first scan may run on the text itself rather than on its lower(): true when the text
    // holds no code point whose lower-case form is ASCII (U+0130, U+212A) and no word of the list holds a
    // non-ASCII code point that another code point lower-cases to. Then lower(t) starts with word w at the
    // place where t does with ASCII letters folded (wordAt), so the text holds a candidate exactly when its
    // lower() does, and most texts hold none.
    bool rawScanAllowed(std::string_view text) const
    {
        if (!m_rawScan)
            return false;
        for (const auto& trap : m_caseTraps)
            if (text.find(trap) != std::string_view::npos)
                return false;
        return true;
    }

private:
    struct Head {
        uint64_t key = 0;  // the first eight bytes, zero-padded
        uint32_t len = 0;  // 0: empty slot
        uint32_t text = 0; // index in m_headText
    };
    static constexpr size_t kFilterBits = 65536;
    // The key of a run of len ASCII word bytes ([0-9A-Za-z_]) whose first eight bytes (or more) are x: those
    // of them that are in the run (all eight from len 8 on: a shift of 64 - 8 * min(len, 8), without a branch),
    // case-folded: bit 5 set in each byte maps A-Z to a-z, keeps the digits and a-z, and maps '_' to 0x7F,
    // which is no word byte, so two runs have the same key exactly when they are equal ignoring ASCII case
    // (one OR, where foldAscii8 takes a dozen operations).
    static uint64_t headKey(uint64_t x, size_t len)
    {
        return (x | 0x2020202020202020ULL) & (~uint64_t(0) >> (64 - 8 * std::min<size_t>(len, 8)));
    }
    static uint64_t hashOf(uint64_t x, size_t len) { return (x ^ len) * 0x9E3779B97F4A7C15ULL; }
    size_t slotOf(uint64_t h) const { return size_t(h >> 32) & (m_heads.size() - 1); }
    // Whether lower(t) starts with w at p, where t is lower(text) itself or, when rawScanAllowed(), the
    // text: ASCII bytes compare folded, others exactly.
    static bool wordAt(const unsigned char* t, size_t n, size_t p, std::string_view w)
    {
        if (n - p < w.size())
            return false;
        for (size_t k = 0; k < w.size(); ++k)
            if (foldAscii(t[p + k]) != static_cast<unsigned char>(w[k]))
                return false;
        return true;
    }
    // Returns the index of head s (adding it if new).
    size_t addHead(std::string_view s)
    {
        uint64_t x = 0;
        std::memcpy(&x, s.data(), std::min<size_t>(s.size(), 8));
        x = headKey(x, s.size());
        const uint64_t h = hashOf(x, s.size());
        size_t i = slotOf(h);
        for (; m_heads[i].len != 0; i = (i + 1) & (m_heads.size() - 1))
            if (m_headText[m_heads[i].text] == s)
                return m_heads[i].text;
        m_filter[h >> 54] |= uint64_t(1) << (h >> 48 & 63);
        m_heads[i] = Head{x, uint32_t(s.size()), uint32_t(m_headText.size())};
        m_headText.emplace_back(s);
        m_headWords.emplace_back();
        m_maxHead = std::max(m_maxHead, s.size());
        return m_headText.size() - 1;
    }
    // Finds the code points whose lower-case form holds an ASCII byte, and whether every non-ASCII code
    // point in the words is one that no other code point lower-cases to (see rawScanAllowed()).
    void findCaseTraps(const std::vector<std::string>& words)
    {
        std::set<utf8proc_int32_t> lowerTargets; // non-ASCII code points some other code point lowers to
        for (utf8proc_int32_t cp = 0x80; cp <= 0x10FFFF; ++cp) {
            const utf8proc_int32_t l = utf8proc_tolower(cp);
            if (l == cp)
                continue;
            if (l < 0x80) {
                utf8proc_uint8_t buf[4];
                m_caseTraps.emplace_back(reinterpret_cast<char*>(buf), size_t(utf8proc_encode_char(cp, buf)));
            } else {
                lowerTargets.insert(l);
            }
        }
        m_rawScan = true;
        for (const auto& w : words) {
            const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(w.data());
            for (size_t i = 0; i < w.size();) {
                utf8proc_int32_t cp = 0;
                const utf8proc_ssize_t len = utf8proc_iterate(p + i, utf8proc_ssize_t(w.size() - i), &cp);
                if (len <= 0 || lowerTargets.count(cp) || utf8proc_tolower(cp) != cp)
                    m_rawScan = false;
                i += len > 0 ? size_t(len) : 1;
            }
        }
    }

    BadWordsRegex() = default;
    pcre2_code* m_re = nullptr;
    size_t m_words = 0;
    std::vector<Head> m_heads; // open addressing, linear probing; a power of two, at most 1/4 full
    std::vector<std::string> m_headText;
    std::vector<std::vector<std::string>> m_headWords; // the words with each leading run (index as m_headText)
    uint64_t m_filter[kFilterBits / 64] = {}; // bit h >> 48 for each head's hash h: most runs stop here
    size_t m_maxHead = 0;
    std::vector<std::string> m_odd; // words that start with no ASCII word byte (the list's emoji)
    uint8_t m_oddFirst[256] = {};
    int m_oddByte = -1; // the one first byte of all odd words, or < 0
    std::vector<std::string> m_caseTraps; // UTF-8 of the code points whose lower() is ASCII
    bool m_rawScan = false;
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

// text.lower() with simple case mapping (see badwords.h): eight ASCII bytes at a time, other code points
// through utf8proc. Returns its length; out holds kPad zero bytes after it, for 64-byte blocks.
constexpr size_t kPad = 64;
size_t lowerInto(std::string_view text, std::string& out)
{
    out.resize(text.size() + 8);
    const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
    const size_t n = text.size();
    size_t i = 0, w = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t x;
            std::memcpy(&x, p + i, 8);
            if ((x & 0x8080808080808080ULL) == 0) {
                x = foldAscii8(x);
                std::memcpy(out.data() + w, &x, 8);
                i += 8;
                w += 8;
                continue;
            }
        }
        const unsigned char c = p[i];
        if (c < 0x80) {
            out[w++] = char(foldAscii(c));
            ++i;
            continue;
        }
        if (w + 8 + (n - i) > out.size()) // a lower-case form can be longer than its capital
            out.resize(out.size() + out.size() / 2 + 16);
        utf8proc_int32_t cp = 0;
        const utf8proc_ssize_t len = utf8proc_iterate(p + i, utf8proc_ssize_t(n - i), &cp);
        if (len <= 0) { // not UTF-8 (the reader rejects such text; still never loop or crash)
            std::memcpy(out.data() + w, "\xEF\xBF\xBD", 3);
            w += 3;
            ++i;
            continue;
        }
        w += size_t(utf8proc_encode_char(utf8proc_tolower(cp), reinterpret_cast<utf8proc_uint8_t*>(out.data() + w)));
        i += size_t(len);
    }
    out.resize(w + kPad);
    std::memset(out.data() + w, 0, kPad);
    return w;
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

    // Calls fn(p) for each p, ascending, where a word of the list occurs in lower(t) right after a byte
    // that is not an ASCII word byte (or at 0), until fn returns false; returns false if it never did.
    // t[0, n) is padded as lowerInto() leaves it. The runs of ASCII word bytes come from one 64-bit mask per
    // 64 bytes, visited by their ends (one loop exit to mispredict per block, not one per 16 bytes); the
    // words that start otherwise are looked for in the gaps between runs.
    template<typename Fn>
    bool forEachCandidate(const unsigned char* t, size_t n, Fn&& fn) const
    {
        const bool hasOdd = m_re->hasOdd();
        size_t odd = hasOdd ? m_re->nextOdd(t, 0, n) : n;
        // odd-word candidates in [from, to): from is 0 or one past the byte after a run (that byte follows
        // a word character, so no match can start a word there)
        auto gapCandidates = [&](size_t from, size_t to) {
            for (; odd < to; odd = m_re->nextOdd(t, odd + 1, n))
                if (odd >= from && m_re->oddAt(t, n, odd) && !fn(odd))
                    return false;
            return true;
        };
        size_t runStart = 0, gapFrom = 0; // runStart: of a run that reaches past the block
        uint64_t carry = 0; // 1 when the byte before the block is an ASCII word byte
        for (size_t q = 0; q <= n; q += 64) { // the padding's zeros end a run at n
            uint64_t m = 0;
            for (int k = 0; k < 4; ++k)
                m |= uint64_t(bytescan::movemask(bytescan::asciiWordMask(bytescan::load16(t + q + 16 * k))))
                    << (16 * k);
            const uint64_t prev = (m << 1) | carry;
            uint64_t starts = m & ~prev; // taken in step with the ends: the k-th end closes the k-th run
            uint64_t ends = ~m & prev;
            carry = m >> 63;
            for (; ends; ends &= ends - 1) {
                const unsigned b = unsigned(__builtin_ctzll(ends));
                size_t start = runStart; // a run open at the block's start (only the first end can close it)
                if (starts && unsigned(__builtin_ctzll(starts)) < b) {
                    start = q + size_t(__builtin_ctzll(starts));
                    starts &= starts - 1;
                }
                if (odd < start && !gapCandidates(gapFrom, start)) // (odd is n without odd words)
                    return true;
                if (m_re->wordAtRun(t, n, start, q + b) && !fn(start))
                    return true;
                gapFrom = q + b + 1;
            }
            if (carry) // a run reaches the next block: it starts at the start left over, or before the block
                runStart = starts ? q + size_t(__builtin_ctzll(starts)) : runStart;
        }
        return hasOdd && !gapCandidates(gapFrom, n);
    }

    void score(std::string_view text, float* out) override
    {
        if (!m_re) {
            out[0] = kMissing;
            return;
        }
        // re.finditer without scanning the regex over every position (a 400-way alternation runs at
        // ~8 MB/s): a match starts either at a \W character right before a word or at 0 with a word
        // there, so only positions p that follow a byte that is not an ASCII word character (or p = 0)
        // can hold the matched word, and only where some word of the list occurs at p (wordAtRun for a
        // run of ASCII word bytes at p, oddAt for the words that start otherwise). For each such p,
        // leftmost first, the regex itself is run anchored at the start of the character before p (at 0
        // for p = 0): it decides exactly as the unanchored search would at that start.
        // First, where allowed, the text itself is scanned for such a p: without one the count is 0,
        // and lower() is computed only for the texts that have one.
        if (m_re->rawScanAllowed(text)) {
            m_buf.resize(text.size() + kPad);
            std::memcpy(m_buf.data(), text.data(), text.size());
            std::memset(m_buf.data() + text.size(), 0, kPad);
            if (!forEachCandidate(reinterpret_cast<const unsigned char*>(m_buf.data()), text.size(),
                                  [](size_t) { return false; })) {
                out[0] = 0;
                return;
            }
        }
        const size_t n = lowerInto(text, m_buf);
        const auto* t = reinterpret_cast<const unsigned char*>(m_buf.data());
        size_t pos = 0, count = 0;
        forEachCandidate(t, n, [&](size_t p) {
            size_t s = p;
            if (p > 0) {
                s = p - 1;
                while (s > 0 && (t[s] & 0xC0) == 0x80)
                    --s;
            }
            if (s < pos)
                return true;
            // Compiled anchored (the JIT does not take PCRE2_ANCHORED at match time).
            const int rc = pcre2_match(m_re->code(), t, n, s, PCRE2_NO_UTF_CHECK, m_md, nullptr);
            if (rc >= 0) {
                ++count;
                pos = pcre2_get_ovector_pointer(m_md)[1]; // > s: a word is at least one character
            }
            return true;
        });
        out[0] = float(count);
    }

private:
    std::shared_ptr<const BadWordsRegex> m_re;
    pcre2_match_data* m_md;
    std::string m_buf; // the text, or its lower(), with kPad zero bytes after it
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
    // The list's content hash is part of the identity (hashed once per scorer): another list rescores
    // cached corpora.
    ScorerIdentity identity() const override
    {
        std::call_once(m_identityOnce, [this] {
            m_identity = { name(), version(), {}, { scorerFile("list", findBadWordsList()) } };
        });
        return m_identity;
    }
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

private:
    mutable std::once_flag m_identityOnce;
    mutable ScorerIdentity m_identity;
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
