"""The convolutional VAE: ``encode(x) -> (mu, logvar)``, ``decode(z) -> image``, and its loss.

Images are C x S x S (C = 1 or 3; S = 28 for Fashion-MNIST, or 32, 64, 128) with values in
[0, 1]; one stride-2 block per entry of ``ModelConfig.channels`` halves the side (28 -> 7 with
two blocks, 64 -> 4 with four). The decoder's last layer gives, per sub-pixel, either logits
(Bernoulli probabilities, or the locations of the older discretised logistic, through a sigmoid)
or directly the location of a discretised logistic with one learned scale per channel
(``vae_core.model.pixel_likelihood``). :meth:`VAE.decode` turns that into the picture shown. The
loss is the negative ELBO of Kingma & Welling (2014), "Auto-Encoding Variational Bayes",
Appendix B, in nats per image.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import LIKELIHOODS, ModelConfig
from .pixel_likelihood import LOG_SCALE_INIT, bernoulli_nll, discretised_logistic_nll

# Posterior log variances are kept within these: sigma from 0.0025 to 7.4. A posterior wider
# than the prior N(0, 1) carries nothing, and the package format refuses |logvar| > 30. The
# shipped Fashion-MNIST model's lie within [-7.6, -0.4], so the clamp leaves it unchanged.
LOGVAR_MIN, LOGVAR_MAX = -12.0, 4.0


def _block(
    c_in: int, c_out: int, transpose: bool = False, batch_norm: bool = False, refine: bool = True
) -> nn.Sequential:
    """A stride-2 (transposed) 4x4 convolution halving (doubling) the resolution, then (if
    ``refine``) a 3x3 one, each followed by batch normalisation (if asked) and GELU."""
    conv = nn.ConvTranspose2d if transpose else nn.Conv2d

    def norm() -> list[nn.Module]:
        return [nn.BatchNorm2d(c_out)] if batch_norm else []

    layers = [conv(c_in, c_out, 4, stride=2, padding=1), *norm(), nn.GELU()]
    if refine:
        layers += [nn.Conv2d(c_out, c_out, 3, padding=1), *norm(), nn.GELU()]
    return nn.Sequential(*layers)


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
        bn, refine = config.batch_norm, config.refine  # batch norm: encoder only (eval() uses running statistics)
        c_last = widths[-1]
        self.encoder = nn.Sequential(
            *(_block(c_in, c_out, batch_norm=bn, refine=refine) for c_in, c_out in zip((c_img, *widths), widths)),
            nn.Flatten(),  # (B, c_last * side * side), e.g. (B, 64 * 7 * 7)
            nn.Linear(c_last * side * side, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, 2 * config.latent_dim),  # (B, 2d): mu and logvar
        )
        ups = zip(widths[:0:-1], widths[-2::-1])
        self.decoder = nn.Sequential(
            nn.Linear(config.latent_dim, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, c_last * side * side),
            nn.GELU(),
            nn.Unflatten(1, (c_last, side, side)),  # (B, c_last, side, side)
            *(_block(c_in, c_out, transpose=True, refine=refine) for c_in, c_out in ups),
            nn.ConvTranspose2d(widths[0], c_img, 4, stride=2, padding=1),  # (B, C, S, S) logits or locations
        )
        self.log_scale: nn.Parameter | None = None
        if config.likelihood == "logistic":  # one learned scale per sub-pixel, shared by all z
            self.log_scale = nn.Parameter(torch.full((c_img, config.image_size, config.image_size), LOG_SCALE_INIT))
        elif config.likelihood == "logistic-channel":  # one learned scale per colour channel
            self.log_scale = nn.Parameter(torch.full((c_img, 1, 1), LOG_SCALE_INIT))

    @property
    def output_sigmoid(self) -> bool:
        """Whether the picture is the sigmoid of the decoder's output (else the output clipped to
        [0, 1]); the browser's decoder needs to know which to append."""
        return self.config.likelihood != "logistic-channel"

    def reconstruction_nll(self, out: torch.Tensor, x: torch.Tensor, training: bool = False) -> torch.Tensor:
        """-log p(x|z) per image (B,) in nats under this model's pixel likelihood, for the
        decoder's output ``out`` and images ``x`` (B, C, S, S) in [0, 1]. ``training``: the loss
        the optimiser minimises early in a run, which for ``"logistic-channel"`` is the upper bound
        that scores the end values by their own bins (:func:`discretised_logistic_nll`,
        ``open_ends=False``; see ``TrainConfig.bound_share``); every reported figure is exact."""
        if self.log_scale is None:
            return bernoulli_nll(out, x)
        location = torch.sigmoid(out) if self.output_sigmoid else out
        open_ends = not (training and self.config.likelihood == "logistic-channel")
        return discretised_logistic_nll(location, x, self.log_scale, open_ends=open_ends)

    @torch.no_grad()
    def start_at(self, channel_means: torch.Tensor) -> None:
        """Start the decoder at the data's mean colour: the last layer's bias becomes the mean of
        each channel (its logit for a sigmoid output), ``channel_means`` (C,) in [0, 1]. A decoder
        that starts at mid-grey spends its first steps pushing a white background up, which
        saturates a sigmoid before anything else is learned."""
        m = channel_means.to(self.decoder[-1].bias)
        self.decoder[-1].bias.copy_(torch.logit(m.clamp(0.01, 0.99)) if self.output_sigmoid else m)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior parameters for images ``x`` (B, C, S, S): ``mu`` and ``logvar``, each (B, d).

        ``logvar`` is clamped to [:data:`LOGVAR_MIN`, :data:`LOGVAR_MAX`]: while the KL weight is
        near 0 (warm-up) nothing else holds it, and an unbounded one made the reported KL explode
        and the package unloadable."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(LOGVAR_MIN, LOGVAR_MAX)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's raw output (B, C, S, S) for latent vectors ``z`` (B, d): logits, or the
        locations of a ``"logistic-channel"`` model."""
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The picture in [0, 1], shape (B, C, S, S), for ``z`` (B, d)."""
        out = self.decoder(z)
        return torch.sigmoid(out) if self.output_sigmoid else out.clamp(0.0, 1.0)

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
        """The decoder's output for a posterior sample, mu and logvar, for a batch of images."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, generator)
        return self.decode_logits(z), mu, logvar


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per row (B,), in nats:
    -1/2 sum_d (1 + logvar_d - mu_d^2 - exp(logvar_d))."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)


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
    ``log_scale`` given, ``recon`` is that of a discretised logistic located at sigmoid(logits)
    (:func:`vae_core.model.pixel_likelihood.discretised_logistic_nll`); :meth:`VAE.reconstruction_nll`
    knows every likelihood.

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
    if log_scale is None:
        recon = bernoulli_nll(logits, x)
    else:
        recon = discretised_logistic_nll(torch.sigmoid(logits), x, log_scale)
    return recon, kl_divergence(mu, logvar)
