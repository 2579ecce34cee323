"""Real-size networks with random weights (for speed only, never presets),
each as .safetensors for Limn and .onnx for ONNX Runtime, same weights.

    python Benchmarks/make_bench_models.py OUT_DIR [--size 256]
"""
import argparse
import os
import sys

import torch

from limn_train.archs import CompactSR, DeblurNet, SRNet, StyleNet
from limn_train.export import export

MODELS = {
    "style_net": lambda: StyleNet(channels=16, res_blocks=5, styles=12),   # as shipped (runs its first style)
    "compact_sr_x2": lambda: CompactSR(channels=48, blocks=6, scale=2),
    "compact_sr_x4": lambda: CompactSR(channels=48, blocks=6, scale=4),
    "sr_net_x2": lambda: SRNet(channels=48, blocks=6, scale=2),
    "sr_net_x4": lambda: SRNet(channels=48, blocks=6, scale=4),
    "deblur_net": lambda: DeblurNet(width=16),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=256)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(1)
    for name, make in MODELS.items():
        model = make().eval()
        export(model, os.path.join(a.out, f"{name}.safetensors"), preset="benchmark",
               licence="random weights for benchmarking: not for use", training="none", dtype=torch.float32,
               extra={"style_names": ",".join(f"s{i}" for i in range(model.hparams["styles"]))}
               if isinstance(model, StyleNet) else None)
        x = torch.rand(1, 3, a.size, a.size)
        torch.onnx.export(model, (x,), os.path.join(a.out, f"{name}.onnx"), input_names=["x"],
                          output_names=["y"], opset_version=17, dynamo=False)
        print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters", file=sys.stderr)


if __name__ == "__main__":
    main()
