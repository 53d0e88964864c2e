#include "slurmjob.h"

#include "atomicfile.h"
#include "bytesource.h"
#include "scan.h"
#include "scorestore.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <queue>
#include <sstream>

#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace shardscope::slurm {

namespace {

constexpr int kManifestVersion = 1;
// Every file apply may write for one shard (apply.h), in the order it lists them.
constexpr const char* kApplySuffixes[]
    = { ".kept.jsonl.zst", ".dropped.jsonl.zst", ".dropped.tsv", ".rejected.jsonl.zst", ".rejected.tsv" };

std::string readWhole(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path + ": cannot read: " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

json parseJsonFile(const std::string& path)
{
    try {
        return json::parse(readWhole(path));
    } catch (const json::exception& e) {
        throw std::runtime_error(path + ": not valid JSON: " + e.what());
    }
}

std::string taskName(size_t task)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04zu", task);
    return buf;
}

std::string tmpPrefix(size_t task)
{
    return ".task-" + taskName(task) + ".tmp-";
}

json fieldsJson(const FieldMapping& f)
{
    return { { "text", f.text }, { "id", f.id }, { "group", f.group }, { "group_detected", f.groupDetected },
        { "confident", f.confident } };
}

FieldMapping fieldsFrom(const json& j)
{
    FieldMapping f;
    f.text = j.at("text").get<std::string>();
    f.id = j.at("id").get<std::string>();
    f.group = j.at("group").get<std::string>();
    f.groupDetected = j.value("group_detected", false);
    f.confident = j.value("confident", true);
    return f;
}

// What makes two manifests the same job: everything but how it is run (resources, the binary, threads).
json jobJson(const JobManifest& m)
{
    json j;
    j["format"] = "shardscope-slurm-job";
    j["version"] = kManifestVersion;
    j["kind"] = m.kind == JobKind::Apply ? "apply" : "score";
    j["out"] = m.outDir;
    j["fields"] = fieldsJson(m.fields);
    if (m.kind == JobKind::Apply) {
        j["dropped"] = m.writeDropped;
        j["rejected"] = m.writeRejected;
    } else {
        j["scorers"] = m.scorers;
    }
    j["shards"] = json::array();
    for (const auto& s : m.shards)
        j["shards"].push_back({ { "path", s.path }, { "bytes", s.bytes } });
    j["tasks"] = json::array();
    for (const auto& t : m.tasks)
        j["tasks"].push_back({ { "bytes", t.bytes }, { "shards", t.shards } });
    return j;
}

std::string hostName()
{
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0)
        return "?";
    return buf;
}

std::string envOr(const char* var, const std::string& fallback)
{
    const char* v = std::getenv(var);
    return (v && *v) ? std::string(v) : fallback;
}

// The Slurm job of this attempt ("123_4", or the job id alone outside an array); "local" outside Slurm.
std::string slurmJobName()
{
    const std::string array = envOr("SLURM_ARRAY_JOB_ID", "");
    if (!array.empty())
        return array + "_" + envOr("SLURM_ARRAY_TASK_ID", "?");
    return envOr("SLURM_JOB_ID", "local");
}

