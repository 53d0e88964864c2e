#!/usr/bin/env bash
# Runs every scan benchmark of issue #2 ("Performance") side by side on the same input and prints
# the figures. Builds nothing: pass the build directory of a Release build.
#
#   tests/benchmarks/run_scan_benchmarks.sh BUILD_DIR [--million] [--repeat N] [--data DIR]
#
#   --million   also replicate the input to 1,000,000 documents (.jsonl.zst in a temporary
#               directory under /tmp, deleted afterwards; about 1.3 GB) and measure a scan's peak
#               RSS on it, to show that memory grows with the index, not with the text.
#   --repeat N  rounds of the throughput rows; each row reports its best (default 3).
#   --data DIR  input shards (default: ../shared/data/bench beside the checkout).
#
# Steps: (1) shardscope-cli score --scorers zlib6 writes a TSV (also warms the page cache);
# (2) bench_scan prints the throughput table and runs baseline_python.py, which checks its
# zlib6 values against that TSV; (3) bench_scan --memory, a fresh process per corpus, reports
# peak RSS and index bytes per document. Nothing here asserts a timing: it prints figures.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
usage() { sed -n '5,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 ]] || usage
build="$(cd "$1" && pwd)" || usage
shift
million=0
repeat=3
data="$root/../shared/data/bench"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --million) million=1 ;;
        --repeat) repeat="${2:?--repeat needs a number}"; shift ;;
        --data) data="${2:?--data needs a directory}"; shift ;;
        *) usage ;;
    esac
    shift
done
data="$(cd "$data" && pwd)"

bench="$build/tests/benchmarks/bench_scan"
cli="$build/app/cli/shardscope-cli"
python=/usr/bin/python3   # Debian's: it has python3-zstandard (a pyenv/venv python3 usually does not)
for f in "$bench" "$cli"; do
    [[ -x "$f" ]] || { echo "missing $f: build it first (ninja -C $build bench_scan shardscope-cli)" >&2; exit 1; }
done
"$python" -c 'import zstandard' 2>/dev/null \
    || { echo "$python has no zstandard module: apt-get install python3-zstandard" >&2; exit 1; }
buildType="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)"
[[ "$buildType" == Release || "$buildType" == RelWithDebInfo ]] \
    || echo "warning: $build is a '$buildType' build; figures from an unoptimised build mean little" >&2

tmp="$(mktemp -d /tmp/shardscope-bench.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"   # the scan's id store (an unlinked temp file) lands here too

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "== shardscope scan benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores (nproc), ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- core app 2>/dev/null || echo ' (core/app modified)'), build: $build ($buildType)"
echo "input: $data"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  (other processes share these cores: check cpu/wall below)"
echo

echo "== (1) shardscope-cli score --scorers zlib6 --threads $(nproc) --no-cache --tsv (end to end, TSV included)"
/usr/bin/time -o "$tmp/cli-time.txt" -f 'cli: %e s wall, %U s user, %S s sys, peak RSS %M KB' \
    "$cli" score --scorers zlib6 --threads "$(nproc)" --no-cache -q --cache-dir "$tmp/cache" \
    --tsv "$tmp/zlib6.tsv" "$data"
cat "$tmp/cli-time.txt"
echo

echo "== (2) throughput: best of $repeat rounds, then the Python baseline (one process)"
"$bench" --repeat "$repeat" \
    --python "$python $here/baseline_python.py --verify-tsv $tmp/zlib6.tsv $data 2>&1" "$data"
echo

echo "== (3) memory: one scan (zlib6, all cores, index on) per corpus, each in a fresh process"
"$bench" --memory --scorers zlib6 "$data" | tee "$tmp/mem-bench.txt"
if [[ $million -eq 1 ]]; then
    "$bench" --replicate 1000000 "$tmp/million" "$data"
    "$bench" --memory --scorers zlib6 "$tmp/million" | tee "$tmp/mem-million.txt"
    rm -rf "$tmp/million"
fi
echo
awk '
    /^MEMORY/ {
        for (i = 2; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
        name = FILENAME ~ /million/ ? "replicated" : "bench set"
        grow = (v["peak_kb"] - v["start_kb"]) * 1024 - v["index_bytes"] - v["score_bytes"]
        printf "%-11s %9d %10.1f %10.1f %12.1f %12.1f %12.1f %12.1f\n", name, v["docs"], v["text_bytes"] / 1e6,
               v["peak_kb"] / 1024, v["index_bytes"] / v["docs"], v["index_used"] / v["docs"],
               v["score_bytes"] / v["docs"], grow / 1e6
    }
    BEGIN { printf "%-11s %9s %10s %10s %12s %12s %12s %12s\n", "corpus", "docs", "text MB", "peak RSS MB",
                   "index B/doc", "(in use)", "scores B/doc", "other MB" }
    END { print "(index B/doc: allocated capacity of the DocIndex columns incl. id offsets, target <= 64; other MB:" \
                " peak RSS growth during the scan minus index and score columns, i.e. batches in flight," \
                " parser and compressor state. If no text stays resident it does not grow with the corpus.)" }
' "$tmp"/mem-*.txt
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
