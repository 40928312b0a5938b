"""The convolutional VAE: ``encode(x) -> (mu, logvar)``, ``decode(z) -> image``, and its loss.

Images are C x S x S (C = 1 or 3; S = 28 for Fashion-MNIST, or 32, 64, 128) with values in
[0, 1]; one stride-2 block per entry of ``ModelConfig.channels`` halves the side (28 -> 7 with
two blocks, 64 -> 8 with three). The decoder outputs the mean image (sigmoid of its last layer):
Bernoulli pixel probabilities, or the means of a discretised logistic whose per-sub-pixel scale is
a learned parameter outside the decoder (``vae_core.model.pixel_likelihood``). The loss is the negative
ELBO of Kingma & Welling (2014), "Auto-Encoding Variational Bayes", Appendix B, in nats per image.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .pixel_likelihood import LIKELIHOODS, LOG_SCALE_INIT, bernoulli_nll, discretised_logistic_nll


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
    """Convolutional VAE with a diagonal Gaussian posterior and a Bernoulli or discretised
    logistic decoder."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        widths, c_img = tuple(config.channels), config.image_channels
        side = config.image_size >> len(widths)
        if side << len(widths) != config.image_size or config.likelihood not in LIKELIHOODS:
            raise ValueError(f"image_size {config.image_size} with {len(widths)} blocks, {config.likelihood!r}")
        bn = config.batch_norm  # encoder only; in eval() mode it uses the running statistics
        c_last = widths[-1]
        self.encoder = nn.Sequential(
            *(_block(c_in, c_out, batch_norm=bn) for c_in, c_out in zip((c_img, *widths), widths)),
            nn.Flatten(),  # (B, c_last * side * side), e.g. (B, 64 * 7 * 7)
            nn.Linear(c_last * side * side, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, 2 * config.latent_dim),  # (B, 2d): mu and logvar
        )
        self.decoder = nn.Sequential(
            nn.Linear(config.latent_dim, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, c_last * side * side),
            nn.GELU(),
            nn.Unflatten(1, (c_last, side, side)),  # (B, c_last, side, side)
            *(_block(c_in, c_out, transpose=True) for c_in, c_out in zip(widths[:0:-1], widths[-2::-1])),
            nn.ConvTranspose2d(widths[0], c_img, 4, stride=2, padding=1),  # (B, C, S, S) logits
        )
        self.log_scale: nn.Parameter | None = None
        if config.likelihood == "logistic":  # one learned scale per sub-pixel, shared by all z
            self.log_scale = nn.Parameter(torch.full((c_img, config.image_size, config.image_size), LOG_SCALE_INIT))

    def reconstruction_nll(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per image (B,) in nats under this model's pixel likelihood."""
        if self.log_scale is None:
            return bernoulli_nll(logits, x)
        return discretised_logistic_nll(logits, x, self.log_scale)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior parameters for images ``x`` (B, C, S, S): ``mu`` and ``logvar``, each (B, d)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Logits (B, C, S, S) of the mean image for latent vectors ``z`` (B, d)."""
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The mean image in [0, 1], shape (B, C, S, S), for ``z`` (B, d)."""
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
    logits: torch.Tensor,
    x: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    log_scale: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image reconstruction and KL terms of the negative ELBO, in nats.

    With Bernoulli means p = sigmoid(logits) and q(z|x) = N(mu, diag(exp(logvar))):

    recon = -sum_pixels [ x log p + (1 - x) log(1 - p) ]
    KL    = KL(q(z|x) || N(0, I)) = -1/2 sum_d (1 + logvar_d - mu_d^2 - exp(logvar_d))

    The negative ELBO is ``recon + KL`` (Kingma & Welling 2014, eq. 10 and Appendix B). With
    ``log_scale`` given, ``recon`` is the discretised logistic's instead
    (:func:`vae_core.model.pixel_likelihood.discretised_logistic_nll`).

    Parameters
    ----------
    logits, x
        (B, C, S, S) decoder logits and target images in [0, 1].
    mu, logvar
        (B, d) posterior parameters.
    log_scale
        (C, S, S) log scales of a discretised logistic; None for Bernoulli.

    Returns
    -------
    recon, kl
        Two (B,) tensors.
    """
    recon = bernoulli_nll(logits, x) if log_scale is None else discretised_logistic_nll(logits, x, log_scale)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    return recon, kl
