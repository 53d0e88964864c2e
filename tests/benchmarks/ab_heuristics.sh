#!/usr/bin/env bash
# Compares two bench_heuristics builds on a shared machine, where speed drifts by up to 3x within minutes:
# the builds run alternately, N times each, pinned to one CPU, every run `--repeat 3`; prints every round,
# then per build the fastest round and the mean of all its rounds (thread CPU time), and their ratios; and
# the median (with the range) of the N paired ratios, each the fastest round of an alternation's "before" run
# over that of the "after" run that followed it: the two ran within seconds of each other, so the machine's
# drift over minutes cancels in each pair, which the pooled fastest and mean do not do.
#
#   tests/benchmarks/ab_heuristics.sh BEFORE AFTER [N] [INPUT...]
#     BEFORE, AFTER  bench_heuristics binaries (e.g. build-heur-base/... and build-heur-rel/...)
#     N              alternations (default 5)
#     INPUT          shards or directories (default ../shared/data/bench)
# Environment: CPU (the CPU to pin to, default 0); SHARDSCOPE_BADWORDS as for bench_heuristics.
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n '2,10p' "$0" >&2; exit 2; }
before=$1 after=$2
n=${3:-5}
shift $(($# < 3 ? $# : 3))
inputs=("$@")
[[ ${#inputs[@]} -gt 0 ]] || inputs=("$(cd "$(dirname "$0")/../.." && pwd)/../shared/data/bench")
for b in "$before" "$after"; do
    [[ -x $b ]] || { echo "ab_heuristics: $b is not an executable" >&2; exit 2; }
done
command -v taskset >/dev/null || { echo "ab_heuristics: taskset not found (util-linux)" >&2; exit 2; }

raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
mb=""
for ((i = 1; i <= n; i++)); do
    for label in before after; do
        bin=$before
        [[ $label == after ]] && bin=$after
        out=$(taskset -c "${CPU:-0}" "$bin" --repeat 3 "${inputs[@]}" 2>&1) || { echo "$out" >&2; exit 1; }
        [[ -n $mb ]] || mb=$(grep -o '[0-9.]* MB of text' <<<"$out" | cut -d' ' -f1)
        grep -o 'round [0-9]*: [0-9.]* s CPU' <<<"$out" | awk -v l="$label" -v t="$(date +%H:%M:%S)" '{print t, l, $3}' \
            | tee -a "$raw"
    done
done
awk -v mb="$mb" '
    {
        if (!($2 in fast) || $3 < fast[$2]) fast[$2] = $3; sum[$2] += $3; k[$2]++
        if ($2 != last) runs[$2]++ # a new run of this build (the rounds of one run are adjacent lines)
        last = $2
        r = runs[$2]
        if (!(($2, r) in best) || $3 < best[$2, r]) best[$2, r] = $3
    }
    END {
        printf "%s MB of text; %d rounds per build\n", mb, k["before"]
        for (b = 0; b < 2; b++) {
            l = b ? "after" : "before"
            printf "%-7s fastest %.3f s (%.1f MB/s)  mean %.3f s (%.1f MB/s)\n", l, fast[l], mb / fast[l],
                   sum[l] / k[l], mb / (sum[l] / k[l])
        }
        printf "after/before: %.3fx (fastest), %.3fx (mean)\n", fast["before"] / fast["after"],
               (sum["before"] / k["before"]) / (sum["after"] / k["after"])
        n = 0
        for (i = 1; i <= runs["before"] && i <= runs["after"]; i++) {
            v = best["before", i] / best["after", i]
            for (j = n; j > 0 && ratio[j] > v; j--) # insertion sort (mawk has no asort)
                ratio[j + 1] = ratio[j]
            ratio[j + 1] = v
            n++
        }
        if (n > 0)
            printf "after/before, paired by alternation: median %.3fx (%d pairs, %.3fx to %.3fx)\n",
                   n % 2 ? ratio[(n + 1) / 2] : (ratio[n / 2] + ratio[n / 2 + 1]) / 2, n, ratio[1], ratio[n]
    }' "$raw"
