#pragma once
// Slurm array jobs of `apply` and `score` (issue 24): the job directory, the split of the shards into tasks, the
// sbatch script, one task's run and the merge of the finished tasks. No scheduler is called from here: the CLI
// (app/cli/cmd_slurm.cpp) runs sbatch and scontrol; everything in this file also works with the tasks run by hand.
//
// A job directory J holds
//   J/manifest.json        the job: kind, shards (absolute, in the order a local run reads them, with their bytes),
//                          the field mapping resolved once for all tasks, the output directory, the tasks
//   J/config.json          apply: a copy of the filter config (a later edit of the original does not mix two
//                          configs in one corpus)
//   J/job.sbatch           the array script; its first argument is the offset added to SLURM_ARRAY_TASK_ID (arrays
//                          larger than the scheduler's MaxArraySize are submitted in chunks)
//   J/tasks/NNNN.done      the completion marker: the task's shards and the files it wrote with their sizes, written
//                          (atomically) after every output is final; a task with a marker is never run again
//   J/tasks/NNNN.summary.json   apply: the task's summary, as apply writes it
//   J/tasks/NNNN.sscores        score: the task's scores file
//   J/logs/task-NNNN.log   one line per attempt of the task (start, done, already done) with host and Slurm job id
//   J/logs/slurm-%A_%a.out the task's standard output and error (Slurm writes it)
//
// An apply task writes into <out>/.task-NNNN.tmp-<job>/, then renames each output into <out> under the name a local
// apply of all the shards gives it, so the merged directory holds exactly the files of a local apply, byte for
// byte (the outputs are per shard). A task killed half-way leaves its temporary directory and perhaps some renamed
// outputs but no marker: its next attempt removes the temporary directories of that task and starts over; outputs
// renamed again are the same bytes. A requeued task that finished already finds its marker and does nothing.
//
// Merge (all markers present): apply jobs sum the tasks' summaries (total, per group, per label, per rule) into
// <out>/summary.json, written last as apply does, equal to a local apply's summary (outputs listed in apply's order:
// shards that gave the scan lines in shard order, then the empty ones) but for the output directory's name.
// Score jobs concatenate the tasks' scores files in shard order into <out>/scores.sscores and into the scores cache
// of the whole shard list (CorpusCache), so the GUI opening those shards finds every score without rescoring.

#include "apply.h"
#include "fieldmapping.h"

#include <cstdint>
#include <string>
#include <vector>

namespace shardscope::slurm {

enum class JobKind { Apply, Score };

// What the sbatch script asks the scheduler for; empty or 0: not asked (the partition's default).
struct SlurmResources {
    std::string partition;
    std::string time; // --time, e.g. 2:00:00
    std::string mem; // --mem, e.g. 8G
    std::string gres; // --gres, e.g. gpu:1 for language-model scoring
    std::string account;
    int cpusPerTask = 0;
    int maxRunning = 0; // the array's % limit
    std::vector<std::string> extra; // further #SBATCH options, as given
};

struct JobShard {
    std::string path; // absolute
    uint64_t bytes = 0; // on disk
};

struct JobTask {
    std::vector<size_t> shards; // indices into JobManifest::shards, ascending
    uint64_t bytes = 0;
};

struct JobManifest {
    JobKind kind = JobKind::Apply;
    std::string cli; // absolute path of the shardscope-cli the tasks run
    std::string outDir; // absolute
    std::vector<JobShard> shards;
    FieldMapping fields;
    int threads = 0; // per task; 0: $SLURM_CPUS_PER_TASK, else all cores
    // apply
    bool writeDropped = false;
    bool writeRejected = false;
    // score
    std::string scorers;
    std::vector<JobTask> tasks;
    SlurmResources resources;

    std::string toJson() const;
    // Throws std::runtime_error naming the file for an unreadable or foreign manifest.
    static JobManifest load(const std::string& jobDir);
};

// Splits shards (their sizes in bytes, in order) into at most `tasks` tasks of about equal bytes: largest shard
// first onto the lightest task (LPT, within 4/3 of the best split), each task's shards then in input order. No
// task is empty; fewer tasks than asked when there are fewer shards.
std::vector<JobTask> splitByBytes(const std::vector<uint64_t>& bytes, size_t tasks);

// "0-3,5,7-9": ascending indices as a Slurm array list.
std::string arrayList(const std::vector<size_t>& indices);

// One sbatch submission of an array: its --array value and the offset the script adds to SLURM_ARRAY_TASK_ID.
struct ArrayChunk {
    size_t offset = 0;
    std::string array; // e.g. "0-999%20"
    std::vector<size_t> tasks;
};
// The submissions that run `tasks` (ascending task indices) when array indices must stay below maxArraySize
// (Slurm's MaxArraySize; its default is 1001), each with the % limit when maxRunning > 0.
std::vector<ArrayChunk> arrayChunks(const std::vector<size_t>& tasks, size_t maxArraySize, int maxRunning);

// The sbatch script of a job directory.
std::string sbatchScript(const JobManifest& manifest, const std::string& jobDir);

// Writes the job directory for `manifest` (config copied from configPath for apply jobs). When `jobDir` already
// holds a manifest it must describe the same job (resubmitting); otherwise throws std::runtime_error saying how they
// differ. Removes <out>/summary.json, whose presence says a merged (finished) run.
void writeJobDir(const std::string& jobDir, const JobManifest& manifest, const std::string& configPath);

std::string markerPath(const std::string& jobDir, size_t task);
// Task indices without a completion marker, ascending.
std::vector<size_t> pendingTasks(const std::string& jobDir, const JobManifest& manifest);

struct TaskReport {
    bool alreadyDone = false; // the marker was there: nothing ran
    uint64_t read = 0, kept = 0, dropped = 0, rejected = 0; // apply
    uint64_t documents = 0; // score
    double seconds = 0;
    double cpuSeconds = 0; // the process's user + system time, all threads
};
// Runs one task: apply or score its shards, make its outputs final, then write its marker. `threads` overrides the
// manifest's (0: keep). Throws std::out_of_range for an index the manifest lacks, std::runtime_error when an output
// cannot be written or a score scan did not read every shard to its end.
TaskReport runTask(const std::string& jobDir, size_t task, int threads = 0);

struct MergeReport {
    std::vector<size_t> missing; // tasks without a marker: nothing was merged
    std::string summaryPath; // apply
    ApplySummary summary; // apply
    std::string scoresPath, cachePath; // score
    uint64_t documents = 0; // score
};
// Merges a finished job (see the file comment). cacheRoot: the scores cache root for score jobs ("" = default).
// Throws std::runtime_error when a task's files are missing or changed since its marker was written.
MergeReport mergeJob(const std::string& jobDir, const std::string& cacheRoot = {});

} // namespace shardscope::slurm
