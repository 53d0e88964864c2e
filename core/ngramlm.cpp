#include "ngramlm.h"

#include "atomicfile.h"
#include "bytesource.h"
#include "ngramlang.h"

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace shardscope {

static_assert(std::endian::native == std::endian::little, "ngram.bin is written in the host's little-endian order");

namespace {

// An n-gram key: its k bytes (k <= 7, the last in the low 8 bits) in bits 0..55, bit 56 set when it begins with
// <s>, k in bits 57..59. Order = k + the <s> bit. Distinct n-grams have distinct keys; 0 is no n-gram.
constexpr uint64_t kBosBit = uint64_t(1) << 56;
constexpr uint64_t kBosContext = kBosBit; // <s> alone: a context, never a stored n-gram

constexpr uint64_t byteMask(int k)
{
    return k >= 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * k)) - 1;
}
constexpr uint64_t pack(uint64_t bytes, int k, bool bos)
{
    return (bytes & byteMask(k)) | (bos ? kBosBit : 0) | (uint64_t(k) << 57);
}
constexpr int keyBytes(uint64_t key)
{
    return int((key >> 57) & 7);
}
constexpr bool keyBos(uint64_t key)
{
    return key & kBosBit;
}
constexpr int keyOrder(uint64_t key)
{
    return keyBytes(key) + (keyBos(key) ? 1 : 0);
}
// The n-gram without its first symbol (0: empty).
constexpr uint64_t dropFirst(uint64_t key)
{
    const int k = keyBytes(key);
    if (keyBos(key))
        return key & ~kBosBit;
    return k <= 1 ? 0 : pack(key, k - 1, false);
}
// The context: the n-gram without its last byte (0: empty; kBosContext: <s>).
constexpr uint64_t prefixOf(uint64_t key)
{
    const int k = keyBytes(key);
    if (k <= 1)
        return keyBos(key) ? kBosContext : 0;
    return pack((key & byteMask(k)) >> 8, k - 1, keyBos(key));
}
// The key of the order-m n-gram ending in the newest byte of `window` (newest in the low 8 bits), `before`
// bytes of the document preceding that byte; m - 1 <= before + 1 (with m - 1 == before + 1 it begins with <s>).
inline uint64_t keyAt(uint64_t window, int m, uint64_t before)
{
    if (uint64_t(m - 1) <= before)
        return pack(window, m, false);
    return pack(window, m - 1, true);
}

