#!/usr/bin/env bash
# The GPU check of the CUDA backend, for a machine with an NVIDIA GPU, CUDA (nvcc, cuBLAS) and
# CMake; no Node and no BLAS needed. Builds libelma_cuda and its C harnesses, runs the harness
# (GPU against plain double loops, fp32 and fp16), then the 12-layer benchmark (fp16 and fp32,
# seq 384/128, batch 1/8) and, when python3 has torch and transformers, the Hugging Face eager
# baseline on the same GPU in the same run.
#   bash bench/gpu/run.sh [build-dir]     (default dist/gpu; the log also goes to $OUT when set)
# Issue 3's target: fp16, 12 layers, seq 384, batch 1 ≤ 1.5 ms on an H100/H200.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-dist/gpu}
command -v cmake >/dev/null || { echo "cmake missing"; exit 1; }
nvidia-smi -L || true
nvcc --version | tail -1
# The CPU library is not needed here; OpenBLAS may be absent on a GPU server.
cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Release -DELMA_CUDA=ON -DELMA_TENSORRT=AUTO >/dev/null
cmake --build "$out" -j "$(nproc)" --target elma_cuda test_cuda bench_cuda
ctest --test-dir "$out" -R cuda --output-on-failure -V | grep -v "^[0-9]*: Test command"
"$out/bench_cuda"
if python3 -c "import torch, transformers" 2>/dev/null; then
  PYTHONUNBUFFERED=1 python3 bench/gpu/hf_baseline.py
else
  echo "python3 with torch and transformers not found: no Hugging Face baseline"
fi
