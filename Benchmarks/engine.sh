#!/usr/bin/env bash
# The engine benchmark: FP32 peak, per-operation GFLOP/s, and whole networks
# against ONNX Runtime on the same weights, input size and threads.
# Usage: Benchmarks/engine.sh [threads] [rounds]   (PYTHON: a Python with pip install -e "Training[bench]")
# Shared machines drift by tens of percent over minutes, so Limn and ONNX
# Runtime run alternately, `rounds` times, and the ratio is taken per round.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
rounds=${2:-3}
size=256
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release --product limn-bench >&2
"$python" Benchmarks/make_bench_models.py "$work" --size $size >&2 2>/dev/null
echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
.build/release/limn-bench engine --threads "$threads" --repeat 10
for r in $(seq "$rounds"); do
  if [ "$r" = 1 ]; then
    .build/release/limn-bench engine --ops 0 --threads "$threads" --models "$work" --size $size --json "$work/limn$r.json"
  else
    .build/release/limn-bench engine --ops 0 --threads "$threads" --models "$work" --size $size --json "$work/limn$r.json" > /dev/null
  fi
  "$python" Benchmarks/onnx_runtime.py "$work" --threads "$threads" --size $size --json "$work/ort$r.json" > /dev/null
done
"$python" - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
limn = [json.load(open(f"{work}/limn{r}.json")) for r in range(1, rounds + 1)]
ort = [json.load(open(f"{work}/ort{r}.json")) for r in range(1, rounds + 1)]
print(f"\nLimn vs ONNX Runtime {ort[0]['onnxruntime']}, {limn[0]['threads']} threads, "
      f"{limn[0]['size']}x{limn[0]['size']} input, {rounds} alternating rounds (medians; ratio per round):\n")
print("| network | GMAC/MP | Limn MP/s | ONNX Runtime MP/s | ratio (median) | ratios per round |")
print("|---|---:|---:|---:|---:|---|")
for name in sorted(limn[0]["networks"]):
    l = [x["networks"][name]["mps"] for x in limn]
    o = [x["networks"][name]["mps"] for x in ort]
    ratios = [a / b for a, b in zip(l, o)]
    print(f"| {name} | {limn[0]['networks'][name]['gmac_per_mp']:.2f} | {statistics.median(l):.3f} | "
          f"{statistics.median(o):.3f} | {statistics.median(ratios):.2f}x | "
          + ", ".join(f"{r:.2f}" for r in ratios) + " |")
PY