std::string nowUtc()
{
    const std::time_t t = std::time(nullptr);
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// One line per attempt in J/logs/task-NNNN.log, appended whole (O_APPEND), so a resubmission adds to the history.
void logTask(const std::string& jobDir, size_t task, const std::string& what)
{
    const std::string line = nowUtc() + " " + what + " host=" + hostName() + " slurm_job=" + slurmJobName()
        + " pid=" + std::to_string(::getpid()) + "\n";
    fs::create_directories(jobDir + "/logs");
    if (std::FILE* f = std::fopen((jobDir + "/logs/task-" + taskName(task) + ".log").c_str(), "a")) {
        std::fwrite(line.data(), 1, line.size(), f);
        std::fclose(f);
    }
}

std::string shellQuote(const std::string& s)
{
    std::string o = "'";
    for (char c : s)
        o += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return o + "'";
}

int taskThreads(const JobManifest& m, int threads)
{
    if (threads > 0)
        return threads;
    if (m.threads > 0)
        return m.threads;
    return std::atoi(envOr("SLURM_CPUS_PER_TASK", "0").c_str());
}

ApplyGroupCounts countsFrom(const json& j, size_t rules)
{
    ApplyGroupCounts c;
    c.read = j.at("read").get<uint64_t>();
    c.kept = j.at("kept").get<uint64_t>();
    c.dropped = j.at("dropped").get<uint64_t>();
    c.rejected = j.at("rejected").get<uint64_t>();
    c.keptTextBytes = j.at("kept_text_bytes").get<uint64_t>();
    c.droppedTextBytes = j.at("dropped_text_bytes").get<uint64_t>();
    c.keptRecordBytes = j.at("kept_record_bytes").get<uint64_t>();
    c.droppedRecordBytes = j.at("dropped_record_bytes").get<uint64_t>();
    c.rules.resize(rules);
    if (j.contains("rules"))
        for (const auto& r : j.at("rules")) {
            const size_t at = r.at("rule").get<size_t>();
            if (at >= rules)
                throw std::runtime_error("summary names rule " + std::to_string(at) + " of a config with "
                    + std::to_string(rules) + " rules");
            c.rules[at].droppedInOrder = r.at("dropped_in_order").get<uint64_t>();
            c.rules[at].droppedAlone = r.at("dropped_alone").get<uint64_t>();
        }
    return c;
}

void addCounts(ApplyGroupCounts& to, const ApplyGroupCounts& from)
{
    to.read += from.read;
    to.kept += from.kept;
    to.dropped += from.dropped;
    to.rejected += from.rejected;
    to.keptTextBytes += from.keptTextBytes;
    to.droppedTextBytes += from.droppedTextBytes;
    to.keptRecordBytes += from.keptRecordBytes;
    to.droppedRecordBytes += from.droppedRecordBytes;
    to.rules.resize(std::max(to.rules.size(), from.rules.size()));
    for (size_t r = 0; r < from.rules.size(); ++r) {
        to.rules[r].droppedInOrder += from.rules[r].droppedInOrder;
        to.rules[r].droppedAlone += from.rules[r].droppedAlone;
    }
}

uint64_t fileSize(const std::string& path)
{
    std::error_code ec;
    const auto n = fs::file_size(path, ec);
    if (ec)
        throw std::runtime_error(path + ": " + ec.message());
    return n;
}

// Checks that every file a marker lists is there with its size: a task's outputs changed or removed since it
// finished would otherwise be merged silently.
void checkMarkerFiles(const json& marker, const std::string& dir, const std::string& markerFile)
{
    for (const auto& s : marker.at("shards"))
        for (const auto& o : s.at("outputs")) {
            const std::string path = dir + "/" + o.at("name").get<std::string>();
            std::error_code ec;
            const auto n = fs::file_size(path, ec);
            if (ec || n != o.at("bytes").get<uint64_t>())
                throw std::runtime_error(path + ": " + (ec ? ec.message() : "size " + std::to_string(n)) + ", but "
                    + markerFile + " recorded " + std::to_string(o.at("bytes").get<uint64_t>())
                    + " bytes: rerun the task (remove its marker and resubmit)");
        }
}

// Whether the scan gets any line from the shard. apply lists the outputs of shards that gave it none (empty files,
// streams broken at their first byte) after all the others, so the merge needs to know to list them as it does.
bool hasLines(const std::string& path)
{
    try {
        char c;
        return ByteSource::open(path)->read(&c, 1) == 1;
    } catch (const std::exception&) {
        return false;
    }
}

TaskReport runApplyTask(const std::string& jobDir, const JobManifest& m, size_t task, int threads, json& marker)
{
    const JobTask& t = m.tasks[task];
    std::vector<std::string> all, mine;
    for (const auto& s : m.shards)
        all.push_back(s.path);
    for (size_t i : t.shards)
        mine.push_back(m.shards[i].path);
    const std::vector<std::string> globalStems = applyOutputStems(all);
    const std::vector<std::string> localStems = applyOutputStems(mine);

    fs::create_directories(m.outDir);
    // An earlier attempt of this task (killed, failed, or the node died) left its private directory: start over.
    const std::string prefix = tmpPrefix(task);
    for (const auto& e : fs::directory_iterator(m.outDir))
        if (e.path().filename().string().starts_with(prefix))
            fs::remove_all(e.path());
    std::string tag = envOr("SLURM_JOB_ID", "");
    tag = tag.empty() ? "p" + std::to_string(::getpid()) : "j" + tag;
    const std::string tmp = m.outDir + "/" + prefix + tag;
    fs::create_directories(tmp);

    const FilterConfig config = FilterConfig::load(jobDir + "/config.json");
    ScanOptions so;
    so.shards = mine;
    so.fields = m.fields;
    so.threads = taskThreads(m, threads);
    so.scorers = resolveConfigScorers(config);
    ApplyOptions ao;
    ao.outDir = tmp;
    ao.writeDropped = m.writeDropped;
    ao.writeRejected = m.writeRejected;
    const ApplySummary sum = runApply(config, so, ao);
    if (sum.cancelled)
        throw std::runtime_error("task " + std::to_string(task) + ": apply was cancelled");

    // The outputs get the names a local apply of every shard gives them, then the task's summary goes beside the
    // marker (J may be on another file system than the outputs: written, not renamed).
    marker["shards"] = json::array();
    for (size_t k = 0; k < mine.size(); ++k) {
        json files = json::array();
        for (const char* suffix : kApplySuffixes) {
            const std::string from = tmp + "/" + localStems[k] + suffix;
            if (!fs::exists(from))
                continue;
            const std::string name = globalStems[t.shards[k]] + suffix;
            const uint64_t bytes = fileSize(from);
            fs::rename(from, m.outDir + "/" + name);
            files.push_back({ { "name", name }, { "bytes", bytes } });
        }
        marker["shards"].push_back(
            { { "index", t.shards[k] }, { "path", mine[k] }, { "outputs", files }, { "lines", hasLines(mine[k]) } });
    }
    writeFileAtomically(jobDir + "/tasks/" + taskName(task) + ".summary.json", sum.toJson(config));
    fs::remove_all(tmp);
    TaskReport r;
    r.read = sum.total.read;
    r.kept = sum.total.kept;
    r.dropped = sum.total.dropped;
    r.rejected = sum.total.rejected;
    marker["read"] = r.read;
    marker["kept"] = r.kept;
    marker["dropped"] = r.dropped;
    marker["rejected"] = r.rejected;
    marker["errors"] = sum.errors;
    return r;
}

TaskReport runScoreTask(const std::string& jobDir, const JobManifest& m, size_t task, int threads, json& marker)
{
    const JobTask& t = m.tasks[task];
    registerBuiltinScorers();
    std::vector<std::shared_ptr<const Scorer>> scorers;
    for (auto& s : ScorerRegistry::instance().resolveList(m.scorers))
        scorers.push_back(std::move(s));
    ScanOptions so;
    for (size_t i : t.shards)
        so.shards.push_back(m.shards[i].path);
    so.fields = m.fields;
    so.threads = taskThreads(m, threads);
    so.scorers = scorers;
    Scan scan(so);
    const ScanResult r = scan.run();
    // The merged file goes into the scores cache, which holds complete scans only (storeScores).
    if (r.cancelled || !r.complete()) {
        std::string why = r.cancelled ? "cancelled" : "";
        for (const auto& e : r.errors())
            why += (why.empty() ? "" : "; ") + e;
        throw std::runtime_error("task " + std::to_string(task) + ": the scan did not read every shard: " + why);
    }
    const std::string name = taskName(task) + ".sscores";
    const std::string path = jobDir + "/tasks/" + name;
    saveScores(path, r, scorers);
    marker["shards"] = json::array();
    for (size_t k = 0; k < t.shards.size(); ++k)
        marker["shards"].push_back(
            { { "index", t.shards[k] }, { "path", so.shards[k] }, { "outputs", json::array() } });
    marker["scores"] = { { "name", name }, { "bytes", fileSize(path) } };
    marker["documents"] = r.index.size();
    marker["rejected"] = r.rejected;
    TaskReport rep;
    rep.documents = r.index.size();
    rep.rejected = r.rejected;
    return rep;
}

json loadMarker(const std::string& jobDir, size_t task)
{
    return parseJsonFile(markerPath(jobDir, task));
}

MergeReport mergeApply(const std::string& jobDir, const JobManifest& m)
{
    MergeReport rep;
    const FilterConfig config = FilterConfig::load(jobDir + "/config.json");
    const size_t nRules = config.rules.size();
    ApplySummary& total = rep.summary;
    total.total.rules.resize(nRules);
    std::vector<std::vector<std::string>> outputsOf(m.shards.size());
    std::vector<bool> lines(m.shards.size(), true);
    std::vector<std::string> errors;
    for (size_t t = 0; t < m.tasks.size(); ++t) {
        const json marker = loadMarker(jobDir, t);
        checkMarkerFiles(marker, m.outDir, markerPath(jobDir, t));
        for (const auto& s : marker.at("shards")) {
            const size_t g = s.at("index").get<size_t>();
            if (g >= m.shards.size())
                throw std::runtime_error(
                    markerPath(jobDir, t) + ": shard index " + std::to_string(g) + " out of range");
            for (const auto& o : s.at("outputs"))
                outputsOf[g].push_back(m.outDir + "/" + o.at("name").get<std::string>());
            lines[g] = s.value("lines", true);
        }
        const std::string sumPath = jobDir + "/tasks/" + taskName(t) + ".summary.json";
        const json s = parseJsonFile(sumPath);
        try {
            addCounts(total.total, countsFrom(s.at("total"), nRules));
            if (s.contains("groups"))
                for (const auto& [g, c] : s.at("groups").items()) {
                    auto& to = total.groups[g];
                    to.rules.resize(nRules);
                    addCounts(to, countsFrom(c, nRules));
                }
            if (s.contains("by"))
                for (const auto& [col, labels] : s.at("by").items()) {
                    auto& byCol = total.byLabel[col];
                    for (const auto& [label, c] : labels.items()) {
                        auto& to = byCol[label];
                        to.rules.resize(nRules);
                        addCounts(to, countsFrom(c, nRules));
                    }
                }
            for (const auto& e : s.at("errors"))
                errors.push_back(e.get<std::string>());
            if (t == 0)
                total.warnings = s.at("warnings").get<std::vector<std::string>>();
            total.cancelled = total.cancelled || s.at("cancelled").get<bool>();
        } catch (const json::exception& e) {
            throw std::runtime_error(sumPath + ": not an apply summary: " + e.what());
        }
    }
    // A stream error names its shard's path first; a local apply lists them in shard order.
    for (const auto& s : m.shards)
        for (auto it = errors.begin(); it != errors.end();)
            if (it->starts_with(s.path + ":")) {
                total.errors.push_back(*it);
                it = errors.erase(it);
            } else {
                ++it;
            }
    total.errors.insert(total.errors.end(), errors.begin(), errors.end());
    // In apply's order: the shards it got lines from, then the others (ApplySink::finish()), each in shard order.
    for (bool withLines : { true, false })
        for (size_t g = 0; g < outputsOf.size(); ++g)
            if (lines[g] == withLines)
                total.outputs.insert(total.outputs.end(), outputsOf[g].begin(), outputsOf[g].end());
    rep.summaryPath = m.outDir + "/summary.json";
    writeFileAtomically(rep.summaryPath, total.toJson(config));
    return rep;
}

MergeReport mergeScores(const std::string& jobDir, const JobManifest& m, const std::string& cacheRoot)
{
    MergeReport rep;
    ScanResult merged;
    merged.fields = m.fields;
    merged.shards.resize(m.shards.size());
    merged.index.groups = { "" };
    std::map<std::string, uint32_t> groupIds { { "", 0 } };
    std::vector<StoredScorer> scorers;
    // Where each shard's rows are: (task, shard index in the task).
    std::vector<std::pair<size_t, size_t>> where(m.shards.size(), { SIZE_MAX, 0 });
    for (size_t t = 0; t < m.tasks.size(); ++t)
        for (size_t k = 0; k < m.tasks[t].shards.size(); ++k)
            where[m.tasks[t].shards[k]] = { t, k };
    std::vector<ScanResult> parts(m.tasks.size());
    for (size_t t = 0; t < m.tasks.size(); ++t) {
        const json marker = loadMarker(jobDir, t);
        const std::string path = jobDir + "/tasks/" + marker.at("scores").at("name").get<std::string>();
        if (fileSize(path) != marker.at("scores").at("bytes").get<uint64_t>())
            throw std::runtime_error(path + ": size differs from what " + markerPath(jobDir, t) + " recorded");
        ScoresFileInfo info;
        parts[t] = loadScores(path, &info);
        if (t == 0) {
            scorers = info.scorers;
            merged.scores.columns = parts[t].scores.columns;
            merged.scores.values.resize(merged.scores.columns.size());
        } else if (parts[t].scores.columns.size() != merged.scores.columns.size()) {
            throw std::runtime_error(path + ": other score columns than task 0's");
        }
        merged.records += parts[t].records;
        merged.rejected += parts[t].rejected;
        merged.blankLines += parts[t].blankLines;
        merged.skipped += parts[t].skipped;
        merged.textBytes += parts[t].textBytes;
        merged.seconds += parts[t].seconds;
    }
    DocIndex& ix = merged.index;
    for (size_t g = 0; g < m.shards.size(); ++g) {
        const auto [t, k] = where[g];
        const ScanResult& p = parts[t];
        merged.shards[g] = p.shards[k];
        const DocIndex& src = p.index;
        // Rows are in shard order within a task's file.
        const auto begin = std::lower_bound(src.shard.begin(), src.shard.end(), uint16_t(k)) - src.shard.begin();
        const auto end = std::upper_bound(src.shard.begin(), src.shard.end(), uint16_t(k)) - src.shard.begin();
        for (auto i = size_t(begin); i < size_t(end); ++i) {
            ix.shard.push_back(uint16_t(g));
            ix.offset.push_back(src.offset[i]);
            ix.length.push_back(src.length[i]);
            ix.line.push_back(src.line[i]);
            ix.textBytes.push_back(src.textBytes[i]);
            ix.textChars.push_back(src.textChars[i]);
            const std::string& name = src.groups[src.group[i]];
            auto [it, added] = groupIds.emplace(name, uint32_t(ix.groups.size()));
            if (added)
                ix.groups.push_back(name);
            ix.group.push_back(it->second);
            ix.ids.append(src.ids.get(i));
            for (size_t c = 0; c < merged.scores.values.size(); ++c)
                merged.scores.values[c].push_back(p.scores.values[c][i]);
        }
        ix.ids.flush();
        for (const auto& rj : p.rejects)
            if (rj.shard == k) {
                RejectedRecord r = rj;
                r.shard = uint32_t(g);
                merged.rejects.push_back(std::move(r));
            }
    }
    rep.documents = ix.size();
    rep.scoresPath = m.outDir + "/scores.sscores";
    fs::create_directories(m.outDir);
    saveScores(rep.scoresPath, merged, scorers);
    std::vector<std::string> paths;
    for (const auto& s : m.shards)
        paths.push_back(s.path);
    rep.cachePath = CorpusCache::of(cacheRoot, paths, m.fields).scoresPath;
    saveScores(rep.cachePath, merged, scorers);
    return rep;
}

} // namespace

