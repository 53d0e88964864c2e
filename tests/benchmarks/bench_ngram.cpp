// bench_ngram: the n-gram reference model (issue 22, parts 2 and 5) on the shared bench set.
//   - trains a byte-level Kneser-Ney model on a uniform random sample of the documents (a seeded hash of the
//     document's number picks each one independently, as the CLI's --sample does) and prints the training time;
//   - held-out bits per byte on the documents that were not sampled;
//   - single-threaded scoring speed in MB/s of text per core of thread CPU time, best of N rounds;
//   - rank AUC side by side for zlib6 and ngram_bpb on labelled data: SpamAssassin spam vs ham (the fixture
//     fixtures/spamassassin_40spam_40ham.jsonl) and, as weak labels from the bench set's sources, tweets vs
//     documentation and WET-like web pages (menus, footers kept) vs documentation (the bench set holds no
//     machine-written text, so human vs machine is not measured here). AUC is
//     P(score of a positive > score of a negative), ties counted half; 0.5 is chance, below 0.5 means the
//     positives score lower.
//
//   - --per-language (issue 22, part 3): also identifies every document's language (lid.176, as the lang scorer),
//     trains the per-language set (core/ngramlang.h) on the same sample and prints its training time, the scorer's
//     single-thread speed (langid + the language's model, through ngram:model=DIR), and per language the median
//     ngram_bpb of the documents not in the sample under the single model and under the per-language set.
//
// Usage: bench_ngram [--order N] [--sample PERCENT] [--repeat N] [--per-language [--min-docs N]]
//                    [SHARD.jsonl.zst|DIR ...]
//        (default: ../shared/data/bench, order 5, 10% sample, 3 rounds)

#include "testpaths.h"

#include "ngramlang.h"
#include "ngramlm.h"
#include "scorer.h"

#ifdef SHARDSCOPE_HAVE_FASTTEXT
#include "scorers/langid.h"
#endif

#include "benchtexts.h"

#include <simdjson.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace shardscope;
using namespace benchutil;
namespace fs = std::filesystem;

namespace {

struct Doc {
    std::string text;
    std::string source; // "label" or, without one, "source"
};

void readDocs(const std::string& data, const std::string& name, std::vector<Doc>& docs)
{
    simdjson::ondemand::parser parser;
    size_t start = 0;
    while (start < data.size()) {
        size_t end = data.find('\n', start);
        if (end == std::string::npos)
            end = data.size();
        if (end > start) {
            simdjson::padded_string line(data.data() + start, end - start);
            simdjson::ondemand::document doc;
            std::string_view text, source;
            if (parser.iterate(line).get(doc) || doc["text"].get_string().get(text)) {
                std::fprintf(stderr, "%s: a record without a \"text\" string, skipped\n", name.c_str());
            } else {
                Doc d { std::string(text), {} };
                if (!doc["label"].get_string().get(source) || !doc["source"].get_string().get(source))
                    d.source = std::string(source);
                docs.push_back(std::move(d));
            }
        }
        start = end + 1;
    }
}

double auc(const std::vector<float>& pos, const std::vector<float>& neg)
{
    if (pos.empty() || neg.empty())
        return -1;
    std::vector<std::pair<float, int>> all;
    for (float v : pos)
        all.push_back({ v, 1 });
    for (float v : neg)
        all.push_back({ v, 0 });
    std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first < b.first; });
    double rankSum = 0;
    for (size_t i = 0; i < all.size();) {
        size_t j = i;
        while (j < all.size() && all[j].first == all[i].first)
            ++j;
        const double rank = (double(i) + double(j - 1)) / 2 + 1;
        for (size_t k = i; k < j; ++k)
            if (all[k].second)
                rankSum += rank;
        i = j;
    }
    const double np = double(pos.size()), nn = double(neg.size());
    return (rankSum - np * (np + 1) / 2) / (np * nn);
}

