#!/usr/bin/env bash
# Rebuilds Shardscope's built-in byte-level language model (resources/models/byte-lm) from scratch:
# fetch the Debian packages (through the demo corpus recipe and its cache), extract clean English prose
# (make_lm_training_text.py), train with `shardscope-cli train-lm`, and record the training data's
# hashes and the held-out bits per byte (byte-lm/training.json, byte-lm/SOURCES.tsv).
#
# usage: build-byte-lm.sh CLI [MINUTES] [WORKDIR]
#   CLI: a shardscope-cli built with -DSHARDSCOPE_WITH_TORCH=ON; MINUTES: training budget (default 110).
# The shipped weights came from exactly this command with MINUTES=110 on one thread (`--threads 1`) of a
# shared 2-core machine: 6,973 steps, 14.3M bytes seen, held-out 1.864 bits per byte (byte-lm/training.json).
# The budget is wall-clock time, so another machine takes a different number of steps: pass `--steps 6973`
# instead of a time budget to repeat the same number of steps.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLI=${1:?usage: build-byte-lm.sh CLI [MINUTES] [WORKDIR]}
MINUTES=${2:-110}
WORKDIR=${3:-${XDG_CACHE_HOME:-$HOME/.cache}/shardscope/demo-build}
DATA=$WORKDIR/lm-text

"$HERE/../demo/build-demo-corpus.sh" "$WORKDIR/demo.jsonl.zst" "$WORKDIR"   # fills the package cache
/usr/bin/python3 "$HERE/make_lm_training_text.py" "$WORKDIR" "$DATA"
"$CLI" train-lm "$DATA/train.jsonl" --heldout "$DATA/heldout.jsonl" --out "$HERE/byte-lm" \
    --minutes "$MINUTES" --layers 4 --hidden 192 --heads 4 --context 128 --batch 16 --lr 2e-3 --seed 1 --threads 1
cp "$DATA/SOURCES.tsv" "$HERE/byte-lm/SOURCES.tsv"
