#include "bpetokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <queue>
#include <sstream>

namespace shardscope {

namespace {

// ECMAScript's \s (what gpt-3-encoder's /u regex uses), spelled out so PCRE2 matches the same set.
constexpr const char* kJsSpace = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
                                 "\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";

std::string gpt2Pattern()
{
    const std::string s = std::string("[") + kJsSpace + "]";
    const std::string notS = std::string("[^") + kJsSpace + "]";
    return "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + std::string(kJsSpace) + "\\p{L}\\p{N}]+|" + s
        + "+(?!" + notS + ")|" + s + "+";
}

// Length of the UTF-8 sequence starting at s[i]; 1 for an invalid lead or truncated sequence, so
// broken input is still split into units that the byte fallback can handle.
size_t utf8Len(std::string_view s, size_t i)
{
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (i + n > s.size())
        return 1;
    for (size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
            return 1;
    return n;
}

bool decodeUtf8(std::string_view s, std::vector<uint32_t>& cps)
{
    cps.clear();
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = utf8Len(s, i);
        if (n == 1 && c >= 0x80)
            return false;
        uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (size_t k = 1; k < n; ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        cps.push_back(cp);
        i += n;
    }
    return true;
}

// GPT-2's bytes_to_unicode(): printable bytes map to themselves, the rest to U+0100 upwards.
struct ByteUnicode {
    std::array<uint32_t, 256> toCp {};
    std::unordered_map<uint32_t, uint8_t> toByte;
    ByteUnicode()
    {
        std::vector<bool> direct(256, false);
        for (int b = '!'; b <= '~'; ++b)
            direct[size_t(b)] = true;
        for (int b = 0xA1; b <= 0xAC; ++b)
            direct[size_t(b)] = true;
        for (int b = 0xAE; b <= 0xFF; ++b)
            direct[size_t(b)] = true;
        uint32_t n = 0;
        for (int b = 0; b < 256; ++b) {
            toCp[size_t(b)] = direct[size_t(b)] ? uint32_t(b) : 256 + n++;
            toByte[toCp[size_t(b)]] = uint8_t(b);
        }
    }
};

const ByteUnicode& byteUnicode()
{
    static const ByteUnicode m;
    return m;
}

// A vocabulary key in GPT-2's byte alphabet back to raw bytes; false when it is not in that alphabet
// (special tokens written in plain text).
bool byteLevelToBytes(const std::string& key, std::string& out)
{
    std::vector<uint32_t> cps;
    if (!decodeUtf8(key, cps))
        return false;
    out.clear();
    const auto& m = byteUnicode().toByte;
    for (uint32_t cp : cps) {
        auto it = m.find(cp);
        if (it == m.end())
            return false;
        out += char(it->second);
    }
    return true;
}

std::string readWhole(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw TokenizerError(path + ": cannot open the file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

nlohmann::json parseJson(const std::string& path)
{
    try {
        return nlohmann::json::parse(readWhole(path));
    } catch (const nlohmann::json::parse_error& e) {
        throw TokenizerError(path + ": not valid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
    } catch (const nlohmann::json::exception& e) {
        // A number beyond a double's range ("1e400") is an out_of_range, not a parse_error (issue 18, fuzzing).
        throw TokenizerError(path + ": not valid JSON: " + e.what());
    }
}

struct Regex {
    pcre2_code* code = nullptr;
    Regex() = default;
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;
    ~Regex()
    {
        if (code)
            pcre2_code_free(code);
    }
    void compile(const std::string& pattern, const std::string& where, uint32_t extra = 0)
    {
        int err = 0;
        PCRE2_SIZE off = 0;
        // The pattern comes from a tokenizer file: PCRE2 checks its UTF-8 (a NO_UTF_CHECK pattern that is not valid
        // UTF-8 is undefined behaviour). MATCH_INVALID_UTF makes matching safe on any subject: encode() takes text
        // that is not valid UTF-8 (it is then tokenized byte by byte), and PCRE2's JIT code crashed on such text
        // under NO_UTF_CHECK (issue 18, fuzz_tokenizer_gpt2 and fuzz_tokenizer_json in a release build).
        code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
            PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | extra, &err, &off, nullptr);
        if (!code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            throw TokenizerError(where + ": cannot compile the pre-tokenizer pattern at offset " + std::to_string(off)
                                 + ": " + reinterpret_cast<const char*>(msg));
        }
        pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); // falls back to the interpreter when JIT is unavailable
    }
};

struct MatchData {
    pcre2_match_data* md;
    explicit MatchData(const pcre2_code* c) : md(pcre2_match_data_create_from_pattern(c, nullptr)) { }
    ~MatchData() { pcre2_match_data_free(md); }
    MatchData(const MatchData&) = delete;
    MatchData& operator=(const MatchData&) = delete;
};

bool validUtf8(std::string_view s)
{
    utf8proc_int32_t cp;
    for (utf8proc_ssize_t i = 0, n = utf8proc_ssize_t(s.size()); i < n;) {
        const utf8proc_ssize_t k
            = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data()) + i, n - i, &cp);
        if (k <= 0)
            return false;
        i += k;
    }
    return true;
}

// Calls f(begin, end) for every match of `re` in [0, s.size()), in order. Text between matches is
// skipped (the GPT-2 pattern matches every character; a Split pattern's gaps are its own pre-tokens).
template<class F>
void forEachMatch(const pcre2_code* re, std::string_view s, bool emitGaps, F&& f)
{
    MatchData m(re);
    size_t pos = 0;
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(s.data());
    while (pos < s.size()) {
        int rc = pcre2_match(re, subject, s.size(), pos, 0, m.md, nullptr);
        if (rc < 0) {
            if (emitGaps || !validUtf8(s.substr(pos)))
                f(pos, s.size(), false);
            break;
        }
        PCRE2_SIZE* ov = pcre2_get_ovector_pointer(m.md);
        size_t b = ov[0], e = ov[1];
        // Invalid UTF-8 never matches: keep those bytes as a piece of their own even where gaps are dropped.
        if (b > pos && (emitGaps || !validUtf8(s.substr(pos, b - pos))))
            f(pos, b, false);
        if (e == b) { // empty match: step one character so the loop always advances
            pos = b + utf8Len(s, b);
            continue;
        }
        f(b, e, true);
        pos = e;
    }
}

std::string hexByteToken(uint8_t b)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    return buf;
}

