#include "scorestore.h"

#include "atomicfile.h"
#include "bytesource.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace shardscope {

static constexpr char kMagic[8] = { 'S', 'S', 'C', 'O', 'R', 'E', 'S', '\0' };
// Version 2 added the checksums (a file torn by a crash or a disk fault is detected, and rescored).
static constexpr uint32_t kScoresVersion = 2;
// magic, version, reserved, header length, XXH3-64 of the header text
static constexpr uint64_t kPrefixBytes = 8 + 4 + 4 + 8 + 8;

namespace {

struct Block {
    std::string name;
    const char* type;
    const void* data;
    size_t elem, count;
    uint64_t hash;
};

std::string hex64(uint64_t v)
{
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(v));
    return hex;
}

json fieldsToJson(const FieldMapping& f)
{
    return { { "text", f.text }, { "id", f.id }, { "group", f.group } };
}

FieldMapping fieldsFromJson(const json& j)
{
    FieldMapping f;
    f.text = j.value("text", std::string("/text"));
    f.id = j.value("id", std::string());
    f.group = j.value("group", std::string());
    return f;
}

bool sameFields(const FieldMapping& a, const FieldMapping& b)
{
    return a.text == b.text && a.id == b.id && a.group == b.group;
}

// A block's XXH3 as the header writes it (16 hex digits); nullopt for anything else (a corrupt header).
std::optional<uint64_t> parseHex64(const std::string& text)
{
    uint64_t v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v, 16);
    if (text.size() != 16 || ec != std::errc() || ptr != end)
        return std::nullopt;
    return v;
}

} // namespace

const float* ColumnCheck::verify() const
{
    std::call_once(m_once, [this] {
        static const float kNone = 0.0f; // an empty column's values (never read), so that m_ready is set
        const float* p = m_size ? m_mapped : &kNone;
        if (m_size && XXH3_64bits(m_mapped, m_size * sizeof(float)) != m_xxh3) {
            m_missing.assign(m_size, std::numeric_limits<float>::quiet_NaN());
            m_error = InputError(m_file, m_offset,
                "score column " + m_column
                    + " fails its checksum (corrupt block): its values read as missing; delete the scores file "
                      "or rescore that scorer")
                          .what();
            p = m_missing.data();
        }
        m_ready.store(p, std::memory_order_release);
    });
    return m_ready.load(std::memory_order_acquire);
}

std::vector<std::string> corruptColumns(const ScoreTable& table, bool checkAll)
{
    std::vector<std::string> out;
    for (const ScoreColumn& c : table.values)
        if (checkAll || c.checked())
            if (std::string e = c.integrityError(); !e.empty())
                out.push_back(std::move(e));
    return out;
}

StoredScorer StoredScorer::of(const Scorer& scorer)
{
    return { scorer.identity(), scorer.columns() };
}

bool StoredScorer::matches(const Scorer& scorer) const
{
    // By name first: identity() hashes the scorer's files (an lm's weights), worth it only for a candidate.
    if (identity.name != scorer.name())
        return false;
    return identity == scorer.identity();
}

void saveScores(const std::string& path, const ScanResult& r, const std::vector<std::shared_ptr<const Scorer>>& scorers)
{
    std::vector<StoredScorer> stored;
    for (const auto& sc : scorers)
        stored.push_back(StoredScorer::of(*sc));
    saveScores(path, r, stored);
}