inline uint64_t slotHash(uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

size_t capacityFor(size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap <<= 1;
    return cap;
}

// The counting tables: open addressing, key 0 empty, grown at half full.
template <class V> class KeyTable {
public:
    struct Slot {
        uint64_t key = 0;
        V value {};
    };
    KeyTable() { m_slots.resize(1024); }
    V& operator[](uint64_t key)
    {
        if (2 * (m_size + 1) > m_slots.size())
            grow();
        Slot* s = locate(key);
        if (!s->key) {
            s->key = key;
            ++m_size;
        }
        return s->value;
    }
    V* find(uint64_t key)
    {
        Slot* s = locate(key);
        return s->key ? &s->value : nullptr;
    }
    size_t size() const { return m_size; }
    std::vector<Slot>& slots() { return m_slots; }
    void clear()
    {
        std::vector<Slot>().swap(m_slots);
        m_size = 0;
    }

private:
    Slot* locate(uint64_t key)
    {
        const size_t mask = m_slots.size() - 1;
        size_t i = slotHash(key) & mask;
        while (m_slots[i].key && m_slots[i].key != key)
            i = (i + 1) & mask;
        return &m_slots[i];
    }
    void grow()
    {
        std::vector<Slot> old(m_slots.size() * 2);
        old.swap(m_slots);
        m_size = 0;
        for (const Slot& s : old)
            if (s.key) {
                Slot* d = locate(s.key);
                *d = s;
                ++m_size;
            }
    }
    std::vector<Slot> m_slots;
    size_t m_size = 0;
};

struct GramCounts {
    uint32_t raw = 0;
    uint32_t adj = 0;
    float pstar = 0; // the interpolated P(w | h)
    float cum = 1; // C(g)
};

struct ContextStats {
    uint64_t total = 0;
    uint32_t n1 = 0, n2 = 0, n3 = 0;
};

std::array<double, 3> discountsFrom(const std::array<uint64_t, 5>& nk)
{
    const double n1 = double(nk[1]), n2 = double(nk[2]), n3 = double(nk[3]), n4 = double(nk[4]);
    if (n1 == 0 || n2 == 0 || n3 == 0 || n4 == 0)
        return { 0.5, 1.0, 1.5 };
    const double y = n1 / (n1 + 2 * n2);
    const std::array<double, 3> d { 1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3 };
    // A discount of 0 would leave no mass for unseen bytes (infinite bits); small samples give such estimates.
    for (int i = 0; i < 3; ++i)
        if (!(d[size_t(i)] > 0 && d[size_t(i)] <= double(i + 1)))
            return { 0.5, 1.0, 1.5 };
    return d;
}

double discountFor(const std::array<double, 3>& d, uint32_t a)
{
    return a == 0 ? 0 : d[std::min<size_t>(a, 3) - 1];
}

double gammaOf(const ContextStats& c, const std::array<double, 3>& d)
{
    if (c.total == 0)
        return 1;
    return (d[0] * c.n1 + d[1] * c.n2 + d[2] * c.n3) / double(c.total);
}

template <class T> void put(std::string& out, T v)
{
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
}

class Reader {
public:
    Reader(std::string_view bytes, const std::string& name)
        : m_bytes(bytes)
        , m_name(name)
    {
    }
    template <class T> T get(const char* what)
    {
        if (m_bytes.size() - m_pos < sizeof(T))
            throw InputError(m_name, m_pos, std::string("the n-gram model file is truncated (in ") + what + ")");
        T v;
        std::memcpy(&v, m_bytes.data() + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }
    size_t pos() const { return m_pos; }
    size_t left() const { return m_bytes.size() - m_pos; }

private:
    std::string_view m_bytes;
    const std::string& m_name;
    size_t m_pos = 0;
};

constexpr char kMagic[8] = { 'S', 'S', 'N', 'G', 'R', 'A', 'M', '\0' };
constexpr const char* kFormat = "shardscope-ngram";
constexpr size_t kEntryBytes = 16;

std::string readWhole(const std::string& path, const char* what)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, 0, std::string("cannot open the n-gram model's ") + what);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw InputError(path, 0, std::string("read error in the n-gram model's ") + what);
    return bytes;
}

} // namespace

