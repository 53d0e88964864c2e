// `slurm`: apply or score as a Slurm array job (issue 24). The job directory, the split into tasks, a task's run and
// the merge are core's (core/slurmjob.h); this file parses, calls sbatch and scontrol, and prints.
//
//   slurm apply --config F --out DIR --job-dir J [--tasks N] SHARD...   write J and submit the array
//   slurm score [--scorers L] --out DIR --job-dir J [--tasks N] SHARD...
//   slurm submit J          submit the tasks without a completion marker (after a failure, a scancel, a timeout)
//   slurm status J          which tasks are done
//   slurm merge J           once every task is done: summary.json (apply) or the scores file and cache (score)
//   slurm run-task J INDEX  what each array element runs (hidden)

#include "command.h"
#include "filterconfig.h"
#include "options.h"
#include "scorestore.h"
#include "slurmjob.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace shardscope::cli {

namespace {

using slurm::JobKind;
using slurm::JobManifest;

std::string shellQuote(const std::string& s)
{
    std::string o = "'";
    for (char c : s)
        o += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return o + "'";
}

// The program's path in $PATH, or "" when it is not there.
std::string findProgram(const std::string& name)
{
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const std::string p = (dir.empty() ? "." : dir) + "/" + name;
        if (::access(p.c_str(), X_OK) == 0)
            return p;
    }
    return {};
}

struct Output {
    int status = -1;
    std::string text; // standard output and error
};

Output runShell(const std::string& command)
{
    Output out;
    std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p)
        return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.text.append(buf, n);
    const int st = ::pclose(p);
    out.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

// Slurm's MaxArraySize (array indices stay below it) from `scontrol show config`; its default, 1001, without one.
size_t slurmMaxArraySize(const std::string& scontrol)
{
    if (scontrol.empty())
        return 1001;
    const Output o = runShell(shellQuote(scontrol) + " show config");
    std::stringstream lines(o.text);
    std::string line;
    while (std::getline(lines, line))
        if (line.starts_with("MaxArraySize")) {
            const auto eq = line.find('=');
            if (eq != std::string::npos) {
                const long v = std::atol(line.c_str() + eq + 1);
                if (v > 0)
                    return size_t(v);
            }
        }
    return 1001;
}

std::string absolute(const std::string& p)
{
    return fs::absolute(p).lexically_normal().string();
}

// The options of submission, shared by apply, score and submit.
struct SubmitOptions {
    bool noSubmit = false;
    size_t maxArraySize = 0; // 0: scontrol's, else 1001

    void add(CLI::App* cmd)
    {
        cmd->add_flag("--no-submit", noSubmit, "Write the job directory and print the sbatch commands, submit nothing");
        cmd->add_option("--max-array-size", maxArraySize,
            "Array indices stay below this (default: MaxArraySize from `scontrol show config`, else 1001)");
    }

    // Submits (or prints) the arrays that run the tasks without a marker.
    void submit(const std::string& jobDir, const JobManifest& m) const
    {
        std::vector<size_t> pending = slurm::pendingTasks(jobDir, m);
        if (pending.empty()) {
            std::printf("every task of %s is done: run shardscope-cli slurm merge %s\n", jobDir.c_str(),
                shellQuote(jobDir).c_str());
            return;
        }
        // A task without a marker may still be waiting or running under an earlier submission: submitting it again
        // would run it twice at once, and its second start would remove the first one's temporary directory.
        const std::set<size_t> queued = noSubmit ? std::set<size_t> {} : queuedTasks(jobDir);
        std::vector<size_t> inQueue;
        std::erase_if(pending, [&](size_t t) {
            if (!queued.count(t))
                return false;
            inQueue.push_back(t);
            return true;
        });
        if (!inQueue.empty())
            std::printf("task(s) %s still queued or running (squeue): not submitted again\n",
                slurm::arrayList(inQueue).c_str());
        if (pending.empty()) {
            std::fflush(stdout);
            return;
        }
        const std::string sbatch = noSubmit ? std::string() : findProgram("sbatch");
        const size_t limit = maxArraySize > 0 ? maxArraySize : maxArraySizeFromSlurm();
        const auto chunks = slurm::arrayChunks(pending, limit, m.resources.maxRunning);
        const std::string script = absolute(jobDir + "/job.sbatch");
        if (sbatch.empty())
            std::printf("%s: submit the %zu unfinished task(s) of %zu with:\n",
                noSubmit ? "--no-submit" : "sbatch not found", pending.size(), m.tasks.size());
        for (const auto& c : chunks) {
            const std::string args
                = "--parsable --array=" + c.array + " " + shellQuote(script) + " " + std::to_string(c.offset);
            if (sbatch.empty()) {
                std::printf("  sbatch %s\n", args.c_str());
                continue;
            }
            const Output o = runShell(shellQuote(sbatch) + " " + args);
            if (o.status != 0)
                throw std::runtime_error(
                    "sbatch " + args + " failed (exit " + std::to_string(o.status) + "): " + o.text);
            std::string id = o.text.substr(0, o.text.find_first_of(";\n"));
            std::printf("submitted job %s: tasks %s (array %s, offset %zu)\n", id.c_str(),
                slurm::arrayList(c.tasks).c_str(), c.array.c_str(), c.offset);
            std::ofstream log(jobDir + "/logs/submissions.log", std::ios::app);
            log << id << "\t" << slurm::arrayList(c.tasks) << "\t" << c.offset << "\n";
        }
        std::fflush(stdout);
    }

private:
    size_t maxArraySizeFromSlurm() const { return slurmMaxArraySize(findProgram("scontrol")); }

