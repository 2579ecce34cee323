"""A compact NAFNet-style U-Net for deblurring, tile-safe: the simplified
channel attention (a global average pool) is left out, so every operation is
local. Sync with Sources/LimnEngine/Architectures/DeblurNet.swift.

fused=1: the input is six channels, the blurred image b and a deconvolution d
of it with an estimated kernel (limn_train/deconv.py, Sources/Limn/
Deconvolution.swift); the network sees (b, d - b) and returns
b + sigmoid(g) (d - b) + r, its last layer giving the residual r and the gate g,
so it learns where to trust the deconvolution."""
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

    def __init__(self, width=16, enc_blocks=(1, 1, 1, 2), middle_blocks=2, dec_blocks=(1, 1, 1, 1), fused=0):
        super().__init__()
        assert len(enc_blocks) == len(dec_blocks)
        self.hparams = {"width": width, "enc_blocks": ",".join(map(str, enc_blocks)),
                        "middle_blocks": middle_blocks, "dec_blocks": ",".join(map(str, dec_blocks))}
        if fused:
            self.hparams["fused"] = 1
        self.fused = bool(fused)
        self.alignment = 2 ** len(enc_blocks)
        # 3x3 intro and ending, a pixel per depthwise 3x3 and per 2x2 down-convolution at each level's scale
        self.receptive_radius = 2 + sum((n + 1) * 2 ** i for i, n in enumerate(enc_blocks)) \
            + middle_blocks * 2 ** len(enc_blocks) + sum(n * 2 ** i for i, n in enumerate(reversed(dec_blocks)))
        self.intro = nn.Conv2d(6 if fused else 3, width, 3, padding=1)
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
        self.ending = nn.Conv2d(width, 4 if fused else 3, 3, padding=1)

    def forward(self, x):
        if self.fused:
            b, d = x[:, :3], x[:, 3:]
            x = torch.cat([b, d - b], 1)
        y = self.intro(x)
        skips = []
        for enc, down in zip(self.encoders, self.downs):
            y = enc(y)
            skips.append(y)
            y = down(y)
        y = self.middle(y)
        for up, dec, skip in zip(self.ups, self.decoders, reversed(skips)):
            y = dec(F.pixel_shuffle(up(y), 2) + skip)
        e = self.ending(y)
        if self.fused:
            return b + torch.sigmoid(e[:, 3:]) * (d - b) + e[:, :3]
        return x + e


def fused_from(plain):
    """A fused network that starts out computing what `plain` does: the new input
    channels and the gate's weights zero, the gate's bias -4 (sigmoid 0.018)."""
    hp = plain.hparams
    net = DeblurNet(hp["width"], tuple(map(int, hp["enc_blocks"].split(","))), hp["middle_blocks"],
                    tuple(map(int, hp["dec_blocks"].split(","))), fused=1)
    state = plain.state_dict()
    with torch.no_grad():
        for k, v in state.items():
            if not k.startswith(("intro.", "ending.")):
                net.state_dict()[k].copy_(v)
        net.intro.weight.zero_()
        net.intro.weight[:, :3] = plain.intro.weight
        net.intro.bias.copy_(plain.intro.bias)
        net.ending.weight.zero_()
        net.ending.weight[:3] = plain.ending.weight
        net.ending.bias.zero_()
        net.ending.bias[:3] = plain.ending.bias
        net.ending.bias[3] = -4.0
    return net
