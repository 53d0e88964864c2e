#include "apply.h"

#include "atomicfile.h"
#include "pershardsink.h"
#include "scorestore.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <set>

#include <nlohmann/json.hpp>
#include <unistd.h>
#include <zstd.h>

namespace fs = std::filesystem;

namespace shardscope {

std::vector<std::string> applyOutputStems(const std::vector<std::string>& shards)
{
    std::vector<std::string> stems;
    std::map<std::string, int> seen;
    for (const auto& p : shards) {
        std::string name = fs::path(p).filename().string();
        for (const char* ext : { ".zstd", ".zst", ".gz" })
            if (name.size() > std::strlen(ext) && name.ends_with(ext))
                name.resize(name.size() - std::strlen(ext));
        for (const char* ext : { ".jsonl", ".ndjson", ".json" })
            if (name.size() > std::strlen(ext) && name.ends_with(ext))
                name.resize(name.size() - std::strlen(ext));
        stems.push_back(name);
        seen[name]++;
    }
    for (size_t i = 0; i < stems.size(); ++i)
        if (seen[stems[i]] > 1) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%04zu-", i);
            stems[i] = buf + stems[i];
        }
    return stems;
}

std::vector<std::shared_ptr<const Scorer>> resolveConfigScorers(const FilterConfig& config, const ScorerParams& shared)
{
    registerBuiltinScorers();
    std::vector<std::shared_ptr<const Scorer>> out;
    std::set<std::string> names;
    // Scorers built from files come from the config's "scorers": their files are checked against the SHA-256 the
    // config records, and the spec (not the column name, which names no model) makes them.
    std::map<std::string, std::shared_ptr<const Scorer>> byColumn;
    for (const auto& entry : config.scorers) {
        verifyConfigScorer(entry);
        std::shared_ptr<const Scorer> s = ScorerRegistry::instance().create(entry.spec);
        if (!s)
            throw std::invalid_argument("the config's scorer '" + entry.spec + "' is not a scorer of this build");
        for (const auto& c : s->columns())
            byColumn[c.name] = s;
    }
    for (const auto& col : config.columns()) {
        if (auto it = byColumn.find(col); it != byColumn.end()) {
            if (names.insert(it->second->name()).second)
                out.push_back(it->second);
            continue;
        }
        auto s = ScorerRegistry::instance().create(ScorerSpec { col, {} }, shared);
        if (!s)
            throw std::invalid_argument(
                "filter rule names unknown scorer column '" + col + "' (run `shardscope-cli scorers` for the list)");
        // A scorer that needs a model file and was given none (ngram, linear: their makeWorker() throws) is refused
        // here, not in a scan thread, where the exception passed every handler (a rule on ngram_bpb in a config
        // without "scorers" and no --model took the process down). Scorers with a model of their own that is
        // missing (langid, the bad-words list) list that file and run on with missing values, as before.
        if (s->needsModel() && s->identity().files.empty())
            if (const std::string why = s->unavailableReason(); !why.empty())
                throw ScorerUnavailable("filter rule on '" + col + "': " + why);
        if (names.insert(s->name()).second)
            out.push_back(std::move(s));
    }
    // A derived scorer (the classifier's `linear`) is computed from other columns on each document's row, so the
    // scan needs the scorers of its inputs before it, whether or not the config has rules on them (a config with
    // only a `quality` rule stopped with "needs the column ..."). Inputs first, in the order the scorer lists them.
    std::vector<std::shared_ptr<const Scorer>> ordered;
    std::set<std::string> placed;
    std::set<std::string> producedColumns;
    auto place = [&](const std::shared_ptr<const Scorer>& s) {
        if (!placed.insert(s->name()).second)
            return;
        ordered.push_back(s);
        for (const auto& c : s->columns())
            producedColumns.insert(c.name);
    };
    for (const auto& s : out) {
        for (const std::string& in : s->inputColumns()) {
            if (producedColumns.count(in))
                continue;
            auto it = std::find_if(out.begin(), out.end(), [&](const auto& o) {
                const auto cols = o->columns();
                return o != s
                    && std::any_of(cols.begin(), cols.end(), [&](const ColumnInfo& c) { return c.name == in; });
            });
            if (it != out.end()) {
                place(*it);
                continue;
            }
            std::shared_ptr<const Scorer> input = ScorerRegistry::instance().create(ScorerSpec { in, {} }, shared);
            if (!input)
                throw std::invalid_argument("the scorer '" + s->name() + "' needs the column '" + in
                    + "', which no scorer of this build makes");
            place(input);
        }
        place(s);
    }
    return ordered;
}