    // The tasks that this job directory's submissions (logs/submissions.log: job id, tasks, offset) still have in
    // the queue, pending or running, as `squeue` lists them one array element a line ("123_4"). Empty without squeue.
    static std::set<size_t> queuedTasks(const std::string& jobDir)
    {
        std::map<std::string, size_t> offsetOf;
        std::ifstream log(jobDir + "/logs/submissions.log");
        for (std::string line; std::getline(log, line);) {
            std::vector<std::string> cells;
            std::stringstream ss(line);
            for (std::string cell; std::getline(ss, cell, '\t');)
                cells.push_back(cell);
            if (!cells.empty() && !cells[0].empty())
                offsetOf[cells[0]] = cells.size() > 2 ? size_t(std::atoll(cells[2].c_str())) : 0;
        }
        std::set<size_t> out;
        const std::string squeue = findProgram("squeue");
        if (offsetOf.empty() || squeue.empty())
            return out;
        // Every job of this user, not -j: squeue refuses a list of ids it has all forgotten.
        const Output o = runShell(shellQuote(squeue) + " -h -r --me -o %i");
        if (o.status != 0)
            return out;
        std::stringstream lines(o.text);
        for (std::string line; std::getline(lines, line);) {
            const auto us = line.find('_');
            if (us == std::string::npos)
                continue;
            const auto it = offsetOf.find(line.substr(0, us));
            if (it != offsetOf.end())
                out.insert(size_t(std::atoll(line.c_str() + us + 1)) + it->second);
        }
        return out;
    }
};

// apply and score: write the job directory, then submit.
class CreateCommand {
public:
    explicit CreateCommand(JobKind kind)
        : m_kind(kind)
    {
    }

    CLI::App* setup(CLI::App& parent)
    {
        const bool apply = m_kind == JobKind::Apply;
        CLI::App* cmd = parent.add_subcommand(apply ? "apply" : "score",
            apply ? "Write a job directory that applies a filter config as a Slurm array, and submit it"
                  : "Write a job directory that scores shards as a Slurm array, and submit it");
        m_threads.add(cmd);
        m_input.add(cmd);
        if (apply) {
            cmd->add_option("--config,-c", m_configPath, "Filter config (JSON)")->required()->check(CLI::ExistingFile);
            cmd->add_option("--out,-o", m_outDir, "Output directory (the files a local apply writes)")->required();
            cmd->add_flag("--dropped", m_manifest.writeDropped, "Also write dropped records (as apply)");
            cmd->add_flag("--rejected", m_manifest.writeRejected, "Also write rejected records (as apply)");
        } else {
            m_scorers.add(cmd, "Comma-separated scorers or columns; 'all' = every model-free scorer");
            cmd->add_option("--out,-o", m_outDir, "Where the merged scores file goes")->required();
        }
        cmd->add_option("--job-dir,-J", m_jobDir, "Job directory (manifest, script, markers, logs)")->required();
        cmd->add_option("--tasks,-n", m_tasks, "Array tasks, balanced by bytes (default: one per shard, at most 100)")
            ->check(CLI::PositiveNumber);
        addResources(cmd);
        m_submit.add(cmd);
        return cmd;
    }