void compare(const char* task, const std::vector<const Doc*>& pos, const std::vector<const Doc*>& neg,
    const NgramModel& model, ScorerWorker& zlib)
{
    std::vector<float> zp, zn, np, nn;
    float out[2];
    for (const Doc* d : pos) {
        zlib.score(d->text, out);
        zp.push_back(out[0]);
        np.push_back(model.bitsPerByte(d->text));
    }
    for (const Doc* d : neg) {
        zlib.score(d->text, out);
        zn.push_back(out[0]);
        nn.push_back(model.bitsPerByte(d->text));
    }
    std::printf(
        "%-44s %5zu vs %5zu   zlib6 %.3f   ngram_bpb %.3f\n", task, pos.size(), neg.size(), auc(zp, zn), auc(np, nn));
}

double median(std::vector<double> v)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#ifdef SHARDSCOPE_HAVE_FASTTEXT
// The per-language mode: docs[i] is in the sample when inSample[i].
void perLanguage(const std::vector<Doc>& docs, const std::vector<bool>& inSample, const NgramModel& single, int order,
    uint64_t minDocs, int repeat)
{
    std::shared_ptr<const LidModel> lid;
    try {
        lid = sharedLidModel();
    } catch (const std::exception& e) {
        std::printf("\n--per-language: %s\n", e.what());
        return;
    }
    LidModel::Scratch scratch;
    std::vector<int> label(docs.size(), -1);
    std::vector<float> prob(docs.size(), 0);
    double c0 = threadCpu(), mb = 0;
    for (size_t i = 0; i < docs.size(); ++i) {
        mb += double(docs[i].text.size()) / 1e6;
        if (docs[i].text.empty())
            continue;
        const auto p = lid->predict(docs[i].text, scratch);
        label[i] = p.label;
        prob[i] = p.probability;
    }
    const double lidCpu = threadCpu() - c0;
    std::printf("\n--- per-language models (min %llu documents, lang_score >= %.2f) ---\n",
        static_cast<unsigned long long>(minDocs), NgramLanguageOptions::kDefaultMinLangScore);
    std::printf("langid over every document: %.1f MB in %.2f s CPU, %.1f MB/s per core\n", mb, lidCpu, mb / lidCpu);
    NgramLanguageSample sample;
    sample.labelNames = lid->languages();
    sample.lidModel = lid->path();
    for (size_t i = 0; i < docs.size(); ++i)
        if (inSample[i]) {
            sample.texts.push_back(docs[i].text);
            sample.labels.push_back(label[i]);
            sample.probabilities.push_back(prob[i]);
        }
    NgramLanguageOptions o;
    o.order = order;
    o.heldOutPercent = 0; // the documents not in the sample are the held-out text here, as for the single model
    o.minDocs = minDocs;
    o.threads = 1; // CPU time of one thread, comparable with the single model's
    c0 = threadCpu();
    double w0 = wallNow();
    NgramLanguageModels set = trainNgramLanguageModels(sample, o);
    const double trainCpu = threadCpu() - c0, trainWall = wallNow() - w0;
    size_t entries = 0;
    for (const auto& m : set.models)
        for (int n = 1; n <= order; ++n)
            entries += m->entries(n);
    std::printf("train %zu models (%zu languages + all): %.2f s CPU (%.2f s wall) on one thread; %zu n-grams, %.0f MiB "
                "of ngram.bin in all\n",
        set.models.size(), set.models.size() - 1, trainCpu, trainWall, entries, double(entries) * 16 / 1048576);
    std::string langs;
    for (const auto& e : set.manifest.models)
        langs += " " + e.language + "=" + std::to_string(e.documents);
    std::printf("models (sample documents):%s\n", langs.c_str());
    const std::string dir = (fs::temp_directory_path() / ("bench_ngram_lang_" + std::to_string(::getpid()))).string();
    set.save(dir);
    registerBuiltinScorers();
    auto scorer = ScorerRegistry::instance().create("ngram:model=" + dir);
    auto worker = scorer->makeWorker();
    const auto categories = scorer->columns()[1].categories;
    double restMb = 0;
    for (size_t i = 0; i < docs.size(); ++i)
        if (!inSample[i])
            restMb += double(docs[i].text.size()) / 1e6;
    std::vector<float> perValue(docs.size()), perModel(docs.size());
    double best = 1e300, bestWall = 1e300;
    for (int round = 0; round < repeat; ++round) {
        c0 = threadCpu();
        w0 = wallNow();
        // As a scan hands it the documents: in read batches of about 4 MB (ScanOptions::batchBytes).
        std::vector<std::string_view> batch;
        std::vector<size_t> rows;
        std::vector<float> out;
        size_t batchBytes = 0;
        auto flush = [&] {
            out.assign(batch.size() * 2, 0);
            worker->scoreBatch(batch, out.data(), 2);
            for (size_t r = 0; r < batch.size(); ++r) {
                perValue[rows[r]] = out[2 * r];
                perModel[rows[r]] = out[2 * r + 1];
            }
            batch.clear();
            rows.clear();
            batchBytes = 0;
        };
        for (size_t i = 0; i < docs.size(); ++i)
            if (!inSample[i]) {
                batch.push_back(docs[i].text);
                rows.push_back(i);
                batchBytes += docs[i].text.size();
                if (batchBytes >= (4u << 20))
                    flush();
            }
        flush();
        const double cpu = threadCpu() - c0, wall = wallNow() - w0;
        std::printf(
            "score round %d (langid + the language's model): %.1f MB in %.2f s CPU (%.2f s wall), %.1f MB/s per "
            "core\n",
            round + 1, restMb, cpu, wall, restMb / cpu);
        best = std::min(best, cpu);
        bestWall = std::min(bestWall, wall);
    }
    std::printf("per-language ngram_bpb scoring, one thread, best of %d: %.1f MB/s per core of thread CPU time (%.1f "
                "MB/s wall)\n",
        repeat, restMb / best, restMb / bestWall);
    // Medians by language (lid's confident label) of the documents not in the sample.
    std::map<std::string, std::vector<double>> singleBy, perBy;
    std::map<std::string, size_t> ownModel;
    for (size_t i = 0; i < docs.size(); ++i) {
        if (inSample[i] || docs[i].text.empty())
            continue;
        const std::string lang
            = label[i] >= 0 && prob[i] >= o.minLangScore ? lid->languages()[size_t(label[i])] : std::string("(unsure)");
        singleBy[lang].push_back(single.bitsPerByte(docs[i].text));
        perBy[lang].push_back(perValue[i]);
        ownModel[lang] += categories.at(size_t(perModel[i])) == lang;
    }
    std::vector<std::pair<size_t, std::string>> bySize;
    for (const auto& [lang, v] : singleBy)
        bySize.push_back({ v.size(), lang });
    std::sort(bySize.rbegin(), bySize.rend());
    const double enSingle = median(singleBy["en"]), enPer = median(perBy["en"]);
    std::printf("\nmedian ngram_bpb of the documents not in the sample, by language (ratio to English)\n");
    std::printf("%-10s %7s %10s  %-16s %-16s\n", "lang", "docs", "own model", "single model", "per-language");
    for (size_t k = 0; k < bySize.size() && k < 16; ++k) {
        const std::string& lang = bySize[k].second;
        const double a = median(singleBy[lang]), b = median(perBy[lang]);
        std::printf("%-10s %7zu %9.0f%%  %6.3f (%5.2f)   %6.3f (%5.2f)\n", lang.c_str(), bySize[k].first,
            100.0 * double(ownModel[lang]) / double(bySize[k].first), a, a / enSingle, b, b / enPer);
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}
#endif

} // namespace

