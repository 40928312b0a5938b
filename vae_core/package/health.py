"""Did a trained model learn its images? The measurements behind a package's health verdict.

A VAE can "train" without learning: the posterior collapses onto the prior, every z decodes to
the same picture, and the loss still falls. These numbers tell that apart, on held-out images:

* **active dimensions**: latent dimensions whose average KL(q(z_d|x) || N(0, 1)) over the images
  is above :data:`vae_core.latent.metrics.ACTIVE_KL` (0.01 nats); an inactive dimension is a
  slider that changes nothing;
* **total KL**: nats the codes carry about an image, summed over dimensions;
* **reconstruction error**: the mean absolute difference, per sub-pixel on the 0-255 scale,
  between each held-out image and the decoded mean of its code, ``decode(mu(x))``;
* **mean-image error**: the same error for one picture for all, the per-pixel mean of the
  training images. A model whose reconstructions are no closer than that learned nothing an
  average could not give.

Pixel likelihoods (nats, bits per dimension) do not separate these cases on images with large
flat backgrounds: a blank decode and a recognisable one can differ by 0.03 bits per dimension.
"""

from __future__ import annotations

import numpy as np

from ..latent.metrics import active_dims, kl_per_dimension


def _as_255(images: np.ndarray) -> np.ndarray:
    """float64 copy of uint8 (0-255) or float ([0, 1]) images on the 0-255 scale."""
    arr = np.asarray(images)
    return arr.astype(np.float64) if arr.dtype == np.uint8 else arr.astype(np.float64) * 255.0


def reconstruction_error(images: np.ndarray, reconstructions: np.ndarray) -> float:
    """Mean absolute difference per sub-pixel, on the 0-255 scale, of two same-shaped image sets
    (each uint8 in 0-255 or float in [0, 1])."""
    a, b = _as_255(images), _as_255(reconstructions)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"two non-empty image sets of one shape are needed; got {a.shape} and {b.shape}.")
    return float(np.mean(np.abs(a - b)))


def mean_image_error(train_images: np.ndarray, test_images: np.ndarray) -> float:
    """:func:`reconstruction_error` of ``test_images`` against the per-pixel mean of
    ``train_images`` (the same layout; the baseline any reconstruction must beat)."""
    mean = _as_255(train_images).mean(axis=0, keepdims=True)
    test = _as_255(test_images)
    if test.size == 0 or mean.shape[1:] != test.shape[1:]:
        raise ValueError(f"images of one layout are needed; got {mean.shape[1:]} and {test.shape[1:]}.")
    return float(np.mean(np.abs(test - mean)))


def latent_usage(mu: np.ndarray, logvar: np.ndarray) -> dict[str, float]:
    """``{"active_dims", "kl_total"}`` of posterior parameters (N, d): how many dimensions carry
    more than 0.01 nats on average, and the average total KL in nats."""
    kl = kl_per_dimension(mu, logvar)
    return {"active_dims": float(np.sum(active_dims(kl))), "kl_total": float(kl.sum())}