constexpr const char* kSpaceMark = "\xE2\x96\x81"; // U+2581, SentencePiece's visible space

} // namespace

struct BpeTokenizer::Impl {
    Kind kind = Kind::ByteLevel;
    std::string source;
    std::unordered_map<std::string, int32_t> pieceToId;   // raw bytes (byte-level) or SentencePiece piece
    std::vector<std::string> idToPiece;
    struct Merge {
        int32_t rank;
        int32_t merged;
    };
    std::unordered_map<uint64_t, Merge> merges;
    std::array<int32_t, 256> byteId {}; // -1: none; byte-level: the token of each single byte; SentencePiece: <0xXX>
    Regex pretok;                       // byte-level only
    bool pretokGaps = false;            // a Split pattern with behavior "Isolated" keeps the gaps too
    int normalForm = 0;                 // utf8proc options of the normalizer (NFC, NFKC...); 0: none
    Regex added;                        // added tokens, longest first; empty when none
    std::vector<int32_t> addedIds;      // parallel to the alternatives of `added`
    std::unordered_map<std::string, int32_t> addedByContent;
    int32_t unkId = -1;
    int32_t eos = -1;
    int32_t bos = -1;
    bool byteFallback = false;

    static uint64_t key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }

    // Ids index idToPiece, so an id is bounded before it sizes that table: a corrupt id of 2^31 asked for a
    // 64 GB vector (issue 18, fuzz_tokenizer_json). The largest vocabularies in use have about 256k tokens.
    static constexpr int64_t kMaxTokenId = (1 << 21) - 1;

    void addPiece(const std::string& piece, int64_t id)
    {
        if (id < 0)
            throw TokenizerError(source + ": negative token id for '" + piece + "'");
        if (id > kMaxTokenId)
            throw TokenizerError(source + ": token id " + std::to_string(id) + " for '" + piece + "' is beyond "
                + std::to_string(kMaxTokenId) + " (not a vocabulary this tokenizer reads)");
        pieceToId[piece] = int32_t(id);
        if (size_t(id) >= idToPiece.size())
            idToPiece.resize(size_t(id) + 1);
        idToPiece[size_t(id)] = piece;
    }

    void loadVocab(const nlohmann::json& vocab, const std::string& where)
    {
        if (!vocab.is_object())
            throw TokenizerError(where + ": the vocabulary is not a JSON object of token -> id");
        std::string bytes;
        for (auto it = vocab.begin(); it != vocab.end(); ++it) {
            if (!it.value().is_number_integer())
                throw TokenizerError(where + ": vocabulary entry '" + it.key() + "' has no integer id");
            const int64_t id = it.value().get<int64_t>(); // addPiece() checks the range before narrowing
            if (kind == Kind::ByteLevel) {
                if (byteLevelToBytes(it.key(), bytes))
                    addPiece(bytes, id);
                else
                    addPiece(it.key(), id);
            } else {
                addPiece(it.key(), id);
            }
        }
    }

    void addMerge(const std::string& a, const std::string& b, int32_t rank, const std::string& where)
    {
        std::string ra = a, rb = b;
        if (kind == Kind::ByteLevel) {
            if (!byteLevelToBytes(a, ra) || !byteLevelToBytes(b, rb))
                throw TokenizerError(where + ": merge " + std::to_string(rank) + " ('" + a + " " + b
                                     + "') is not in the byte-level alphabet");
        }
        auto ia = pieceToId.find(ra), ib = pieceToId.find(rb), im = pieceToId.find(ra + rb);
        if (ia == pieceToId.end() || ib == pieceToId.end() || im == pieceToId.end())
            throw TokenizerError(where + ": merge " + std::to_string(rank) + " ('" + a + " " + b
                                 + "') uses a token that is not in the vocabulary (vocabulary and merges do not fit)");
        merges.emplace(key(ia->second, ib->second), Merge { rank, im->second });
    }

    void finishByteLevel()
    {
        for (int b = 0; b < 256; ++b) {
            // GPT-NeoX has no tokens for bytes that never occur in UTF-8 (0xC0, 0xC1, 0xF5..0xFF).
            auto it = pieceToId.find(std::string(1, char(b)));
            bool neverInUtf8 = b == 0xC0 || b == 0xC1 || b >= 0xF5;
            if (it == pieceToId.end() && !neverInUtf8)
                throw TokenizerError(source + ": byte-level vocabulary lacks the token for byte " + std::to_string(b));
            byteId[size_t(b)] = it == pieceToId.end() ? unkId : it->second;
        }
        if (auto it = pieceToId.find("<|endoftext|>"); it != pieceToId.end())
            eos = it->second;
    }

    // Merges a word's symbols in rank order; `syms` holds token ids and is rewritten in place.
    void bpe(std::vector<int32_t>& syms) const
    {
        const size_t n = syms.size();
        if (n < 2)
            return;
        if (n == 2) {
            auto it = merges.find(key(syms[0], syms[1]));
            if (it != merges.end()) {
                syms[0] = it->second.merged;
                syms.pop_back();
            }
            return;
        }
        std::vector<int32_t> prev(n), next(n);
        for (size_t i = 0; i < n; ++i) {
            prev[i] = int32_t(i) - 1;
            next[i] = i + 1 < n ? int32_t(i + 1) : -1;
        }
        struct Cand {
            int32_t rank;
            int32_t pos;
            int32_t left, right; // ids when pushed; a stale candidate no longer matches
            bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
        };
        std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> q;
        auto push = [&](int32_t i) {
            if (i < 0 || next[size_t(i)] < 0)
                return;
            int32_t j = next[size_t(i)];
            auto it = merges.find(key(syms[size_t(i)], syms[size_t(j)]));
            if (it != merges.end())
                q.push({ it->second.rank, i, syms[size_t(i)], syms[size_t(j)] });
        };
        for (size_t i = 0; i + 1 < n; ++i)
            push(int32_t(i));
        while (!q.empty()) {
            Cand c = q.top();
            q.pop();
            const size_t i = size_t(c.pos);
            if (syms[i] != c.left || syms[i] < 0)
                continue;
            int32_t j = next[i];
            if (j < 0 || syms[size_t(j)] != c.right)
                continue;
            syms[i] = merges.find(key(c.left, c.right))->second.merged;
            syms[size_t(j)] = -1;
            next[i] = next[size_t(j)];
            if (next[i] >= 0)
                prev[size_t(next[i])] = int32_t(i);
            push(prev[i]);
            push(int32_t(i));
        }
        size_t w = 0;
        for (size_t i = 0; i < n; ++i)
            if (syms[i] >= 0)
                syms[w++] = syms[i];
        syms.resize(w);
    }

    void encodeByteLevelWord(std::string_view word, std::vector<int32_t>& out, std::vector<int32_t>& scratch) const
    {
        scratch.clear();
        for (char c : word)
            if (int32_t id = byteId[static_cast<unsigned char>(c)]; id >= 0)
                scratch.push_back(id);
        bpe(scratch);
        out.insert(out.end(), scratch.begin(), scratch.end());
    }

    void encodeSegment(std::string_view s, std::vector<int32_t>& out) const
    {
        std::vector<int32_t> scratch;
        if (kind == Kind::ByteLevel) {
            forEachMatch(pretok.code, s, pretokGaps, [&](size_t b, size_t e, bool) {
                encodeByteLevelWord(s.substr(b, e - b), out, scratch);
            });
            return;
        }
        // SentencePiece: Prepend U+2581, replace ' ' by U+2581, then one word of characters.
        std::string norm;
        norm.reserve(s.size() + 8);
        if (!s.empty())
            norm += kSpaceMark;
        for (char c : s) {
            if (c == ' ')
                norm += kSpaceMark;
            else
                norm += c;
        }
        for (size_t i = 0; i < norm.size();) {
            size_t n = utf8Len(norm, i);
            auto it = pieceToId.find(std::string(norm.substr(i, n)));
            if (it != pieceToId.end()) {
                scratch.push_back(it->second);
            } else if (byteFallback) {
                for (size_t k = 0; k < n; ++k)
                    scratch.push_back(byteId[static_cast<unsigned char>(norm[i + k])]);
            } else if (unkId >= 0) {
                scratch.push_back(unkId);
            }
            i += n;
        }
        bpe(scratch);
        out.insert(out.end(), scratch.begin(), scratch.end());
    }
};

