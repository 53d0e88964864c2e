#!/usr/bin/env bash
# Builds core/ and shardscope-cli on a GPU machine against the libtorch bundled with a CUDA PyTorch
# (the `cuda` CMake preset: SHARDSCOPE_WITH_TORCH=ON, SHARDSCOPE_WITH_CUDA=ON, no GUI) and scores the
# bench set with the lm scorer on the GPU, printing tokens/s beside the same weights run by PyTorch
# eager in Python (tests/benchmarks/bench_lm.py) in the same invocation.
#
# usage: packaging/gpu/score_bench_gpu.sh [MODEL_DIR] [DOCS]
#   MODEL_DIR default: resources/models/byte-lm (the built-in model); DOCS default 5000.
# Needs: python3 with a CUDA build of torch (its bundled libtorch is used), cmake, ninja, a C++20 compiler,
# and the engine's Debian dependencies (scripts/install-deps.sh). Not run in development: the machine
# there has no GPU.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODEL=${1:-$ROOT/resources/models/byte-lm}
DOCS=${2:-5000}
PY=${PYTHON:-python3}

"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
    || { echo "score_bench_gpu.sh: $PY has no CUDA torch or no GPU is visible" >&2; exit 1; }
TORCH_CMAKE=$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)')
CXX11_ABI=$("$PY" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
echo "torch $("$PY" -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))')"

cmake --preset cuda -S "$ROOT" -DCMAKE_PREFIX_PATH="$TORCH_CMAKE" -DSHARDSCOPE_BUILD_TESTS=OFF \
      -DCMAKE_CXX_FLAGS="-D_GLIBCXX_USE_CXX11_ABI=$CXX11_ABI"
cmake --build "$ROOT/build/cuda" --target shardscope-cli -j"$(nproc)"
CLI=$ROOT/build/cuda/app/cli/shardscope-cli

"$PY" "$ROOT/tests/benchmarks/bench_lm.py" "$CLI" "$MODEL" --device cuda --docs "$DOCS"