void saveScores(const std::string& path, const ScanResult& r, const std::vector<StoredScorer>& scorers)
{
    if (const fs::path dir = fs::path(path).parent_path(); !dir.empty()) // "x.sscores": the working directory
        fs::create_directories(dir);
    const DocIndex& ix = r.index;
    const size_t n = ix.size();
    // The header needs block offsets, which depend on the header's length: lay the blocks
    // out first with offsets relative to the data start, then fix them up.
    json h;
    h["format"] = "shardscope-scores";
    h["version"] = kScoresVersion;
    h["tool"] = std::string("shardscope ") + SHARDSCOPE_VERSION;
    h["fields"] = fieldsToJson(r.fields);
    h["documents"] = n;
    h["records"] = r.records;
    h["rejected"] = r.rejected;
    h["blank_lines"] = r.blankLines;
    h["skipped"] = r.skipped;
    h["selection"] = r.selection;
    h["text_bytes"] = r.textBytes;
    h["complete"] = r.complete();
    for (const auto& s : r.shards)
        h["shards"].push_back(
            { { "path", s.path }, { "size", s.size }, { "mtime_ns", s.mtimeNs }, { "fingerprint", s.fingerprint },
                { "compression", s.compression }, { "records", s.records }, { "rejected", s.rejected },
                { "decompressed_bytes", s.decompressedBytes }, { "complete", s.complete }, { "error", s.error } });
    for (const auto& sc : scorers) {
        json cols = json::array();
        for (const auto& c : sc.columns)
            cols.push_back({ { "name", c.name }, { "definition", c.definition }, { "categories", c.categories } });
        h["scorers"].push_back({ { "name", sc.identity.name }, { "version", sc.identity.version }, { "columns", cols },
            { "identity", sc.identity.toJson() } });
    }
    if (!h.contains("scorers"))
        h["scorers"] = json::array();
    h["groups"] = ix.groups;
    for (const auto& rj : r.rejects)
        h["rejects"].push_back(
            { { "shard", rj.shard }, { "line", rj.line }, { "offset", rj.offset }, { "reason", rj.reason } });

    std::vector<Block> blocks;
    auto add = [&](std::string name, const char* type, const auto* data, size_t count) {
        const size_t elem = sizeof(*data);
        blocks.push_back({ std::move(name), type, data, elem, count, XXH3_64bits(data, elem * count) });
    };
    add("shard", "u16", ix.shard.data(), n);
    add("offset", "u64", ix.offset.data(), n);
    add("length", "u32", ix.length.data(), n);
    add("line", "u32", ix.line.data(), n);
    add("text_bytes", "u32", ix.textBytes.data(), n);
    add("text_chars", "u32", ix.textChars.data(), n);
    add("group", "u32", ix.group.data(), n);
    add("id_offsets", "u64", ix.ids.offsets().data(), ix.ids.offsets().size());
    std::string_view idBytes = ix.ids.bytes();
    add("id_bytes", "u8", reinterpret_cast<const uint8_t*>(idBytes.data()), idBytes.size());
    for (size_t c = 0; c < r.scores.columns.size(); ++c) {
        // A column loaded from a scores file whose block failed its checksum reads as missing: writing those NaNs
        // under a fresh checksum would pass the corruption off as scores.
        if (std::string e = r.scores.values[c].integrityError(); !e.empty())
            throw InputError(path, 0, "not written: " + e);
        add("score:" + r.scores.columns[c].name, "f32", r.scores.values[c].data(), r.scores.values[c].size());
    }

    // The header holds the block offsets and the file's length, which depend on the header's own length:
    // lay out until that length is stable (offset digits may change it), then pad to it.
    std::string headerText;
    uint64_t headerLen = 0;
    for (int iter = 0; iter < 4; ++iter) {
        json list = json::array();
        uint64_t pos = kPrefixBytes + headerLen;
        for (const Block& b : blocks) {
            pos += (8 - pos % 8) % 8;
            list.push_back({ { "name", b.name }, { "type", b.type }, { "count", b.count }, { "offset", pos },
                { "xxh3", hex64(b.hash) } });
            pos += b.elem * b.count;
        }
        h["blocks"] = list;
        h["file_bytes"] = pos;
        headerText = h.dump();
        if (headerText.size() == headerLen)
            break;
        headerLen = headerText.size();
    }
    headerText.resize(headerLen, ' ');
    const uint64_t headerHash = XXH3_64bits(headerText.data(), headerText.size());

    // A process killed while writing this file (the cache of a big corpus takes a while) left its temporary file.
    const fs::path target(path);
    removeStaleTemps(target.parent_path().empty() ? "." : target.parent_path().string(),
        [name = target.filename().string()](std::string_view n) { return n == name; });
    AtomicFile f(path);
    f.write(std::string_view(kMagic, 8));
    uint32_t v = kScoresVersion, reserved = 0;
    f.write(std::string_view(reinterpret_cast<const char*>(&v), 4));
    f.write(std::string_view(reinterpret_cast<const char*>(&reserved), 4));
    f.write(std::string_view(reinterpret_cast<const char*>(&headerLen), 8));
    f.write(std::string_view(reinterpret_cast<const char*>(&headerHash), 8));
    f.write(headerText);
    uint64_t pos = kPrefixBytes + headerLen;
    for (const Block& b : blocks) {
        const size_t pad = (8 - pos % 8) % 8;
        f.write(std::string_view("\0\0\0\0\0\0\0", pad));
        f.write(std::string_view(static_cast<const char*>(b.data), b.elem * b.count));
        pos += pad + b.elem * b.count;
    }
    if (pos != h.at("file_bytes").get<uint64_t>())
        throw std::logic_error("scores file layout mismatch");
    f.commit();
}

