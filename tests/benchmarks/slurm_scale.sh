#!/usr/bin/env bash
# Issue 24's scale figures on the single-node Slurm of scripts/slurm-test-cluster.sh:
#   1. the array's overhead per task: 16 tasks of a few records each, serial (%1) and two at a time, against the
#      time the tasks themselves report (their markers' "seconds");
#   2. `apply` of a typical config (compression + heuristics + language ID) over ../shared/data/bench as 8 tasks
#      against one local run: wall and CPU seconds, and the outputs compared byte for byte.
# Usage: tests/benchmarks/slurm_scale.sh BUILD_DIR [WORK_DIR]   (root, or password-less sudo, for slurmd)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: $0 BUILD_DIR [WORK_DIR]}" && pwd)
work=${2:-$(mktemp -d /tmp/slurm-scale.XXXXXX)}
cli=$build/app/cli/shardscope-cli
bench=${SHARDSCOPE_SHARED_DATA:-$root/../shared/data}/bench
fixture=${SHARDSCOPE_TEST_FIXTURES:-$root/build/testdata}/spam_ham.jsonl
[ -d "$bench" ] || { echo "needs $bench (../shared/data)"; exit 1; }
[ -f "$fixture" ] || { echo "needs $fixture (tests/data/make-test-fixtures.sh)"; exit 1; }
mkdir -p "$work"
cd "$work"

started=$("$root/scripts/slurm-test-cluster.sh" start)
eval "export $(echo "$started" | grep '^SLURM_CONF=')"
trap 'echo "$started" | grep -q "^started" && "$root/scripts/slurm-test-cluster.sh" stop >/dev/null' EXIT

now() { date +%s.%N; }
# Submits job dir $1 (already written with --no-submit) and waits until squeue no longer lists it.
run_array() {
    local out id
    out=$("$cli" slurm submit "$1")
    id=$(echo "$out" | sed -n 's/^submitted job \([0-9]*\).*/\1/p')
    while [ -n "$(squeue -h -j "$id" 2>/dev/null)" ]; do sleep 0.1; done
}
# Sum of a marker field over a job's tasks.
marker_sum() { python3 -c "import json,glob,sys; print(round(sum(json.load(open(f))[sys.argv[2]] for f in glob.glob(sys.argv[1]+'/tasks/*.done')),2))" "$1" "$2"; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), commit $(git -C "$root" rev-parse --short HEAD)"

# 1. Overhead per task.
mkdir -p tiny
split -n l/16 -d -a 2 --additional-suffix=.jsonl "$fixture" tiny/part-
echo '{"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":0}]}' >trivial.json
for mode in serial parallel; do
    limit=()
    [ $mode = serial ] && limit=(--max-running 1)
    rm -rf "tiny-$mode" "tiny-$mode.job"
    "$cli" slurm apply --config trivial.json --out "tiny-$mode" --job-dir "tiny-$mode.job" --tasks 16 \
        --cpus-per-task 1 "${limit[@]}" --no-submit tiny >/dev/null
    t0=$(now)
    run_array "tiny-$mode.job"
    t1=$(now)
    inside=$(marker_sum "tiny-$mode.job" seconds)
    python3 -c "
wall, inside, n, conc = $t1 - $t0, $inside, 16, (1 if '$mode' == 'serial' else $(nproc))
print(f'overhead {\"$mode\":8}: 16 tasks in {wall:.2f} s wall, tasks report {inside:.2f} s inside; '
      f'per task {(wall - inside / conc) / (n / conc):.2f} s of scheduling, start and stop')"
done

# 2. The bench set: one local run against 8 tasks.
cat >typical.json <<'EOF'
{"format":"shardscope-filter","version":2,"rules":[
 {"scorer":"zlib6","min":0.25,"max":0.9},
 {"scorer":"gopher_word_count","min":50,"max":100000},
 {"scorer":"gopher_mean_word_length","min":3,"max":10},
 {"scorer":"gopher_dup_line_frac","max":0.3},
 {"scorer":"fineweb_line_punct_frac","min":0.12},
 {"scorer":"lang","in":["en","de","fr","es"]},
 {"scorer":"lang_score","min":0.65}]}
EOF
for round in 1 2; do
    rm -rf local slurm slurm.job
    /usr/bin/time -f "local apply -j $(nproc): %e s wall, %U s user + %S s sys" "$cli" apply -q -j "$(nproc)" \
        --config typical.json --out local "$bench" 2>&1 | grep -v '^read='
    "$cli" slurm apply --config typical.json --out slurm --job-dir slurm.job --tasks 8 --cpus-per-task 1 \
        --no-submit "$bench" >/dev/null
    t0=$(now)
    run_array slurm.job
    t1=$(now)
    "$cli" slurm merge slurm.job >/dev/null
    t2=$(now)
    python3 -c "print(f'slurm 8 tasks: {$t1 - $t0:.2f} s wall to the last task, merge {$t2 - $t1:.2f} s; '
                      f'tasks: {$(marker_sum slurm.job seconds)} s inside, {$(marker_sum slurm.job cpu_seconds)} s CPU')"
    same=0
    for f in local/*.zst; do cmp -s "$f" "slurm/$(basename "$f")" || { echo "DIFFERS: $f"; same=1; }; done
    sed "s#\"local/#\"#" local/summary.json >local.summary
    sed "s#\"$work/slurm/#\"#" slurm/summary.json >slurm.summary
    cmp -s local.summary slurm.summary || { echo "summary.json DIFFERS"; same=1; }
    [ $same = 0 ] && echo "round $round: $(ls local/*.zst | wc -l) outputs byte-identical ($(cat local/*.zst | wc -c) bytes), summary.json equal"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