    int run()
    {
        const std::string command = std::string("slurm ") + (m_kind == JobKind::Apply ? "apply" : "score");
        JobManifest& m = m_manifest;
        m.kind = m_kind;
        if (m_kind == JobKind::Apply) {
            try {
                resolveConfigScorers(FilterConfig::load(m_configPath));
            } catch (const std::exception& e) {
                throw UsageError(command, m_configPath + ": " + e.what());
            }
        } else {
            m_scorers.resolve(command);
            m.scorers = m_scorers.list;
        }
        const std::vector<std::string> shards = m_input.shards();
        if (shards.empty())
            throw UsageError(command, "no shards found in the inputs");
        if (m_kind == JobKind::Score && shards.size() > kMaxShards)
            throw UsageError(command,
                "a scores file holds at most " + std::to_string(kMaxShards) + " shards, not "
                    + std::to_string(shards.size()));
        m.fields = m_input.fields(shards);
        std::vector<uint64_t> bytes;
        for (const auto& p : shards) {
            const uint64_t n = fs::file_size(p);
            m.shards.push_back({ p, n });
            bytes.push_back(n);
        }
        m.tasks = slurm::splitByBytes(bytes, m_tasks > 0 ? size_t(m_tasks) : std::min<size_t>(shards.size(), 100));
        m.cli = fs::canonical("/proc/self/exe").string();
        m.outDir = absolute(m_outDir);
        m.threads = m_threads.threads;
        slurm::writeJobDir(m_jobDir, m, m_configPath);
        uint64_t lo = UINT64_MAX, hi = 0;
        for (const auto& t : m.tasks) {
            lo = std::min(lo, t.bytes);
            hi = std::max(hi, t.bytes);
        }
        std::printf("job directory %s: %zu shard(s) in %zu task(s), %llu to %llu bytes each\n", m_jobDir.c_str(),
            m.shards.size(), m.tasks.size(), static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi));
        m_submit.submit(m_jobDir, m);
        return 0;
    }

private:
    void addResources(CLI::App* cmd)
    {
        auto& r = m_manifest.resources;
        cmd->add_option("--partition,-p", r.partition, "sbatch --partition");
        cmd->add_option("--account", r.account, "sbatch --account");
        cmd->add_option("--time,-t", r.time, "sbatch --time per task, e.g. 2:00:00");
        cmd->add_option("--mem", r.mem, "sbatch --mem per task, e.g. 8G");
        cmd->add_option("--cpus-per-task", r.cpusPerTask,
               "sbatch --cpus-per-task; a task then runs that many threads unless --threads says otherwise")
            ->check(CLI::PositiveNumber);
        cmd->add_option("--gres", r.gres, "sbatch --gres, e.g. gpu:1 for language-model scoring");
        cmd->add_option("--max-running", r.maxRunning, "Tasks running at once (the array's % limit)")
            ->check(CLI::PositiveNumber);
        // One value per use, given with '=' since it starts with dashes itself.
        cmd->add_option("--sbatch-option", r.extra, "Another #SBATCH line, e.g. --sbatch-option=--qos=low (repeatable)")
            ->expected(1)
            ->allow_extra_args(false);
    }

    JobKind m_kind;
    JobManifest m_manifest;
    InputOptions m_input;
    ThreadOptions m_threads;
    ScorerOptions m_scorers;
    SubmitOptions m_submit;
    std::string m_configPath;
    std::string m_outDir;
    std::string m_jobDir;
    int m_tasks = 0;
};

class SlurmCommand : public Command {
public:
    std::string name() const override { return "slurm"; }
    std::string description() const override { return "Run apply or score as a Slurm array job, and merge it"; }

    void setup(CLI::App& cmd) override
    {
        cmd.require_subcommand(1);
        m_applyCmd = m_apply.setup(cmd);
        m_scoreCmd = m_score.setup(cmd);

        m_submitCmd
            = cmd.add_subcommand("submit", "Submit the tasks of a job directory that have no completion marker");
        m_submitCmd->add_option("job_dir", m_jobDir, "Job directory")->required()->check(CLI::ExistingDirectory);
        m_submitOptions.add(m_submitCmd);

        m_statusCmd = cmd.add_subcommand("status", "Which tasks of a job directory are done");
        m_statusCmd->add_option("job_dir", m_jobDir, "Job directory")->required()->check(CLI::ExistingDirectory);

        m_mergeCmd = cmd.add_subcommand("merge", "Merge a finished job: summary.json (apply), the scores file (score)");
        m_mergeCmd->add_option("job_dir", m_jobDir, "Job directory")->required()->check(CLI::ExistingDirectory);
        m_mergeCmd->add_option("--cache-dir", m_cacheDir,
            "Score jobs: the scores cache to add the corpus to (default: $SHARDSCOPE_CACHE_DIR or "
            "~/.cache/shardscope)");

        // What each array element runs; not for people, so not in --help.
        m_runTaskCmd = cmd.add_subcommand("run-task", "Run one task of a job directory (what the array runs)");
        m_runTaskCmd->group("");
        m_runTaskCmd->add_option("job_dir", m_jobDir, "Job directory")->required()->check(CLI::ExistingDirectory);
        m_runTaskCmd->add_option("index", m_index, "Task index")->required();
        m_runTaskCmd->add_option("--threads,-j", m_threads, "Worker threads (default: the manifest's)");
    }