NgramModel NgramModel::train(const std::vector<std::string_view>& docs, int order)
{
    if (order < 1 || order > kMaxOrder)
        throw std::invalid_argument("n-gram order " + std::to_string(order) + " (this build trains orders 1 to "
            + std::to_string(kMaxOrder) + ")");
    // Counts are 32-bit: a sample under 4 GiB cannot overflow one (and its tables would take tens of GB anyway).
    uint64_t total = 0;
    for (std::string_view doc : docs)
        total += doc.size();
    if (total > UINT32_MAX)
        throw std::invalid_argument("the n-gram model's training text is " + std::to_string(total >> 20)
            + " MiB; it takes at most 4 GiB: train on a smaller --sample");
    const int N = order;
    std::vector<KeyTable<GramCounts>> grams(size_t(N) + 2);
    // Raw counts of every order.
    for (std::string_view doc : docs) {
        uint64_t window = 0;
        for (size_t i = 0; i < doc.size(); ++i) {
            window = (window << 8) | uint8_t(doc[i]);
            for (int m = 1; m <= N && uint64_t(m) <= i + 2; ++m)
                ++grams[size_t(m)][keyAt(window, m, i)].raw;
        }
    }
    // Adjusted counts: raw at the top order and for n-grams that begin with <s>, else distinct left extensions.
    for (int m = 1; m <= N; ++m)
        for (auto& s : grams[size_t(m)].slots())
            if (s.key && (m == N || keyBos(s.key)))
                s.value.adj = s.value.raw;
    for (int m = N; m >= 2; --m)
        for (auto& s : grams[size_t(m)].slots())
            if (s.key)
                ++grams[size_t(m) - 1].find(dropFirst(s.key))->adj;

    NgramModel model;
    model.m_order = N;
    // Discounts and the statistics of each context (by order of the n-grams that follow it).
    std::vector<KeyTable<ContextStats>> contexts(size_t(N) + 2);
    ContextStats emptyContext;
    for (int m = 1; m <= N; ++m) {
        std::array<uint64_t, 5> nk {};
        for (auto& s : grams[size_t(m)].slots())
            if (s.key && s.value.adj <= 4)
                ++nk[s.value.adj];
        model.m_discounts[size_t(m)] = discountsFrom(nk);
        for (auto& s : grams[size_t(m)].slots()) {
            if (!s.key)
                continue;
            const uint64_t h = prefixOf(s.key);
            ContextStats& c = h ? contexts[size_t(m)][h] : emptyContext;
            const uint32_t a = s.value.adj;
            c.total += a;
            c.n1 += a == 1;
            c.n2 += a == 2;
            c.n3 += a >= 3;
        }
    }
    const double gammaEmpty = gammaOf(emptyContext, model.m_discounts[1]);
    double gammaBos = 1;
    if (N >= 2)
        if (ContextStats* c = contexts[2].find(kBosContext))
            gammaBos = gammaOf(*c, model.m_discounts[2]);
    const double cumEmpty = gammaEmpty;
    const double cumBos = gammaEmpty * gammaBos;
    model.m_log2Empty = float(std::log2(cumEmpty));
    model.m_log2Bos = float(std::log2(N >= 2 ? cumBos : cumEmpty));

    // P*, then C, then the stored q and next-context C, order by order.
    for (int m = 1; m <= N; ++m) {
        const auto& d = model.m_discounts[size_t(m)];
        std::vector<NgramEntry> out;
        out.reserve(grams[size_t(m)].size());
        for (auto& s : grams[size_t(m)].slots()) {
            if (!s.key)
                continue;
            const uint64_t h = prefixOf(s.key);
            const ContextStats& c = h ? *contexts[size_t(m)].find(h) : emptyContext;
            const double lower = m == 1 ? 1.0 / 256 : double(grams[size_t(m) - 1].find(dropFirst(s.key))->pstar);
            const uint32_t a = s.value.adj;
            const double pstar = std::max(double(a) - discountFor(d, a), 0.0) / double(c.total) + gammaOf(c, d) * lower;
            s.value.pstar = float(pstar);
            double gamma = 1;
            if (m < N)
                if (ContextStats* next = contexts[size_t(m) + 1].find(s.key))
                    gamma = gammaOf(*next, model.m_discounts[size_t(m) + 1]);
            const uint64_t suffix = dropFirst(s.key);
            const double cumSuffix = suffix ? double(grams[size_t(m) - 1].find(suffix)->cum) : cumEmpty;
            s.value.cum = float(cumSuffix * gamma);
            const double cumContext
                = h == 0 ? cumEmpty : (h == kBosContext ? cumBos : double(grams[size_t(m) - 1].find(h)->cum));
            NgramEntry e;
            e.key = s.key;
            e.log2q = float(std::log2(pstar / cumContext));
            e.log2next = float(std::log2(m < N ? double(s.value.cum) : cumSuffix));
            out.push_back(e);
        }
        std::sort(out.begin(), out.end(), [](const NgramEntry& x, const NgramEntry& y) { return x.key < y.key; });
        model.build(m, std::move(out));
        if (m >= 2)
            grams[size_t(m) - 1].clear(); // no longer needed: only order m's lower neighbour is read
        contexts[size_t(m)].clear();
    }
    return model;
}

void NgramModel::build(int n, std::vector<NgramEntry> sorted)
{
    auto& table = m_tables[size_t(n)];
    table.assign(capacityFor(sorted.size()), NgramEntry {});
    m_mask[size_t(n)] = table.size() - 1;
    m_count[size_t(n)] = sorted.size();
    for (const NgramEntry& e : sorted) {
        size_t i = slotHash(e.key) & m_mask[size_t(n)];
        while (table[i].key)
            i = (i + 1) & m_mask[size_t(n)];
        table[i] = e;
    }
}

inline const NgramEntry* NgramModel::find(int n, uint64_t key) const
{
    const auto& table = m_tables[size_t(n)];
    const uint64_t mask = m_mask[size_t(n)];
    size_t i = slotHash(key) & mask;
    for (;;) {
        const NgramEntry& e = table[i];
        if (e.key == key)
            return &e;
        if (!e.key)
            return nullptr;
        i = (i + 1) & mask;
    }
}

