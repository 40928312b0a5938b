"""Configuration dataclasses: one for the model's shape, one for how it is trained.

Both are plain, JSON-serialisable dataclasses; the model package stores them in its manifest so
a package can be loaded, and its training reproduced, with nothing else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the convolutional VAE.

    Defaults are those of the shipped package (``assets/fashion-mnist-vae``).
    """

    latent_dim: int = 10  # size of z; the Explore page shows one slider per dimension
    channels: tuple[int, int] = (32, 64)  # conv channels at 14x14 and 7x7 resolution
    hidden: int = 512  # width of the dense layer between the convolutions and z
    image_size: int = 28  # images are 1 x image_size x image_size, values in [0, 1]
    batch_norm: bool = True  # batch normalisation after each encoder convolution

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw.setdefault("batch_norm", False)  # manifests written before the option had none
        if "channels" in kw:
            kw["channels"] = tuple(kw["channels"])
        return cls(**kw)


@dataclass(frozen=True)
class TrainConfig:
    """How the VAE is trained (Adam with a cosine learning-rate decay)."""

    epochs: int = 40  # passes over the training split
    batch_size: int = 128  # images per optimiser step
    lr: float = 1.5e-3  # peak Adam learning rate
    lr_min: float = 1e-5  # learning rate at the end of the cosine decay
    kl_warmup_epochs: float = 30.0  # KL weight rises linearly 0 -> 1 over this many epochs (0: off)
    seed: int = 0  # seeds weight init, shuffling and the reparameterisation noise
    threads: int = 0  # torch CPU threads; 0 keeps torch's default
    limit: int = 0  # train on the first `limit` images only (0 = all); for tests and smoke runs

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
