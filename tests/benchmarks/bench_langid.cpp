// bench_langid: single-threaded throughput of the langid scorer (issue 5) over the shared bench set,
// in MB/s of text (UTF-8 bytes) per core of thread CPU time, best of N rounds. Also times turning
// text into the model's input rows two ways: the scorer's own tokenizer and fastText's getLine()
// (the reason the scorer has its own), on the same texts.
//
// Usage: bench_langid [--repeat N] [SHARD.jsonl.zst|DIR ...]   (default: ../shared/data/bench)
// The model: $SHARDSCOPE_LID_MODEL, else where the scorer looks (see core/scorers/langid.h).

#include "testpaths.h"

#include "scorer.h"
#include "scorers/langid.h"

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
    int repeat = 2;
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = std::max(1, std::atoi(argv[++i]));
        else
            inputs.emplace_back(argv[i]);
    }
    if (inputs.empty()) {
        if (!testdata::exists(testdata::shared("bench"))) {
            std::printf("bench_langid: %s\n", testdata::missingSharedLine("bench").c_str());
            return 0;
        }
        inputs.emplace_back(testdata::shared("bench"));
    }
    if (!std::getenv("SHARDSCOPE_LID_MODEL")) {
        const fs::path shared = testdata::shared("models/fasttext_lid176/lid.176.ftz");
        if (findLidModel().empty() && fs::exists(shared))
            ::setenv("SHARDSCOPE_LID_MODEL", shared.c_str(), 1);
    }
    std::vector<fs::path> shards;
    for (const auto& p : inputs) {
        if (fs::is_directory(p)) {
            for (const auto& e : fs::directory_iterator(p))
                if (e.path().string().ends_with(".jsonl.zst"))
                    shards.push_back(e.path());
        } else {
            shards.push_back(p);
        }
    }
    std::sort(shards.begin(), shards.end());
    std::vector<std::string> texts;
    std::shared_ptr<const LidModel> model;
    try {
        for (const auto& s : shards)
            readTexts(s, texts);
        model = sharedLidModel();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    size_t bytes = 0;
    for (const auto& t : texts)
        bytes += t.size();
    const double mb = double(bytes) / 1e6;
    std::printf("%zu shards, %zu documents, %.1f MB of text; model %s\n", shards.size(), texts.size(), mb,
                model->path().c_str());

    registerBuiltinScorers();
    auto worker = ScorerRegistry::instance().create("langid")->makeWorker();
    double best = 1e300, bestWall = 1e300, checksum = 0;
    for (int round = 0; round < repeat; ++round) {
        const double c0 = threadCpu(), w0 = wallNow();
        float out[2];
        for (const auto& t : texts) {
            worker->score(t, out);
            checksum += out[1] == out[1] ? out[1] : 0;
        }
        const double cpu = threadCpu() - c0, wall = wallNow() - w0;
        std::printf("round %d: %.2f s CPU (%.2f s wall), %.1f MB/s per core\n", round + 1, cpu, wall, mb / cpu);
        best = std::min(best, cpu);
        bestWall = std::min(bestWall, wall);
    }
    std::printf("\nlangid (lang, lang_score), one thread, best of %d: %.1f MB/s per core of thread CPU time "
                "(%.1f MB/s wall)\n",
                repeat, mb / best, mb / bestWall);

    // Input rows alone: the scorer's tokenizer against fastText's getLine().
    std::vector<int32_t> ids;
    std::string scratch;
    size_t rows = 0;
    double c0 = threadCpu();
    for (const auto& t : texts) {
        model->wordIds(t, ids, scratch);
        rows += ids.size();
    }
    const double fast = threadCpu() - c0;
    c0 = threadCpu();
    for (const auto& t : texts) {
        model->referenceWordIds(t, ids);
        rows -= ids.size();
    }
    const double ref = threadCpu() - c0;
    std::printf("text -> input rows: scorer's tokenizer %.1f MB/s, fastText getLine() %.1f MB/s (%s rows)\n",
                mb / fast, mb / ref, rows == 0 ? "same" : "DIFFERENT");
    std::printf("(checksum %.6g)\n", checksum);
    return rows == 0 ? 0 : 1;
}