    int run() override
    {
        if (*m_applyCmd)
            return m_apply.run();
        if (*m_scoreCmd)
            return m_score.run();
        if (*m_submitCmd) {
            m_submitOptions.submit(m_jobDir, JobManifest::load(m_jobDir));
            return 0;
        }
        if (*m_statusCmd)
            return status();
        if (*m_mergeCmd)
            return merge();
        if (*m_runTaskCmd)
            return runTask();
        return 2;
    }

private:
    int status() const
    {
        const JobManifest m = JobManifest::load(m_jobDir);
        const std::vector<size_t> pending = slurm::pendingTasks(m_jobDir, m);
        std::printf("done=%zu tasks=%zu", m.tasks.size() - pending.size(), m.tasks.size());
        if (!pending.empty())
            std::printf(" unfinished=%s", slurm::arrayList(pending).c_str());
        std::printf("\n");
        return 0;
    }

    int runTask() const
    {
        const slurm::TaskReport r = slurm::runTask(m_jobDir, m_index, m_threads);
        if (r.alreadyDone)
            std::printf("task %zu: already done (its marker is there), nothing to do\n", m_index);
        else if (JobManifest::load(m_jobDir).kind == JobKind::Apply)
            std::printf("task %zu: read=%llu kept=%llu dropped=%llu rejected=%llu %.2fs\n", m_index,
                static_cast<unsigned long long>(r.read), static_cast<unsigned long long>(r.kept),
                static_cast<unsigned long long>(r.dropped), static_cast<unsigned long long>(r.rejected), r.seconds);
        else
            std::printf("task %zu: docs=%llu rejected=%llu %.2fs\n", m_index,
                static_cast<unsigned long long>(r.documents), static_cast<unsigned long long>(r.rejected), r.seconds);
        return 0;
    }

    int merge() const
    {
        const slurm::MergeReport r = slurm::mergeJob(m_jobDir, m_cacheDir);
        if (!r.missing.empty())
            throw std::runtime_error(m_jobDir + ": task(s) " + slurm::arrayList(r.missing)
                + " have no completion marker: resubmit them with `shardscope-cli slurm submit " + m_jobDir
                + "`, then merge");
        if (!r.scoresPath.empty()) {
            std::printf("scores of %llu documents: %s (cache: %s)\n", static_cast<unsigned long long>(r.documents),
                r.scoresPath.c_str(), r.cachePath.c_str());
            return 0;
        }
        const ApplySummary& sum = r.summary;
        for (const auto& e : sum.errors)
            std::fprintf(stderr, "error: %s\n", e.c_str());
        // The closing lines of a local apply, so scripts read either the same way.
        std::printf("kept_text_bytes=%llu dropped_text_bytes=%llu kept_record_bytes=%llu dropped_record_bytes=%llu\n",
            static_cast<unsigned long long>(sum.total.keptTextBytes),
            static_cast<unsigned long long>(sum.total.droppedTextBytes),
            static_cast<unsigned long long>(sum.total.keptRecordBytes),
            static_cast<unsigned long long>(sum.total.droppedRecordBytes));
        std::printf("read=%llu kept=%llu dropped=%llu rejected=%llu\n", static_cast<unsigned long long>(sum.total.read),
            static_cast<unsigned long long>(sum.total.kept), static_cast<unsigned long long>(sum.total.dropped),
            static_cast<unsigned long long>(sum.total.rejected));
        return (!sum.errors.empty() || sum.total.rejected > 0) ? 1 : 0;
    }

    CreateCommand m_apply { JobKind::Apply };
    CreateCommand m_score { JobKind::Score };
    SubmitOptions m_submitOptions;
    CLI::App* m_applyCmd = nullptr;
    CLI::App* m_scoreCmd = nullptr;
    CLI::App* m_submitCmd = nullptr;
    CLI::App* m_statusCmd = nullptr;
    CLI::App* m_mergeCmd = nullptr;
    CLI::App* m_runTaskCmd = nullptr;
    std::string m_jobDir;
    std::string m_cacheDir;
    size_t m_index = 0;
    int m_threads = 0;
};

} // namespace

std::unique_ptr<Command> makeSlurmCommand()
{
    return std::make_unique<SlurmCommand>();
}

} // namespace shardscope::cli
