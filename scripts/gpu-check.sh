#!/usr/bin/env bash
# The GPU check of issue 4, for a machine with an NVIDIA GPU and PyTorch but no Qt, no Debian
# development packages and no network (the project's lent GPU machine):
#   1. builds core/ and the CLI against the CUDA libtorch inside that PyTorch (the `cuda` preset);
#   2. tests/benchmarks/lm_vs_transformers.py: token ids, per-token and per-document losses against
#      Hugging Face transformers, for the built-in model and random tiny GPT-2/GPT-NeoX/Llama/Qwen2, on
#      the CPU (float32) and the GPU (bf16);
#   3. tests/benchmarks/bench_lm.py on the GPU: the built-in model and a random 12-layer, 768-wide byte
#      GPT-2, shardscope-cli against the same weights in PyTorch eager, in one invocation;
#   4. shardscope-cli scoring every shard given, on the GPU;
#   5. train-lm on the GPU (a reference model from one shard, 45 s), then scoring with it on the GPU.
# STEPS="transformers bench shards train" (the default: all) picks steps after the build.
#
# usage: scripts/gpu-check.sh DATA OUT
#   DATA: debs/ (Debian 12 packages: zlib1g-dev zlib1g libzstd-dev libzstd1 libsimdjson-dev libsimdjson14
#         nlohmann-json3-dev libcli11-dev libxxhash-dev libxxhash0 libutf8proc-dev libutf8proc2 pkgconf-bin libpkgconf3
#         zstd, unpacked into a
#         private prefix), bench/*.jsonl.zst, models/ (as ../shared/data/models), texts.jsonl
#   OUT:  where the logs go
# Each step logs to OUT/<step>.log and the script goes on after a failed step; the last lines say
# which steps failed.
set -u
DATA=$(realpath "$1")
OUT=$(realpath "$2")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
FAILED=()
step() { # step NAME TIMEOUT_S COMMAND... (a command or an exported function)
    local name=$1 limit=$2
    shift 2
    echo "=== $name ($(date +%T))"
    if timeout "$limit" bash -c '"$@"' _ "$@" >"$OUT/$name.log" 2>&1; then
        tail -n 25 "$OUT/$name.log"
    else
        echo "!!! $name failed (rc $?)"
        tail -n 60 "$OUT/$name.log"
        FAILED+=("$name")
    fi
}

