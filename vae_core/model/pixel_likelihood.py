"""Pixel likelihoods p(x|z) of the decoder: Bernoulli (Fashion-MNIST) and a discretised logistic
for 8-bit images (photos, colour), and the conversion of nats per image to bits per dimension.

The discretised logistic (Salimans et al. 2017, "PixelCNN++", section 2.1) puts on each 8-bit
sub-pixel value u in {0, ..., 255} the mass a logistic distribution with location ``m`` and scale
``s`` gives to u's bin [u/255 - 1/510, u/255 + 1/510]; the two end bins take the tails. It is a
proper distribution over the 256 values, so its negative log-likelihood is a code length and bits
per dimension compare across image sizes and data sets. A Bernoulli over [0, 1]-valued pixels is
not (grey levels are not 0/1 events); the shipped Fashion-MNIST model keeps it so its figures stay
comparable with the literature on that data set.

Two parameterisations (``ModelConfig.likelihood``):

* ``"logistic-channel"`` (image folders, the default since issue 19): the location is the decoder's
  output itself, unbounded, as in PixelCNN++, and one learned scale per colour channel is shared by
  every pixel and every image (a calibrated decoder with a shared variance, Rybkin et al. 2021). The
  picture shown is the location clipped to [0, 1]. It is *trained* on the bins' own masses
  (``open_ends=False``): the end bins then hold only their own bin, not the tails, so the loss is
  an upper bound of the exact negative log-likelihood; every figure reported (held-out -ELBO,
  bits/dim, health) uses the exact one. With the open-ended end bins a white background (255) or a
  black outline (0) costs nothing once the location is past the end of the scale, and the decoder
  spends its first thousands of steps there: garments come out in one average colour (on 240
  flat-colour garments at 32 px, a VAE trained 400 steps missed each garment's mean colour by
  0.18 with the end bins open and by 0.07 without; a continuous Gaussian gave 0.09).
* ``"logistic"`` (packages trained before): the location is ``sigmoid(logits)``, inside (0, 1), and
  every sub-pixel has its own learned scale. On images with large white backgrounds it collapses:
  a location below 1 leaves the end bin of 255 at most sigmoid(1/(510 s)) of the mass, so every
  white sub-pixel keeps pushing its logit up; the logits saturate (medians of 40 to 450), the
  sigmoid's gradient vanishes, and the decoder draws a white square whatever z says.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_SCALE_MIN, LOG_SCALE_MAX = -7.0, 2.0  # s in [9e-4, 7.4]: a bin is at most 4.3 scales wide
LOG_SCALE_INIT = -2.0  # s = 0.14 (36 grey levels) at the start (see vae_core.model.train._param_groups)
_HALF_BIN = 0.5 / 255.0


def discretised_logistic_nll(
    location: torch.Tensor, x: torch.Tensor, log_scale: torch.Tensor, open_ends: bool = True
) -> torch.Tensor:
    """-log P(x) per image (B,), in nats, of 8-bit images ``x`` (B, C, H, W) in [0, 1].

    With m = ``location`` (on the [0, 1] scale; any real value), s = exp(log_scale) (broadcast
    over the batch; clamped to [LOG_SCALE_MIN, LOG_SCALE_MAX]), a = (x + h - m) / s,
    b = (x - h - m) / s and h = 1/510 (half a bin):

        log P(u)   = log(sigmoid(a) - sigmoid(b))
                   = log(expm1(a - b)) - softplus(-b) - softplus(a)     (exact, no cancellation)
        log P(0)   = log sigmoid(a)     = -softplus(-a)
        log P(255) = log(1 - sigmoid(b)) = -softplus(b)

    ``open_ends=False`` scores 0 and 255 like every other value (their own bin's mass only): an
    upper bound of the exact value, which the training loop minimises (see the module docstring).
    """
    log_s = log_scale.clamp(LOG_SCALE_MIN, LOG_SCALE_MAX)
    inv_s = torch.exp(-log_s)
    a = (x + _HALF_BIN - location) * inv_s
    b = (x - _HALF_BIN - location) * inv_s
    inner = torch.log(torch.expm1(2 * _HALF_BIN * inv_s)) - F.softplus(-b) - F.softplus(a)
    if not open_ends:
        return -inner.flatten(1).sum(1)
    logp = torch.where(x < _HALF_BIN, -F.softplus(-a), torch.where(x > 1 - _HALF_BIN, -F.softplus(b), inner))
    return -logp.flatten(1).sum(1)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-sum_pixels [x log p + (1 - x) log(1 - p)] per image (B,), p = sigmoid(logits)."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def bits_per_dim(nats_per_image: float, dims: int) -> float:
    """Nats per image as bits per sub-pixel: nats / (dims * ln 2), dims = C * H * W."""
    return float(nats_per_image) / (dims * math.log(2.0))