// saveScores() writes only integers, strings, booleans, arrays and objects. A floating-point number would
// reach an integer field through a conversion that is undefined behaviour when out of range (2e22 as
// uint64_t; issue 18, UBSan in fuzz_scorestore), so a header holding one is refused at once. Iterative:
// the header's nesting depth is the file's to choose.
static bool holdsFloat(const json& root)
{
    std::vector<const json*> todo { &root };
    while (!todo.empty()) {
        const json* j = todo.back();
        todo.pop_back();
        if (j->is_number_float())
            return true;
        if (j->is_structured())
            for (const auto& child : *j)
                todo.push_back(&child);
    }
    return false;
}

static json readHeader(std::ifstream& in, const std::string& path)
{
    char magic[8];
    uint32_t version = 0, reserved = 0;
    uint64_t headerLen = 0, headerHash = 0;
    in.read(magic, 8);
    in.read(reinterpret_cast<char*>(&version), 4);
    in.read(reinterpret_cast<char*>(&reserved), 4);
    if (!in || std::memcmp(magic, kMagic, 8) != 0)
        throw InputError(path, 0, "not a Shardscope scores file");
    if (version != kScoresVersion)
        throw InputError(path, 8,
            "scores file version " + std::to_string(version) + " is not supported (this is "
                + std::to_string(kScoresVersion) + ")");
    in.read(reinterpret_cast<char*>(&headerLen), 8);
    in.read(reinterpret_cast<char*>(&headerHash), 8);
    if (!in)
        throw InputError(path, 16, "truncated header");
    if (headerLen > (1ull << 32))
        throw InputError(path, 16, "corrupt header length");
    // The header must fit in the file before a string is sized by it: a corrupt length of up to 4 GB was
    // allocated first (issue 18, found by fuzz_scorestore).
    const std::streamoff headerStart = in.tellg();
    in.seekg(0, std::ios::end);
    const std::streamoff fileEnd = in.tellg();
    in.seekg(headerStart);
    if (headerStart < 0 || fileEnd < headerStart || headerLen > uint64_t(fileEnd - headerStart))
        throw InputError(path, 16, "corrupt header length (longer than the file)");
    std::string text(headerLen, '\0');
    in.read(text.data(), std::streamsize(headerLen));
    if (!in)
        throw InputError(path, kPrefixBytes, "truncated header");
    if (XXH3_64bits(text.data(), text.size()) != headerHash)
        throw InputError(path, kPrefixBytes, "corrupt header (checksum mismatch)");
    json h;
    try {
        h = json::parse(text);
    } catch (const json::exception& e) {
        throw InputError(path, kPrefixBytes, std::string("corrupt header: ") + e.what());
    }
    if (holdsFloat(h))
        throw InputError(path, kPrefixBytes, "corrupt header (a fractional number where the format has integers)");
    return h;
}

// The header is untrusted: its objects are read with at(), which throws for a missing key. operator[] on a
// const json with a missing key is undefined behaviour (here it read past a block object's storage when a
// block had no "count"; issue 18, found by fuzzing). The callers turn json exceptions into InputError.
static ScoresFileInfo infoFromHeader(const json& h)
{
    ScoresFileInfo info;
    info.fields = fieldsFromJson(h.at("fields"));
    for (const auto& s : h.at("shards")) {
        ShardInfo si;
        si.path = s.at("path");
        si.size = s.at("size");
        si.mtimeNs = s.at("mtime_ns");
        si.fingerprint = s.at("fingerprint");
        si.compression = s.at("compression");
        si.records = s.at("records");
        si.rejected = s.at("rejected");
        si.decompressedBytes = s.at("decompressed_bytes");
        si.complete = s.at("complete");
        si.error = s.at("error");
        info.shards.push_back(std::move(si));
    }
    for (const auto& sc : h.at("scorers")) {
        StoredScorer st;
        // A file written before identities were stored: name and version only.
        if (sc.contains("identity")) {
            try {
                st.identity = ScorerIdentity::fromJson(sc.at("identity"));
            } catch (const std::invalid_argument& e) {
                throw json::other_error::create(501, std::string("scorer identity: ") + e.what(), &sc);
            }
        } else {
            st.identity.name = sc.at("name").get<std::string>();
            st.identity.version = sc.at("version").get<int>();
        }
        for (const auto& c : sc.at("columns"))
            st.columns.push_back(
                { c.at("name"), c.at("definition"), c.at("categories").get<std::vector<std::string>>() });
        info.scorers.push_back(std::move(st));
    }
    return info;
}

