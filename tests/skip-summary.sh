#!/usr/bin/env bash
# Prints what the last ctest run in BUILD_DIR skipped, grouped by what each skip said it needs, so a run
# without ../shared/data (a bare clone, or CI's second pass) shows its skips instead of hiding them in passes.
# usage: tests/skip-summary.sh BUILD_DIR [LABEL]
set -euo pipefail
log=$1/Testing/Temporary/LastTest.log
label=${2:-ctest}
[[ -f $log ]] || { echo "skip-summary: $log not found" >&2; exit 1; }
total=$(grep -c '^SKIP   :' "$log" || true)
programs=$(grep -B0 '^SKIP   :' "$log" | sed -E 's/^SKIP   : ([A-Za-z_]+)::.*/\1/' | sort -u | wc -l)
echo "$label: $total test functions or rows skipped in $programs test programs"
grep '^SKIP   :' "$log" | sed -nE 's/.* needs ([^ ]+) .*/\1/p' | sort | uniq -c | sort -rn | head -20 |
    awk '{ printf "  %5d  need %s\n", $1, $2 }'
other=$(grep '^SKIP   :' "$log" | grep -vc ' needs ' || true)
[[ $other -eq 0 ]] || echo "  $other skipped for other reasons (see $log)"
