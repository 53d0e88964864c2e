#include "documentsource.h"

#include "bytesource.h"
#include "recordparser.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>

#include <sys/stat.h>

namespace shardscope {

DocumentSource::DocumentSource(std::vector<ShardInfo> shards, std::string seekCacheDir, FieldMapping fields)
    : m_shards(shards)
    , m_fields(std::move(fields))
    , m_reader(std::make_unique<DocumentReader>(std::move(shards), std::move(seekCacheDir)))
{
}

DocumentSource::~DocumentSource() = default;

namespace {

std::string fileName(const std::string& path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Compares the shard on disk with what the scan saw; fills `doc` and returns false when it differs.
bool sameAsScanned(const ShardInfo& info, DocumentSource::Document& doc)
{
    struct stat st;
    if (::stat(info.path.c_str(), &st) != 0) {
        const int err = errno;
        doc.shard = err == ENOENT || err == ENOTDIR ? DocumentSource::ShardState::Missing
                                                    : DocumentSource::ShardState::Changed;
        doc.error = doc.shard == DocumentSource::ShardState::Missing
            ? info.path + ": the shard was deleted or moved since it was scanned"
            : info.path + ": cannot stat: " + std::strerror(err);
        return false;
    }
    const int64_t mtimeNs = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (uint64_t(st.st_size) != info.size || mtimeNs != info.mtimeNs) {
        doc.shard = DocumentSource::ShardState::Changed;
        doc.error = info.path + ": the shard changed on disk since it was scanned (";
        if (uint64_t(st.st_size) != info.size)
            doc.error += std::to_string(info.size) + " bytes then, " + std::to_string(st.st_size) + " now)";
        else
            doc.error += "same size, modified since)";
        return false;
    }
    return true;
}

} // namespace

DocumentSource::Document DocumentSource::read(
    uint32_t shard, uint64_t offset, uint32_t length, const Expected* expected)
{
    Document doc;
    std::lock_guard lock(m_mutex);
    if (shard >= m_shards.size()) {
        doc.error = "no shard " + std::to_string(shard);
        return doc;
    }
    const ShardInfo& info = m_shards[shard];
    if (!sameAsScanned(info, doc))
        return doc;
    try {
        doc.line = m_reader->readLine(shard, offset, length);
    } catch (const InputError& e) {
        doc.error = e.what();
    } catch (const std::exception& e) {
        doc.error = info.path + ": " + e.what();
    }
    // Changed while it was read (or the reader's own fingerprint check failed): say so, not "short read".
    Document after;
    if (!sameAsScanned(info, after)) {
        after.line.clear();
        return after;
    }
    if (!doc.error.empty()) {
        // The reader also compares the head and tail fingerprint: a rewrite that kept size and time.
        try {
            if (fingerprintShard(info.path).fingerprint != info.fingerprint)
                doc.shard = ShardState::Changed;
        } catch (const InputError&) {
            doc.shard = ShardState::Missing;
        }
        doc.line.clear();
        return doc;
    }
    RecordParser parser(m_fields);
    std::string padded = doc.line;
    padded.append(RecordParser::kPadding, '\0');
    ParsedRecord rec = parser.parse(std::string_view(padded.data(), doc.line.size()), RecordParser::kPadding);
    if (expected) {
        // The scan accepted this record, so a line that no longer parses, or one with another id or
        // text size, is a rewrite that kept the shard's size and time (copied back with -p, say).
        std::string id = rec.ok() ? std::string(rec.id) : std::string();
        if (rec.ok() && id.empty())
            id = expected->line ? "#" + std::to_string(expected->line) : "@" + std::to_string(offset);
        const uint32_t textBytes = uint32_t(std::min<size_t>(rec.text.size(), UINT32_MAX));
        if (!rec.ok() || doc.line.find('\n') != std::string::npos || id != expected->id
            || textBytes != expected->textBytes) {
            Document changed;
            changed.shard = ShardState::Changed;
            changed.error = info.path + ": byte " + std::to_string(offset)
                + ": the record there is not the one scanned ("
                + (rec.ok() ? "id " + id + ", " + std::to_string(textBytes) + " text bytes; expected id " + expected->id
                            + ", " + std::to_string(expected->textBytes)
                            : rec.error)
                + "): the shard changed on disk since it was scanned";
            return changed;
        }
    }
    if (!rec.ok()) {
        doc.error = info.path + ": byte " + std::to_string(offset) + ": " + rec.error;
        doc.line.clear();
    } else {
        doc.text.assign(rec.text);
    }
    return doc;
}

std::string DocumentSource::shardName(uint32_t shard) const
{
    return shard < m_shards.size() ? fileName(m_shards[shard].path) : std::string();
}

} // namespace shardscope
