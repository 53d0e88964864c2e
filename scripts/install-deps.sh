#!/usr/bin/env bash
# Installs every Debian 12 package Shardscope needs to build, test, run and build its demo
# corpus. Idempotent; uses sudo when not root.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES=(
    build-essential cmake ninja-build pkg-config git
    clang libclang-rt-14-dev # libFuzzer for the fuzz targets (cmake --preset fuzz; tests/fuzz/run-fuzzers.sh)
    zlib1g-dev libzstd-dev zstd libsimdjson-dev nlohmann-json3-dev libcli11-dev libxxhash-dev libpcre2-dev libutf8proc-dev
    libssl-dev # SHA-256 of the model files filter configs name (core/sha256.h)
    qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqcustomplot-dev libgl1-mesa-dev
    libtorch-dev libopenblas0-pthread libfasttext-dev
    python3 python3-zstandard python3-torch
    # export --to dolma is checked with jq; export --to datatrove runs the vendored datatrove (../shared/peers/datatrove),
    # which needs these (tst_export)
    jq python3-numpy python3-regex python3-nltk python3-tqdm python3-dill python3-multiprocess python3-humanize python3-yaml
    xvfb xauth x11-apps imagemagick fonts-dejavu-core
    # Text in every script: Noto covers the scripts DejaVu lacks (Tibetan/Dzongkha, Myanmar, Devanagari and the other
    # Indic scripts, Ethiopic, ...), CJK and emoji; without them such documents show as empty boxes (issue 20)
    fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
    file dpkg-dev
    # A single-node Slurm for the array-job tests (issue 24; scripts/slurm-test-cluster.sh starts it without systemd)
    slurmctld slurmd slurm-client munge
)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm (the demo corpus recipe and the GPT-2 tokenizer reference): a machine may
# already have them from another source (NodeSource's nodejs bundles npm and conflicts with
# Debian's npm package), so only install Debian's when there is none.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
