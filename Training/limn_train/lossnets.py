"""The ImageNet classifiers in ../shared/lossnets, ported to PyTorch for use
as feature networks in style and perceptual losses (no VGG is available).
Verified by classifying photos: limn_train.verify_lossnets."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .paths import LOSSNETS  # noqa: F401  (re-exported for verify_lossnets.py)


class DarknetTiny(nn.Module):
    """Darknet reference-tiny: VGG-like, batch norm (eps 1e-3), LeakyReLU 0.1,
    2x2 max pooling; input RGB in [0, 1], any size. `features(x, names)`
    returns the activations after the named convolutions ("conv2", ...)."""

    # (kernel, out channels, max pool after)
    LAYERS = [(3, 16, True), (3, 32, True), (1, 16, False), (3, 128, False), (1, 16, False), (3, 128, True),
              (1, 32, False), (3, 256, False), (1, 32, False), (3, 256, True), (1, 64, False), (3, 512, False),
              (1, 64, False), (3, 512, False), (1, 128, False)]

    def __init__(self, path=os.path.join(LOSSNETS, "darknet_tiny_imagenet.npz")):
        super().__init__()
        d = np.load(path)
        self.convs, self.norms, self.pools = nn.ModuleList(), nn.ModuleList(), []
        cin = 3
        for i, (k, cout, pool) in enumerate(self.LAYERS, 1):
            conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)
            conv.weight.data = torch.from_numpy(d[f"conv2d_{i}.kernel"]).permute(3, 2, 0, 1).contiguous()
            bn = nn.BatchNorm2d(cout, eps=1e-3)
            bn.weight.data = torch.from_numpy(d[f"batch_normalization_{i}.gamma"])
            bn.bias.data = torch.from_numpy(d[f"batch_normalization_{i}.beta"])
            bn.running_mean.data = torch.from_numpy(d[f"batch_normalization_{i}.moving_mean"])
            bn.running_var.data = torch.from_numpy(d[f"batch_normalization_{i}.moving_variance"])
            self.convs.append(conv)
            self.norms.append(bn)
            self.pools.append(pool)
            cin = cout
        self.classifier = nn.Conv2d(cin, 1000, 1)
        self.classifier.weight.data = torch.from_numpy(d["conv2d_16.kernel"]).permute(3, 2, 0, 1).contiguous()
        self.classifier.bias.data = torch.from_numpy(d["conv2d_16.bias"])
        self.eval()
        for p in self.parameters():
            p.requires_grad_(False)

    def features(self, x, names):
        out, last = {}, max(int(n[4:]) for n in names)
        for i, (conv, bn, pool) in enumerate(zip(self.convs, self.norms, self.pools), 1):
            x = F.leaky_relu(bn(conv(x)), 0.1)
            if f"conv{i}" in names:
                out[f"conv{i}"] = x
            if i == last:
                return out
            if pool:
                x = F.max_pool2d(x, 2, 2, ceil_mode=True)
        return out

    def forward(self, x):
        for conv, bn, pool in zip(self.convs, self.norms, self.pools):
            x = F.leaky_relu(bn(conv(x)), 0.1)
            if pool:
                x = F.max_pool2d(x, 2, 2, ceil_mode=True)
        return self.classifier(x).mean((2, 3))


class SqueezeNet(nn.Module):
    """SqueezeNet v1.0 (Caffe): input BGR in 0-255 minus (104, 117, 123); max
    pooling in ceil mode; the final 1x1 convolution pads by 1."""

    FIRES = [(2, 16, 64), (3, 16, 64), (4, 32, 128), (5, 32, 128), (6, 48, 192), (7, 48, 192), (8, 64, 256),
             (9, 64, 256)]
    MEAN_BGR = (104.0, 117.0, 123.0)

    def __init__(self, path=os.path.join(LOSSNETS, "squeezenet_v1.0_imagenet.npz")):
        super().__init__()
        d = np.load(path)

        def conv(name, cin, cout, k, stride=1, pad=0):
            c = nn.Conv2d(cin, cout, k, stride=stride, padding=pad)
            c.weight.data = torch.from_numpy(d[f"{name}.weight"])
            c.bias.data = torch.from_numpy(d[f"{name}.bias"])
            return c

        self.conv1 = conv("conv1", 3, 96, 7, 2)
        self.fires = nn.ModuleDict()
        cin = 96
        for n, s, e in self.FIRES:
            self.fires[f"fire{n}"] = nn.ModuleList([conv(f"fire{n}/conv1x1_1", cin, s, 1),
                                                    conv(f"fire{n}/conv1x1_2", s, e, 1),
                                                    conv(f"fire{n}/conv3x3_2", s, e, 3, pad=1)])
            cin = 2 * e
        self.final = conv("conv_final", cin, 1000, 1, pad=1)
        self.eval()
        for p in self.parameters():
            p.requires_grad_(False)

    @classmethod
    def preprocess(cls, rgb01):
        """RGB in [0, 1] to the network's BGR 0-255 minus mean."""
        bgr = rgb01.flip(1) * 255
        return bgr - torch.tensor(cls.MEAN_BGR, device=rgb01.device).view(1, 3, 1, 1)

    def features(self, rgb01, names):
        """Activations after the named layers ("conv1", "fire2" ... "fire9")
        of an RGB input in [0, 1]."""
        return self(self.preprocess(rgb01), names)

    def forward(self, x, names=None):
        out = {}
        x = F.relu(self.conv1(x))
        if names and "conv1" in names:
            out["conv1"] = x
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        for n, _, _ in self.FIRES:
            sq, e1, e3 = self.fires[f"fire{n}"]
            s = F.relu(sq(x))
            x = torch.cat([F.relu(e1(s)), F.relu(e3(s))], 1)
            if names and f"fire{n}" in names:
                out[f"fire{n}"] = x
                if len(out) == len(names):
                    return out
            if n in (4, 8):
                x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        if names:
            return out
        return F.relu(self.final(x)).mean((2, 3))
