"""Proves the loss-network ports by classifying photos: top-3 classes of
Darknet-tiny and SqueezeNet for each, as ../shared/lossnets/README.md says
they should come out (cat.bmp: Egyptian cat, parrot.jpg: macaw).

    python -m limn_train.verify_lossnets
"""
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from limn_train.lossnets import LOSSNETS, DarknetTiny, SqueezeNet

PHOTOS = os.path.join(LOSSNETS, "..", "datasets", "photos")
IMAGES = ["google-coral_test_data/cat.bmp", "google-coral_test_data/parrot.jpg",
          "google-coral_test_data/grace_hopper.bmp", "google-coral_test_data/hot_dog.jpg",
          "google-coral_test_data/owl.jpg", "python3-skimage/chelsea.png", "python3-skimage/coffee.png"]


def load(path, size):
    im = Image.open(path).convert("RGB")
    s = size / min(im.size)
    im = im.resize((max(size, round(im.width * s)), max(size, round(im.height * s))), Image.BICUBIC)
    left, top = (im.width - size) // 2, (im.height - size) // 2
    im = im.crop((left, top, left + size, top + size))
    return torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1)[None]


def main():
    darknet, squeeze = DarknetTiny(), SqueezeNet()
    dk_classes = open(os.path.join(LOSSNETS, "darknet_tiny_classes.txt")).read().splitlines()
    sq_classes = open(os.path.join(LOSSNETS, "classification_classes_ILSVRC2012.txt")).read().splitlines()
    with torch.no_grad():
        for rel in IMAGES:
            path = os.path.join(PHOTOS, rel)
            a = F.softmax(darknet(load(path, 224)), 1)[0]
            b = F.softmax(squeeze(SqueezeNet.preprocess(load(path, 227))), 1)[0]
            top = lambda p, names: ", ".join(f"{names[i]} {p[i]:.2f}" for i in p.topk(3).indices)  # noqa: E731
            print(f"{rel}\n  darknet-tiny: {top(a, dk_classes)}\n  squeezenet:   {top(b, sq_classes)}")


if __name__ == "__main__":
    main()
