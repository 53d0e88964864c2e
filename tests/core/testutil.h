#pragma once
// Helpers shared by the core tests: small file writers for making broken copies of real text
// inside a test's temporary directory. Where the text comes from: testdata.h.

#include "testdata.h"

#include <scorer.h>

#include <QTest>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>
#include <zstd.h>

namespace testutil {

// The scorers of a --scorers list, built-in scorers registered first.
inline std::vector<std::shared_ptr<const shardscope::Scorer>> scorers(const std::string& list)
{
    shardscope::registerBuiltinScorers();
    std::vector<std::shared_ptr<const shardscope::Scorer>> out;
    for (auto& s : shardscope::ScorerRegistry::instance().resolveList(list))
        out.push_back(std::move(s));
    return out;
}

inline std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void writeFile(const std::string& path, const std::string& data)
{
    std::ofstream out(path, std::ios::binary);
    out.write(data.data(), std::streamsize(data.size()));
}

inline std::string zstdCompress(const std::string& data, int level = 3)
{
    std::string out(ZSTD_compressBound(data.size()), '\0');
    size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
    out.resize(n);
    return out;
}

inline std::string gzipCompress(const std::string& data)
{
    z_stream z {};
    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, uLong(data.size())) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

inline std::string zstdDecompressFile(const std::string& path)
{
    std::string comp = readFile(path);
    ZSTD_DCtx* d = ZSTD_createDCtx();
    std::string out;
    std::vector<char> buf(1 << 20);
    ZSTD_inBuffer in { comp.data(), comp.size(), 0 };
    while (in.pos < in.size) {
        ZSTD_outBuffer o { buf.data(), buf.size(), 0 };
        size_t rc = ZSTD_decompressStream(d, &o, &in);
        if (ZSTD_isError(rc))
            break;
        out.append(buf.data(), o.pos);
    }
    ZSTD_freeDCtx(d);
    return out;
}

inline std::vector<std::string> splitLines(const std::string& s)
{
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t nl = s.find('\n', pos);
        if (nl == std::string::npos) {
            lines.push_back(s.substr(pos));
            break;
        }
        lines.push_back(s.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return lines;
}

// The tab-separated cells of a TSV row (an empty row is one empty cell).
inline std::vector<std::string> splitTabs(std::string_view row)
{
    std::vector<std::string> cells;
    size_t pos = 0;
    for (size_t tab; (tab = row.find('\t', pos)) != std::string_view::npos; pos = tab + 1)
        cells.emplace_back(row.substr(pos, tab - pos));
    cells.emplace_back(row.substr(pos));
    return cells;
}

} // namespace testutil