int main(int argc, char** argv)
{
    int order = NgramModel::kDefaultOrder, repeat = 3;
    double percent = 10;
    bool perLanguageMode = false;
    uint64_t minDocs = NgramLanguageOptions::kDefaultMinDocs;
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--order") == 0 && i + 1 < argc)
            order = std::atoi(argv[++i]);
        else if (std::strcmp(argv[i], "--sample") == 0 && i + 1 < argc)
            percent = std::atof(argv[++i]);
        else if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = std::max(1, std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--per-language") == 0)
            perLanguageMode = true;
        else if (std::strcmp(argv[i], "--min-docs") == 0 && i + 1 < argc)
            minDocs = std::strtoull(argv[++i], nullptr, 10);
        else
            inputs.emplace_back(argv[i]);
    }
    if (inputs.empty()) {
        if (!testdata::exists(testdata::shared("bench"))) {
            std::printf("bench_ngram: %s\n", testdata::missingSharedLine("bench").c_str());
            return 0;
        }
        inputs.emplace_back(testdata::shared("bench"));
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
    std::vector<Doc> docs;
    try {
        for (const auto& s : shards)
            readDocs(decompressZstdFile(s), s.string(), docs);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    // The sample: each document independently, by a seeded hash of its number.
    std::vector<std::string_view> train;
    std::vector<const Doc*> rest;
    std::vector<bool> inSample(docs.size(), false);
    size_t trainBytes = 0, restBytes = 0;
    const uint64_t threshold = uint64_t(percent / 100 * 18446744073709551615.0);
    for (size_t i = 0; i < docs.size(); ++i) {
        const uint64_t n = i;
        if (XXH3_64bits_withSeed(&n, sizeof n, 1) < threshold) {
            inSample[i] = true;
            train.push_back(docs[i].text);
            trainBytes += docs[i].text.size();
        } else {
            rest.push_back(&docs[i]);
            restBytes += docs[i].text.size();
        }
    }
    std::printf("%zu shards, %zu documents; sample %.1f%%: %zu documents, %.1f MB of text\n", shards.size(),
        docs.size(), percent, train.size(), double(trainBytes) / 1e6);

    double c0 = threadCpu(), w0 = wallNow();
    const NgramModel model = NgramModel::train(train, order);
    const double trainCpu = threadCpu() - c0, trainWall = wallNow() - w0;
    size_t entries = 0;
    for (int m = 1; m <= order; ++m)
        entries += model.entries(m);
    std::printf("train order %d: %.2f s CPU (%.2f s wall), %.1f MB/s; %zu n-grams, %.0f MiB in ngram.bin\n", order,
        trainCpu, trainWall, double(trainBytes) / 1e6 / trainCpu, entries, double(entries) * 16 / 1048576);

    const double mb = double(restBytes) / 1e6;
    double best = 1e300, bestWall = 1e300, bits = 0;
    for (int round = 0; round < repeat; ++round) {
        c0 = threadCpu();
        w0 = wallNow();
        bits = 0;
        for (const Doc* d : rest)
            bits += model.bits(d->text);
        const double cpu = threadCpu() - c0, wall = wallNow() - w0;
        std::printf("score round %d: %.1f MB in %.2f s CPU (%.2f s wall), %.1f MB/s per core\n", round + 1, mb, cpu,
            wall, mb / cpu);
        best = std::min(best, cpu);
        bestWall = std::min(bestWall, wall);
    }
    std::printf("\nngram_bpb scoring, one thread, best of %d: %.1f MB/s per core of thread CPU time (%.1f MB/s wall)\n",
        repeat, mb / best, mb / bestWall);
    std::printf("held-out bits per byte (documents not in the sample): %.4f\n\n", bits / double(restBytes));

    registerBuiltinScorers();
    auto zlib = ScorerRegistry::instance().create("zlib6")->makeWorker();
    std::printf("rank AUC, positives vs negatives                 count         zlib6        ngram_bpb\n");
    const std::string spamPath = testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl");
    std::ifstream in(spamPath, std::ios::binary);
    if (in) {
        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::vector<Doc> mails;
        readDocs(data, spamPath, mails);
        std::vector<const Doc*> spam, ham;
        for (const Doc& d : mails)
            (d.source == "spam" ? spam : ham).push_back(&d);
        compare("spam vs ham (SpamAssassin fixture)", spam, ham, model, *zlib);
    } else {
        std::printf("(%s is absent: no spam vs ham)\n", spamPath.c_str());
    }
    std::vector<const Doc*> tweets, web, docsPages;
    for (const Doc* d : rest) {
        if (d->source == "short/davidson-tweets")
            tweets.push_back(d);
        else if (d->source.starts_with("web/"))
            web.push_back(d);
        else if (d->source.starts_with("docs/"))
            docsPages.push_back(d);
    }
    compare("tweets vs documentation (bench, held out)", tweets, docsPages, model, *zlib);
    compare("web pages vs documentation (bench, held out)", web, docsPages, model, *zlib);
    if (perLanguageMode) {
#ifdef SHARDSCOPE_HAVE_FASTTEXT
        perLanguage(docs, inSample, model, order, minDocs, repeat);
#else
        std::printf("\n--per-language: this build has no language identification (libfasttext)\n");
#endif
    }
    return 0;
}