std::string JobManifest::toJson() const
{
    json j = jobJson(*this);
    j["cli"] = cli;
    j["threads"] = threads;
    json r;
    r["partition"] = resources.partition;
    r["time"] = resources.time;
    r["mem"] = resources.mem;
    r["gres"] = resources.gres;
    r["account"] = resources.account;
    r["cpus_per_task"] = resources.cpusPerTask;
    r["max_running"] = resources.maxRunning;
    r["extra"] = resources.extra;
    j["resources"] = r;
    return j.dump(2) + "\n";
}

JobManifest JobManifest::load(const std::string& jobDir)
{
    const std::string path = jobDir + "/manifest.json";
    const json j = parseJsonFile(path);
    try {
        if (j.value("format", "") != "shardscope-slurm-job")
            throw std::runtime_error("not a shardscope job manifest");
        if (j.at("version").get<int>() != kManifestVersion)
            throw std::runtime_error("manifest version " + std::to_string(j.at("version").get<int>())
                + ", this shardscope-cli reads version " + std::to_string(kManifestVersion));
        JobManifest m;
        m.kind = j.at("kind").get<std::string>() == "score" ? JobKind::Score : JobKind::Apply;
        m.cli = j.at("cli").get<std::string>();
        m.outDir = j.at("out").get<std::string>();
        m.fields = fieldsFrom(j.at("fields"));
        m.threads = j.value("threads", 0);
        m.writeDropped = j.value("dropped", false);
        m.writeRejected = j.value("rejected", false);
        m.scorers = j.value("scorers", "");
        for (const auto& s : j.at("shards"))
            m.shards.push_back({ s.at("path").get<std::string>(), s.at("bytes").get<uint64_t>() });
        for (const auto& t : j.at("tasks"))
            m.tasks.push_back({ t.at("shards").get<std::vector<size_t>>(), t.at("bytes").get<uint64_t>() });
        const json& r = j.at("resources");
        m.resources.partition = r.value("partition", "");
        m.resources.time = r.value("time", "");
        m.resources.mem = r.value("mem", "");
        m.resources.gres = r.value("gres", "");
        m.resources.account = r.value("account", "");
        m.resources.cpusPerTask = r.value("cpus_per_task", 0);
        m.resources.maxRunning = r.value("max_running", 0);
        m.resources.extra = r.value("extra", std::vector<std::string> {});
        for (const auto& t : m.tasks)
            for (size_t i : t.shards)
                if (i >= m.shards.size())
                    throw std::runtime_error(
                        "a task names shard " + std::to_string(i) + " of " + std::to_string(m.shards.size()));
        return m;
    } catch (const json::exception& e) {
        throw std::runtime_error(path + ": " + e.what());
    } catch (const std::runtime_error& e) {
        if (std::string_view(e.what()).starts_with(path))
            throw;
        throw std::runtime_error(path + ": " + e.what());
    }
}

