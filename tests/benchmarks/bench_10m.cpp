// bench_10m: ten million documents (issue 21, part 2). Prints figures; asserts nothing.
//
//   bench_10m tile SRC BIG --scorers LIST [--threads N]
//       SRC: the corpus BIG was replicated from (bench_scan --replicate, which copies SRC's records in order,
//       cycling, with ids suffixed). Scores SRC (or loads its cached scores), runs the indexing pass over BIG
//       with no scorer (timed: the scan's read, split and parse), checks that document d of BIG has the text
//       size of document d mod n of SRC, and stores SRC's score columns tiled over BIG as BIG's cached scores.
//       The texts are the same, so the stored values are those a full scan would compute, without the hours.
//   bench_10m reopen BIG --scorers LIST
//       Loads BIG's cached scores as the CLI and the GUI do (timed), then prints the memory that takes (anonymous
//       and file-backed resident pages, peak) and the index bytes per document; then copies the columns to the
//       heap, as reopening did before they were mapped, and prints the memory again (side by side).
//   bench_10m index-speed SHARD...
//       The indexing pass (no scorer, one thread) against `zstd -d` to /dev/null on the same shards.
//   bench_10m sample BIG --p P [--seed S]
//       A sampled scan of BIG (plain shards by byte offset, others by line) with LIST's scorers: the time to the
//       sample's table, the records read, the bytes read and the estimated corpus size.
//   bench_10m frames SHARD --p P [--seed S] [--frame-mib N] [--scorers LIST] [--cold]
//       Multi-frame zstd sampling (issue 21): writes SHARD's content (.jsonl or .jsonl.zst) as a multi-frame .zst
//       beside /tmp (frames of N MiB, default 1, each stating its content size), then samples it at P two ways,
//       side by side on the same file: by frame (BlockSampler: only the frames holding chosen blocks are
//       decompressed) and streamed (BernoulliSelector: every frame decompressed, every line split, as before), and
//       prints the time, the records and the compressed bytes read. --cold drops the file's pages before each run.

#include <blocksampler.h>
#include <corpusdata.h>
#include <docindex.h>
#include <fieldmapping.h>
#include <scan.h>
#include <scorer.h>
#include <scorestore.h>

#include <zstdframes.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

using namespace shardscope;

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

long statusKb(const char* key)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    const size_t n = std::strlen(key);
    while (std::getline(in, line))
        if (line.compare(0, n, key) == 0 && line.size() > n && line[n] == ':')
            return std::atol(line.c_str() + n + 1);
    return -1;
}

void printMemory(const char* when)
{
    std::printf("memory %s: RssAnon %.1f MB, RssFile %.1f MB, VmHWM (peak, all) %.1f MB\n", when,
        double(statusKb("RssAnon")) / 1024, double(statusKb("RssFile")) / 1024, double(statusKb("VmHWM")) / 1024);
}

std::vector<std::shared_ptr<const Scorer>> scorers(const std::string& list)
{
    registerBuiltinScorers();
    std::vector<std::shared_ptr<const Scorer>> out;
    for (auto& s : ScorerRegistry::instance().resolveList(list))
        out.push_back(std::move(s));
    return out;
}

struct Corpus {
    std::vector<std::string> shards;
    FieldMapping fields;
    CorpusCache cache;
};

Corpus corpus(const std::string& input)
{
    Corpus c;
    c.shards = expandShardPaths({ input });
    if (c.shards.empty())
        throw std::runtime_error("no shards in " + input);
    c.fields = detectFields(c.shards.front(), FieldMapping {}, false);
    c.cache = CorpusCache::of("", c.shards, c.fields);
    return c;
}

ScanResult scan(const Corpus& c, std::vector<std::shared_ptr<const Scorer>> list, int threads,
    std::shared_ptr<const DocumentSelector> selector = {})
{
    ScanOptions o;
    o.shards = c.shards;
    o.fields = c.fields;
    o.scorers = std::move(list);
    o.threads = threads;
    o.selector = std::move(selector);
    Scan s(std::move(o));
    return s.run();
}

uint64_t indexBytes(const DocIndex& ix)
{
    auto cap = [](const auto& v) { return uint64_t(v.capacity() * sizeof(v[0])); };
    uint64_t groups = cap(ix.groups);
    for (const auto& g : ix.groups)
        groups += g.capacity() > 15 ? g.capacity() + 1 : 0;
    return cap(ix.shard) + cap(ix.offset) + cap(ix.length) + cap(ix.line) + cap(ix.textBytes) + cap(ix.textChars)
        + cap(ix.group) + cap(ix.ids.offsets()) + groups;
}

