// Fuzz target (issue 21): the multi-frame zstd index (zstdframes.h), which sampling reads to decompress only some
// frames of a .jsonl.zst: the seek table of zstd's seekable format at the end of the file, else each frame's header
// and its blocks' headers. indexZstdFrames() documents InputError (naming the file and an offset inside it) for a
// broken frame structure and nullopt for a file it reads as a stream. An index it returns must describe the file:
// frames inside it, in order, not overlapping, their decompressed offsets adding up to contentBytes; and every
// frame must either decompress to exactly its stated size or be an InputError at its offset (decompressZstdFrame).

#include "fuzzutil.h"

#include "bytesource.h"
#include "zstdframes.h"

#include <algorithm>
#include <cstring>

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = "fuzz.jsonl.zst";
    const ReadAtFn read = [&](uint64_t offset, void* dst, size_t n) -> size_t {
        if (offset >= size)
            return 0;
        const size_t k = size_t(std::min<uint64_t>(n, size - offset));
        std::memcpy(dst, data + offset, k);
        return k;
    };
    std::optional<ZstdFrameIndex> idx;
    try {
        idx = indexZstdFrames(read, size, path);
    } catch (const InputError& e) {
        fuzz::check(e.file() == path, "an InputError that does not name the file");
        fuzz::check(e.byteOffset() <= size, "an InputError at an offset past the end of the input");
        return 0;
    }
    if (!idx)
        return 0;
    fuzz::check(idx->fileBytes == size, "the index has another file size");
    uint64_t fileEnd = 0, content = 0;
    for (const ZstdFrame& f : idx->frames) {
        fuzz::check(f.offset >= fileEnd, "frames overlap or go backwards");
        fuzz::check(f.compressedSize > 0 && f.offset + f.compressedSize <= size, "a frame outside the file");
        fuzz::check(f.contentOffset >= content, "decompressed offsets go backwards");
        fuzz::check(f.contentSize > 0 && f.contentSize <= kMaxZstdFrameContent, "a frame of impossible size");
        fileEnd = f.offset + f.compressedSize;
        content = f.contentOffset + f.contentSize;
    }
    fuzz::check(content == idx->contentBytes, "the frames do not add up to contentBytes");
    for (size_t i = 0; i < idx->frames.size(); ++i)
        fuzz::check(idx->frameAt(idx->frames[i].contentOffset) == i, "frameAt() misses a frame's first byte");
    fuzz::check(idx->frameAt(idx->contentBytes) == idx->frames.size(), "frameAt() past the end");
    // Decompress the frames (the small ones: a frame may claim up to 1 GiB, which the reader allocates).
    std::string out;
    uint64_t budget = 64u << 20;
    for (const ZstdFrame& f : idx->frames) {
        if (f.contentSize > budget)
            break;
        budget -= f.contentSize;
        try {
            decompressZstdFrame(path, f, data + f.offset, out);
            fuzz::check(out.size() == f.contentSize, "a frame decompressed to another size than stated");
        } catch (const InputError& e) {
            fuzz::check(e.file() == path && e.byteOffset() == f.offset, "a frame's error not at its offset");
        }
    }
    return 0;
}