std::vector<JobTask> splitByBytes(const std::vector<uint64_t>& bytes, size_t tasks)
{
    tasks = std::min(tasks, bytes.size());
    if (tasks == 0)
        return {};
    std::vector<size_t> order(bytes.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bytes[a] > bytes[b]; });
    std::vector<JobTask> out(tasks);
    // The lightest task first; ties go to the lower task index, so the split is reproducible.
    using Load = std::pair<uint64_t, size_t>;
    std::priority_queue<Load, std::vector<Load>, std::greater<Load>> lightest;
    for (size_t t = 0; t < tasks; ++t)
        lightest.push({ 0, t });
    for (size_t i : order) {
        auto [load, t] = lightest.top();
        lightest.pop();
        out[t].shards.push_back(i);
        out[t].bytes += bytes[i];
        lightest.push({ out[t].bytes, t });
    }
    for (auto& t : out)
        std::sort(t.shards.begin(), t.shards.end());
    // Task order follows the shards' order (task 0 holds shard 0), which makes logs easier to follow.
    std::sort(out.begin(), out.end(), [](const JobTask& a, const JobTask& b) { return a.shards[0] < b.shards[0]; });
    return out;
}

std::string arrayList(const std::vector<size_t>& indices)
{
    std::string out;
    for (size_t i = 0; i < indices.size();) {
        size_t j = i;
        while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1)
            ++j;
        out += (out.empty() ? "" : ",") + std::to_string(indices[i]);
        if (j > i)
            out += "-" + std::to_string(indices[j]);
        i = j + 1;
    }
    return out;
}