int tile(const std::string& srcDir, const std::string& bigDir, const std::string& list, int threads)
{
    const auto wanted = scorers(list);
    const Corpus src = corpus(srcDir), big = corpus(bigDir);
    double t = now();
    std::optional<ScanResult> scored = openCached(src.cache, src.shards, src.fields, wanted);
    if (!scored) {
        scored = scan(src, wanted, threads);
        storeScores(src.cache, *scored, wanted);
        std::printf("scored %s: %zu docs in %.1f s\n", srcDir.c_str(), scored->index.size(), now() - t);
    }
    const size_t n = scored->index.size();

    t = now();
    ScanResult ix = scan(big, {}, threads);
    const double indexSeconds = now() - t;
    uint64_t compressed = 0, json = 0;
    for (const auto& s : ix.shards) {
        compressed += s.size;
        json += s.decompressedBytes;
    }
    std::printf("indexing pass (read, split, parse; no scorer; %d threads): %llu docs, %.1f MB on disk, %.1f MB JSON "
                "in %.1f s = %.0f MB/s of JSON\n",
        resolveThreads(threads), static_cast<unsigned long long>(ix.index.size()), double(compressed) / 1e6,
        double(json) / 1e6, indexSeconds, double(json) / 1e6 / indexSeconds);
    if (!ix.complete() || n == 0)
        throw std::runtime_error("the indexing pass did not complete");
    for (size_t d = 0; d < ix.index.size(); ++d)
        if (ix.index.textBytes[d] != scored->index.textBytes[d % n])
            throw std::runtime_error("document " + std::to_string(d) + " of the big corpus is not document "
                + std::to_string(d % n) + " of the source: not a replica in order");
    ix.scores.columns = scored->scores.columns;
    ix.scores.values.assign(scored->scores.values.size(), {});
    for (size_t c = 0; c < ix.scores.values.size(); ++c) {
        std::vector<float> out(ix.index.size());
        for (size_t d = 0; d < out.size(); ++d)
            out[d] = scored->scores.values[c][d % n];
        ix.scores.values[c] = std::move(out);
    }
    t = now();
    const std::string warning = storeScores(big.cache, ix, wanted);
    if (!warning.empty())
        throw std::runtime_error(warning);
    std::printf("stored %zu columns x %zu docs in %s (%.1f MB) in %.1f s\n", ix.scores.values.size(), ix.index.size(),
        big.cache.scoresPath.c_str(), double(std::filesystem::file_size(big.cache.scoresPath)) / 1e6, now() - t);
    return 0;
}

// How much of a file is in the page cache (mincore over a mapping of it), MB.
double residentMB(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const size_t bytes = size_t(std::filesystem::file_size(path));
    void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED)
        return -1;
    const size_t page = size_t(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> in((bytes + page - 1) / page);
    size_t pages = 0;
    if (::mincore(map, bytes, in.data()) == 0)
        for (unsigned char c : in)
            pages += c & 1;
    ::munmap(map, bytes);
    return double(pages * page) / 1e6;
}

int reopen(const std::string& bigDir, const std::string& list)
{
    const auto wanted = scorers(list);
    const Corpus big = corpus(bigDir);
    printMemory("before");
    const double t = now();
    std::string unusable;
    std::optional<ScanResult> r = openCached(big.cache, big.shards, big.fields, wanted, &unusable);
    const double seconds = now() - t;
    if (!r) {
        std::fprintf(stderr, "no usable cache for %s: %s\n", bigDir.c_str(), unusable.c_str());
        return 1;
    }
    const double docs = double(r->index.size());
    std::printf("reopen from cache: %zu docs, %zu columns in %.2f s (target < 3 s)\n", r->index.size(),
        r->scores.values.size(), seconds);
    size_t mapped = 0;
    for (const auto& c : r->scores.values)
        mapped += c.isMapped();
    std::printf("index on the heap: %.1f bytes/doc (target < 40); score columns %.1f MB, %zu of %zu mapped from the "
                "scores file\n",
        double(indexBytes(r->index)) / docs, double(r->scores.values.size()) * docs * 4 / 1e6, mapped,
        r->scores.values.size());
    printMemory("after (columns mapped)");
    std::printf("scores file in the page cache after the reopen: %.1f of %.1f MB\n", residentMB(big.cache.scoresPath),
        double(std::filesystem::file_size(big.cache.scoresPath)) / 1e6);
    // The checksums the reopen deferred (issue 21): every column checked, as the first reads will do.
    const double k0 = now();
    const std::vector<std::string> bad = corruptColumns(r->scores, true);
    std::printf("checking every column's checksum (deferred to its first read): %.2f s, %zu corrupt; scores file in "
                "the page cache now: %.1f MB\n",
        now() - k0, bad.size(), residentMB(big.cache.scoresPath));
    // Side by side, same process and file: the columns copied to the heap, as every reopen did before they were
    // mapped (a writer's copy, ScoreColumn::mutableData()).
    const double c0 = now();
    for (auto& c : r->scores.values)
        c.mutableData();
    std::printf("copying the columns to the heap as before: %.2f s more\n", now() - c0);
    printMemory("after (columns copied)");
    return 0;
}

