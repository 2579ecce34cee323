"""Makes the engine's golden tests: small models of every architecture with
random weights (never presets), and input/output pairs computed by PyTorch.

    python -m limn_train.make_test_models Tests/LimnEngineTests/Fixtures

Writes <arch>.safetensors (deblur_net_fused for the fused deblur_net) (weights, fp16 for style_net and fp32 for
compact_sr, so both loader paths are covered) and <arch>.golden.safetensors
(tensors "input" and "output", NHWC float32; for style_net, whose three styles
are named "first", "second" and "third", also "mix": the blend of styles the output paints).
"""
import os
import sys

import torch
from safetensors.torch import save_file

from limn_train.archs import CompactSR, DeblurNet, SRNet, StyleNet
from limn_train.export import export, nhwc, round_weights_

CASES = [
    # (model, weights dtype, input height, input width)
    (lambda: StyleNet(channels=8, res_blocks=2, styles=3), torch.float16, 24, 20),
    (lambda: CompactSR(channels=16, blocks=2, scale=3), torch.float32, 11, 13),
    (lambda: SRNet(channels=16, blocks=2, scale=2), torch.float16, 10, 14),
    (lambda: DeblurNet(width=8, enc_blocks=(1, 1), middle_blocks=1, dec_blocks=(1, 1)), torch.float16, 16, 20),
    # written as deblur_net_fused: six input channels (image, deconvolution)
    (lambda: DeblurNet(width=8, enc_blocks=(1, 1), middle_blocks=1, dec_blocks=(1, 1), fused=1), torch.float16, 16, 20),
]


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(2026)
    for make, dtype, h, w in CASES:
        model = make().eval()
        with torch.no_grad():
            # Non-trivial affine parameters for the norms and PReLU slopes.
            for name, p in model.named_parameters():
                if "norm" in name or "prelu" in name or name.endswith(("beta", "gamma")):
                    p.copy_(torch.rand_like(p) * 0.5 + (0.75 if name.endswith("weight") else -0.25))
        round_weights_(model, dtype)
        fused = getattr(model, "fused", False)
        name = model.arch + ("_fused" if fused else "")
        path = os.path.join(out_dir, f"{name}.safetensors")
        styled = isinstance(model, StyleNet)
        export(model, path, preset="test", licence="test model, random weights: not for use",
               training="random weights from limn_train.make_test_models, seed 2026", dtype=dtype,
               extra={"style_names": "first,second,third"} if styled else None)
        x = torch.rand(1, 6 if fused else 3, h, w)
        mix = torch.tensor([0.2, 0.5, 0.3])
        with torch.no_grad():
            y = model(x, mix) if styled else model(x)
        save_file({"input": nhwc(x), "output": nhwc(y), **({"mix": mix} if styled else {})},
                  os.path.join(out_dir, f"{name}.golden.safetensors"))
        print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, "
              f"input {tuple(x.shape)}, output {tuple(y.shape)}, weights {dtype}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/LimnEngineTests/Fixtures")