BpeTokenizer::BpeTokenizer() : d(std::make_unique<Impl>()) { }
BpeTokenizer::~BpeTokenizer() = default;
BpeTokenizer::BpeTokenizer(BpeTokenizer&&) noexcept = default;
BpeTokenizer& BpeTokenizer::operator=(BpeTokenizer&&) noexcept = default;

// A JSON value of the wrong type (a number where a token belongs, a string for a flag) is a bad file
// like any other: nlohmann's type errors become TokenizerError instead of escaping past callers that
// catch it (issue 18, fuzz_tokenizer_json).
BpeTokenizer BpeTokenizer::fromGpt2Files(const std::string& vocabPath, const std::string& mergesPath)
try {
    BpeTokenizer t;
    Impl& d = *t.d;
    d.kind = Kind::ByteLevel;
    d.source = vocabPath + " + " + mergesPath;
    d.loadVocab(parseJson(vocabPath), vocabPath);
    std::ifstream in(mergesPath, std::ios::binary);
    if (!in)
        throw TokenizerError(mergesPath + ": cannot open the file");
    std::string line;
    int32_t rank = 0;
    size_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty() || (lineNo == 1 && line.rfind("#version", 0) == 0))
            continue;
        size_t sp = line.find(' ');
        if (sp == std::string::npos || sp == 0 || sp + 1 >= line.size())
            throw TokenizerError(mergesPath + ":" + std::to_string(lineNo) + ": expected two tokens separated by a space");
        d.addMerge(line.substr(0, sp), line.substr(sp + 1), rank++, mergesPath + ":" + std::to_string(lineNo));
    }
    d.finishByteLevel();
    d.pretok.compile(gpt2Pattern(), d.source);
    return t;
} catch (const nlohmann::json::exception& e) {
    throw TokenizerError(vocabPath + ": unexpected JSON: " + e.what());
}

