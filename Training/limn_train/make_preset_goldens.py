"""Golden outputs for the shipped presets: for every network in
Presets/manifest.json, PyTorch's output on a small fixed input (a crop of
Samples/chelsea.jpg), so `swift test` checks that each preset loads and that
the engine computes what PyTorch computes with the same weights.

    python -m limn_train.make_preset_goldens [Tests/LimnTests/Goldens]

Writes <task>-<name>.safetensors with tensors "input" and "output" (NHWC
float32); for a style network the output paints a blend of its first two
styles (0.6, 0.4), given as tensor "mix". A fused deblurrer's input is the crop and its deconvolution with a
7-px horizontal line (limn_train/deconv.py).
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

from limn_train.archs import load
from limn_train.deconv import deconv
from limn_train.export import nhwc
from limn_train.paths import REPO

SIZE = 32  # input crop (pixels square): a multiple of every architecture's alignment
SIZES = {"upscale": 16}  # smaller where the output is larger, to keep the files small


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    photo = np.asarray(Image.open(os.path.join(REPO, "Samples", "chelsea.jpg")).convert("RGB"), dtype=np.float32) / 255
    for e in json.load(open(os.path.join(REPO, "Presets", "manifest.json"))):
        size = SIZES.get(e["task"], SIZE)
        crop = photo[130:130 + size, 200:200 + size]   # the cat's eye: edges and texture
        x = torch.from_numpy(crop.copy()).permute(2, 0, 1)[None]
        model, meta = load(os.path.join(REPO, "Presets", e["file"]))
        if getattr(model, "fused", False):
            line = torch.zeros(7, 7)
            line[3] = 1 / 7
            x = torch.cat([x, deconv(x[0], line)[None]], 1)
        extra = {}
        if e["task"] == "style":
            extra["mix"] = torch.zeros(model.hparams["styles"])
            extra["mix"][:2] = torch.tensor([0.6, 0.4])
        with torch.no_grad():
            y = model(x, extra["mix"]) if extra else model(x)
        path = os.path.join(out_dir, f"{e['task']}-{e['name']}.safetensors")
        save_file({"input": nhwc(x), "output": nhwc(y), **extra}, path)
        print(f"{path}: {meta['arch']}, output {tuple(y.shape)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "Tests", "LimnTests", "Goldens"))
