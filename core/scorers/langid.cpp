#include "langid.h"
#include "scorers/assets.h"

#include <fasttext/fasttext.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <mutex>
#include <streambuf>


namespace fs = std::filesystem;

namespace shardscope {

namespace {

constexpr const char* kModelName = "lid.176.ftz";
constexpr const char* kLabelPrefix = "__label__";
constexpr const char* kEos = "</s>";

// fastText's Dictionary::hash (FNV-1a over the bytes, each sign-extended as fastText does).
inline uint32_t fnvStep(uint32_t h, char c)
{
    return (h ^ uint32_t(int32_t(int8_t(c)))) * 16777619u;
}
constexpr uint32_t kFnvInit = 2166136261u;

inline bool isFastTextSpace(char c)
{
    // fastText's readWord() separators; '\n' never reaches here (replaced by ' ').
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}

// A read-only streambuf over a string, for fastText's istream interfaces without a copy.
class ViewBuf : public std::streambuf {
public:
    void set(const char* b, size_t n)
    {
        char* p = const_cast<char*>(b);
        setg(p, p, p + n);
    }
};

// Walks a fastText 0.9.2 model file and checks that every count and length fits in the file,
// before libfasttext reads it (its loader trusts the file: a truncated dictionary makes it loop
// forever, a huge matrix size makes it allocate without bound). Also collects the pruned-bucket map.
struct ModelLayout {
    int32_t dim = 0, wordNgrams = 0, loss = 0, model = 0, bucket = 0, minn = 0, maxn = 0;
    int32_t size = 0, nwords = 0, nlabels = 0;
    int64_t pruneSize = -1;
    std::vector<std::pair<int32_t, int32_t>> prune;
};

class LayoutReader {
public:
    LayoutReader(const std::string& path, std::vector<char> data) : m_path(path), m_data(std::move(data)) { }
    [[noreturn]] void fail(const std::string& what) const
    {
        throw LidModelError(m_path + ": byte " + std::to_string(m_pos) + ": " + what
                            + " (not a fastText 0.9.2 model, or a truncated one)");
    }
    template<typename T>
    T read(const char* what)
    {
        if (m_data.size() - m_pos < sizeof(T))
            fail(std::string("file ends inside ") + what);
        T v {};
        std::memcpy(&v, m_data.data() + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }
    void skip(uint64_t n, const char* what)
    {
        if (m_data.size() - m_pos < n)
            fail(std::string("file ends inside ") + what);
        m_pos += size_t(n);
    }
    std::string cstring(const char* what)
    {
        const void* end = std::memchr(m_data.data() + m_pos, 0, m_data.size() - m_pos);
        if (!end)
            fail(std::string("unterminated ") + what);
        std::string s(m_data.data() + m_pos, size_t(static_cast<const char*>(end) - (m_data.data() + m_pos)));
        m_pos += s.size() + 1;
        return s;
    }
    size_t pos() const { return m_pos; }
    size_t size() const { return m_data.size(); }

private:
    std::string m_path;
    std::vector<char> m_data;
    size_t m_pos = 0;
};

void checkQuantizer(LayoutReader& r, const char* what, int64_t expectedDim)
{
    const auto dim = r.read<int32_t>(what);
    const auto nsubq = r.read<int32_t>(what);
    const auto dsub = r.read<int32_t>(what);
    const auto lastdsub = r.read<int32_t>(what);
    if (dim <= 0 || nsubq <= 0 || dsub <= 0 || lastdsub <= 0 || int64_t(nsubq - 1) * dsub + lastdsub != dim
        || (expectedDim > 0 && dim != expectedDim))
        r.fail(std::string("inconsistent product quantizer in ") + what);
    r.skip(uint64_t(dim) * 256 * sizeof(float), what);
}

// Returns the matrix's rows and columns.
std::pair<int64_t, int64_t> checkMatrix(LayoutReader& r, bool quantized, const char* what)
{
    if (!quantized) {
        const auto m = r.read<int64_t>(what);
        const auto n = r.read<int64_t>(what);
        if (m < 0 || n <= 0 || n > 100000 || uint64_t(m) > r.size() / 4 / uint64_t(n))
            r.fail(std::string("impossible size of ") + what);
        r.skip(uint64_t(m) * uint64_t(n) * sizeof(float), what);
        return { m, n };
    }
    const bool qnorm = r.read<uint8_t>(what) != 0;
    const auto m = r.read<int64_t>(what);
    const auto n = r.read<int64_t>(what);
    const auto codesize = r.read<int32_t>(what);
    if (m < 0 || n <= 0 || n > 100000 || codesize < 0 || uint64_t(codesize) > r.size())
        r.fail(std::string("impossible size of ") + what);
    r.skip(uint64_t(codesize), what);
    checkQuantizer(r, what, n);
    // Each row has one code per sub-quantizer: codesize = m * nsubq (QuantMatrix's constructor).
    const int64_t nsubq = codesize / std::max<int64_t>(1, m);
    if (m > 0 && nsubq * m != codesize)
        r.fail(std::string("code size does not match the rows of ") + what);
    if (qnorm) {
        r.skip(uint64_t(m), what);
        checkQuantizer(r, what, 0);
    }
    return { m, n };
}

ModelLayout readLayout(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw LidModelError(path + ": cannot open the file");
    std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LayoutReader r(path, std::move(data));
    ModelLayout L;
    if (r.read<int32_t>("the header") != 793712314)
        r.fail("wrong magic number");
    const auto version = r.read<int32_t>("the header");
    if (version < 11 || version > 12)
        r.fail("unsupported fastText file version " + std::to_string(version));
    L.dim = r.read<int32_t>("the arguments");
    r.read<int32_t>("the arguments"); // ws
    r.read<int32_t>("the arguments"); // epoch
    r.read<int32_t>("the arguments"); // minCount
    r.read<int32_t>("the arguments"); // neg
    L.wordNgrams = r.read<int32_t>("the arguments");
    L.loss = r.read<int32_t>("the arguments");
    L.model = r.read<int32_t>("the arguments");
    L.bucket = r.read<int32_t>("the arguments");
    L.minn = r.read<int32_t>("the arguments");
    L.maxn = r.read<int32_t>("the arguments");
    r.read<int32_t>("the arguments"); // lrUpdateRate
    r.read<double>("the arguments");  // t
    if (version == 11)
        L.maxn = 0; // fastText: old supervised models have no character n-grams
    if (L.dim <= 0 || L.dim > 100000 || L.loss < 1 || L.loss > 4 || L.bucket < 0 || L.minn < 0 || L.maxn < 0
        || L.maxn > 64 || L.wordNgrams < 0)
        r.fail("implausible model arguments");
    if (L.model != 3)
        r.fail("not a supervised (classification) model");
    L.size = r.read<int32_t>("the dictionary");
    L.nwords = r.read<int32_t>("the dictionary");
    L.nlabels = r.read<int32_t>("the dictionary");
    r.read<int64_t>("the dictionary"); // ntokens
    L.pruneSize = r.read<int64_t>("the dictionary");
    if (L.size < 0 || L.nwords < 0 || L.nlabels <= 0 || int64_t(L.size) != int64_t(L.nwords) + L.nlabels
        || uint64_t(L.size) > r.size())
        r.fail("inconsistent dictionary sizes");
    for (int32_t i = 0; i < L.size; ++i) {
        std::string w = r.cstring("dictionary entry");
        r.read<int64_t>("dictionary entry");
        const auto type = r.read<int8_t>("dictionary entry");
        if (type != (i < L.nwords ? 0 : 1))
            r.fail("dictionary entry " + std::to_string(i) + " has the wrong type");
    }
    if (L.pruneSize > 0) {
        if (uint64_t(L.pruneSize) > r.size() / 8)
            r.fail("impossible pruned-bucket count");
        L.prune.reserve(size_t(L.pruneSize));
        for (int64_t i = 0; i < L.pruneSize; ++i) {
            const auto key = r.read<int32_t>("the pruned-bucket map");
            const auto value = r.read<int32_t>("the pruned-bucket map");
            if (key < 0 || key >= L.bucket || value < 0 || value >= L.pruneSize)
                r.fail("pruned-bucket entry out of range");
            L.prune.emplace_back(key, value);
        }
    }
    const bool quantInput = r.read<uint8_t>("the input matrix") != 0;
    const auto [inRows, inCols] = checkMatrix(r, quantInput, "the input matrix");
    const int64_t expectRows = int64_t(L.nwords) + (L.pruneSize >= 0 ? L.pruneSize : int64_t(L.bucket));
    if (inCols != L.dim || inRows != expectRows)
        r.fail("the input matrix has " + std::to_string(inRows) + " x " + std::to_string(inCols) + ", expected "
               + std::to_string(expectRows) + " x " + std::to_string(L.dim));
    const bool quantOutput = r.read<uint8_t>("the output matrix") != 0;
    const auto [outRows, outCols] = checkMatrix(r, quantInput && quantOutput, "the output matrix");
    if (outCols != L.dim || outRows != L.nlabels)
        r.fail("the output matrix does not match the labels");
    if (r.pos() != r.size())
        r.fail(std::to_string(r.size() - r.pos()) + " bytes after the model");
    return L;
}

class LangIdWorker final : public ScorerWorker {
public:
    explicit LangIdWorker(std::shared_ptr<const LidModel> m) : m_model(std::move(m)) { }
    void score(std::string_view text, float* out) override
    {
        out[0] = out[1] = kMissing;
        if (!m_model || text.empty())
            return;
        const auto p = m_model->predict(text, m_scratch);
        if (p.label < 0)
            return;
        out[0] = float(p.label);
        out[1] = p.probability;
    }

private:
    std::shared_ptr<const LidModel> m_model;
    LidModel::Scratch m_scratch;
};

std::shared_ptr<const LidModel> tryModel(std::string* error)
{
    try {
        return sharedLidModel();
    } catch (const std::exception& e) {
        if (error)
            *error = e.what();
        return nullptr;
    }
}

class LangIdScorer final : public Scorer {
public:
    std::string name() const override { return "langid"; }
    std::string summary() const override
    {
        return "language identification: fastText lid.176 (176 languages), datatrove FT176LID dialect";
    }
    std::vector<ColumnInfo> columns() const override
    {
        std::vector<ColumnInfo> cols {
            { "lang",
              "categorical: top label of fastText lid.176.ftz on the text with '\\n' -> ' ' plus a final '\\n' "
              "(datatrove FT176LID); empty text: missing",
              {} },
            { "lang_score",
              "probability of that label, exp(fastText score) clamped to 1 (datatrove language_score); empty text: "
              "missing",
              {} },
        };
        // The categories are the model's labels: without a model the column cannot be computed anyway.
        if (auto m = tryModel(nullptr))
            cols[0].categories = m->languages();
        return cols;
    }
    // Scores depend on the model file: its content hash is part of the identity, so another file
    // rescores cached corpora (hashed once per scorer).
    ScorerIdentity identity() const override
    {
        std::call_once(m_identityOnce, [this] {
            m_identity = { name(), version(), {}, { scorerFile("model", findLidModel()) } };
        });
        return m_identity;
    }
    bool needsModel() const override { return true; }
    bool includedInAll() const override { return !findLidModel().empty(); }
    std::string unavailableReason() const override
    {
        std::string error;
        tryModel(&error);
        return error;
    }
    std::unique_ptr<ScorerWorker> makeWorker() const override
    {
        // A scan reaches here only after resolveList() checked the model; a scorer made some other
        // way still must not crash: it reports once and leaves the columns missing.
        std::string error;
        auto m = tryModel(&error);
        if (!m) {
            static std::once_flag once;
            std::call_once(once, [&] { std::fprintf(stderr, "error: %s (lang columns left missing)\n", error.c_str()); });
        }
        return std::make_unique<LangIdWorker>(std::move(m));
    }

private:
    mutable std::once_flag m_identityOnce;
    mutable ScorerIdentity m_identity;
};

} // namespace

std::vector<std::string> lidModelCandidates()
{
    return assetCandidates("SHARDSCOPE_LID_MODEL", kModelName, std::string("resources/models/lid176/") + kModelName);
}

std::string findLidModel()
{
    return findAsset("SHARDSCOPE_LID_MODEL", kModelName, std::string("resources/models/lid176/") + kModelName);
}

std::shared_ptr<const LidModel> sharedLidModel()
{
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const LidModel>> loaded;
    const std::string path = findLidModel();
    if (path.empty()) {
        std::string where;
        for (const auto& c : lidModelCandidates())
            where += (where.empty() ? "" : ", ") + c;
        if (const char* env = std::getenv("SHARDSCOPE_LID_MODEL"); env && *env)
            throw LidModelError("langid: SHARDSCOPE_LID_MODEL names " + std::string(env) + ", which does not exist");
        throw LidModelError("langid: the fastText model lid.176.ftz was not found (looked in " + where
                            + "); run scripts/fetch-lid-model.sh or set SHARDSCOPE_LID_MODEL to the file");
    }
    std::lock_guard lock(mutex);
    auto it = loaded.find(path);
    if (it != loaded.end())
        return it->second;
    auto m = LidModel::load(path);
    loaded[path] = m;
    return m;
}

LidModel::~LidModel() = default;

std::shared_ptr<const LidModel> LidModel::load(const std::string& path)
{
    const ModelLayout L = readLayout(path);
    std::shared_ptr<LidModel> m(new LidModel);
    m->m_path = path;
    m->m_ft = std::make_unique<fasttext::FastText>();
    try {
        m->m_ft->loadModel(path);
    } catch (const std::exception& e) {
        throw LidModelError(path + ": fastText cannot load it: " + e.what());
    }
    auto dict = m->m_ft->getDictionary();
    const std::string prefix = m->m_ft->getArgs().label;
    for (int32_t i = 0; i < dict->nlabels(); ++i) {
        std::string label = dict->getLabel(i);
        if (label.rfind(prefix, 0) == 0)
            label.erase(0, prefix.size());
        m->m_languages.push_back(std::move(label));
    }
    m->m_nwords = L.nwords;
    m->m_minn = L.minn;
    m->m_maxn = L.maxn;
    m->m_bucket = L.bucket;
    // The fast path covers what lid.176 uses: labels with the default prefix, no word n-grams.
    m->m_fastPath = L.wordNgrams <= 1 && prefix == kLabelPrefix && L.pruneSize != 0;
    if (m->m_fastPath) {
        m->m_words.reserve(size_t(L.nwords));
        for (int32_t i = 0; i < L.nwords; ++i)
            m->m_words.push_back(dict->getWord(i));
        const size_t slots = std::bit_ceil(size_t(L.nwords) * 2 + 2);
        m->m_wordSlots.assign(slots, -1);
        m->m_wordHashes.assign(slots, 0);
        for (int32_t i = 0; i < L.nwords; ++i) {
            uint32_t h = kFnvInit;
            for (char c : m->m_words[size_t(i)])
                h = fnvStep(h, c);
            size_t s = h & (slots - 1);
            while (m->m_wordSlots[s] >= 0)
                s = (s + 1) & (slots - 1);
            m->m_wordSlots[s] = i;
            m->m_wordHashes[s] = h;
        }
        if (L.pruneSize > 0) {
            m->m_pruned = true;
            const size_t blocks = (size_t(L.bucket) + 63) / 64;
            m->m_pruneBits.assign(blocks, 0);
            for (const auto& [key, value] : L.prune) {
                uint64_t& b = m->m_pruneBits[size_t(key) / 64];
                const uint64_t bit = uint64_t(1) << (key % 64);
                if (b & bit)
                    throw LidModelError(path + ": pruned bucket " + std::to_string(key) + " listed twice");
                b |= bit;
            }
            m->m_pruneRank.assign(blocks + 1, 0);
            for (size_t i = 0; i < blocks; ++i)
                m->m_pruneRank[i + 1] = m->m_pruneRank[i] + uint32_t(std::popcount(m->m_pruneBits[i]));
            m->m_pruneValues.assign(L.prune.size(), 0);
            for (const auto& [key, value] : L.prune) {
                const size_t block = size_t(key) / 64;
                const uint64_t below = m->m_pruneBits[block] & ((uint64_t(1) << (key % 64)) - 1);
                m->m_pruneValues[m->m_pruneRank[block] + uint32_t(std::popcount(below))] = value;
            }
        }
    }
    return m;
}

int32_t LidModel::lookupWord(std::string_view w, uint32_t h) const
{
    const size_t mask = m_wordSlots.size() - 1;
    for (size_t s = h & mask;; s = (s + 1) & mask) {
        const int32_t id = m_wordSlots[s];
        if (id < 0)
            return -1;
        if (m_wordHashes[s] == h && m_words[size_t(id)] == w)
            return id;
    }
}

inline void LidModel::pushBucket(std::vector<int32_t>& out, int32_t bucket) const
{
    // fastText's Dictionary::pushHash.
    if (!m_pruned) {
        out.push_back(m_nwords + bucket);
        return;
    }
    const size_t block = size_t(bucket) / 64;
    const uint64_t bits = m_pruneBits[block];
    const uint64_t bit = uint64_t(1) << (bucket % 64);
    if (!(bits & bit))
        return;
    out.push_back(m_nwords + m_pruneValues[m_pruneRank[block] + uint32_t(std::popcount(bits & (bit - 1)))]);
}

void LidModel::addSubwords(std::vector<int32_t>& out, std::string_view token, std::string& w) const
{
    // fastText's computeSubwords() over "<" + token + ">": character n-grams (UTF-8 aware) of
    // minn..maxn characters, except the lone "<" and ">".
    if (m_maxn <= 0)
        return;
    w.assign(1, '<');
    w.append(token);
    w.push_back('>');
    const size_t n = w.size();
    for (size_t i = 0; i < n; ++i) {
        if ((w[i] & 0xC0) == 0x80)
            continue;
        uint32_t h = kFnvInit;
        for (size_t j = i, len = 1; j < n && int32_t(len) <= m_maxn; ++len) {
            h = fnvStep(h, w[j++]);
            while (j < n && (w[j] & 0xC0) == 0x80)
                h = fnvStep(h, w[j++]);
            if (int32_t(len) >= m_minn && !(len == 1 && (i == 0 || j == n)))
                pushBucket(out, int32_t(h % uint32_t(m_bucket)));
        }
    }
}

void LidModel::wordIds(std::string_view text, std::vector<int32_t>& out, std::string& scratch) const
{
    if (!m_fastPath) {
        referenceWordIds(text, out);
        return;
    }
    out.clear();
    auto dict = m_ft->getDictionary();
    const size_t n = text.size();
    auto emit = [&](std::string_view token, uint32_t h) {
        const int32_t wid = lookupWord(token, h);
        if (wid >= 0) {
            const auto& sub = dict->getSubwords(wid);
            out.insert(out.end(), sub.begin(), sub.end());
        } else if (token.rfind(kLabelPrefix, 0) != 0) {
            // Tokens that start with the label prefix are labels to fastText, never input.
            addSubwords(out, token, scratch);
        }
    };
    size_t i = 0;
    while (i < n) {
        while (i < n && isFastTextSpace(text[i]))
            ++i;
        if (i == n)
            break;
        const size_t start = i;
        uint32_t h = kFnvInit;
        while (i < n && !isFastTextSpace(text[i]))
            h = fnvStep(h, text[i++]);
        const std::string_view token = text.substr(start, i - start);
        emit(token, h);
        // fastText's getLine() stops at the end-of-sentence token, also a literal "</s>" in the text.
        if (token == kEos)
            return;
    }
    // The appended '\n' is fastText's end-of-sentence token "</s>".
    uint32_t h = kFnvInit;
    for (const char* p = kEos; *p; ++p)
        h = fnvStep(h, *p);
    const int32_t eos = lookupWord(kEos, h);
    if (eos >= 0) {
        const auto& sub = dict->getSubwords(eos);
        out.insert(out.end(), sub.begin(), sub.end());
    }
}

void LidModel::referenceWordIds(std::string_view text, std::vector<int32_t>& out) const
{
    std::string line(text);
    std::replace(line.begin(), line.end(), '\n', ' ');
    line.push_back('\n');
    ViewBuf buf;
    buf.set(line.data(), line.size());
    std::istream in(&buf);
    std::vector<int32_t> labels;
    m_ft->getDictionary()->getLine(in, out, labels);
}

LidModel::Prediction LidModel::predict(std::string_view text, Scratch& s) const
{
    Prediction p;
    wordIds(text, s.ids, s.word);
    s.predictions.clear();
    // FastText::predict() is const and keeps its state on the stack: safe from many threads.
    m_ft->predict(1, s.ids, s.predictions, 0.0f);
    if (s.predictions.empty())
        return p;
    p.label = s.predictions.front().second;
    p.probability = std::min(1.0f, std::exp(s.predictions.front().first));
    if (p.label < 0 || size_t(p.label) >= m_languages.size())
        p.label = -1;
    return p;
}

void registerLangIdScorers(ScorerRegistry& r)
{
    r.add([]() -> std::unique_ptr<Scorer> { return std::make_unique<LangIdScorer>(); });
}

} // namespace shardscope