// A scores file open twice: a stream for the header and the blocks, a descriptor for mapping the id block
// (the mapping outlives it).
struct ScoresFile {
    std::ifstream in;
    int fd = -1;
    explicit ScoresFile(const std::string& path)
        : in(path, std::ios::binary)
        , fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC))
    {
    }
    ~ScoresFile()
    {
        if (fd >= 0)
            ::close(fd);
    }
    bool open() const { return in && fd >= 0; }
};

// The blocks of a scores file whose header `h` readHeader() has just read from `in` (`fd`: the same file).
static ScanResult loadBlocks(std::ifstream& in, int fd, const json& h, const std::string& path, ScoresFileInfo* infoOut)
{
    ScanResult r;
    try {
        // A file cut short (a crash before its data reached the disk, a partial copy) or grown.
        in.seekg(0, std::ios::end);
        const uint64_t fileBytes = uint64_t(std::streamoff(in.tellg()));
        if (fileBytes != h.at("file_bytes").get<uint64_t>())
            throw InputError(path, fileBytes,
                "the file has " + std::to_string(fileBytes) + " bytes, its header says "
                    + std::to_string(h.at("file_bytes").get<uint64_t>()) + " (truncated or torn)");
        ScoresFileInfo info = infoFromHeader(h);
        r.shards = info.shards;
        r.fields = info.fields;
        r.records = h.at("records");
        r.rejected = h.at("rejected");
        r.blankLines = h.at("blank_lines");
        r.skipped = h.value("skipped", uint64_t(0));
        r.selection = h.value("selection", std::string());
        r.textBytes = h.at("text_bytes");
        r.index.groups = h.at("groups").get<std::vector<std::string>>();
        if (h.contains("rejects"))
            for (const auto& rj : h.at("rejects"))
                r.rejects.push_back({ rj.at("shard"), rj.at("line"), rj.at("offset"), rj.at("reason") });
        for (const auto& sc : info.scorers)
            for (const auto& c : sc.columns)
                r.scores.columns.push_back(c);
        const size_t n = h.at("documents");
        auto readBlock = [&](const json& b, void* dst, size_t elem) {
            size_t count = b.at("count");
            uint64_t off = b.at("offset");
            in.seekg(std::streamoff(off));
            in.read(static_cast<char*>(dst), std::streamsize(count * elem));
            if (!in)
                throw InputError(path, off, "truncated block " + b.at("name").get<std::string>());
            if (hex64(XXH3_64bits(dst, count * elem)) != b.at("xxh3").get<std::string>())
                throw InputError(
                    path, off, "block " + b.at("name").get<std::string>() + " fails its checksum (corrupt)");
        };
        // The id bytes stay in the file: checked here in pieces, then mapped (IdStore::adoptFileBlock).
        auto checkBlock = [&](const json& b) {
            const uint64_t count = b.at("count"), off = b.at("offset");
            XXH3_state_t* state = XXH3_createState();
            XXH3_64bits_reset(state);
            std::vector<char> buf(std::min<uint64_t>(count, 1 << 20));
            in.seekg(std::streamoff(off));
            for (uint64_t done = 0; done < count && in;) {
                const size_t n = size_t(std::min<uint64_t>(buf.size(), count - done));
                in.read(buf.data(), std::streamsize(n));
                XXH3_64bits_update(state, buf.data(), n);
                done += n;
            }
            const bool ok = bool(in);
            const uint64_t sum = XXH3_64bits_digest(state);
            XXH3_freeState(state);
            if (!ok)
                throw InputError(path, off, "truncated block " + b.at("name").get<std::string>());
            if (hex64(sum) != b.at("xxh3").get<std::string>())
                throw InputError(
                    path, off, "block " + b.at("name").get<std::string>() + " fails its checksum (corrupt)");
        };
        // The whole file, read-only, mapped once for the score columns; none (read instead) where mapping fails.
        std::shared_ptr<const void> map;
        bool mapTried = false;
        auto mapping = [&]() -> std::shared_ptr<const void> {
            if (!mapTried && fileBytes) {
                mapTried = true;
                void* p = ::mmap(nullptr, size_t(fileBytes), PROT_READ, MAP_SHARED, fd, 0);
                if (p != MAP_FAILED)
                    map = std::shared_ptr<const void>(
                        p, [n = size_t(fileBytes)](const void* q) { ::munmap(const_cast<void*>(q), n); });
            }
            return map;
        };
        std::vector<uint64_t> idOffsets;
        uint64_t idBytes = 0, idBytesOffset = 0;
        for (const auto& b : h.at("blocks")) {
            std::string name = b.at("name");
            size_t count = b.at("count");
            // The element size the reader below uses for this block, checked against its declared type.
            const char* const expected = name == "shard"     ? "u16"
                : (name == "offset" || name == "id_offsets") ? "u64"
                : name == "id_bytes"                         ? "u8"
                : name.rfind("score:", 0) == 0               ? "f32"
                                                             : "u32";
            if (b.at("type").get<std::string>() != expected)
                throw InputError(path, 0,
                    "block " + name + " has type " + b.at("type").get<std::string>() + ", expected " + expected);
            const std::string_view t = expected;
            const uint64_t elem = t == "u8" ? 1 : t == "u16" ? 2 : t == "u64" ? 8 : 4;
            const uint64_t off = b.at("offset");
            if (off > fileBytes || count > (fileBytes - off) / elem) // before a corrupt count sizes a vector
                throw InputError(path, off, "block " + name + " extends past the end of the file");
            if (name == "shard") {
                r.index.shard.resize(count);
                readBlock(b, r.index.shard.data(), 2);
            } else if (name == "offset") {
                r.index.offset.resize(count);
                readBlock(b, r.index.offset.data(), 8);
            } else if (name == "length") {
                r.index.length.resize(count);
                readBlock(b, r.index.length.data(), 4);
            } else if (name == "line") {
                r.index.line.resize(count);
                readBlock(b, r.index.line.data(), 4);
            } else if (name == "text_bytes") {
                r.index.textBytes.resize(count);
                readBlock(b, r.index.textBytes.data(), 4);
            } else if (name == "text_chars") {
                r.index.textChars.resize(count);
                readBlock(b, r.index.textChars.data(), 4);
            } else if (name == "group") {
                r.index.group.resize(count);
                readBlock(b, r.index.group.data(), 4);
            } else if (name == "id_offsets") {
                idOffsets.resize(count);
                readBlock(b, idOffsets.data(), 8);
            } else if (name == "id_bytes") {
                checkBlock(b);
                idBytes = count;
                idBytesOffset = off;
            } else if (name.rfind("score:", 0) == 0) {
                // Mapped, not copied (issue 21): the columns of a big corpus stay file-backed pages. Checked
                // lazily, when the column is first read (ColumnCheck): a cold reopen then reads the header and
                // the index, not the gigabytes of every column, and a corrupt column reads as missing with
                // its error (corruptColumns()) while the others load.
                if (const std::shared_ptr<const void> map = mapping()) {
                    const auto* values = reinterpret_cast<const float*>(static_cast<const char*>(map.get()) + off);
                    if (off % alignof(float) == 0) {
                        const std::optional<uint64_t> sum = parseHex64(b.at("xxh3").get<std::string>());
                        if (!sum)
                            throw InputError(path, kPrefixBytes, "corrupt header (checksum of block " + name + ")");
                        r.scores.values.push_back(ScoreColumn::mapped(
                            map, std::make_shared<const ColumnCheck>(values, count, *sum, path, name.substr(6), off)));
                        continue;
                    }
                }
                std::vector<float> values(count);
                readBlock(b, values.data(), 4);
                r.scores.values.emplace_back(std::move(values));
            }
        }
        // Every column, not only the offsets: the table model and writeTsv index them all by document
        // (a short "length" block read past its end; issue 18, found by fuzzing).
        const DocIndex& ix = r.index;
        bool columnsFit = ix.shard.size() == n && ix.offset.size() == n && ix.length.size() == n && ix.line.size() == n
            && ix.textBytes.size() == n && ix.textChars.size() == n && ix.group.size() == n;
        for (const auto& v : r.scores.values)
            columnsFit = columnsFit && v.size() == n;
        if (!columnsFit || r.scores.values.size() != r.scores.columns.size() || idOffsets.size() != n + 1
            || (n && idOffsets.back() != idBytes))
            throw InputError(path, 0, "inconsistent scores file (block sizes disagree with the header)");
        // Id i is id_bytes[offsets[i], offsets[i + 1]): the offsets start at 0 and never decrease, so with the
        // last one equal to the byte count every id lies inside (an offset past the bytes threw std::out_of_range
        // from idOf(); issue 18, found by fuzz_scorestore).
        for (size_t i = 0; i < idOffsets.size(); ++i)
            if (i == 0 ? idOffsets[0] != 0 : idOffsets[i] < idOffsets[i - 1])
                throw InputError(path, 0, "corrupt id offsets (not increasing from 0)");
        for (uint32_t g : r.index.group)
            if (g >= r.index.groups.size())
                throw InputError(path, 0, "corrupt group column");
        r.index.ids.adoptFileBlock(std::move(idOffsets), fd, idBytesOffset, idBytes);
        if (infoOut)
            *infoOut = std::move(info);
    } catch (const json::exception& e) {
        throw InputError(path, kPrefixBytes, std::string("corrupt header: ") + e.what());
    }
    return r;
}