BpeTokenizer BpeTokenizer::fromHfJson(const std::string& path)
try {
    nlohmann::json j = parseJson(path);
    BpeTokenizer t;
    Impl& d = *t.d;
    d.source = path;
    if (!j.is_object() || !j.contains("model") || !j["model"].is_object())
        throw TokenizerError(path + ": no \"model\" object (not a Hugging Face tokenizer.json)");
    const auto& model = j["model"];
    std::string type = model.value("type", std::string("BPE"));
    if (type != "BPE")
        throw TokenizerError(path + ": model type '" + type + "' is not supported (only BPE)");

    // Pre-tokenizer: ByteLevel (GPT-2 pattern), Sequence[Split(pattern), ByteLevel], or none (SentencePiece).
    std::string splitPattern;
    bool byteLevel = false, splitIsolated = false;
    auto visit = [&](const nlohmann::json& p, auto& self) -> void {
        if (!p.is_object())
            return;
        std::string pt = p.value("type", std::string());
        if (pt == "Sequence") {
            for (const auto& q : p.value("pretokenizers", nlohmann::json::array()))
                self(q, self);
        } else if (pt == "ByteLevel") {
            byteLevel = true;
            if (p.value("add_prefix_space", false))
                throw TokenizerError(path + ": ByteLevel add_prefix_space=true is not supported");
            if (p.value("use_regex", true) && splitPattern.empty())
                splitPattern = gpt2Pattern();
        } else if (pt == "Split") {
            const auto& pat = p.value("pattern", nlohmann::json::object());
            if (pat.contains("Regex"))
                splitPattern = pat["Regex"].get<std::string>();
            else if (pat.contains("String"))
                throw TokenizerError(path + ": Split with a plain string pattern is not supported");
            std::string behavior = p.value("behavior", std::string("Isolated"));
            if (behavior != "Isolated")
                throw TokenizerError(path + ": Split behavior '" + behavior + "' is not supported (only Isolated)");
            splitIsolated = true;
            if (p.value("invert", false))
                throw TokenizerError(path + ": Split invert=true is not supported");
        } else if (!pt.empty() && pt != "Digits") {
            throw TokenizerError(path + ": pre-tokenizer '" + pt + "' is not supported");
        }
    };
    if (j.contains("pre_tokenizer"))
        visit(j["pre_tokenizer"], visit);

    // Normalizer: Unicode normal forms through utf8proc; SentencePiece's Prepend/Replace of the space
    // is what Kind::SentencePiece does anyway. Anything else would change ids silently: refused.
    auto visitNorm = [&](const nlohmann::json& n, auto& self) -> void {
        if (!n.is_object())
            return;
        const std::string nt = n.value("type", std::string());
        if (nt == "Sequence") {
            for (const auto& q : n.value("normalizers", nlohmann::json::array()))
                self(q, self);
        } else if (nt == "NFC") {
            d.normalForm = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
        } else if (nt == "NFKC") {
            d.normalForm = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
        } else if (nt == "NFD") {
            d.normalForm = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
        } else if (nt == "NFKD") {
            d.normalForm = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
        } else if (nt == "Prepend" || nt == "Replace") {
            if (byteLevel)
                throw TokenizerError(path + ": normalizer '" + nt + "' with a ByteLevel pre-tokenizer is not supported");
        } else if (!nt.empty()) {
            throw TokenizerError(path + ": normalizer '" + nt + "' is not supported (NFC, NFKC, NFD, NFKD and "
                                        "SentencePiece's Prepend/Replace are)");
        }
    };
    if (j.contains("normalizer"))
        visitNorm(j["normalizer"], visitNorm);
    d.kind = byteLevel ? Kind::ByteLevel : Kind::SentencePiece;
    d.byteFallback = model.value("byte_fallback", false);

    d.loadVocab(model.value("vocab", nlohmann::json()), path);
    const auto& merges = model.value("merges", nlohmann::json::array());
    int32_t rank = 0;
    for (const auto& m : merges) {
        std::string a, b;
        if (m.is_string()) {
            const auto& s = m.get_ref<const std::string&>();
            size_t sp = s.find(' ');
            if (sp == std::string::npos)
                throw TokenizerError(path + ": merge " + std::to_string(rank) + " '" + s + "' has no space");
            a = s.substr(0, sp);
            b = s.substr(sp + 1);
        } else if (m.is_array() && m.size() == 2) {
            a = m[0].get<std::string>();
            b = m[1].get<std::string>();
        } else {
            throw TokenizerError(path + ": merge " + std::to_string(rank) + " is neither \"a b\" nor [a, b]");
        }
        d.addMerge(a, b, rank++, path);
    }

    if (model.contains("unk_token") && model["unk_token"].is_string())
        if (auto it = d.pieceToId.find(model["unk_token"].get<std::string>()); it != d.pieceToId.end())
            d.unkId = it->second;

    // Added tokens become pieces too (decode, lookups) and are split out of the text before BPE.
    std::vector<std::pair<std::string, int32_t>> added;
    for (const auto& a : j.value("added_tokens", nlohmann::json::array())) {
        std::string content = a.value("content", std::string());
        // An integer only: value<int32_t>() of 1e300 is undefined behaviour (UBSan in fuzz_tokenizer_json).
        const int64_t id = a.contains("id") && a["id"].is_number_integer() ? a["id"].get<int64_t>() : -1;
        if (content.empty() || id < 0)
            continue;
        if (size_t(id) >= d.idToPiece.size() || d.idToPiece[size_t(id)].empty())
            d.addPiece(content, id);
        d.addedByContent[content] = int32_t(id);
        added.emplace_back(content, int32_t(id));
    }
    if (!added.empty()) {
        std::stable_sort(added.begin(), added.end(),
                         [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });
        std::string alt;
        for (const auto& [content, id] : added) {
            if (!alt.empty())
                alt += '|';
            // \Q...\E quotes everything up to the next \E, so a \E inside the content ends the quote early:
            // "a\Eb" matched "ab", which has no entry in addedByContent (std::out_of_range in encode; issue 18,
            // fuzz_tokenizer_json). Each \E is written as \E\\E\Q: end the quote, a literal \E, quote again.
            std::string quoted;
            for (size_t k = 0; k < content.size(); ++k) {
                if (content.compare(k, 2, "\\E") == 0) {
                    quoted += "\\E\\\\E\\Q";
                    ++k;
                } else {
                    quoted += content[k];
                }
            }
            alt += "\\Q" + quoted + "\\E";
            d.addedIds.push_back(id);
        }
        d.added.compile(alt, path + " (added tokens)");
    }

    if (d.kind == Kind::ByteLevel) {
        d.finishByteLevel();
        d.pretok.compile(splitPattern.empty() ? gpt2Pattern() : splitPattern, path);
        d.pretokGaps = splitIsolated;
    } else {
        for (int b = 0; b < 256; ++b) {
            auto it = d.pieceToId.find(hexByteToken(uint8_t(b)));
            d.byteId[size_t(b)] = it == d.pieceToId.end() ? d.unkId : it->second;
            if (it == d.pieceToId.end() && d.byteFallback)
                throw TokenizerError(path + ": byte_fallback is set but the vocabulary lacks " + hexByteToken(uint8_t(b)));
        }
        if (auto it = d.pieceToId.find("</s>"); it != d.pieceToId.end())
            d.eos = it->second;
        if (auto it = d.pieceToId.find("<s>"); it != d.pieceToId.end())
            d.bos = it->second;
    }
    if (d.eos < 0)
        if (auto it = d.addedByContent.find("<|endoftext|>"); it != d.addedByContent.end())
            d.eos = it->second;
    return t;
} catch (const nlohmann::json::exception& e) {
    throw TokenizerError(path + ": unexpected JSON: " + e.what());
}