int sample(const std::string& bigDir, const std::string& list, double p, uint64_t seed, int threads)
{
    const Corpus big = corpus(bigDir);
    auto sampler = std::make_shared<BlockSampler>(p, seed);
    const double t = now();
    ScanResult r = scan(big, scorers(list), threads, sampler);
    const double seconds = now() - t;
    const PopulationEstimate est = estimatePopulation(r);
    uint64_t total = 0;
    for (const auto& s : r.shards)
        total += s.size;
    std::printf("sample (%s): %llu documents scored in %.2f s (%d threads); corpus %.1f GB on disk; estimated %.0f "
                "records (%s)\n",
        r.selection.c_str(), static_cast<unsigned long long>(r.index.size()), seconds, resolveThreads(threads),
        double(total) / 1e9, est.records, est.exact ? "exact" : "estimated");
    printMemory("after");
    return r.complete() ? 0 : 1;
}

// The indexing pass (a scan with no scorer: decompress, split lines, parse each record for its id, text size and
// group) against `zstd -d` to /dev/null, one core each, rounds alternated, best of 3.
int indexSpeed(const std::vector<std::string>& inputs)
{
    Corpus c = corpus(inputs.front());
    c.shards = expandShardPaths(inputs);
    std::string cmd = "zstd -q -d -c";
    for (const auto& s : c.shards)
        cmd += " '" + s + "'";
    cmd += " > /dev/null";
    double bestZstd = 1e30, bestScan = 1e30;
    uint64_t json = 0;
    for (int round = 0; round < 3; ++round) {
        double t = now();
        if (std::system(cmd.c_str()) != 0)
            throw std::runtime_error("zstd -d failed (Debian: zstd)");
        bestZstd = std::min(bestZstd, now() - t);
        t = now();
        const ScanResult r = scan(c, {}, 1);
        bestScan = std::min(bestScan, now() - t);
        json = 0;
        for (const auto& s : r.shards)
            json += s.decompressedBytes;
    }
    std::printf("zstd -d to /dev/null: %.2f s (%.0f MB/s); indexing pass, 1 thread: %.2f s (%.0f MB/s); "
                "indexing / zstd speed %.2f (target >= 0.80)\n",
        bestZstd, double(json) / 1e6 / bestZstd, bestScan, double(json) / 1e6 / bestScan, bestZstd / bestScan);
    return 0;
}

// The file's pages out of the page cache (no root needed for pages that are not dirty).
void dropCache(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fdatasync(fd);
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
    }
}

