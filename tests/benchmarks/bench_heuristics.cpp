// bench_heuristics: single-threaded throughput of the heuristic scorers (issue 5, "Performance":
// all heuristics together at least 80 MB/s per core over the shared bench set).
//
//   bench_heuristics [--repeat N] [--only NAME[,NAME...]] [SHARD.jsonl.zst|DIR ...]
//
// Reads the "text" of every record of the shards into memory first (zstd streaming + simdjson
// ondemand), then scores every document with every heuristic scorer in turn on this one thread, as a
// scan thread does, and prints MB/s of text (UTF-8 bytes) for all scorers together (best of N rounds)
// and each scorer's share of the time. It prints figures and asserts nothing (see README.md here).
// No Qt: the engine's scorers only.

#include "testpaths.h"

#include "scorer.h"
#include "scorers/heuristics.h"

#include "benchtexts.h"

#include <simdjson.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <time.h>

using namespace shardscope;
using namespace benchutil;
namespace fs = std::filesystem;

int main(int argc, char** argv)
{
    int repeat = 3;
    std::string only;
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = std::max(1, std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = "," + std::string(argv[++i]) + ",";
        else
            inputs.emplace_back(argv[i]);
    }
    if (inputs.empty()) {
        if (!testdata::exists(testdata::shared("bench"))) {
            std::printf("bench_heuristics: %s\n", testdata::missingSharedLine("bench").c_str());
            return 0;
        }
        inputs.emplace_back(testdata::shared("bench"));
    }

    std::vector<fs::path> shards;
    for (const fs::path& p : inputs) {
        if (fs::is_directory(p)) {
            for (const auto& e : fs::directory_iterator(p))
                if (e.path().string().ends_with(".jsonl.zst"))
                    shards.push_back(e.path());
        } else {
            shards.push_back(p);
        }
    }
    std::sort(shards.begin(), shards.end());
    if (shards.empty()) {
        std::fprintf(stderr, "no .jsonl.zst shards found\n");
        return 1;
    }

    std::vector<std::string> texts;
    try {
        for (const fs::path& s : shards)
            readTexts(s, texts);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    size_t bytes = 0;
    for (const auto& t : texts)
        bytes += t.size();
    const double mb = double(bytes) / 1e6;
    std::printf("%zu shards, %zu documents, %.1f MB of text in memory\n", shards.size(), texts.size(), mb);

    ScorerRegistry registry;
    registerHeuristicScorers(registry);
    std::vector<std::unique_ptr<Scorer>> scorers = registry.createAll();
    if (!only.empty())
        std::erase_if(scorers, [&](const auto& s) {
            std::string key(1, ','); // not "," + name: GCC 12 warns falsely (-Wrestrict) on that
            key.append(s->name()).push_back(',');
            return only.find(key) == std::string::npos;
        });
    for (const auto& s : scorers) {
        // a scorer that cannot run scores nothing and would make the figure look better than it is
        if (const std::string why = s->unavailableReason(); !why.empty()) {
            std::fprintf(stderr, "cannot benchmark %s: %s\n", s->name().c_str(), why.c_str());
            return 1;
        }
    }
    std::vector<std::unique_ptr<ScorerWorker>> workers;
    std::vector<size_t> widths; // columns per scorer, looked up once as the scan loop does (columns() copies)
    size_t columns = 0;
    for (const auto& s : scorers) {
        workers.push_back(s->makeWorker());
        widths.push_back(s->columns().size());
        columns += widths.back();
    }
    std::vector<float> out(columns);

    double best = 1e300, bestWall = 0;
    double checksum = 0;
    auto scoreAll = [&](std::vector<double>* spent) {
        for (const std::string& text : texts) {
            const DocumentScope document(text); // as the scan loop does
            float* o = out.data();
            for (size_t k = 0; k < workers.size(); ++k) {
                const double a = spent ? threadCpu() : 0;
                workers[k]->score(text, o);
                if (spent)
                    (*spent)[k] += threadCpu() - a;
                o += widths[k];
            }
            for (const float v : out)
                if (v == v)
                    checksum += double(v);
        }
    };
    for (int round = 0; round < repeat; ++round) {
        const double t0 = wallNow();
        const double c0 = threadCpu();
        scoreAll(nullptr);
        const double cpu = threadCpu() - c0;
        const double wall = wallNow() - t0;
        std::printf("round %d: %.3f s CPU (%.3f s wall), %.1f MB/s per core\n", round + 1, cpu, wall, mb / cpu);
        if (cpu < best) {
            best = cpu;
            bestWall = wall;
        }
    }
    // One more round timing each scorer on its own (the clock calls cost a little).
    std::vector<double> perScorer(scorers.size(), 0.0);
    scoreAll(&perScorer);
    double sum = 0;
    for (const double t : perScorer)
        sum += t;
    std::printf("\nall %zu heuristic scorers (%zu columns), one thread, best of %d: %.1f MB/s per core of thread CPU "
                "time (%.1f MB/s wall) (target >= 80)\n",
                scorers.size(), columns, repeat, mb / best, mb / bestWall);
    std::printf("%-20s %8s %10s\n", "scorer", "share", "MB/s alone");
    for (size_t k = 0; k < scorers.size(); ++k)
        std::printf("%-20s %7.1f%% %10.1f\n", scorers[k]->name().c_str(), 100.0 * perScorer[k] / sum,
                    mb / perScorer[k]);
    (void)sum;
    std::printf("(the SpacyLike tokens are computed by the first scorer that needs them and reused by the others;\n"
                " 'MB/s alone' divides by each scorer's own time in the combined run; checksum %.6g)\n",
                checksum);
    return 0;
}
