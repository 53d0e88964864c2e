#pragma once
// Shared by the single-threaded scorer benchmarks (bench_heuristics, bench_langid): the "text" of
// every record of a .jsonl.zst shard read into memory (zstd streaming + simdjson ondemand), and the
// clocks they report with. No Qt.

#include <simdjson.h>
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <time.h>

namespace benchutil {

namespace fs = std::filesystem;

inline std::string decompressZstdFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path.string());
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    std::vector<char> inBuf(ZSTD_DStreamInSize());
    std::vector<char> outBuf(ZSTD_DStreamOutSize());
    std::string out;
    size_t last = 0;
    while (in) {
        in.read(inBuf.data(), std::streamsize(inBuf.size()));
        const size_t got = size_t(in.gcount());
        if (got == 0)
            break;
        ZSTD_inBuffer input{inBuf.data(), got, 0};
        while (input.pos < input.size) {
            ZSTD_outBuffer output{outBuf.data(), outBuf.size(), 0};
            last = ZSTD_decompressStream(dctx, &output, &input);
            if (ZSTD_isError(last)) {
                ZSTD_freeDCtx(dctx);
                throw std::runtime_error(path.string() + ": zstd: " + ZSTD_getErrorName(last));
            }
            out.append(outBuf.data(), output.pos);
        }
    }
    ZSTD_freeDCtx(dctx);
    if (last != 0)
        throw std::runtime_error(path.string() + ": truncated zstd frame");
    return out;
}

inline void readTexts(const fs::path& path, std::vector<std::string>& texts)
{
    const std::string data = decompressZstdFile(path);
    simdjson::ondemand::parser parser;
    size_t start = 0, lineNo = 0;
    while (start < data.size()) {
        size_t end = data.find('\n', start);
        if (end == std::string::npos)
            end = data.size();
        ++lineNo;
        if (end > start) {
            simdjson::padded_string line(data.data() + start, end - start);
            simdjson::ondemand::document doc;
            std::string_view text;
            if (parser.iterate(line).get(doc) || doc["text"].get_string().get(text)) {
                std::fprintf(stderr, "%s:%zu: no \"text\" string, skipped\n", path.c_str(), lineNo);
            } else {
                texts.emplace_back(text);
            }
        }
        start = end + 1;
    }
}

inline double wallNow()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of this thread: on a shared machine other processes steal wall time, not this.
inline double threadCpu()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

} // namespace benchutil
