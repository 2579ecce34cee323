"""Compact IMDN-family super-resolution network. Sync with
Sources/LimnEngine/Architectures/CompactSR.swift."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNorm2d(nn.Module):
    """Layer norm over the channels of each pixel."""

    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        y = (x - mu) / torch.sqrt(var + self.eps)
        return y * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        q = c // 4
        self.q = q
        self.c1 = nn.Conv2d(c, c, 3, padding=1)
        self.c2 = nn.Conv2d(3 * q, c, 3, padding=2, dilation=2)
        self.dw = nn.Conv2d(3 * q, 3 * q, 3, padding=1, groups=3 * q)
        self.pw = nn.Conv2d(3 * q, q, 1)
        self.prelu = nn.PReLU(q)
        self.norm = LayerNorm2d(3 * q)
        self.gate = nn.Conv2d(3 * q, 2 * c, 1)
        self.fc1 = nn.Conv2d(c, q, 1)
        self.fc2 = nn.Conv2d(q, c, 1)
        self.fuse = nn.Conv2d(c, c, 1)

    def forward(self, x):
        q = self.q
        t1 = F.leaky_relu(self.c1(x), 0.05)
        t2 = F.gelu(self.c2(t1[:, q:]))
        t3 = self.prelu(self.pw(F.silu(self.dw(t2[:, q:]))))
        kept = self.norm(torch.cat([t1[:, :q], t2[:, :q], t3], 1))
        a, b = self.gate(kept).chunk(2, 1)
        z = a * torch.tanh(b)
        w = torch.sigmoid(self.fc2(F.relu(self.fc1(z.mean((2, 3), keepdim=True)))))
        return x + self.fuse(z * w)


class CompactSR(nn.Module):
    arch = "compact_sr"
    alignment = 1

    def __init__(self, channels=48, blocks=4, scale=2):
        super().__init__()
        self.hparams = {"channels": channels, "blocks": blocks, "scale": scale}
        self.scale = scale
        self.head = nn.Conv2d(3, channels, 3, padding=1)
        self.blocks = nn.ModuleList(Block(channels) for _ in range(blocks))
        self.body_end = nn.Conv2d(channels, channels, 3, padding=1)
        self.tail = nn.Conv2d(channels, 3 * scale * scale, 3)

    def forward(self, x):
        shallow = self.head(x)
        y = shallow
        for b in self.blocks:
            y = b(y)
        y = shallow + self.body_end(y)
        detail = F.pixel_shuffle(self.tail(F.pad(y, (1, 1, 1, 1), mode="replicate")), self.scale)
        return detail + F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
