#pragma once
// Reads one document's line and text on demand, from any thread. DocumentReader keeps a
// cache of the last decompressed frame and is not thread-safe, so reads are serialized;
// viewing documents one at a time makes that cheap.

#include <fieldmapping.h>
#include <scan.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shardscope {

class DocumentSource {
public:
    DocumentSource(std::vector<ShardInfo> shards, std::string seekCacheDir, FieldMapping fields);
    ~DocumentSource();

    struct Document {
        std::string line;    // the raw JSON record
        std::string text;    // its text field, unescaped
        std::string error;   // non-empty: could not read (file, offset, why)
    };
    Document read(uint32_t shard, uint64_t offset, uint32_t length);
    const std::vector<ShardInfo>& shards() const { return m_shards; }

private:
    std::mutex m_mutex;
    std::vector<ShardInfo> m_shards;
    FieldMapping m_fields;
    std::unique_ptr<DocumentReader> m_reader;
};

} // namespace shardscope
