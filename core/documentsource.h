#pragma once
// Reads one document's line and text on demand, from any thread. DocumentReader keeps a
// cache of the last decompressed frame and is not thread-safe, so reads are serialized;
// viewing documents one at a time makes that cheap.

#include "fieldmapping.h"
#include "scan.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shardscope {

class DocumentSource {
public:
    DocumentSource(std::vector<ShardInfo> shards, std::string seekCacheDir, FieldMapping fields);
    ~DocumentSource();

    // What became of the shard since the scan, as far as reading one record tells.
    enum class ShardState {
        Unchanged,
        Changed, // size or modification time differ, or the line there is not the scanned record
        Missing, // deleted or moved away
    };
    struct Document {
        std::string line; // the raw JSON record
        std::string text; // its text field, unescaped
        std::string error; // non-empty: could not read (file, offset, why); line and text are then empty
        ShardState shard = ShardState::Unchanged;
    };
    // What the scan recorded for the record, to tell it from whatever else now lies at its offset.
    struct Expected {
        std::string id; // as CorpusData::idOf: the id, or "#<line>" ("@<offset>" without a line) when it had none
        uint32_t line = 0; // 1-based line number in the shard; 0 when not known (read by byte offset)
        uint32_t textBytes = 0; // UTF-8 bytes of the unescaped text
    };
    // Reads a record. A shard that is gone or differs from the scanned one (a stat() of size and
    // mtime before and after the read, then the record's id and text size) gives an error and
    // shard != Unchanged, never another record's text.
    Document read(uint32_t shard, uint64_t offset, uint32_t length, const Expected* expected = nullptr);
    const std::vector<ShardInfo>& shards() const { return m_shards; }
    // The shard's file name, for messages.
    std::string shardName(uint32_t shard) const;

private:
    std::mutex m_mutex;
    std::vector<ShardInfo> m_shards;
    FieldMapping m_fields;
    std::unique_ptr<DocumentReader> m_reader;
};

} // namespace shardscope
