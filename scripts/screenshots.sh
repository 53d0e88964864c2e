#!/bin/sh
# Regenerates the README's screenshots (docs/screenshots/*.png): the GUI on the demo corpus at 1600x1000 under
# Xvfb, with the cutoffs of docs/screenshots/demo-filter.json (as placed by clicking on the histograms), and the
# histogram dock cut out of it. Settings and caches are isolated, so the window opens at its default layout.
# Usage: scripts/screenshots.sh [BUILD_DIR]   (after scripts/run.sh or a build with the demo corpus)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/release}
demo=$build/demo/demo.jsonl.zst
[ -f "$demo" ] || resources/demo/build-demo-corpus.sh "$demo"
out=docs/screenshots
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data SHARDSCOPE_CACHE_DIR=$home/cache \
    xvfb-run -a -s "-screen 0 1600x1000x24" "$build/app/gui/shardscope" --demo "$demo" \
    --config "$out/demo-filter.json" --screenshot "$home/window.png"
# Smaller files for the repository: 256 colours are plenty for a GUI.
convert "$home/window.png" -colors 256 PNG8:"$out/main-window.png"
# The histogram dock: the right-hand column of the window, below the menu bar.
convert "$home/window.png" -gravity NorthEast -crop 430x760+0+22 +repage -colors 256 PNG8:"$out/histograms.png"
ls -l "$out"/*.png