BpeTokenizer BpeTokenizer::fromDirectory(const std::string& dir)
{
    namespace fs = std::filesystem;
    const fs::path p(dir);
    if (fs::exists(p / "tokenizer.json"))
        return fromHfJson((p / "tokenizer.json").string());
    if (fs::exists(p / "vocab.json") && fs::exists(p / "merges.txt"))
        return fromGpt2Files((p / "vocab.json").string(), (p / "merges.txt").string());
    if (fs::exists(p / "encoder.json") && fs::exists(p / "vocab.bpe"))
        return fromGpt2Files((p / "encoder.json").string(), (p / "vocab.bpe").string());
    throw TokenizerError(dir + ": no tokenizer found (expected tokenizer.json, vocab.json + merges.txt, "
                               "or encoder.json + vocab.bpe)");
}

namespace {

using Utf8procBuffer = std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)>;

// `text` in the normal form `options` asks for, in `holder` when it changes (ASCII is in every
// normal form already). Invalid UTF-8 is left as it is (then tokenized byte by byte).
std::string_view normalForm(std::string_view text, int options, Utf8procBuffer& holder)
{
    if (!options || std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
        return text;
    utf8proc_uint8_t* dst = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                            utf8proc_ssize_t(text.size()), &dst, utf8proc_option_t(options));
    if (n < 0)
        return text;
    holder.reset(dst);
    return std::string_view(reinterpret_cast<const char*>(dst), size_t(n));
}

} // namespace