double NgramModel::bits(std::string_view text) const
{
    const int N = m_order;
    // The state: the longest stored suffix of the history (at most N - 1 symbols) and log2 C of the context.
    int longest = std::min(1, N - 1);
    float log2c = N >= 2 ? m_log2Bos : m_log2Empty;
    uint64_t window = 0;
    double total = 0;
    const size_t n = text.size();
    constexpr size_t kAhead = 12;
    const NgramEntry* top = m_tables[size_t(N)].data();
    const uint64_t topMask = m_mask[size_t(N)];
    uint64_t ahead = 0;
    for (size_t j = 0; j < kAhead && j < n; ++j)
        ahead = (ahead << 8) | uint8_t(text[j]);
    for (size_t i = 0; i < n; ++i) {
        window = (window << 8) | uint8_t(text[i]);
        // The top-order key kAhead bytes on is known now: ask the memory for its slot early, so the misses of
        // consecutive bytes overlap instead of queueing (the lookups themselves depend on the previous byte).
        if (i + kAhead < n) {
            ahead = (ahead << 8) | uint8_t(text[i + kAhead]);
            if (i + kAhead + 1 >= size_t(N))
                __builtin_prefetch(&top[slotHash(pack(ahead, N, false)) & topMask]);
        }
        const NgramEntry* e = nullptr;
        int m = std::min(N, longest + 1);
        for (; m >= 1; --m)
            if ((e = find(m, keyAt(window, m, i))))
                break;
        if (e) {
            total -= double(e->log2q) + double(log2c);
            log2c = e->log2next;
            longest = std::min(m, N - 1);
        } else {
            total -= -8.0 + double(log2c);
            log2c = m_log2Empty;
            longest = 0;
        }
    }
    return total;
}

float NgramModel::bitsPerByte(std::string_view text) const
{
    if (text.empty())
        return kMissing;
    return float(bits(text) / double(text.size()));
}

std::array<double, 256> NgramModel::distribution(std::string_view prefix) const
{
    std::array<double, 256> p {};
    const double before = bits(prefix);
    std::string t(prefix);
    t.push_back('\0');
    for (int w = 0; w < 256; ++w) {
        t.back() = char(w);
        p[size_t(w)] = std::exp2(-(bits(t) - before));
    }
    return p;
}

std::string NgramModel::serialize() const
{
    std::string out;
    out.append(kMagic, sizeof kMagic);
    put<uint32_t>(out, uint32_t(kFormatVersion));
    put<uint32_t>(out, uint32_t(m_order));
    put<float>(out, m_log2Empty);
    put<float>(out, m_log2Bos);
    for (int m = 1; m <= m_order; ++m)
        for (double d : m_discounts[size_t(m)])
            put<double>(out, d);
    for (int m = 1; m <= m_order; ++m)
        put<uint64_t>(out, m_count[size_t(m)]);
    for (int m = 1; m <= m_order; ++m) {
        std::vector<NgramEntry> sorted;
        sorted.reserve(m_count[size_t(m)]);
        for (const NgramEntry& e : m_tables[size_t(m)])
            if (e.key)
                sorted.push_back(e);
        std::sort(sorted.begin(), sorted.end(), [](const NgramEntry& x, const NgramEntry& y) { return x.key < y.key; });
        for (const NgramEntry& e : sorted) {
            put<uint64_t>(out, e.key);
            put<float>(out, e.log2q);
            put<float>(out, e.log2next);
        }
    }
    put<uint64_t>(out, XXH3_64bits(out.data(), out.size()));
    return out;
}

