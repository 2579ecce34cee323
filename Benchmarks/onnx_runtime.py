"""ONNX Runtime (CPU) on the same networks, same input size and threads.

    python Benchmarks/onnx_runtime.py MODEL_DIR --threads N --size S --repeat R --json OUT
"""
import argparse
import glob
import json
import os
import statistics
import time

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--json")
    a = ap.parse_args()
    results = {}
    x = (np.arange(a.size * a.size * 3, dtype=np.float32) % 251 / 251).reshape(1, 3, a.size, a.size)
    for path in sorted(glob.glob(os.path.join(a.dir, "*.onnx"))):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = a.threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        for _ in range(2):
            sess.run(None, {"x": x})
        times = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            sess.run(None, {"x": x})
            times.append(time.perf_counter() - t0)
        mean = statistics.mean(times)
        name = os.path.basename(path)[:-5]
        results[name] = {"mps": a.size * a.size / 1e6 / mean, "ms": mean * 1000, "sd_ms": statistics.stdev(times) * 1000}
    out = {"onnxruntime": ort.__version__, "threads": a.threads, "size": a.size, "networks": results}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
