"""A compact NAFNet-style U-Net for deblurring, tile-safe: the simplified
channel attention (a global average pool) is left out, so every operation is
local. Sync with Sources/LimnEngine/Architectures/DeblurNet.swift."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .compact_sr import LayerNorm2d


class NAFBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1 = LayerNorm2d(c)
        self.conv1 = nn.Conv2d(c, 2 * c, 1)
        self.conv2 = nn.Conv2d(2 * c, 2 * c, 3, padding=1, groups=2 * c)
        self.conv3 = nn.Conv2d(c, c, 1)
        self.norm2 = LayerNorm2d(c)
        self.conv4 = nn.Conv2d(c, 2 * c, 1)
        self.conv5 = nn.Conv2d(c, c, 1)
        self.beta = nn.Parameter(torch.zeros(c))
        self.gamma = nn.Parameter(torch.zeros(c))

    def forward(self, x):
        a, b = self.conv2(self.conv1(self.norm1(x))).chunk(2, 1)
        x = x + self.conv3(a * b) * self.beta.view(1, -1, 1, 1)
        a, b = self.conv4(self.norm2(x)).chunk(2, 1)
        return x + self.conv5(a * b) * self.gamma.view(1, -1, 1, 1)


class DeblurNet(nn.Module):
    arch = "deblur_net"

    def __init__(self, width=16, enc_blocks=(1, 1, 1, 2), middle_blocks=2, dec_blocks=(1, 1, 1, 1)):
        super().__init__()
        assert len(enc_blocks) == len(dec_blocks)
        self.hparams = {"width": width, "enc_blocks": ",".join(map(str, enc_blocks)),
                        "middle_blocks": middle_blocks, "dec_blocks": ",".join(map(str, dec_blocks))}
        self.alignment = 2 ** len(enc_blocks)
        # 3x3 intro and ending, a pixel per depthwise 3x3 and per 2x2 down-convolution at each level's scale
        self.receptive_radius = 2 + sum((n + 1) * 2 ** i for i, n in enumerate(enc_blocks)) \
            + middle_blocks * 2 ** len(enc_blocks) + sum(n * 2 ** i for i, n in enumerate(reversed(dec_blocks)))
        self.intro = nn.Conv2d(3, width, 3, padding=1)
        self.encoders, self.downs, self.ups, self.decoders = (nn.ModuleList() for _ in range(4))
        c = width
        for n in enc_blocks:
            self.encoders.append(nn.Sequential(*[NAFBlock(c) for _ in range(n)]))
            self.downs.append(nn.Conv2d(c, 2 * c, 2, stride=2))
            c *= 2
        self.middle = nn.Sequential(*[NAFBlock(c) for _ in range(middle_blocks)])
        for n in dec_blocks:
            self.ups.append(nn.Conv2d(c, 2 * c, 1, bias=False))
            c //= 2
            self.decoders.append(nn.Sequential(*[NAFBlock(c) for _ in range(n)]))
        self.ending = nn.Conv2d(width, 3, 3, padding=1)

    def forward(self, x):
        y = self.intro(x)
        skips = []
        for enc, down in zip(self.encoders, self.downs):
            y = enc(y)
            skips.append(y)
            y = down(y)
        y = self.middle(y)
        for up, dec, skip in zip(self.ups, self.decoders, reversed(skips)):
            y = dec(F.pixel_shuffle(up(y), 2) + skip)
        return x + self.ending(y)