NgramModel NgramModel::deserialize(std::string_view bytes, const std::string& name)
{
    Reader r(bytes, name);
    char magic[sizeof kMagic];
    for (char& c : magic)
        c = r.get<char>("the magic number");
    if (std::memcmp(magic, kMagic, sizeof kMagic) != 0)
        throw InputError(name, 0, "not a shardscope n-gram model (bad magic number)");
    const uint32_t version = r.get<uint32_t>("the format version");
    if (version != uint32_t(kFormatVersion))
        throw InputError(name, 8,
            "n-gram model format version " + std::to_string(version) + " (this build reads version "
                + std::to_string(kFormatVersion) + "); train the model again");
    if (bytes.size() < 8 + 8)
        throw InputError(name, 0, "the n-gram model file is truncated");
    const uint64_t stored = [&] {
        uint64_t v;
        std::memcpy(&v, bytes.data() + bytes.size() - 8, 8);
        return v;
    }();
    if (XXH3_64bits(bytes.data(), bytes.size() - 8) != stored)
        throw InputError(name, bytes.size() - 8, "the n-gram model file is corrupt (checksum mismatch)");
    const std::string_view body = bytes.substr(0, bytes.size() - 8);
    Reader b(body, name);
    for (size_t i = 0; i < sizeof kMagic + 4; ++i)
        b.get<char>("the header");
    const uint32_t order = b.get<uint32_t>("the order");
    if (order < 1 || order > uint32_t(kMaxOrder))
        throw InputError(name, 12, "n-gram order " + std::to_string(order) + " (1 to 7 expected)");
    NgramModel model;
    model.m_order = int(order);
    model.m_log2Empty = b.get<float>("the header");
    model.m_log2Bos = b.get<float>("the header");
    if (!std::isfinite(model.m_log2Empty) || !std::isfinite(model.m_log2Bos))
        throw InputError(name, 16, "the n-gram model's header holds a value that is not a finite number");
    for (int m = 1; m <= model.m_order; ++m)
        for (double& d : model.m_discounts[size_t(m)]) {
            d = b.get<double>("the discounts");
            if (!std::isfinite(d))
                throw InputError(name, b.pos() - 8, "a discount is not a finite number");
        }
    std::array<uint64_t, kMaxOrder + 1> counts {};
    uint64_t all = 0;
    for (int m = 1; m <= model.m_order; ++m) {
        counts[size_t(m)] = b.get<uint64_t>("the table sizes");
        if (counts[size_t(m)] > b.left() / kEntryBytes)
            throw InputError(name, b.pos() - 8,
                "the order-" + std::to_string(m) + " table claims " + std::to_string(counts[size_t(m)])
                    + " entries, more than the file holds");
        all += counts[size_t(m)];
    }
    if (all * kEntryBytes != b.left())
        throw InputError(name, b.pos(),
            "the n-gram model file's size does not match its tables (" + std::to_string(b.left()) + " bytes for "
                + std::to_string(all) + " entries)");
    for (int m = 1; m <= model.m_order; ++m) {
        std::vector<NgramEntry> entries(counts[size_t(m)]);
        uint64_t last = 0;
        for (NgramEntry& e : entries) {
            const size_t at = b.pos();
            e.key = b.get<uint64_t>("the entries");
            e.log2q = b.get<float>("the entries");
            e.log2next = b.get<float>("the entries");
            if ((e.key >> 60) != 0 || keyOrder(e.key) != m || keyBytes(e.key) < 1
                || (e.key & ~(byteMask(keyBytes(e.key)) | kBosBit | (uint64_t(7) << 57))) != 0)
                throw InputError(name, at, "entry is not an order-" + std::to_string(m) + " n-gram");
            if (e.key <= last)
                throw InputError(name, at, "the order-" + std::to_string(m) + " entries are not in key order");
            if (!std::isfinite(e.log2q) || !std::isfinite(e.log2next))
                throw InputError(name, at, "an entry holds a value that is not a finite number");
            last = e.key;
        }
        model.build(m, std::move(entries));
    }
    return model;
}

