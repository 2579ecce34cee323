"""Gram-matrix style loss, content loss and total variation on a loss
network's activations (Darknet-tiny or SqueezeNet, limn_train/lossnets.py);
shared by limn_train.train_style and Benchmarks/quality/style_eval.py."""
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .lossnets import DarknetTiny, SqueezeNet

# Content photos (under datasets/photos) never trained on: the loss report and the gallery use them.
HELD_BACK = ["jcjohnson_neural-style/tubingen.jpg", "jcjohnson_neural-style/golden_gate.jpg",
             "jcjohnson_fast-neural-style/chicago.jpg", "python3-skimage/astronaut.png", "opencv-doc/fruits.jpg"]


def gram(f):
    b, c, h, w = f.shape
    f = f.reshape(b, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


class StyleLoss:
    """Style (Gram) and content losses on a loss network's activations."""

    def __init__(self, style_img, style_layers, content_layer, device, lossnet="darknet"):
        self.net = (DarknetTiny() if lossnet == "darknet" else SqueezeNet()).to(device)
        self.style_layers, self.content_layer = style_layers, content_layer
        with torch.no_grad():
            feats = self.net.features(style_img, style_layers)
        self.targets = {k: gram(v) for k, v in feats.items()}
        # Each layer's loss divided by its target Gram's squared mean: layers weigh alike.
        self.scale = {k: 1.0 / (g.pow(2).mean() + 1e-12) for k, g in self.targets.items()}

    def __call__(self, out, content):
        names = self.style_layers + [self.content_layer]
        fo = self.net.features(out, names)
        with torch.no_grad():
            fc = self.net.features(content, [self.content_layer])
        style = sum(((gram(fo[k]) - self.targets[k]) ** 2).mean() * self.scale[k] for k in self.style_layers)
        cont = F.mse_loss(fo[self.content_layer], fc[self.content_layer]) / (fc[self.content_layer].pow(2).mean() + 1e-12)
        return style / len(self.style_layers), cont


def tv(x):
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()


def load_rgb(path, long_side):
    im = Image.open(path).convert("RGB")
    s = long_side / max(im.size)
    im = im.resize((max(4, round(im.width * s / 4) * 4), max(4, round(im.height * s / 4) * 4)), Image.BICUBIC)
    return torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1)[None]


class MultiStyleLoss:
    """Style (Gram) and content losses against one of several paintings per image, on
    Darknet-tiny; `layers` maps each style layer to its weight. Each (painting, layer)
    term is divided by that target Gram's squared mean, so layers and paintings weigh alike."""

    def __init__(self, style_imgs, layers, content_layer, device):
        self.net = DarknetTiny().to(device)
        self.layers, self.content_layer = layers, content_layer
        names = list(layers)
        with torch.no_grad():
            grams = [{k: gram(v)[0] for k, v in self.net.features(img, names).items()} for img in style_imgs]
        self.targets = {k: torch.stack([g[k] for g in grams]) for k in names}
        self.scale = {k: 1.0 / (t.pow(2).mean((1, 2)) + 1e-12) for k, t in self.targets.items()}

    def __call__(self, out, content, idx, content_scale=None):
        """out, content: (B, 3, H, W) in [0, 1]; idx: (B,) each image's painting;
        content_scale: (paintings,) weights of each painting's content term, or None."""
        fo = self.net.features(out, list(self.layers) + [self.content_layer])
        with torch.no_grad():
            fc = self.net.features(content, [self.content_layer])[self.content_layer]
        style = sum(w * (((gram(fo[k]) - self.targets[k][idx]) ** 2).mean((1, 2)) * self.scale[k][idx]).mean()
                    for k, w in self.layers.items()) / sum(self.layers.values())
        cont = (fo[self.content_layer] - fc).pow(2).mean((1, 2, 3)) / (fc.pow(2).mean() + 1e-12)
        cont = (cont * content_scale[idx] if content_scale is not None else cont).mean()
        return style, cont