namespace {

// A .jsonl.zst output written through an AtomicFile.
class ZstdWriter {
public:
    ZstdWriter(const std::string& path, int level)
        : m_file(path)
        , m_cctx(ZSTD_createCCtx())
        , m_out(ZSTD_CStreamOutSize())
    {
        ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_checksumFlag, 1);
    }
    ~ZstdWriter() { ZSTD_freeCCtx(m_cctx); }
    void write(std::string_view data) { pump(data, ZSTD_e_continue); }
    // Ends the frame; commit() then makes the file final (on another thread, see Committer).
    void end()
    {
        pump({}, ZSTD_e_end);
        ZSTD_freeCCtx(m_cctx); // a few MB each, not needed while the commit waits for the disk
        m_cctx = nullptr;
    }
    void commit() { m_file.commit(); }

private:
    void pump(std::string_view data, ZSTD_EndDirective mode)
    {
        ZSTD_inBuffer in { data.data(), data.size(), 0 };
        for (;;) {
            ZSTD_outBuffer out { m_out.data(), m_out.size(), 0 };
            size_t rem = ZSTD_compressStream2(m_cctx, &out, &in, mode);
            if (ZSTD_isError(rem))
                throw std::runtime_error(m_file.path() + ": zstd: " + ZSTD_getErrorName(rem));
            m_file.write({ m_out.data(), out.pos });
            if (mode == ZSTD_e_end ? rem == 0 : in.pos == in.size)
                break;
        }
    }
    AtomicFile m_file;
    ZSTD_CCtx* m_cctx;
    std::vector<char> m_out;
};

struct ShardOutputs {
    std::unique_ptr<ZstdWriter> kept, dropped, rejected;
    std::unique_ptr<AtomicFile> droppedTsv, rejectedTsv;
};

// Makes a finished shard's outputs final on a few threads while the scan goes on. Each commit is an fsync
// before the rename, and an fsync costs the disk's latency, not bandwidth (~5 ms on the disk measured): one
// after another, 10,000 small shards spent 47 of 51 s in them. Concurrent fsyncs share journal commits and
// overlap the scan (4.8 s in all).
class Committer {
public:
    ~Committer()
    {
        for (auto& f : m_pending)
            if (f.valid())
                f.wait(); // only when an error stopped the run: that error is the one reported
    }
    void submit(std::unique_ptr<ShardOutputs> out)
    {
        if (m_pending.size() >= kInFlight) {
            m_pending.front().get(); // rethrows a failed commit
            m_pending.erase(m_pending.begin());
        }
        m_pending.push_back(std::async(std::launch::async, [out = std::move(out)] {
            out->kept->commit();
            if (out->dropped) {
                out->dropped->commit();
                out->droppedTsv->commit();
            }
            if (out->rejected) {
                out->rejected->commit();
                out->rejectedTsv->commit();
            }
        }));
    }
    // Waits for every commit; rethrows the first that failed.
    void drain()
    {
        for (auto& f : m_pending)
            f.get();
        m_pending.clear();
    }

private:
    static constexpr size_t kInFlight = 8;
    std::vector<std::future<void>> m_pending;
};

class ApplySink final : public PerShardSink<ApplySink> {
public:
    ApplySink(const FilterConfig& config, BoundRules rules, const ApplyOptions& opt,
        const std::vector<std::string>& shards, std::vector<std::pair<int, const ColumnInfo*>> breakdowns)
        : PerShardSink(shards.size())
        , m_config(config)
        , m_bound(std::move(rules))
        , m_opt(opt)
        , m_breakdowns(std::move(breakdowns))
    {
        m_summary.total.rules.resize(config.rules.size());
        for (const auto& [col, info] : m_breakdowns)
            m_summary.byLabel[info->name];
        m_stems = applyOutputStems(shards);
    }

