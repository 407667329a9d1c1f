#!/usr/bin/env bash
# The GPU check of the CUDA backend, for a machine with an NVIDIA GPU, CUDA (nvcc, cuBLAS) and
# CMake; no Node needed. Builds everything CMake finds, runs the C harnesses (native and CUDA
# against it), then the 12-layer benchmark (fp16 and fp32, seq 384/128, batch 1/8).
#   bash bench/gpu/run.sh [build-dir]     (default dist/gpu)
# Issue 3's target: fp16, 12 layers, seq 384, batch 1 ≤ 1.5 ms on an H100/H200.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-dist/gpu}
command -v cmake >/dev/null || { echo "cmake missing"; exit 1; }
cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Release -DELMA_CUDA=ON >/dev/null
cmake --build "$out" -j "$(nproc)"
ctest --test-dir "$out" --output-on-failure
"$out/bench_cuda"
