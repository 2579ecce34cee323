"""The large-shake evaluation set of `limn enhance`: 66 colour images of 512 x 512 px blurred by
camera shakes whose support spans 31 to 75 px (the kernel sizes of Lai et al. 2016) plus noise of
1% (sigma 0.01), each with its sharp original and its true kernel.

The photos are Debian desktop wallpapers that no Limn network was trained on and that are in no
benchmark: the 12 photographs of `mate-backgrounds` (nature/) and 10 of
`plasma-workspace-wallpapers` (the others are drawings or renders), each at its largest size,
resized to 1600 px wide (Lanczos), and cut into three crops side by side across its middle rows.
Each crop is blurred 'valid' (no invented border): the sharp reference is the crop, the blurred
image is made from the crop's surroundings. Kernels from seed 2027, noise from seed 2027.

    apt-get install mate-backgrounds plasma-workspace-wallpapers
    python -m limn_train.large_shake OUT_DIR    # writes NAME_blurred.png, NAME_sharp.png, NAME_kernel.npy
"""
import argparse
import os
import random

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from limn_train.data.blur import shake_kernel

MATE = "/usr/share/backgrounds/mate/nature"
PLASMA = "/usr/share/wallpapers"
PLASMA_PHOTOS = ["BytheWater", "ColdRipple", "DarkestHour", "EveningGlow", "FallenLeaf", "Grey", "Kite",
                 "OneStandsOut", "Path", "summer_1am"]
CROP, WIDTH, PER_PHOTO = 512, 1600, 3
NOISE = 0.01


def photos():
    """(name, path) of the 22 wallpapers, in a fixed order."""
    if not os.path.isdir(MATE) or not os.path.isdir(PLASMA):
        raise SystemExit("the large-shake set needs: apt-get install mate-backgrounds plasma-workspace-wallpapers")
    out = [(os.path.splitext(f)[0], os.path.join(MATE, f)) for f in sorted(os.listdir(MATE)) if f.endswith(".jpg")]
    for name in PLASMA_PHOTOS:
        folder = os.path.join(PLASMA, name, "contents", "images")
        sizes = [f for f in os.listdir(folder) if f.endswith((".jpg", ".png"))]
        largest = max(sizes, key=lambda f: np.prod([int(v) for v in os.path.splitext(f)[0].split("x")]))
        out.append((name, os.path.join(folder, largest)))
    return out


def items():
    """Yields (name, sharp, blurred, kernel): sharp and blurred (512, 512, 3) uint8, kernel float64."""
    krng, gen = random.Random(2027), torch.Generator().manual_seed(2027)
    for name, path in photos():
        im = Image.open(path).convert("RGB")
        im = im.resize((WIDTH, round(im.height * WIDTH / im.width)), Image.LANCZOS)
        x = torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1)
        top = (x.shape[1] - CROP) // 2
        step = (WIDTH - CROP) // PER_PHOTO
        for j in range(PER_PHOTO):
            k = shake_kernel(krng)
            r = k.shape[0] // 2
            left = step // 2 + j * step
            region = x[:, top - r:top + CROP + r, left - r:left + CROP + r]
            b = F.conv2d(region[None], k.flip(0, 1).expand(3, 1, -1, -1), groups=3)[0]
            b = (b + torch.randn(b.shape, generator=gen) * NOISE).clamp(0, 1)
            sharp = region[:, r:r + CROP, r:r + CROP]
            to8 = lambda t: (t.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
            yield f"{name}_{j + 1}", to8(sharp), to8(b), k.double().numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="folder to write the set into")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for name, sharp, blurred, k in items():
        Image.fromarray(sharp).save(os.path.join(a.out, f"{name}_sharp.png"))
        Image.fromarray(blurred).save(os.path.join(a.out, f"{name}_blurred.png"))
        np.save(os.path.join(a.out, f"{name}_kernel.npy"), k)
    print(f"{a.out}: {len(os.listdir(a.out)) // 3} images")


if __name__ == "__main__":
    main()
