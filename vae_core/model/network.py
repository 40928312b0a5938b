"""The convolutional VAE: ``encode(x) -> (mu, logvar)``, ``decode(z) -> image``, and its loss.

Images are 1 x 28 x 28 with values in [0, 1]; the decoder outputs Bernoulli means (pixel
probabilities). The loss is the negative ELBO of Kingma & Welling (2014), "Auto-Encoding
Variational Bayes", Appendix B, in nats per image.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig


def _block(c_in: int, c_out: int, transpose: bool = False, batch_norm: bool = False) -> nn.Sequential:
    """A stride-2 (transposed) 4x4 convolution halving (doubling) the resolution, then a 3x3 one,
    each followed by batch normalisation (if asked) and GELU."""
    conv = nn.ConvTranspose2d if transpose else nn.Conv2d

    def norm() -> list[nn.Module]:
        return [nn.BatchNorm2d(c_out)] if batch_norm else []

    return nn.Sequential(
        conv(c_in, c_out, 4, stride=2, padding=1),
        *norm(),
        nn.GELU(),
        nn.Conv2d(c_out, c_out, 3, padding=1),
        *norm(),
        nn.GELU(),
    )


class VAE(nn.Module):
    """Convolutional VAE with a diagonal Gaussian posterior and a Bernoulli decoder."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        c1, c2 = config.channels
        side = config.image_size // 4
        bn = config.batch_norm  # encoder only; in eval() mode it uses the running statistics
        self.encoder = nn.Sequential(
            _block(1, c1, batch_norm=bn),  # (B, c1, 14, 14)
            _block(c1, c2, batch_norm=bn),  # (B, c2, 7, 7)
            nn.Flatten(),
            nn.Linear(c2 * side * side, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, 2 * config.latent_dim),  # (B, 2d): mu and logvar
        )
        self.decoder = nn.Sequential(
            nn.Linear(config.latent_dim, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, c2 * side * side),
            nn.GELU(),
            nn.Unflatten(1, (c2, side, side)),  # (B, c2, 7, 7)
            _block(c2, c1, transpose=True),  # (B, c1, 14, 14)
            nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),  # (B, 1, 28, 28) logits
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior parameters for images ``x`` (B, 1, 28, 28): ``mu`` and ``logvar``, each (B, d)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits (B, 1, 28, 28) for latent vectors ``z`` (B, d)."""
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Pixel probabilities in [0, 1], shape (B, 1, 28, 28), for ``z`` (B, d)."""
        return torch.sigmoid(self.decoder(z))

    @staticmethod
    def reparameterize(
        mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """z = mu + sigma * eps with eps ~ N(0, I) and sigma = exp(logvar / 2)."""
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
        return mu + torch.exp(0.5 * logvar) * eps

    def forward(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Reconstruction logits, mu and logvar for a batch of images."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, generator)
        return self.decode_logits(z), mu, logvar


def vae_loss(
    logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image reconstruction and KL terms of the negative ELBO, in nats.

    With Bernoulli means p = sigmoid(logits) and q(z|x) = N(mu, diag(exp(logvar))):

    recon = -sum_pixels [ x log p + (1 - x) log(1 - p) ]
    KL    = KL(q(z|x) || N(0, I)) = -1/2 sum_d (1 + logvar_d - mu_d^2 - exp(logvar_d))

    The negative ELBO is ``recon + KL`` (Kingma & Welling 2014, eq. 10 and Appendix B).

    Parameters
    ----------
    logits, x
        (B, 1, 28, 28) decoder logits and target images in [0, 1].
    mu, logvar
        (B, d) posterior parameters.

    Returns
    -------
    recon, kl
        Two (B,) tensors.
    """
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    return recon, kl