uint64_t NgramModel::save(const std::string& dir) const
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error(dir + ": cannot create the model directory: " + ec.message());
    // A per-language set saved here before (the GUI saves either kind into the corpus's one reference directory)
    // would win over this model (ngram:model=DIR reads the manifest first): the manifest goes first, then its models.
    const std::filesystem::path manifest = std::filesystem::path(dir) / NgramLanguageManifest::kFileName;
    if (std::filesystem::exists(manifest, ec)) {
        std::filesystem::remove(manifest, ec);
        if (ec)
            throw std::runtime_error(manifest.string() + ": cannot remove the per-language manifest: " + ec.message());
        for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
            const std::string name = e.path().filename().string();
            if (e.is_directory() && (name == NgramLanguageManifest::kAllLanguages || name.starts_with("lang-"))) {
                std::error_code ignored;
                std::filesystem::remove(e.path() / kBinaryName, ignored);
                std::filesystem::remove(e.path() / kMetaName, ignored);
                std::filesystem::remove(e.path(), ignored); // only when empty
            }
        }
    }
    const std::string bin = serialize();
    const uint64_t binHash = XXH3_64bits(bin.data(), bin.size());
    writeFileAtomically((std::filesystem::path(dir) / kBinaryName).string(), bin);
    nlohmann::json j;
    j["format"] = kFormat;
    j["version"] = kFormatVersion;
    j["unit"] = "byte";
    j["smoothing"] = "interpolated modified Kneser-Ney";
    j["order"] = m_order;
    j["binary"] = kBinaryName;
    j["binary_xxh3_64"] = [&] {
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(binHash));
        return std::string(hex);
    }();
    nlohmann::json discounts = nlohmann::json::array();
    nlohmann::json entries = nlohmann::json::array();
    for (int m = 1; m <= m_order; ++m) {
        discounts.push_back(m_discounts[size_t(m)]);
        entries.push_back(m_count[size_t(m)]);
    }
    j["discounts"] = discounts;
    j["entries"] = entries;
    nlohmann::json t;
    t["shards"] = provenance.shards;
    t["sample"] = provenance.sample;
    t["seed"] = provenance.seed;
    t["documents"] = provenance.documents;
    t["bytes"] = provenance.bytes;
    t["held_out_documents"] = provenance.heldOutDocuments;
    t["held_out_bytes"] = provenance.heldOutBytes;
    if (provenance.heldOutBpb >= 0)
        t["held_out_bpb"] = provenance.heldOutBpb;
    t["seconds"] = provenance.trainSeconds;
    j["training"] = t;
    j["tool"] = std::string("shardscope ") + SHARDSCOPE_VERSION;
    writeFileAtomically((std::filesystem::path(dir) / kMetaName).string(), j.dump(2) + "\n");
    return binHash;
}

NgramModel NgramModel::load(const std::string& dir, uint64_t* binaryHash)
{
    const std::string binPath = (std::filesystem::path(dir) / kBinaryName).string();
    const std::string metaPath = (std::filesystem::path(dir) / kMetaName).string();
    const std::string metaText = readWhole(metaPath, "metadata (ngram.json)");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(metaText);
    } catch (const nlohmann::json::parse_error& e) {
        throw InputError(metaPath, e.byte > 0 ? uint64_t(e.byte - 1) : 0, std::string("not valid JSON: ") + e.what());
    } catch (const nlohmann::json::exception& e) { // 1e400: out_of_range, not parse_error
        throw InputError(metaPath, 0, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object() || !j.contains("format") || !j["format"].is_string() || j["format"] != kFormat)
        throw InputError(metaPath, 0, std::string("not an n-gram model (expected \"format\": \"") + kFormat + "\")");
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int64_t>() != kFormatVersion)
        throw InputError(metaPath, 0,
            "n-gram model format version " + (j.contains("version") ? j["version"].dump() : std::string("(none)"))
                + " (this build reads version " + std::to_string(kFormatVersion) + "); train the model again");
    const std::string bin = readWhole(binPath, "binary (ngram.bin)");
    NgramModel model = deserialize(bin, binPath);
    if (binaryHash)
        *binaryHash = XXH3_64bits(bin.data(), bin.size());
    if (!j.contains("order") || !j["order"].is_number_integer() || j["order"].get<int64_t>() != model.m_order)
        throw InputError(
            metaPath, 0, "'order' does not match " + binPath + " (order " + std::to_string(model.m_order) + ")");
    if (j.contains("training") && j["training"].is_object()) {
        const auto& t = j["training"];
        auto num = [&](const char* k) { return t.contains(k) && t[k].is_number_unsigned() ? t[k].get<uint64_t>() : 0; };
        model.provenance.documents = num("documents");
        model.provenance.bytes = num("bytes");
        model.provenance.seed = num("seed");
        model.provenance.heldOutDocuments = num("held_out_documents");
        model.provenance.heldOutBytes = num("held_out_bytes");
        if (t.contains("held_out_bpb") && t["held_out_bpb"].is_number())
            model.provenance.heldOutBpb = t["held_out_bpb"].get<double>();
        if (t.contains("sample") && t["sample"].is_string())
            model.provenance.sample = t["sample"].get<std::string>();
        if (t.contains("shards") && t["shards"].is_array())
            for (const auto& s : t["shards"])
                if (s.is_string())
                    model.provenance.shards.push_back(s.get<std::string>());
    }
    return model;
}