std::vector<ArrayChunk> arrayChunks(const std::vector<size_t>& tasks, size_t maxArraySize, int maxRunning)
{
    if (maxArraySize == 0)
        maxArraySize = 1001;
    std::vector<ArrayChunk> out;
    for (size_t task : tasks) {
        const size_t offset = task / maxArraySize * maxArraySize;
        if (out.empty() || out.back().offset != offset)
            out.push_back({ offset, {}, {} });
        out.back().tasks.push_back(task);
    }
    for (auto& c : out) {
        std::vector<size_t> local;
        for (size_t t : c.tasks)
            local.push_back(t - c.offset);
        c.array = arrayList(local);
        if (maxRunning > 0)
            c.array += "%" + std::to_string(maxRunning);
    }
    return out;
}

std::string sbatchScript(const JobManifest& m, const std::string& jobDir)
{
    const std::string absJob = fs::absolute(jobDir).lexically_normal().string();
    std::string s = "#!/bin/bash\n";
    s += "# shardscope-cli slurm " + std::string(m.kind == JobKind::Apply ? "apply" : "score") + ": "
        + std::to_string(m.shards.size()) + " shard(s) in " + std::to_string(m.tasks.size())
        + " task(s); the manifest is " + absJob + "/manifest.json.\n";
    s += "# Submitted as `sbatch --array=LIST job.sbatch OFFSET`: task = SLURM_ARRAY_TASK_ID + OFFSET (arrays above\n"
         "# the scheduler's MaxArraySize go in chunks). `shardscope-cli slurm submit` submits the unfinished tasks.\n";
    s += "#SBATCH --job-name=shardscope-" + std::string(m.kind == JobKind::Apply ? "apply" : "score") + "\n";
    s += "#SBATCH --output=" + absJob + "/logs/slurm-%A_%a.out\n";
    s += "#SBATCH --open-mode=append\n";
    // A requeued task does no harm: it finds its marker, or starts over in a clean temporary directory.
    s += "#SBATCH --requeue\n";
    const SlurmResources& r = m.resources;
    if (!r.partition.empty())
        s += "#SBATCH --partition=" + r.partition + "\n";
    if (!r.account.empty())
        s += "#SBATCH --account=" + r.account + "\n";
    if (!r.time.empty())
        s += "#SBATCH --time=" + r.time + "\n";
    if (!r.mem.empty())
        s += "#SBATCH --mem=" + r.mem + "\n";
    if (r.cpusPerTask > 0)
        s += "#SBATCH --cpus-per-task=" + std::to_string(r.cpusPerTask) + "\n";
    if (!r.gres.empty())
        s += "#SBATCH --gres=" + r.gres + "\n";
    for (const auto& e : r.extra)
        s += "#SBATCH " + e + "\n";
    s += "set -euo pipefail\n";
    s += "task=$(( SLURM_ARRAY_TASK_ID + ${1:-0} ))\n";
    s += "exec " + shellQuote(m.cli) + " slurm run-task " + shellQuote(absJob) + " \"$task\"\n";
    return s;
}