deps() {
    local prefix=/tmp/shardscope-deps
    rm -rf "$prefix" && mkdir -p "$prefix"
    for f in "$DATA"/debs/*.deb; do dpkg -x "$f" "$prefix"; done
    # Absolute links (zlib's libz.so -> /lib/...) would point outside the prefix.
    find "$prefix" -type l | while read -r l; do
        t=$(readlink "$l")
        if [[ $t == /* ]]; then ln -sfn "$prefix$t" "$l"; fi
    done
    find "$prefix" -name '*.pc' -exec sed -i "s|^prefix=/usr\$|prefix=$prefix/usr|" {} +
    mkdir -p "$prefix/bin"
    if ! command -v pkg-config >/dev/null; then
        printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$prefix/usr/lib/x86_64-linux-gnu" \
            "$prefix/usr/bin/pkgconf" >"$prefix/bin/pkg-config"
        chmod +x "$prefix/bin/pkg-config"
    fi
    command -v zstd >/dev/null || ln -sf "$prefix/usr/bin/zstd" "$prefix/bin/zstd"
    echo "$prefix"
}

build() {
    local torch_dir
    torch_dir=$(python3 -c 'import os, torch; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))') || return 1
    python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    cmake -S "$ROOT" -B "$ROOT/build/cuda" --preset cuda -DSHARDSCOPE_BUILD_TESTS=OFF -DTorch_DIR="$torch_dir" \
        -DCMAKE_PREFIX_PATH="$PREFIX/usr" ${EXTRA_CMAKE:-} || return 1
    cmake --build "$ROOT/build/cuda" -j "$(nproc)" || return 1
    "$CLI" scorers | head -n 40
    echo "The quick brown fox." | "$CLI" lm-tokens --device cuda:0 - | head -n 5
}

train_gpu() { # a reference model trained on the GPU, then used there
    local shard=$1
    "$CLI" train-lm -o /tmp/shardscope-ref --device cuda:0 --layers 4 --hidden 256 --heads 4 --context 256 \
        --batch 64 --minutes 0.5 "$shard" || return 1
    grep -E '"device"|"steps"|"heldout_bpb"|"tokens_seen"' /tmp/shardscope-ref/training.json
    "$CLI" score --scorers lm_bpb --model /tmp/shardscope-ref --device cuda:0 --no-cache -q --tsv /tmp/ref.tsv \
        "$DATA/texts.jsonl" || return 1
    head -n 4 /tmp/ref.tsv
}

shards_rate() { # every shard scored on the GPU by the CLI alone
    local bytes start end
    bytes=$(for s in "$@"; do zstd -dc "$s"; done | python3 -c 'import json, sys
print(sum(len(json.loads(l).get("text", "").encode()) for l in sys.stdin.buffer if l.strip()))')
    start=$(date +%s.%N)
    "$CLI" score --scorers lm_bpb --device cuda:0 --threads 4 --no-cache -q --tsv /tmp/shards.tsv "$@" || return 1
    end=$(date +%s.%N)
    python3 -c "b, s = $bytes, $end - $start
print(f'{b:,} bytes of text in $# shards, $(($(wc -l </tmp/shards.tsv) - 1)) documents: {s:.1f} s, '
      f'{b / s / 1e6:.2f} MB/s (= tokens/s of the byte model) on the GPU, start-up included')"
}

PREFIX=$(deps)
export PATH="$PATH:$PREFIX/bin:/usr/local/cuda/bin"
export PKG_CONFIG_PATH="$PREFIX/usr/lib/x86_64-linux-gnu/pkgconfig:$PREFIX/usr/share/pkgconfig"
export PYTHONUNBUFFERED=1
CLI="$ROOT/build/cuda/app/cli/shardscope-cli"
MODEL="$ROOT/resources/models/byte-lm"
export PREFIX CLI ROOT DATA
export -f build shards_rate train_gpu
STEPS=${STEPS:-transformers bench shards train}
want() { [[ " $STEPS " == *" $1 "* ]]; }

step build 300 build
if [[ " ${FAILED[*]} " == *" build "* ]] && grep -q "scaled_dot_product_attention" "$OUT/build.log"; then
    # A libtorch whose fused-attention signature differs: the plain attention path instead.
    FAILED=()
    export EXTRA_CMAKE="-DCMAKE_CXX_FLAGS=-DSHARDSCOPE_NO_SDPA"
    step build-no-sdpa 300 build
fi
if [ -x "$CLI" ]; then
    want transformers && step transformers 240 python3 "$ROOT/tests/benchmarks/lm_vs_transformers.py" "$CLI" "$DATA/texts.jsonl" "$MODEL" \
        "$DATA/models" /tmp/shardscope-hf --device cuda:0
    want bench && step bench-builtin 120 python3 "$ROOT/tests/benchmarks/bench_lm.py" "$CLI" "$MODEL" --device cuda:0 \
        --docs 2000 --threads 1 --cli-threads 4 "$DATA"/bench/*.jsonl.zst
    want bench && step bench-gpt2-768 150 python3 "$ROOT/tests/benchmarks/bench_lm.py" "$CLI" /tmp/shardscope-random-768 \
        --random 12,768,1024 --device cuda:0 --docs 600 --threads 1 --cli-threads 4 "$DATA"/bench/*.jsonl.zst
    want shards && step shards 120 shards_rate "$DATA"/bench/*.jsonl.zst
    want train && step train 120 train_gpu "$DATA/bench/bench-0000.jsonl.zst"
fi
echo "=== done ($(date +%T)); failed steps: ${FAILED[*]:-none}"
[ ${#FAILED[@]} -eq 0 ]
