"""Johnson-style feed-forward style network. Sync with
Sources/LimnEngine/Architectures/StyleNet.swift."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _conv(cin, cout, k, stride=1):
    # Padding happens outside (reflect), so the convolution itself pads nothing.
    return nn.Conv2d(cin, cout, k, stride=stride, padding=0)


class StyleNet(nn.Module):
    arch = "style_net"
    alignment = 4

    def __init__(self, channels=32, res_blocks=5):
        super().__init__()
        c = channels
        self.hparams = {"channels": channels, "res_blocks": res_blocks}
        self.conv1, self.norm1 = _conv(3, c, 9), nn.InstanceNorm2d(c, affine=True)
        self.conv2, self.norm2 = _conv(c, 2 * c, 3, 2), nn.InstanceNorm2d(2 * c, affine=True)
        self.conv3, self.norm3 = _conv(2 * c, 4 * c, 3, 2), nn.InstanceNorm2d(4 * c, affine=True)
        self.res = nn.ModuleList(
            nn.ModuleDict({
                "conv1": _conv(4 * c, 4 * c, 3), "norm1": nn.InstanceNorm2d(4 * c, affine=True),
                "conv2": _conv(4 * c, 4 * c, 3), "norm2": nn.InstanceNorm2d(4 * c, affine=True),
            }) for _ in range(res_blocks))
        self.up1, self.up_norm1 = _conv(4 * c, 2 * c, 3), nn.InstanceNorm2d(2 * c, affine=True)
        self.up2, self.up_norm2 = _conv(2 * c, c, 3), nn.InstanceNorm2d(c, affine=True)
        self.out = _conv(c, 3, 9)

    @staticmethod
    def _pad(x, n):
        return F.pad(x, (n, n, n, n), mode="reflect")

    def forward(self, x):
        y = F.relu(self.norm1(self.conv1(self._pad(x, 4))))
        y = F.relu(self.norm2(self.conv2(self._pad(y, 1))))
        y = F.relu(self.norm3(self.conv3(self._pad(y, 1))))
        for r in self.res:
            t = F.relu(r["norm1"](r["conv1"](self._pad(y, 1))))
            y = y + r["norm2"](r["conv2"](self._pad(t, 1)))
        y = F.interpolate(y, scale_factor=2, mode="nearest")
        y = F.relu(self.up_norm1(self.up1(self._pad(y, 1))))
        y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
        y = F.relu(self.up_norm2(self.up2(self._pad(y, 1))))
        return torch.sigmoid(self.out(self._pad(y, 4)))