ScanResult loadScores(const std::string& path, ScoresFileInfo* infoOut)
{
    ScoresFile f(path);
    if (!f.open())
        throw InputError(path, 0, "cannot open scores file");
    const json h = readHeader(f.in, path);
    return loadBlocks(f.in, f.fd, h, path, infoOut);
}

// Whether a scores file's header describes these shards (unchanged on disk) and fields, complete.
static bool shardsUpToDate(
    const ScoresFileInfo& info, const json& h, const std::vector<std::string>& shards, const FieldMapping& fields)
{
    // A sample's scores do not stand for the whole corpus.
    if (!h.value("complete", false) || !h.value("selection", std::string()).empty() || !sameFields(info.fields, fields)
        || info.shards.size() != shards.size())
        return false;
    for (size_t i = 0; i < shards.size(); ++i) {
        ShardInfo now;
        try {
            now = fingerprintShard(shards[i]);
        } catch (const InputError&) {
            return false; // the scan reports the shard; the scores file is not at fault
        }
        if (now.path != info.shards[i].path || now.fingerprint != info.shards[i].fingerprint
            || now.mtimeNs != info.shards[i].mtimeNs)
            return false;
    }
    return true;
}

static bool stored(const ScoresFileInfo& info, const Scorer& scorer)
{
    return std::any_of(
        info.scorers.begin(), info.scorers.end(), [&](const StoredScorer& s) { return s.matches(scorer); });
}

