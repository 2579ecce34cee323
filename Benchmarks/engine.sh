#!/usr/bin/env bash
# The engine benchmark: FP32 peak, per-operation GFLOP/s, and whole networks
# against ONNX Runtime on the same weights, input size and threads.
# Usage: Benchmarks/engine.sh [threads]     (PYTHON: a Python with Training/requirements.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
size=256
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release --product limn-bench >&2
"$python" Benchmarks/make_bench_models.py "$work" --size $size >&2
echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
.build/release/limn-bench engine --threads "$threads" --models "$work" --size $size --json "$work/limn.json"
"$python" Benchmarks/onnx_runtime.py "$work" --threads "$threads" --size $size --json "$work/ort.json" > /dev/null
"$python" - "$work/limn.json" "$work/ort.json" <<'PY'
import json, sys
limn, ort = (json.load(open(p)) for p in sys.argv[1:3])
print(f"\nLimn vs ONNX Runtime {ort['onnxruntime']}, {limn['threads']} threads, {limn['size']}x{limn['size']} input:\n")
print("| network | GMAC/MP | Limn MP/s | ONNX Runtime MP/s | ratio |")
print("|---|---:|---:|---:|---:|")
for name, r in sorted(limn["networks"].items()):
    o = ort["networks"][name]
    print(f"| {name} | {r['gmac_per_mp']:.2f} | {r['mps']:.3f} | {o['mps']:.3f} | {r['mps'] / o['mps']:.2f}x |")
PY
