"""Johnson-style feed-forward style network with conditional instance
normalisation (Dumoulin, Shlens and Kudlur 2017): the convolutions are shared
by every style and each style is only its instance norms' scale and shift, one
row per style of each `norm*.weight` / `norm*.bias` (styles x channels).
A blend of styles interpolates those rows. Sync with
Sources/LimnEngine/Architectures/StyleNet.swift."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _conv(cin, cout, k, stride=1):
    # Padding happens outside (reflect), so the convolution itself pads nothing.
    return nn.Conv2d(cin, cout, k, stride=stride, padding=0)


class CondInstanceNorm(nn.Module):
    """Instance norm whose scale and shift are a weighted sum of per-style rows."""

    def __init__(self, channels, styles, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(styles, channels))
        self.bias = nn.Parameter(torch.zeros(styles, channels))

    def forward(self, x, mix):
        """x: (B, C, H, W); mix: (B, styles) style weights, each row summing to 1. In training
        the normalised values stay in `z`, for the training's droplet penalty."""
        x = F.instance_norm(x, eps=self.eps)
        self.z = x if self.training else None
        return x * (mix @ self.weight)[:, :, None, None] + (mix @ self.bias)[:, :, None, None]


class StyleNet(nn.Module):
    arch = "style_net"
    alignment = 4

    def __init__(self, channels=16, res_blocks=5, styles=1):
        super().__init__()
        c, s = channels, styles
        self.hparams = {"channels": channels, "res_blocks": res_blocks, "styles": styles}
        self.conv1, self.norm1 = _conv(3, c, 9), CondInstanceNorm(c, s)
        self.conv2, self.norm2 = _conv(c, 2 * c, 3, 2), CondInstanceNorm(2 * c, s)
        self.conv3, self.norm3 = _conv(2 * c, 4 * c, 3, 2), CondInstanceNorm(4 * c, s)
        self.res = nn.ModuleList(
            nn.ModuleDict({
                "conv1": _conv(4 * c, 4 * c, 3), "norm1": CondInstanceNorm(4 * c, s),
                "conv2": _conv(4 * c, 4 * c, 3), "norm2": CondInstanceNorm(4 * c, s),
            }) for _ in range(res_blocks))
        self.up1, self.up_norm1 = _conv(4 * c, 2 * c, 3), CondInstanceNorm(2 * c, s)
        self.up2, self.up_norm2 = _conv(2 * c, c, 3), CondInstanceNorm(c, s)
        self.out = _conv(c, 3, 9)

    @staticmethod
    def _pad(x, n):
        return F.pad(x, (n, n, n, n), mode="reflect")

    def mix(self, style, batch):
        """Style weights as a (batch, styles) tensor: `style` an index, a (styles,) weight vector
        or one per image; None is the first style."""
        n = self.hparams["styles"]
        if style is None or isinstance(style, int):
            return F.one_hot(torch.full((batch,), style or 0), n).float().to(self.out.weight.device)
        style = torch.as_tensor(style, dtype=torch.float32, device=self.out.weight.device)
        return style.expand(batch, n) if style.dim() == 1 else style

    def forward(self, x, style=None):
        m = self.mix(style, x.shape[0])
        y = F.relu(self.norm1(self.conv1(self._pad(x, 4)), m))
        y = F.relu(self.norm2(self.conv2(self._pad(y, 1)), m))
        y = F.relu(self.norm3(self.conv3(self._pad(y, 1)), m))
        for r in self.res:
            t = F.relu(r["norm1"](r["conv1"](self._pad(y, 1)), m))
            y = y + r["norm2"](r["conv2"](self._pad(t, 1)), m)
        self.trunk = y   # the residual blocks' output, for the training's spike penalty
        y = F.interpolate(y, scale_factor=2, mode="nearest")
        y = F.relu(self.up_norm1(self.up1(self._pad(y, 1)), m))
        y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
        y = F.relu(self.up_norm2(self.up2(self._pad(y, 1)), m))
        return torch.sigmoid(self.out(self._pad(y, 4)))