// ... and holds every requested scorer with the same identity.
static bool headerUpToDate(const json& h, const std::vector<std::string>& shards, const FieldMapping& fields,
    const std::vector<std::shared_ptr<const Scorer>>& scorers)
{
    const ScoresFileInfo info = infoFromHeader(h);
    return shardsUpToDate(info, h, shards, fields)
        && std::all_of(scorers.begin(), scorers.end(), [&](const auto& sc) { return stored(info, *sc); });
}

CacheContents inspectScores(const std::string& path, const std::vector<std::string>& shards, const FieldMapping& fields,
    const std::vector<std::shared_ptr<const Scorer>>& scorers)
{
    CacheContents out;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return out;
    try {
        const json h = readHeader(in, path);
        const ScoresFileInfo info = infoFromHeader(h);
        if (!shardsUpToDate(info, h, shards, fields)) {
            out.unusable = path + ": made from other shards, other versions of them, or another field mapping";
            return out;
        }
        out.usable = true;
        for (const auto& sc : scorers)
            (stored(info, *sc) ? out.present : out.missing).push_back(sc);
    } catch (const InputError& e) {
        out.unusable = e.what();
    } catch (const json::exception& e) {
        out.unusable = path + ": corrupt header: " + e.what();
    }
    return out;
}

void appendScoreColumns(const std::string& path, const std::vector<std::shared_ptr<const Scorer>>& scorers,
    std::vector<std::vector<float>> values)
{
    std::vector<ScoreColumn> columns;
    columns.reserve(values.size());
    for (auto& v : values)
        columns.emplace_back(std::move(v));
    appendScoreColumns(path, scorers, std::move(columns));
}