void writeJobDir(const std::string& jobDir, const JobManifest& manifest, const std::string& configPath)
{
    const std::string manifestPath = jobDir + "/manifest.json";
    if (fs::exists(manifestPath)) {
        const JobManifest old = JobManifest::load(jobDir);
        if (jobJson(old) != jobJson(manifest))
            throw std::runtime_error(jobDir
                + " holds another job (its manifest.json names other shards, tasks, "
                  "options or output directory): use a new --job-dir");
        if (manifest.kind == JobKind::Apply && readWhole(configPath) != readWhole(jobDir + "/config.json"))
            throw std::runtime_error(
                jobDir + " holds a job of another filter config than " + configPath + ": use a new --job-dir");
    }
    fs::create_directories(jobDir + "/tasks");
    fs::create_directories(jobDir + "/logs");
    fs::create_directories(manifest.outDir);
    if (manifest.kind == JobKind::Apply && !fs::exists(jobDir + "/config.json"))
        writeFileAtomically(jobDir + "/config.json", readWhole(configPath));
    // Resources and the binary may change between submissions (a longer --time); the job itself may not.
    writeFileAtomically(manifestPath, manifest.toJson());
    const std::string script = jobDir + "/job.sbatch";
    writeFileAtomically(script, sbatchScript(manifest, jobDir));
    fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
    const std::string summary = manifest.outDir + "/summary.json";
    if (std::remove(summary.c_str()) != 0 && errno != ENOENT)
        throw std::runtime_error(summary + ": cannot remove the previous run's summary: " + std::strerror(errno));
}

