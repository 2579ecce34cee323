"""Plain residual super-resolution network, tile-safe (no global pooling).
Sync with Sources/LimnEngine/Architectures/SRNet.swift."""
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.leaky_relu(self.conv1(x), 0.05))


class SRNet(nn.Module):
    arch = "sr_net"
    alignment = 1

    def __init__(self, channels=48, blocks=6, scale=2):
        super().__init__()
        self.hparams = {"channels": channels, "blocks": blocks, "scale": scale}
        self.scale = scale
        self.head = nn.Conv2d(3, channels, 3, padding=1)
        self.blocks = nn.ModuleList(Block(channels) for _ in range(blocks))
        self.body_end = nn.Conv2d(channels, channels, 3, padding=1)
        self.tail = nn.Conv2d(channels, 3 * scale * scale, 3, padding=1)

    def forward(self, x):
        shallow = self.head(x)
        y = shallow
        for b in self.blocks:
            y = b(y)
        y = shallow + self.body_end(y)
        detail = F.pixel_shuffle(self.tail(y), self.scale)
        return detail + F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