std::string BpeTokenizer::normalize(std::string_view text) const
{
    Utf8procBuffer holder(nullptr, &std::free);
    return std::string(normalForm(text, d->normalForm, holder));
}

void BpeTokenizer::encode(std::string_view text, std::vector<int32_t>& out) const
{
    Utf8procBuffer holder(nullptr, &std::free);
    text = normalForm(text, d->normalForm, holder);
    if (!d->added.code) {
        d->encodeSegment(text, out);
        return;
    }
    MatchData m(d->added.code);
    size_t pos = 0;
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    while (pos < text.size()) {
        int rc = pcre2_match(d->added.code, subject, text.size(), pos, 0, m.md, nullptr);
        if (rc < 0)
            break;
        PCRE2_SIZE* ov = pcre2_get_ovector_pointer(m.md);
        size_t b = ov[0], e = ov[1];
        if (e == b)
            break;
        if (b > pos)
            d->encodeSegment(text.substr(pos, b - pos), out);
        out.push_back(d->addedByContent.at(std::string(text.substr(b, e - b))));
        pos = e;
    }
    if (pos < text.size())
        d->encodeSegment(text.substr(pos), out);
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text) const
{
    std::vector<int32_t> out;
    out.reserve(text.size() / 3 + 4);
    encode(text, out);
    return out;
}

