#!/usr/bin/env bash
# The main job: install dependencies, build, build the demo corpus, open the GUI on it.
# Without a display it prints the demo corpus's statistics from the CLI instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-models.sh      # lid.176.ftz (langid) and the bad-words list (c4_badwords), before configure
cmake --preset release >/dev/null
cmake --build --preset release
demo=build/release/demo/demo.jsonl.zst
resources/demo/build-demo-corpus.sh "$demo"
if [ -x build/release/app/gui/shardscope ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
    exec build/release/app/gui/shardscope "$demo"
fi
echo "(no display: showing the demo corpus's statistics from the CLI; the GUI needs a desktop)"
build/release/app/cli/shardscope-cli stats --scorers all "$demo"
