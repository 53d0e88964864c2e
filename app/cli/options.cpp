#include "options.h"

#include "blocksampler.h"
#include "command.h"
#include "docindex.h"
#include "ngramlm.h"
#include "zstdframes.h"

#ifdef SHARDSCOPE_HAVE_TORCH
#include "lm/lmscorer.h"
#endif

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>

namespace shardscope::cli {

void InputOptions::add(CLI::App* cmd)
{
    cmd->add_option("shards", inputs,
           "Shards (.jsonl, .jsonl.gz, .jsonl.zst; Common Crawl .warc.wet.gz, .warc.gz) or directories of them")
        ->required()
        ->check(CLI::ExistingPath);
    cmd->add_option("--text-field", textField, "Text field name or JSON pointer (default: text)");
    cmd->add_option("--id-field", idField, "Id field name or JSON pointer; empty: record number (default: id)");
    cmd->add_option("--group-field", groupField,
        "Group field (default: detected from source, meta.pile_set_name, meta.redpajama_set_name, "
        "metadata.source)");
}

std::vector<std::string> InputOptions::shards() const
{
    return expandShardPaths(inputs);
}

FieldMapping InputOptions::fields(const std::vector<std::string>& shards) const
{
    FieldMapping f;
    f.text = FieldMapping::toPointer(textField);
    f.id = FieldMapping::toPointer(idField);
    f.group = FieldMapping::toPointer(groupField);
    if (shards.empty())
        return f;
    return detectFields(shards.front(), f, !groupField.empty());
}

void ThreadOptions::add(CLI::App* cmd)
{
    cmd->add_option("--threads,-j", threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
}

void CorpusOptions::add(CLI::App* cmd)
{
    // --threads before the field options: the order `--help` has always shown (the shards are listed apart).
    threads.add(cmd);
    input.add(cmd);
    cmd->add_flag("--quiet,-q", quiet, "No progress output");
    cmd->add_option("--cache-dir", cacheDir,
        "Where scores files and seek caches live (default: "
        "$SHARDSCOPE_CACHE_DIR or ~/.cache/shardscope)");
    cmd->add_flag("--no-cache", noCache, "Neither read nor write cached scores");
    cmd->add_option("--max-errors", maxErrors, "Rejected records to print individually (default: 20)");
}

void SampleOptions::add(CLI::App* cmd)
{
    cmd->add_option("--sample", sample,
        "Score a uniform random sample of the records: a percentage (2%), a fraction (0.02) or a number of "
        "records (5000); figures then carry 95% intervals. Never cached.");
    cmd->add_option("--seed", seed, "Seed of --sample: the same seed picks the same records (default: 1)");
}

namespace {

// Selects nothing: a scan with it reads and counts every record without parsing one.
class CountOnly final : public DocumentSelector {
public:
    bool select(uint32_t, uint64_t) const override { return false; }
    std::string describe() const override { return "none"; }
};

// What the first MiB of up to 8 plain shards spread over the corpus tell about all plain shards: the mean record
// length (with its newline) and so the number of records. Counting them would read the whole corpus, which
// sampling by byte offset is there to avoid. Multi-frame zstd shards that the scan samples by frame (issue 21) count
// as plain here, their decompressed bytes as their size, their first frame as their first MiB.
struct PlainProbe {
    std::vector<std::string> shards; // the plain ones, and those read by frame
    double meanRecordBytes = 0;
    double records = 0;
};

// The first MiB of a shard's content: the file's for a plain one, its first frames' for one read by frame.
std::string probeHead(const std::string& path)
{
    std::vector<char> buf(1 << 20);
    const ShardInfo info = fingerprintShard(path);
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    std::FILE* f = file.get();
    if (!f)
        return {};
    std::string out;
    if (info.compression == "plain") {
        out.assign(buf.data(), std::fread(buf.data(), 1, buf.size(), f));
    } else if (const auto frames = sampledFrames(info)) {
        // Its first MiB of text, as of a plain shard (the same mean, so the same blocks as its .jsonl).
        std::string compressed, text;
        for (const ZstdFrame& fr : frames->frames) {
            if (out.size() >= buf.size())
                break;
            compressed.resize(size_t(fr.compressedSize));
            if (std::fseek(f, long(fr.offset), SEEK_SET) != 0
                || std::fread(compressed.data(), 1, compressed.size(), f) != compressed.size())
                break;
            decompressZstdFrame(path, fr, compressed.data(), text);
            out.append(text, 0, std::min(text.size(), buf.size() - out.size()));
        }
    }
    return out;
}

PlainProbe probePlain(const std::vector<std::string>& shards)
{
    PlainProbe probe;
    uint64_t total = 0, seenBytes = 0, seenLines = 0;
    for (const auto& path : shards) {
        const ShardInfo info = fingerprintShard(path);
        std::optional<uint64_t> bytes;
        try {
            bytes = blockSampledBytes(info);
        } catch (const InputError&) {
            // the scan reports it
        }
        if (bytes) {
            probe.shards.push_back(path);
            total += *bytes;
        }
    }
    const size_t probes = std::min<size_t>(8, probe.shards.size());
    for (size_t k = 0; k < probes; ++k) {
        std::string buf;
        try {
            buf = probeHead(probe.shards[k * probe.shards.size() / probes]);
        } catch (const InputError&) {
            continue; // the scan reports it, with its offset
        }
        const size_t n = buf.size();
        // Up to the last newline: a partial line would make records look shorter.
        size_t upTo = n;
        while (upTo > 0 && buf[upTo - 1] != '\n')
            --upTo;
        seenLines += size_t(std::count(buf.begin(), buf.begin() + long(upTo), '\n'));
        seenBytes += upTo;
    }
    if (seenLines) {
        probe.meanRecordBytes = double(seenBytes) / double(seenLines);
        probe.records = double(total) / probe.meanRecordBytes;
    }
    return probe;
}

} // namespace

std::shared_ptr<const DocumentSelector> SampleOptions::selector(
    const CorpusOptions& corpus, const std::string& command) const
{
    if (sample.empty())
        return nullptr;
    const std::vector<std::string> shards = corpus.input.shards();
    const PlainProbe probe = probePlain(shards);
    double p = 0;
    try {
        size_t used = 0;
        const double v = std::stod(sample, &used);
        const std::string rest = sample.substr(used);
        if (rest == "%")
            p = v / 100;
        else if (!rest.empty())
            throw std::invalid_argument(sample);
        else if (v > 0 && v < 1)
            p = v;
        else if (v >= 1 && v == std::floor(v)) {
            if (probe.records > 0 && probe.shards.size() == shards.size()) {
                p = std::min(1.0, v / probe.records);
                return std::make_shared<BlockSampler>(p, seed, BlockSampler::blockBytesFor(probe.meanRecordBytes));
            }
            ScanOptions so;
            so.shards = shards;
            so.fields = corpus.input.fields(so.shards);
            so.threads = corpus.threads.threads;
            so.buildIndex = false;
            so.selector = std::make_shared<CountOnly>();
            const ScanResult counted = Scan(so).run();
            p = counted.records ? std::min(1.0, v / double(counted.records)) : 1.0;
        } else
            throw std::invalid_argument(sample);
    } catch (const std::invalid_argument&) {
        throw UsageError(command,
            "--sample takes a percentage (2%), a fraction (0.02) or a number of records, not '" + sample + "'");
    } catch (const std::out_of_range&) {
        throw UsageError(command, "--sample: '" + sample + "' is out of range");
    }
    if (!(p > 0 && p <= 1))
        throw UsageError(
            command, "--sample must select more than nothing and at most everything, not '" + sample + "'");
    // Plain shards are sampled by byte offset (only the chosen blocks are read), multi-frame zstd shards by the
    // offsets of their content (only the frames holding chosen blocks are decompressed); a corpus of other
    // compressed shards line by line (BlockSampler does the same on its compressed shards).
    if (probe.shards.empty())
        return std::make_shared<BernoulliSelector>(p, seed);
    return std::make_shared<BlockSampler>(p, seed, BlockSampler::blockBytesFor(probe.meanRecordBytes));
}

void ScorerOptions::add(CLI::App* cmd, const std::string& description)
{
    cmd->add_option("--scorers,-s", list, description)->capture_default_str();
}

ScorerList ScorerOptions::resolve(const std::string& command, const ScorerParams& shared) const
{
    try {
        return resolveScorers(list, shared);
    } catch (const std::invalid_argument& e) {
        throw UsageError(command, e.what());
    }
}

ScorerList resolveScorers(const std::string& list, const ScorerParams& shared)
{
    ScorerList out;
    for (auto& s : ScorerRegistry::instance().resolveList(list, shared))
        out.push_back(std::move(s));
    return out;
}

#ifdef SHARDSCOPE_HAVE_TORCH

void ModelOptions::add(CLI::App* cmd)
{
    m_model = cmd->add_option("--model", lm.modelDir,
        "Language model directory for the lm scorer (config.json, model.safetensors, "
        "tokenizer); default: the built-in byte-level model");
    m_device = cmd->add_option("--device", lm.device,
        "Where the lm scorer runs: auto (first GPU if any, else CPU), cpu, cuda or cuda:N "
        "(default: cpu)");
    cmd->add_option("--lm-window", lm.window, "lm scorer window in tokens (default: the model's context)");
    cmd->add_option("--lm-stride", lm.stride, "lm scorer stride in tokens (default: window/2)");
    cmd->add_option(
        "--lm-batch-tokens", lm.batchTokens, "tokens per forward batch (default: 4096 on the CPU, 65536 on a GPU)");
    cmd->add_option("--lm-threads", lm.torchThreads, "torch threads per scan worker (default: 1)");
}

void ModelOptions::addModelAndDevice(CLI::App* cmd)
{
    m_model = cmd->add_option("--model", lm.modelDir, "Model directory (default: built-in)");
    m_device = cmd->add_option("--device", lm.device, "auto, cpu, cuda or cuda:N");
}

void ModelOptions::publish() const
{
    // An n-gram model directory given as --model is the ngram scorer's (sharedParams()), not the language model's.
    if (isNgramModelDir(lm.modelDir)) {
        LmOptions o = lm;
        o.modelDir.clear();
        setLmOptions(o);
        return;
    }
    setLmOptions(lm);
}

void ModelOptions::apply() const
{
    publish();
    const bool lmModel = m_model && m_model->count() && !isNgramModelDir(lm.modelDir);
    if (lmModel || (m_device && m_device->count()))
        loadSelectedLm();
}

ScorerParams ModelOptions::sharedParams() const
{
    if (isNgramModelDir(lm.modelDir))
        return { { "ngram.model", lm.modelDir } };
    return {};
}

std::shared_ptr<const lm::LoadedLm> ModelOptions::load() const
{
    publish();
    return loadSelectedLm();
}

#else

void ModelOptions::add(CLI::App* cmd)
{
    m_model = cmd->add_option("--model", m_ngramModel,
        "Model directory of the ngram scorer (train-ngram --out DIR); this build has no language model (libtorch)");
}

void ModelOptions::addModelAndDevice(CLI::App*) { }

ScorerParams ModelOptions::sharedParams() const
{
    if (m_ngramModel.empty())
        return {};
    return { { "ngram.model", m_ngramModel } };
}

void ModelOptions::publish() const { }

void ModelOptions::apply() const { }

#endif

} // namespace shardscope::cli