std::string BpeTokenizer::tokenBytes(int32_t id) const
{
    if (id < 0 || size_t(id) >= d->idToPiece.size())
        return {};
    const std::string& p = d->idToPiece[size_t(id)];
    if (d->kind == Kind::ByteLevel)
        return p;
    // A byte-fallback piece only when both digits are hex: std::stoi threw std::invalid_argument for a
    // vocabulary piece such as "<0xZZ>" (issue 18, found by fuzz_tokenizer_json).
    unsigned byte = 0;
    if (p.size() == 6 && p.rfind("<0x", 0) == 0 && p.back() == '>'
        && std::from_chars(p.data() + 3, p.data() + 5, byte, 16).ptr == p.data() + 5)
        return std::string(1, char(byte));
    std::string out;
    for (size_t i = 0; i < p.size();) {
        if (p.compare(i, 3, kSpaceMark) == 0) {
            out += ' ';
            i += 3;
        } else {
            out += p[i++];
        }
    }
    return out;
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const
{
    std::string out;
    for (int32_t id : ids)
        out += tokenBytes(id);
    if (d->kind == Kind::SentencePiece && !out.empty() && out.front() == ' ')
        out.erase(0, 1);
    return out;
}

BpeTokenizer::Kind BpeTokenizer::kind() const { return d->kind; }
int32_t BpeTokenizer::vocabSize() const { return int32_t(d->idToPiece.size()); }
int32_t BpeTokenizer::eosId() const { return d->eos; }
int32_t BpeTokenizer::bosId() const { return d->bos; }
const std::string& BpeTokenizer::source() const { return d->source; }

int32_t BpeTokenizer::tokenId(std::string_view piece) const
{
    auto it = d->pieceToId.find(std::string(piece));
    return it == d->pieceToId.end() ? -1 : it->second;
}

} // namespace shardscope
