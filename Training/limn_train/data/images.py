"""Training images: every image under the given folders, held in memory,
served as random crops with flips and rotations."""
import os

import numpy as np
import torch
from PIL import Image

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


def load_folder(folders, min_side, exclude=(), max_side=0):
    """Every image under `folders` at least `min_side` on its short side,
    except the paths in `exclude`, as uint8 (3, H, W) tensors; with
    `max_side`, larger images are first shrunk to that long side."""
    excluded = {os.path.realpath(p) for p in exclude}
    images = []
    for folder in folders:
        for root, _, files in sorted(os.walk(folder)):
            for f in sorted(files):
                if f.lower().endswith(EXTENSIONS) and os.path.realpath(os.path.join(root, f)) not in excluded:
                    im = Image.open(os.path.join(root, f)).convert("RGB")
                    if max_side and max(im.size) > max_side:
                        im.thumbnail((max_side, max_side), Image.LANCZOS)
                    if min(im.size) >= min_side:
                        images.append(torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1))
    if not images:
        raise SystemExit(f"no training images of at least {min_side} px in {folders}")
    return images


def random_crop(images, size, rng):
    """A uint8 (3, size, size) crop, flipped and rotated at random; larger
    images are picked more often, by area."""
    weights = [im.shape[1] * im.shape[2] for im in images]
    im = rng.choices(images, weights)[0]
    y = rng.randint(0, im.shape[1] - size)
    x = rng.randint(0, im.shape[2] - size)
    c = im[:, y:y + size, x:x + size]
    if rng.random() < 0.5:
        c = c.flip(2)
    return torch.rot90(c, rng.randint(0, 3), (1, 2))