    void onBatch(const CommittedBatch& b) override
    {
        enter(b.lines.shard);
        size_t doc = 0, rej = 0;
        std::string keptBuf, droppedBuf, droppedTsv, rejectedBuf, rejectedTsv;
        const size_t nRules = m_config.rules.size();
        for (size_t i = 0; i < b.lines.lines.size(); ++i) {
            int64_t fate = b.docOf[i];
            if (fate == -1)
                continue;
            std::string_view line = b.lines.line(i);
            uint64_t lineNo = b.lines.firstLine + i;
            if (fate == -2) {
                const std::string& reason = b.rejectReasons[rej++];
                m_summary.total.read++;
                m_summary.total.rejected++;
                if (m_out.rejected) {
                    rejectedBuf.append(line).push_back('\n');
                    rejectedTsv += std::to_string(lineNo) + "\t"
                        + std::to_string(b.lines.startOffset + b.lines.lines[i].begin) + "\t" + tsvSafe(reason) + "\n";
                }
                continue;
            }
            const float* row = b.scores.data() + doc * b.columns;
            const std::string& group = b.groups[doc];
            const std::string& id = b.ids[doc];
            // Both sizes of ApplyGroupCounts: the text field's UTF-8 bytes and the JSON line's bytes.
            const uint64_t textBytes = b.textBytes[doc], recordBytes = line.size();
            ++doc;
            int failed = m_bound.firstFailing(row, group);
            m_targets.clear();
            m_targets.push_back(&m_summary.total);
            m_targets.push_back(&groupCounts(m_summary.groups, group));
            for (const auto& [col, info] : m_breakdowns)
                m_targets.push_back(&groupCounts(
                    m_summary.byLabel[info->name], std::string(categoryLabel(info->categories, row[col]))));
            for (ApplyGroupCounts* c : m_targets) {
                c->read++;
                if (failed < 0) {
                    c->kept++;
                    c->keptTextBytes += textBytes;
                    c->keptRecordBytes += recordBytes;
                } else {
                    c->dropped++;
                    c->droppedTextBytes += textBytes;
                    c->droppedRecordBytes += recordBytes;
                    c->rules[size_t(failed)].droppedInOrder++;
                }
            }
            for (size_t r = 0; r < nRules; ++r)
                if (!m_bound.passes(r, row, group))
                    for (ApplyGroupCounts* c : m_targets)
                        c->rules[r].droppedAlone++;
            if (failed < 0) {
                keptBuf.append(line).push_back('\n');
            } else if (m_out.dropped) {
                droppedBuf.append(line).push_back('\n');
                const size_t fr = size_t(failed);
                const FilterRule& rule = m_config.rules[fr];
                const Bounds& bd = m_bound.boundsFor(fr, row, group);
                const float v = row[m_bound.column(fr)];
                const ColumnInfo& info = m_bound.columnInfo(fr);
                std::string val;
                if (info.categorical()) {
                    val = std::string(categoryLabel(info.categories, v));
                } else {
                    char buf[kScoreTextMax];
                    val.assign(buf, formatScore(v, buf));
                }
                std::string minText = bd.min ? std::to_string(*bd.min) : "";
                if (bd.in) {
                    for (const auto& l : *bd.in)
                        minText += (minText.empty() ? "in:" : ",") + l;
                }
                // The override key that chose the bounds, so a per-language cutoff is visible.
                std::string key(m_bound.key(fr, row, group));
                const bool overridden = rule.overrides.count(key) > 0;
                droppedTsv += std::to_string(lineNo) + "\t" + tsvSafe(id) + "\t" + std::to_string(failed) + "\t"
                    + rule.column + "\t" + tsvSafe(val) + "\t" + tsvSafe(minText) + "\t"
                    + (bd.max ? std::to_string(*bd.max) : "") + "\t"
                    + (overridden ? tsvSafe((rule.byGroup() ? std::string("group") : rule.by) + "=" + key) : "") + "\n";
            }
        }
        m_out.kept->write(keptBuf);
        if (m_out.dropped) {
            m_out.dropped->write(droppedBuf);
            m_out.droppedTsv->write(droppedTsv);
        }
        if (m_out.rejected) {
            m_out.rejected->write(rejectedBuf);
            m_out.rejectedTsv->write(rejectedTsv);
        }
    }