namespace {

class NgramWorker final : public ScorerWorker {
public:
    explicit NgramWorker(std::shared_ptr<const NgramModel> m)
        : m_model(std::move(m))
    {
    }
    void score(std::string_view text, float* out) override { out[0] = m_model->bitsPerByte(text); }

private:
    std::shared_ptr<const NgramModel> m_model; // shared: a worker may outlive its scorer
};

class NgramScorer final : public Scorer {
public:
    NgramScorer() = default; // unconfigured: listed, unavailable
    explicit NgramScorer(std::string dir)
        : m_dir(std::move(dir))
        , m_bin((std::filesystem::path(m_dir) / NgramModel::kBinaryName).string())
    {
        // Load first: its errors say what is wrong with the model; the hash is of the same file.
        m_model = std::make_shared<const NgramModel>(NgramModel::load(m_dir));
        try {
            m_hash = hashFile(m_bin);
        } catch (const std::exception&) {
            throw InputError(m_bin, 0, "cannot read the n-gram model file");
        }
    }

    std::string name() const override { return "ngram"; }
    std::string summary() const override
    {
        return "bits per UTF-8 byte under a byte-level Kneser-Ney n-gram model (ngram:model=DIR, from "
               "`shardscope-cli train-ngram`; a DIR from train-ngram --per-language scores each document with its "
               "language's model and adds ngram_lang)";
    }
    std::vector<ColumnInfo> columns() const override
    {
        std::string def = "-(1/B) sum log2 P(byte | <s> and up to N-1 preceding bytes) over the text's B UTF-8 bytes, "
                          "interpolated modified Kneser-Ney (KenLM dialect); empty text: missing; model ";
        def += m_dir.empty() ? std::string("ngram:model=DIR")
                             : m_dir + " (order " + std::to_string(m_model->order()) + ")";
        return { { "ngram_bpb", def, {} } };
    }
    ScorerIdentity identity() const override
    {
        ScorerIdentity id { name(), version(), {}, {} };
        if (!m_dir.empty())
            id.files.push_back({ "model", m_bin, m_hash });
        return id;
    }
    bool needsModel() const override { return true; }
    std::string unavailableReason() const override
    {
        return m_dir.empty() ? "ngram: needs a model directory: ngram:model=DIR (train one with `shardscope-cli "
                               "train-ngram --out DIR SHARD...`), or score --scorers ngram --model DIR"
                             : std::string();
    }
    std::unique_ptr<ScorerWorker> makeWorker() const override
    {
        if (m_dir.empty())
            throw ScorerUnavailable(unavailableReason());
        // The values must be what identity() says: a model retrained in place would give other values under the
        // old hash.
        std::string now;
        try {
            now = hashFile(m_bin);
        } catch (const std::exception&) {
            throw InputError(m_bin, 0, "the n-gram model file is gone or unreadable since the scorer was made");
        }
        if (now != m_hash)
            throw InputError(m_bin, 0,
                "the n-gram model file changed since the scorer was made (content hash " + m_hash + ", now " + now
                    + "); make the scorer again");
        return std::make_unique<NgramWorker>(m_model);
    }

private:
    std::string m_dir;
    std::string m_bin;
    std::string m_hash;
    std::shared_ptr<const NgramModel> m_model;
};

} // namespace

bool isNgramModelDir(const std::string& dir)
{
    std::error_code ec;
    return !dir.empty()
        && (std::filesystem::is_regular_file(std::filesystem::path(dir) / NgramModel::kBinaryName, ec)
            || isNgramLanguageModelDir(dir));
}

std::unique_ptr<Scorer> makeNgramScorer(const ScorerParams& params)
{
    rejectUnknownParams("ngram", params, { "model" });
    auto it = params.find("model");
    if (it == params.end())
        return std::make_unique<NgramScorer>();
    if (isNgramLanguageModelDir(it->second))
        return makeNgramLanguageScorer(it->second);
    return std::make_unique<NgramScorer>(it->second);
}

void registerNgramScorers(ScorerRegistry& r)
{
    r.addWithParams(&makeNgramScorer, { "model" });
}

} // namespace shardscope
