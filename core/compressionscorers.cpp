#include "compressionscorers.h"

#include <cstring>
#include <stdexcept>
#include <vector>

#include <zlib.h>
#include <zstd.h>

namespace shardscope {

// Output goes to a fixed scratch buffer that is overwritten chunk by chunk: only the size is
// needed, so memory stays bounded for a 100 MB document.
static constexpr size_t kScratch = 64 * 1024;

struct ZlibSizer::Impl {
    z_stream z;
    std::vector<unsigned char> out = std::vector<unsigned char>(kScratch);
};

ZlibSizer::ZlibSizer(int level)
    : d(new Impl)
{
    std::memset(&d->z, 0, sizeof d->z);
    if (deflateInit2(&d->z, level, Z_DEFLATED, MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        delete d;
        throw std::runtime_error("deflateInit2 failed");
    }
}

ZlibSizer::~ZlibSizer()
{
    deflateEnd(&d->z);
    delete d;
}

size_t ZlibSizer::compressedSize(std::string_view data)
{
    z_stream& z = d->z;
    deflateReset(&z);
    size_t total = 0;
    const unsigned char* in = reinterpret_cast<const unsigned char*>(data.data());
    size_t left = data.size();
    int rc = Z_OK;
    do {
        // zlib counts avail_in in 32 bits; feed huge inputs in pieces.
        if (z.avail_in == 0 && left > 0) {
            size_t n = std::min<size_t>(left, 1u << 30);
            z.next_in = const_cast<unsigned char*>(in);
            z.avail_in = unsigned(n);
            in += n;
            left -= n;
        }
        z.next_out = d->out.data();
        z.avail_out = unsigned(d->out.size());
        rc = deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
        total += d->out.size() - z.avail_out;
    } while (rc != Z_STREAM_END && rc != Z_STREAM_ERROR);
    return total;
}

struct ZstdSizer::Impl {
    ZSTD_CCtx* cctx = nullptr;
    int level = 3;
    std::vector<char> out = std::vector<char>(ZSTD_COMPRESSBOUND(1 << 20));
};

ZstdSizer::ZstdSizer(int level)
    : d(new Impl)
{
    d->cctx = ZSTD_createCCtx();
    d->level = level;
}

ZstdSizer::~ZstdSizer()
{
    ZSTD_freeCCtx(d->cctx);
    delete d;
}

size_t ZstdSizer::compressedSize(std::string_view data)
{
    // One-shot into a bounded buffer when it fits (the common case: fastest path, identical
    // frame to ZSTD_compress()); streaming with a pledged size otherwise, which writes the
    // same frame header (content size known) in bounded memory.
    size_t bound = ZSTD_compressBound(data.size());
    if (bound <= d->out.size()) {
        size_t n = ZSTD_compressCCtx(d->cctx, d->out.data(), d->out.size(), data.data(), data.size(), d->level);
        return ZSTD_isError(n) ? 0 : n;
    }
    ZSTD_CCtx_reset(d->cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(d->cctx, ZSTD_c_compressionLevel, d->level);
    ZSTD_CCtx_setPledgedSrcSize(d->cctx, data.size());
    ZSTD_inBuffer in { data.data(), data.size(), 0 };
    size_t total = 0;
    for (;;) {
        ZSTD_outBuffer out { d->out.data(), d->out.size(), 0 };
        size_t rem = ZSTD_compressStream2(d->cctx, &out, &in, ZSTD_e_end);
        total += out.pos;
        if (ZSTD_isError(rem))
            return 0;
        if (rem == 0)
            break;
    }
    return total;
}

namespace {

template<typename Sizer>
class RatioWorker final : public ScorerWorker {
public:
    explicit RatioWorker(int level)
        : m_sizer(level)
    {
    }
    void score(std::string_view text, float* out) override
    {
        if (text.empty()) {
            out[0] = kMissing;
            return;
        }
        out[0] = float(double(m_sizer.compressedSize(text)) / double(text.size()));
    }

private:
    Sizer m_sizer;
};

template<typename Sizer>
class RatioScorer final : public Scorer {
public:
    RatioScorer(std::string name, int level, std::string definition)
        : m_name(std::move(name))
        , m_level(level)
        , m_definition(std::move(definition))
    {
    }
    std::string name() const override { return m_name; }
    std::string summary() const override { return m_definition; }
    std::vector<ColumnInfo> columns() const override { return { { m_name, m_definition, {} } }; }
    std::unique_ptr<ScorerWorker> makeWorker() const override { return std::make_unique<RatioWorker<Sizer>>(m_level); }

private:
    std::string m_name;
    int m_level;
    std::string m_definition;
};

} // namespace

void registerCompressionScorers(ScorerRegistry& r)
{
    r.add([]() -> std::unique_ptr<Scorer> {
        return std::make_unique<RatioScorer<ZlibSizer>>(
            "zlib6", 6,
            "len(zlib.compress(utf8, 6)) / len(utf8): deflate level 6, zlib container, as Python's zlib; "
            "empty text = missing");
    });
    r.add([]() -> std::unique_ptr<Scorer> {
        return std::make_unique<RatioScorer<ZstdSizer>>(
            "zstd3", 3,
            "len(zstd level 3 frame) / len(utf8): one frame, content size, no checksum; empty text = missing");
    });
}

} // namespace shardscope