std::string markerPath(const std::string& jobDir, size_t task)
{
    return jobDir + "/tasks/" + taskName(task) + ".done";
}

std::vector<size_t> pendingTasks(const std::string& jobDir, const JobManifest& manifest)
{
    std::vector<size_t> out;
    for (size_t t = 0; t < manifest.tasks.size(); ++t)
        if (!fs::exists(markerPath(jobDir, t)))
            out.push_back(t);
    return out;
}

TaskReport runTask(const std::string& jobDir, size_t task, int threads)
{
    const JobManifest m = JobManifest::load(jobDir);
    if (task >= m.tasks.size())
        throw std::out_of_range(jobDir + ": task " + std::to_string(task) + " does not exist (the job has "
            + std::to_string(m.tasks.size()) + " tasks, 0 to " + std::to_string(m.tasks.size() - 1) + ")");
    if (fs::exists(markerPath(jobDir, task))) {
        logTask(jobDir, task, "already-done");
        TaskReport r;
        r.alreadyDone = true;
        return r;
    }
    logTask(jobDir, task, "start");
    const auto t0 = std::chrono::steady_clock::now();
    json marker;
    marker["task"] = task;
    marker["host"] = hostName();
    marker["slurm_job"] = slurmJobName();
    TaskReport r;
    try {
        r = m.kind == JobKind::Apply ? runApplyTask(jobDir, m, task, threads, marker)
                                     : runScoreTask(jobDir, m, task, threads, marker);
    } catch (const std::exception& e) {
        logTask(jobDir, task, std::string("failed (") + e.what() + ")");
        throw;
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    marker["seconds"] = r.seconds;
    // CPU time of every thread of the task, for figures that hold on a shared machine (issue 24's scale figures).
    rusage use {};
    ::getrusage(RUSAGE_SELF, &use);
    r.cpuSeconds
        = double(use.ru_utime.tv_sec + use.ru_stime.tv_sec) + double(use.ru_utime.tv_usec + use.ru_stime.tv_usec) / 1e6;
    marker["cpu_seconds"] = r.cpuSeconds;
    writeFileAtomically(markerPath(jobDir, task), marker.dump(2) + "\n");
    logTask(jobDir, task, "done");
    return r;
}

MergeReport mergeJob(const std::string& jobDir, const std::string& cacheRoot)
{
    const JobManifest m = JobManifest::load(jobDir);
    MergeReport rep;
    rep.missing = pendingTasks(jobDir, m);
    if (!rep.missing.empty())
        return rep;
    if (m.kind == JobKind::Apply)
        return mergeApply(jobDir, m);
    return mergeScores(jobDir, m, cacheRoot);
}

} // namespace shardscope::slurm
