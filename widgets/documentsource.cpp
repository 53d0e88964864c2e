#include "documentsource.h"

#include <bytesource.h>
#include <recordparser.h>

namespace shardscope {

DocumentSource::DocumentSource(std::vector<ShardInfo> shards, std::string seekCacheDir, FieldMapping fields)
    : m_shards(shards)
    , m_fields(std::move(fields))
    , m_reader(std::make_unique<DocumentReader>(std::move(shards), std::move(seekCacheDir)))
{
}

DocumentSource::~DocumentSource() = default;

DocumentSource::Document DocumentSource::read(uint32_t shard, uint64_t offset, uint32_t length)
{
    Document doc;
    std::lock_guard lock(m_mutex);
    try {
        doc.line = m_reader->readLine(shard, offset, length);
    } catch (const InputError& e) {
        doc.error = e.what();
        return doc;
    } catch (const std::exception& e) {
        doc.error = (shard < m_shards.size() ? m_shards[shard].path + ": " : std::string()) + e.what();
        return doc;
    }
    RecordParser parser(m_fields);
    std::string padded = doc.line;
    padded.append(RecordParser::kPadding, '\0');
    ParsedRecord rec = parser.parse(std::string_view(padded.data(), doc.line.size()), RecordParser::kPadding);
    if (!rec.ok())
        doc.error = rec.error;
    else
        doc.text.assign(rec.text);
    return doc;
}

} // namespace shardscope