void appendScoreColumns(
    const std::string& path, const std::vector<std::shared_ptr<const Scorer>>& scorers, std::vector<ScoreColumn> values)
{
    ScoresFileInfo info;
    ScanResult r = loadScores(path, &info);
    // A stored scorer with a column that fails its checksum is dropped, columns and all: the file then lacks it,
    // so the next open lists it as missing and scores it again (saveScores refuses to write a corrupt column).
    for (size_t i = 0, col = 0; i < info.scorers.size();) {
        const size_t n = info.scorers[i].columns.size();
        bool corrupt = false;
        for (size_t k = col; k < col + n && k < r.scores.values.size(); ++k)
            corrupt = corrupt || !r.scores.values[k].integrityError().empty();
        if (!corrupt) {
            col += n;
            ++i;
            continue;
        }
        r.scores.columns.erase(r.scores.columns.begin() + long(col), r.scores.columns.begin() + long(col + n));
        r.scores.values.erase(r.scores.values.begin() + long(col), r.scores.values.begin() + long(col + n));
        info.scorers.erase(info.scorers.begin() + long(i));
    }
    size_t next = 0;
    for (const auto& sc : scorers) {
        // A stored scorer of the same name (another identity: stale) gives way, columns and all.
        for (size_t i = 0, col = 0; i < info.scorers.size(); ++i) {
            const size_t n = info.scorers[i].columns.size();
            if (info.scorers[i].identity.name != sc->name()) {
                col += n;
                continue;
            }
            r.scores.columns.erase(r.scores.columns.begin() + long(col), r.scores.columns.begin() + long(col + n));
            r.scores.values.erase(r.scores.values.begin() + long(col), r.scores.values.begin() + long(col + n));
            info.scorers.erase(info.scorers.begin() + long(i));
            break;
        }
        StoredScorer st = StoredScorer::of(*sc);
        for (const auto& c : st.columns) {
            if (next >= values.size() || values[next].size() != r.index.size())
                throw std::invalid_argument("appendScoreColumns: column " + c.name + " needs "
                    + std::to_string(r.index.size()) + " values, one per document");
            r.scores.columns.push_back(c);
            r.scores.values.push_back(std::move(values[next++]));
        }
        info.scorers.push_back(std::move(st));
    }
    if (next != values.size())
        throw std::invalid_argument("appendScoreColumns: more value columns than the scorers have");
    saveScores(path, r, info.scorers);
}

bool scoresUpToDate(const std::string& path, const std::vector<std::string>& shards, const FieldMapping& fields,
    const std::vector<std::shared_ptr<const Scorer>>& scorers)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    try {
        return headerUpToDate(readHeader(in, path), shards, fields, scorers);
    } catch (const std::exception&) {
        return false;
    }
}

std::optional<ScanResult> loadCachedScores(const std::string& path, const std::vector<std::string>& shards,
    const FieldMapping& fields, const std::vector<std::shared_ptr<const Scorer>>& scorers, std::string* unusable)
{
    if (unusable)
        unusable->clear();
    ScoresFile f(path);
    if (!f.open())
        return std::nullopt;
    try {
        const json h = readHeader(f.in, path);
        if (!headerUpToDate(h, shards, fields, scorers))
            return std::nullopt;
        return loadBlocks(f.in, f.fd, h, path, nullptr); // the header read and checked once
    } catch (const InputError& e) {
        if (unusable)
            *unusable = e.what();
    } catch (const json::exception& e) {
        if (unusable)
            *unusable = path + ": corrupt header: " + e.what();
    }
    return std::nullopt;
}

std::optional<ScanResult> openCached(const CorpusCache& cache, const std::vector<std::string>& shards,
    const FieldMapping& fields, const std::vector<std::shared_ptr<const Scorer>>& scorers, std::string* unusable)
{
    std::optional<ScanResult> loaded = loadCachedScores(cache.scoresPath, shards, fields, scorers, unusable);
    if (!loaded)
        return loaded;
    // Keep only the requested columns, in the requested order.
    ScoreTable& all = loaded->scores;
    ScoreTable t;
    for (const auto& sc : scorers)
        for (const auto& c : sc->columns()) {
            const int idx = all.columnIndex(c.name);
            if (idx >= 0) {
                t.columns.push_back(all.columns[size_t(idx)]);
                t.values.push_back(std::move(all.values[size_t(idx)]));
            }
        }
    all = std::move(t);
    return loaded;
}

std::string storeScores(
    const CorpusCache& cache, const ScanResult& table, const std::vector<std::shared_ptr<const Scorer>>& scorers)
{
    // Only whole corpora are cached: a sample would stand in for the corpus at the next open.
    if (!table.complete() || table.cancelled || !table.selection.empty())
        return {};
    try {
        saveScores(cache.scoresPath, table, scorers);
    } catch (const std::exception& e) {
        if (cache.userNamedScores)
            throw;
        return e.what();
    }
    return {};
}

CorpusCache CorpusCache::of(const std::string& root, const std::vector<std::string>& shards, const FieldMapping& fields,
    const std::string& scoresFile)
{
    CorpusCache c;
    c.dir = corpusCacheDir(root.empty() ? defaultCacheRoot() : root, shards, fields);
    c.scoresPath = scoresFile.empty() ? c.dir + "/scores.sscores" : scoresFile;
    c.seekDir = c.dir + "/seek";
    c.userNamedScores = !scoresFile.empty();
    return c;
}

std::string defaultCacheRoot()
{
    if (const char* e = std::getenv("SHARDSCOPE_CACHE_DIR"); e && *e)
        return e;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
        return std::string(x) + "/shardscope";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::string(home) + "/.cache/shardscope";
    return "/tmp/shardscope-cache";
}

