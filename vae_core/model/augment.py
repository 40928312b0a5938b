"""Training-time augmentation for small image folders, done on whole batches with torch ops.

A catalogue of a few hundred garments is too small for a VAE to generalise from; mild changes
that keep an image a plausible member of the same catalogue give it more to learn from:

* a left-right flip (half the images);
* a small zoom (``scale`` 0.9 to 1.1) and shift (up to ``shift`` = 6 % of the side), filling
  the uncovered border with the image's own background colour (the median of its outer ring);
* a mild colour change: a hue rotation about the grey axis of up to ``hue`` = 0.04 turns and a
  saturation change of up to ``saturation`` = 10 %, both of which leave white, black and greys
  as they are (so the background stays white and a red garment stays red).

The result is rounded to the 8-bit grid (multiples of 1/255), so the discretised likelihood
still scores real 8-bit values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Augment:
    """How strongly :func:`augment` changes images (the defaults are the training recipe's)."""

    flip: float = 0.5  # probability of a left-right flip
    scale: float = 0.1  # zoom factor drawn from [1 - scale, 1 + scale]
    shift: float = 0.06  # shift drawn from [-shift, shift] of the side, on each axis
    hue: float = 0.04  # hue rotation drawn from [-hue, hue] turns (colour images only)
    saturation: float = 0.1  # saturation factor drawn from [1 - saturation, 1 + saturation]


def _background(x: torch.Tensor) -> torch.Tensor:
    """(B, C, 1, 1): each image's median colour over its outer ring of pixels."""
    ring = torch.cat([x[..., 0, :], x[..., -1, :], x[..., 1:-1, 0], x[..., 1:-1, -1]], dim=-1)  # (B, C, 4S - 4)
    return ring.median(dim=-1).values[..., None, None]


def _hue_matrix(theta: torch.Tensor) -> torch.Tensor:
    """(B, 3, 3) rotations of RGB about the grey axis (1, 1, 1) / sqrt(3) by ``theta`` radians."""
    c, s = torch.cos(theta)[:, None, None], torch.sin(theta)[:, None, None]
    k = torch.full((3, 3), 1.0 / 3.0, dtype=theta.dtype, device=theta.device)  # projection onto the grey axis
    cross = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]], dtype=theta.dtype) / math.sqrt(3.0)
    eye = torch.eye(3, dtype=theta.dtype, device=theta.device)
    return c * (eye - k) + s * cross.to(theta.device) + k  # Rodrigues' formula


def augment(x: torch.Tensor, generator: torch.Generator, cfg: Augment = Augment()) -> torch.Tensor:
    """A randomly changed copy of the batch ``x`` (B, C, S, S) in [0, 1] (see the module docstring).

    All random draws come from ``generator`` (on ``x``'s device), so a seeded run repeats.
    """
    b, c = x.shape[:2]

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(b, generator=generator, device=x.device, dtype=x.dtype)

    bg = _background(x)
    flip = torch.where(uniform(0.0, 1.0) < cfg.flip, -1.0, 1.0)
    zoom = uniform(1.0 - cfg.scale, 1.0 + cfg.scale)
    theta = torch.zeros(b, 2, 3, dtype=x.dtype, device=x.device)  # output -> input sampling positions
    theta[:, 0, 0] = flip / zoom
    theta[:, 1, 1] = 1.0 / zoom
    theta[:, 0, 2] = uniform(-2 * cfg.shift, 2 * cfg.shift)  # the grid spans [-1, 1]: 2 per side
    theta[:, 1, 2] = uniform(-2 * cfg.shift, 2 * cfg.shift)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x - bg, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + bg
    if c == 3 and (cfg.hue > 0 or cfg.saturation > 0):
        rot = _hue_matrix(uniform(-cfg.hue, cfg.hue) * 2 * math.pi)  # (B, 3, 3)
        out = torch.einsum("bij,bjhw->bihw", rot, out)
        grey = out.mean(dim=1, keepdim=True)
        out = grey + uniform(1.0 - cfg.saturation, 1.0 + cfg.saturation)[:, None, None, None] * (out - grey)
    return out.clamp(0.0, 1.0).mul(255.0).round().div(255.0)