    void finish()
    {
        PerShardSink::finish();
        m_committer.drain();
    }

    ApplySummary& summary() { return m_summary; }

    // Every file name this sink may write in the output directory, with or without the optional outputs.
    bool isOutputName(std::string_view name) const
    {
        for (const auto& stem : m_stems)
            if (name.starts_with(stem))
                for (const char* suffix :
                    { ".kept.jsonl.zst", ".dropped.jsonl.zst", ".dropped.tsv", ".rejected.jsonl.zst", ".rejected.tsv" })
                    if (name.substr(stem.size()) == suffix)
                        return true;
        return false;
    }

private:
    friend class PerShardSink<ApplySink>;
    static std::string tsvSafe(std::string_view s)
    {
        std::string o;
        for (char c : s)
            o += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
        return o;
    }
    ApplyGroupCounts& groupCounts(std::map<std::string, ApplyGroupCounts>& map, const std::string& g)
    {
        auto it = map.find(g);
        if (it == map.end()) {
            it = map.emplace(g, ApplyGroupCounts {}).first;
            it->second.rules.resize(m_config.rules.size());
        }
        return it->second;
    }
    std::string outPath(const char* suffix) const { return m_opt.outDir + "/" + m_stems[current()] + suffix; }
    void openCurrent()
    {
        m_out.kept = std::make_unique<ZstdWriter>(outPath(".kept.jsonl.zst"), m_opt.zstdLevel);
        if (m_opt.writeDropped) {
            m_out.dropped = std::make_unique<ZstdWriter>(outPath(".dropped.jsonl.zst"), m_opt.zstdLevel);
            m_out.droppedTsv = std::make_unique<AtomicFile>(outPath(".dropped.tsv"));
            m_out.droppedTsv->write("line\tid\trule\tscorer\tvalue\tmin\tmax\toverride\n");
        }
        if (m_opt.writeRejected) {
            m_out.rejected = std::make_unique<ZstdWriter>(outPath(".rejected.jsonl.zst"), m_opt.zstdLevel);
            m_out.rejectedTsv = std::make_unique<AtomicFile>(outPath(".rejected.tsv"));
            m_out.rejectedTsv->write("line\toffset\treason\n");
        }
    }
    void finishCurrent()
    {
        m_out.kept->end();
        m_summary.outputs.push_back(outPath(".kept.jsonl.zst"));
        if (m_out.dropped) {
            m_out.dropped->end();
            m_summary.outputs.push_back(outPath(".dropped.jsonl.zst"));
            m_summary.outputs.push_back(outPath(".dropped.tsv"));
        }
        if (m_out.rejected) {
            m_out.rejected->end();
            m_summary.outputs.push_back(outPath(".rejected.jsonl.zst"));
            m_summary.outputs.push_back(outPath(".rejected.tsv"));
        }
        m_committer.submit(std::make_unique<ShardOutputs>(std::move(m_out)));
        m_out = ShardOutputs {};
    }

    const FilterConfig& m_config;
    BoundRules m_bound;
    ApplyOptions m_opt;
    std::vector<std::pair<int, const ColumnInfo*>> m_breakdowns; // column index, its info
    std::vector<ApplyGroupCounts*> m_targets;
    std::vector<std::string> m_stems;
    ShardOutputs m_out;
    Committer m_committer; // its destructor waits for the commits still running when an error stopped the scan
    ApplySummary m_summary;
};

