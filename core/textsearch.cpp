#include "textsearch.h"

#include "bytesource.h"
#include "linereader.h"
#include "recordparser.h"

#include <algorithm>
#include <filesystem>
#include <functional>

namespace shardscope {

namespace {
char foldAscii(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}
}

TextSearchResult searchTexts(const TextSearchInput& in, const std::atomic<bool>& stop,
                             const std::function<void(double)>& progress)
{
    TextSearchResult out;
    const size_t n = in.offset.size();
    out.mask.assign(n, 0);
    if (in.needle.empty() || n == 0)
        return out;
    std::string needle = in.needle;
    if (!in.caseSensitive)
        std::transform(needle.begin(), needle.end(), needle.begin(), foldAscii);
    const std::boyer_moore_horspool_searcher searcher(needle.begin(), needle.end());

    // Documents of each shard, in offset order.
    std::vector<std::vector<uint32_t>> byShard(in.shardPaths.size());
    for (size_t i = 0; i < n; ++i)
        if (in.shard[i] < byShard.size())
            byShard[in.shard[i]].push_back(uint32_t(i));
    for (auto& docs : byShard)
        std::sort(docs.begin(), docs.end(), [&](uint32_t a, uint32_t b) { return in.offset[a] < in.offset[b]; });

    uint64_t totalBytes = 0, doneBefore = 0;
    for (const auto& p : in.shardPaths) {
        std::error_code ec;
        totalBytes += std::filesystem::file_size(p, ec);
    }
    RecordParser parser(in.fields);
    std::string folded;
    for (size_t s = 0; s < in.shardPaths.size() && !stop.load(std::memory_order_relaxed); ++s) {
        const auto& docs = byShard[s];
        if (docs.empty())
            continue;
        size_t next = 0;
        try {
            LineReader reader(ByteSource::open(in.shardPaths[s]), in.shardPaths[s]);
            LineBatch batch;
            while (next < docs.size() && !stop.load(std::memory_order_relaxed) && reader.nextBatch(batch)) {
                for (size_t i = 0; i < batch.lines.size() && next < docs.size(); ++i) {
                    const uint64_t off = batch.startOffset + batch.lines[i].begin;
                    while (next < docs.size() && in.offset[docs[next]] < off)
                        ++next;
                    if (next >= docs.size() || in.offset[docs[next]] != off)
                        continue;
                    ParsedRecord rec = parser.parse(batch.line(i), batch.readableAfter(i));
                    std::string_view text = rec.text;
                    if (!in.caseSensitive) {
                        folded.assign(text.begin(), text.end());
                        std::transform(folded.begin(), folded.end(), folded.begin(), foldAscii);
                        text = folded;
                    }
                    if (std::search(text.begin(), text.end(), searcher) != text.end()) {
                        out.mask[docs[next]] = 1;
                        ++out.matches;
                    }
                    ++next;
                }
                if (progress && totalBytes)
                    progress(double(doneBefore + reader.compressedPos()) / double(totalBytes));
            }
        } catch (const std::exception& e) {
            if (out.error.empty())
                out.error = e.what();
        }
        std::error_code ec;
        doneBefore += std::filesystem::file_size(in.shardPaths[s], ec);
    }
    return out;
}

} // namespace shardscope