std::string corpusCacheDir(const std::string& root, const std::vector<std::string>& shards, const FieldMapping& fields)
{
    XXH3_state_t* st = XXH3_createState();
    XXH3_64bits_reset(st);
    for (const auto& s : shards)
        XXH3_64bits_update(st, s.data(), s.size() + 1);
    std::string f = fields.text + '\n' + fields.id + '\n' + fields.group;
    XXH3_64bits_update(st, f.data(), f.size());
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH3_64bits_digest(st)));
    XXH3_freeState(st);
    std::string name = shards.empty() ? "empty" : fs::path(shards.front()).stem().string();
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            c = '_';
    return root + "/" + name.substr(0, 40) + "-" + hex;
}

static void appendTsvField(std::string& out, std::string_view v)
{
    // Tabs and newlines inside ids or group names would break rows: escape them as \t, \n.
    for (char c : v) {
        if (c == '\t')
            out += "\\t";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\\')
            out += "\\\\";
        else
            out += c;
    }
}

char* formatScore(float v, char* out)
{
    // "%.9g" needs at most 15 characters for a float32 ("-1.17549435e-38"); the bound leaves room
    return std::to_chars(out, out + kScoreTextMax, double(v), std::chars_format::general, 9).ptr;
}

namespace {
// Rows [from, to) of the TSV, appended to out.
void appendTsvRows(const ScanResult& r, size_t from, size_t to, std::string& out)
{
    char num[kScoreTextMax];
    for (size_t i = from; i < to; ++i) {
        appendTsvField(out, r.index.idOf(i));
        out += '\t';
        appendTsvField(out, r.index.groups[r.index.group[i]]);
        out += '\t';
        out.append(num, std::to_chars(num, num + sizeof num, r.index.textBytes[i]).ptr);
        for (size_t c = 0; c < r.scores.columns.size(); ++c) {
            out += '\t';
            const float v = r.scores.values[c][i];
            if (isMissing(v))
                continue;
            const auto& cats = r.scores.columns[c].categories;
            if (!cats.empty() && v >= 0 && size_t(v) < cats.size())
                out += cats[size_t(v)];
            else
                out.append(num, formatScore(v, num));
        }
        out += '\n';
    }
}
} // namespace

void writeTsv(const std::string& path, const ScanResult& r, int threads)
{
    const bool toStdout = path == "-";
    std::optional<AtomicFile> file;
    if (!toStdout)
        file.emplace(path);
    auto write = [&](const std::string& chunk) {
        if (!toStdout)
            file->write(chunk);
        else if (std::fwrite(chunk.data(), 1, chunk.size(), stdout) != chunk.size())
            throw std::runtime_error("standard output: write failed");
    };
    std::string header = "id\tgroup\tbytes";
    for (const auto& c : r.scores.columns)
        header += "\t" + c.name;
    header += "\n";
    write(header);
    // Formatting the numbers is most of the work: on one thread, the 2.6M numbers of 8 scorers over 39k
    // documents took about as long as the whole scan on 16 cores. Blocks of rows are formatted in parallel, one
    // block per thread per round, and written in order, so memory stays a few MB per thread.
    const size_t docs = r.index.size();
    const size_t workers = size_t(std::min(resolveThreads(threads), 64));
    constexpr size_t kRowsPerBlock = 4096;
    std::vector<std::string> blocks(workers);
    std::vector<std::exception_ptr> errors(workers);
    for (size_t start = 0; start < docs; start += workers * kRowsPerBlock) {
        const size_t round = std::min(workers, (docs - start + kRowsPerBlock - 1) / kRowsPerBlock);
        auto format = [&](size_t b) noexcept {
            try {
                const size_t from = start + b * kRowsPerBlock;
                blocks[b].clear();
                appendTsvRows(r, from, std::min(docs, from + kRowsPerBlock), blocks[b]);
            } catch (...) {
                errors[b] = std::current_exception();
            }
        };
        std::vector<std::thread> pool;
        size_t started = 1;
        try {
            for (; started < round; ++started)
                pool.emplace_back(format, started);
        } catch (const std::system_error&) {
            // no more threads to be had: this one formats the rest
        }
        for (size_t b = started; b < round; ++b)
            format(b);
        format(0);
        for (std::thread& t : pool)
            t.join();
        for (size_t b = 0; b < round; ++b) {
            if (errors[b])
                std::rethrow_exception(errors[b]);
            write(blocks[b]);
        }
    }
    if (toStdout) {
        if (std::fflush(stdout) != 0)
            throw std::runtime_error("standard output: write failed");
    } else {
        file->commit();
    }
}

} // namespace shardscope