nlohmann::ordered_json countsJson(const ApplyGroupCounts& c, const FilterConfig& config)
{
    nlohmann::ordered_json j { { "read", c.read }, { "kept", c.kept }, { "dropped", c.dropped },
        { "rejected", c.rejected }, { "kept_text_bytes", c.keptTextBytes },
        { "dropped_text_bytes", c.droppedTextBytes }, { "kept_record_bytes", c.keptRecordBytes },
        { "dropped_record_bytes", c.droppedRecordBytes } };
    for (size_t r = 0; r < c.rules.size(); ++r)
        j["rules"].push_back({ { "rule", r }, { "scorer", config.rules[r].column },
            { "dropped_in_order", c.rules[r].droppedInOrder }, { "dropped_alone", c.rules[r].droppedAlone } });
    return j;
}

} // namespace

std::string ApplySummary::toJson(const FilterConfig& config) const
{
    nlohmann::ordered_json j;
    j["total"] = countsJson(total, config);
    for (const auto& [g, c] : groups)
        j["groups"][g] = countsJson(c, config);
    for (const auto& [col, labels] : byLabel) {
        nlohmann::ordered_json lj = nlohmann::ordered_json::object();
        for (const auto& [label, c] : labels)
            lj[label] = countsJson(c, config);
        j["by"][col] = lj;
    }
    j["outputs"] = outputs;
    j["errors"] = errors;
    j["warnings"] = warnings;
    j["cancelled"] = cancelled;
    return j.dump(2) + "\n";
}

ApplySummary runApply(const FilterConfig& config, ScanOptions scan, const ApplyOptions& options,
    std::function<void(const ScanProgress&)> progress)
{
    std::error_code ec;
    fs::create_directories(options.outDir, ec);
    if (!fs::is_directory(options.outDir))
        throw std::runtime_error(
            options.outDir + ": cannot create output directory" + (ec ? ": " + ec.message() : std::string()));
    // Before the scan, not at its first output: a read-only directory should not cost a pass over the corpus.
    if (::access(options.outDir.c_str(), W_OK | X_OK) != 0)
        throw std::runtime_error(options.outDir + ": cannot write to the output directory: " + std::strerror(errno));
    if (config.fields)
        scan.fields = *config.fields;
    // The rules bound to the columns in the order the scan lays them out.
    std::vector<ColumnInfo> cols;
    for (const auto& s : scan.scorers)
        for (const auto& c : s->columns())
            cols.push_back(c);
    BoundRules bound(config.rules, cols);
    std::vector<std::string> warnings = bound.warnings();
    // Breakdowns per label of each categorical column the rules use (in rule order).
    std::vector<std::pair<int, const ColumnInfo*>> breakdowns;
    for (size_t r = 0; r < bound.size(); ++r)
        for (int c : { bound.column(r), bound.byColumn(r) })
            if (c >= 0 && cols[size_t(c)].categorical()
                && std::find_if(breakdowns.begin(), breakdowns.end(), [&](const auto& p) { return p.first == c; })
                    == breakdowns.end())
                breakdowns.emplace_back(c, &cols[size_t(c)]);
    scan.buildIndex = false;
    ApplySink sink(config, std::move(bound), options, scan.shards, breakdowns);
    // summary.json is written last: a directory without one holds an unfinished run (killed, or failed on a full
    // disk), whatever older outputs it still has. The temporary files a killed run of the same outputs left go too.
    const std::string summaryPath = options.outDir + "/summary.json";
    if (std::remove(summaryPath.c_str()) != 0 && errno != ENOENT)
        throw std::runtime_error(summaryPath + ": cannot remove the previous run's summary: " + std::strerror(errno));
    removeStaleTemps(
        options.outDir, [&](std::string_view name) { return name == "summary.json" || sink.isOutputName(name); });
    Scan s(scan);
    s.addSink(&sink);
    if (progress)
        s.setProgressCallback(progress);
    ScanResult r = s.run();
    sink.finish();
    ApplySummary summary = std::move(sink.summary());
    summary.errors = r.errors();
    summary.warnings = std::move(warnings);
    summary.cancelled = r.cancelled;
    writeFileAtomically(summaryPath, summary.toJson(config));
    summary.outputs.push_back(summaryPath);
    return summary;
}

} // namespace shardscope
