#!/usr/bin/env bash
# The test job: install dependencies, configure, build and run the whole suite (release),
# then the engine's tests again under AddressSanitizer + UBSan (the `asan` preset).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"
