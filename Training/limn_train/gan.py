"""The losses that give the photo upscalers texture: a perceptual loss on
Darknet-tiny features and a small spectrally normalised patch discriminator
with ESRGAN's relativistic average loss. Training only; Limn never runs these."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

from .lossnets import DarknetTiny


class PatchDiscriminator(nn.Module):
    """Scores each ~30-px patch of an RGB image in [0, 1] as real or made."""

    def __init__(self, c=32):
        super().__init__()
        sn = spectral_norm
        self.body = nn.Sequential(
            nn.Conv2d(3, c, 3, padding=1), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(c, 2 * c, 4, 2, 1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(2 * c, 4 * c, 4, 2, 1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(4 * c, 4 * c, 3, padding=1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(4 * c, 4 * c, 3, padding=1)), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * c, 1, 3, padding=1))

    def forward(self, x):
        return self.body(x * 2 - 1)


def relativistic(real_logits, fake_logits, for_generator):
    """ESRGAN's relativistic average loss: real patches should score above the average made one, and
    made ones below the average real one; the generator's loss swaps the labels."""
    r = real_logits - fake_logits.mean()
    f = fake_logits - real_logits.mean()
    bce = F.binary_cross_entropy_with_logits
    if for_generator:
        return (bce(r, torch.zeros_like(r)) + bce(f, torch.ones_like(f))) / 2
    return (bce(r, torch.ones_like(r)) + bce(f, torch.zeros_like(f))) / 2


class Perceptual:
    """L1 between Darknet-tiny activations of the output and the original, each layer divided
    by the original's mean absolute activation, so layers weigh by `layers`' weights alone."""

    def __init__(self, device, layers=(("conv2", 0.5), ("conv4", 1.0), ("conv8", 1.0), ("conv12", 0.5))):
        self.net = DarknetTiny().to(device)
        self.layers = dict(layers)

    def __call__(self, out, target):
        fo = self.net.features(out, list(self.layers))
        with torch.no_grad():
            ft = self.net.features(target, list(self.layers))
        return sum(w * F.l1_loss(fo[k], ft[k]) / (ft[k].abs().mean() + 1e-6)
                   for k, w in self.layers.items()) / sum(self.layers.values())