int frames(const std::string& shard, const std::string& list, double p, uint64_t seed, double frameMiB, bool cold)
{
    // The content, then the multi-frame copy.
    std::string text;
    {
        std::ifstream in(shard, std::ios::binary);
        text.assign(std::istreambuf_iterator<char>(in), {});
        if (text.size() >= 4 && std::memcmp(text.data(), "\x28\xb5\x2f\xfd", 4) == 0) {
            ZSTD_DCtx* d = ZSTD_createDCtx();
            std::string out, buf(ZSTD_DStreamOutSize(), '\0');
            ZSTD_inBuffer in { text.data(), text.size(), 0 };
            while (in.pos < in.size) {
                ZSTD_outBuffer o { buf.data(), buf.size(), 0 };
                const size_t rc = ZSTD_decompressStream(d, &o, &in);
                if (ZSTD_isError(rc))
                    throw std::runtime_error(shard + ": " + ZSTD_getErrorName(rc));
                out.append(buf.data(), o.pos);
            }
            ZSTD_freeDCtx(d);
            text = std::move(out);
        }
    }
    const size_t frameBytes = size_t(frameMiB * (1 << 20));
    const std::string copy = "/tmp/bench_10m-frames-" + std::to_string(frameBytes) + ".jsonl.zst";
    {
        std::ofstream out(copy, std::ios::binary | std::ios::trunc);
        std::string frame;
        for (size_t at = 0; at < text.size(); at += frameBytes) {
            const size_t n = std::min(frameBytes, text.size() - at);
            frame.resize(ZSTD_compressBound(n));
            frame.resize(ZSTD_compress(frame.data(), frame.size(), text.data() + at, n, 3));
            out.write(frame.data(), std::streamsize(frame.size()));
        }
    }
    const uint64_t fileBytes = std::filesystem::file_size(copy);
    const std::shared_ptr<const ZstdFrameIndex> idx = zstdFrameIndex(copy);
    std::printf("%s: %.1f MB of JSON Lines as %zu frames of %.2f MiB, %.1f MB (%s)\n", copy.c_str(),
        double(text.size()) / 1e6, idx ? idx->frames.size() : size_t(0), frameMiB, double(fileBytes) / 1e6,
        idx && idx->randomAccess() ? "read by frame" : "NOT read by frame");
    const Corpus c = corpus(copy);
    const auto wanted = scorers(list);
    const uint64_t blockBytes
        = BlockSampler::blockBytesFor(double(text.size()) / double(std::count(text.begin(), text.end(), '\n')));
    for (int round = 0; round < 2; ++round) {
        for (const bool byFrame : { true, false }) {
            if (cold)
                dropCache(copy);
            std::shared_ptr<const DocumentSelector> selector;
            if (byFrame)
                selector = std::make_shared<BlockSampler>(p, seed, blockBytes);
            else
                selector = std::make_shared<BernoulliSelector>(p, seed);
            const double t = now();
            const ScanResult r = scan(c, wanted, 1, selector);
            const double seconds = now() - t;
            uint64_t bytes = fileBytes, decompressed = idx ? idx->frames.size() : 0;
            if (byFrame) { // the same reading again, counted (the scan does not report its reader's bytes)
                const BlockSampler sampler(p, seed, blockBytes);
                BlockLineReader reader(copy, 0, sampler, idx);
                LineBatch batch;
                while (reader.nextBatch(batch)) { }
                bytes = reader.bytesRead();
                decompressed = reader.framesDecompressed();
            }
            const PopulationEstimate est = estimatePopulation(r);
            std::printf("round %d, %s, p=%g%s: %llu documents in %.3f s (1 thread, %s); compressed bytes read %.1f MB "
                        "of %.1f (%.1f%%), frames decompressed %llu of %zu; estimated %.0f records (%s)\n",
                round + 1, byFrame ? "by frame (block sampler)" : "streamed (line sampler)", p, cold ? ", cold" : "",
                static_cast<unsigned long long>(r.index.size()), seconds, list.c_str(), double(bytes) / 1e6,
                double(fileBytes) / 1e6, 100.0 * double(bytes) / double(fileBytes),
                static_cast<unsigned long long>(decompressed), idx ? idx->frames.size() : size_t(0), est.records,
                est.exact ? "exact" : "estimated");
        }
    }
    std::filesystem::remove(copy);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> pos;
    std::string list = "zlib6";
    int threads = 0;
    double p = 0.002;
    uint64_t seed = 1;
    double frameMiB = 1;
    bool cold = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--scorers" && i + 1 < argc)
            list = argv[++i];
        else if (a == "--threads" && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (a == "--p" && i + 1 < argc)
            p = std::atof(argv[++i]);
        else if (a == "--frame-mib" && i + 1 < argc)
            frameMiB = std::atof(argv[++i]);
        else if (a == "--cold")
            cold = true;
        else if (a == "--seed" && i + 1 < argc)
            seed = std::strtoull(argv[++i], nullptr, 10);
        else
            pos.push_back(a);
    }
    try {
        if (pos.size() == 3 && pos[0] == "tile")
            return tile(pos[1], pos[2], list, threads);
        if (pos.size() == 2 && pos[0] == "reopen")
            return reopen(pos[1], list);
        if (pos.size() >= 2 && pos[0] == "index-speed")
            return indexSpeed({ pos.begin() + 1, pos.end() });
        if (pos.size() == 2 && pos[0] == "sample")
            return sample(pos[1], list, p, seed, threads);
        if (pos.size() == 2 && pos[0] == "frames")
            return frames(pos[1], list, p, seed, frameMiB, cold);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_10m: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr,
        "usage: bench_10m tile SRC BIG --scorers LIST [--threads N]\n"
        "       bench_10m reopen BIG --scorers LIST\n"
        "       bench_10m sample BIG --p P [--seed S] [--scorers LIST] [--threads N]\n"
        "       bench_10m index-speed SHARD...\n"
        "       bench_10m frames SHARD --p P [--seed S] [--frame-mib N] [--scorers LIST] [--cold]\n");
    return 2;
}
