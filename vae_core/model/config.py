"""Configuration dataclasses: one for the model's shape, one for how it is trained.

Both are plain, JSON-serialisable dataclasses; the model package stores them in its manifest so
a package can be loaded, and its training reproduced, with nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import InputError


@dataclass(frozen=True)
class Bound:
    """The values a config field may take: a whole number (``integer``) or a real number, between
    ``lo`` and ``hi`` inclusive; ``pair`` fields are a list of two such values, ``items=(m, n)``
    fields a list of m to n of them."""

    lo: float
    hi: float
    integer: bool = True
    pair: bool = False
    items: tuple[int, int] | None = None

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed (None when it is)."""
        if self.items is not None:
            m, n = self.items
            if not isinstance(value, (list, tuple)) or not m <= len(value) <= n:
                return f"must be {m} to {n} numbers; got {_short(value)}"
            return next((p for p in (Bound(self.lo, self.hi, self.integer).problem(v) for v in value) if p), None)
        if self.pair:
            if not isinstance(value, (list, tuple)) or len(value) != 2:
                return f"must be two numbers; got {_short(value)}"
            return next((p for p in (Bound(self.lo, self.hi, self.integer).problem(v) for v in value) if p), None)
        kind = "a whole number" if self.integer else "a number"
        ok_type = isinstance(value, int) if self.integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or not math.isfinite(value) or not self.lo <= value <= self.hi:
            lo, hi = (f"{int(self.lo):,}", f"{int(self.hi):,}") if self.integer else (f"{self.lo:g}", f"{self.hi:g}")
            span = f"of at least {lo}" if self.hi >= 1e9 else f"from {lo} to {hi}"
            return f"must be {kind} {span}; got {_short(value)}"
        return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_bounds(
    values: Mapping[str, Any], bounds: Mapping[str, Bound], names: Mapping[str, str] | None = None
) -> None:
    """Raise :class:`InputError` naming the first field of ``values`` outside its ``bounds``.

    ``names`` maps a field to the name the user knows it by (e.g. ``"hidden"`` -> ``"--hidden"``).
    Fields without a bound, and bounds without a value, are not checked.
    """
    for field_name, bound in bounds.items():
        if field_name in values:
            problem = bound.problem(values[field_name])
            if problem:
                raise InputError(f"{(names or {}).get(field_name, field_name)} {problem}.")


# What each field may hold: refused by the command line and by the package loader alike. The upper
# bounds keep a crafted manifest from asking for a network that does not fit in memory.
MODEL_BOUNDS: dict[str, Bound] = {
    "latent_dim": Bound(1, 512),
    "channels": Bound(1, 1024, items=(1, 6)),
    "hidden": Bound(1, 65_536),
    "image_size": Bound(4, 1024),
    "image_channels": Bound(1, 3),
}
TRAIN_BOUNDS: dict[str, Bound] = {
    "epochs": Bound(1, 100_000),
    "batch_size": Bound(1, 1_000_000),
    "lr": Bound(1e-12, 10.0, integer=False),
    "lr_min": Bound(0.0, 10.0, integer=False),
    "kl_warmup_epochs": Bound(0.0, 100_000.0, integer=False),
    "seed": Bound(0, 2**63 - 1),
    "threads": Bound(0, 4096),
    "limit": Bound(0, 2**62),
    "steps": Bound(0, 10_000_000),
    "kl_warmup_steps": Bound(0, 10_000_000),
    "patience": Bound(0, 100_000),
    "bound_share": Bound(0.0, 1.0, integer=False),
}
LIKELIHOODS = ("bernoulli", "logistic", "logistic-channel")  # see vae_core.model.pixel_likelihood


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the convolutional VAE.

    Defaults are those of the shipped package (``assets/fashion-mnist-vae``).
    """

    latent_dim: int = 10  # size of z; the Explore page shows one slider per dimension
    channels: tuple[int, ...] = (32, 64)  # conv widths, one stride-2 block each (28 -> 14 -> 7)
    hidden: int = 512  # width of the dense layer between the convolutions and z
    image_size: int = 28  # images are image_channels x image_size x image_size, values in [0, 1]
    batch_norm: bool = True  # batch normalisation after each encoder convolution
    image_channels: int = 1  # 1 (grey) or 3 (RGB); manifests written before colour had none
    likelihood: str = "bernoulli"  # p(x|z): "bernoulli", "logistic" or "logistic-channel" (8-bit)
    refine: bool = True  # a 3x3 convolution after each stride-2 one (False: about half the work)

    def __post_init__(self) -> None:
        check_bounds(self.to_dict(), MODEL_BOUNDS)
        blocks = len(self.channels)
        if self.image_size % (1 << blocks) or self.image_size >> blocks < 2:
            raise InputError(
                f"image_size {self.image_size} does not fit {blocks} stride-2 blocks (each halves the side)."
            )
        if self.image_channels not in (1, 3):
            raise InputError(f"image_channels must be 1 or 3; got {self.image_channels}.")
        if self.likelihood not in LIKELIHOODS:
            raise InputError(f"likelihood must be one of {', '.join(LIKELIHOODS)}; got {self.likelihood!r}.")
        for flag in ("batch_norm", "refine"):
            if not isinstance(getattr(self, flag), bool):
                raise InputError(f"{flag} must be true or false; got {_short(getattr(self, flag))}.")

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
    """How the VAE is trained (Adam with a cosine learning-rate decay).

    Defaults are those of the shipped Fashion-MNIST package; image folders get the recipe of
    :func:`vae_core.package.folder_train.folder_recipe` (a number of steps, a KL warm-up over a
    share of them, augmentation for small folders). Manifests written before a field existed
    load with its default, which is the behaviour they were trained with.
    """

    epochs: int = 40  # passes over the training split (when steps is 0)
    batch_size: int = 128  # images per optimiser step
    lr: float = 1.5e-3  # peak Adam learning rate
    lr_min: float = 1e-5  # learning rate at the end of the cosine decay
    kl_warmup_epochs: float = 30.0  # KL weight rises linearly 0 -> 1 over this many epochs (0: off)
    seed: int = 0  # seeds weight init, shuffling and the reparameterisation noise
    threads: int = 0  # torch CPU threads; 0 keeps torch's default
    limit: int = 0  # train on the first `limit` images only (0 = all); for tests and smoke runs
    steps: int = 0  # optimiser steps in all (0: `epochs` passes); a small folder gets as many as a big one
    kl_warmup_steps: int = 0  # when > 0, the KL warm-up lasts this many steps instead of kl_warmup_epochs
    augment: bool = False  # flips, small shifts and zooms, mild colour changes (vae_core.model.augment)
    patience: int = 0  # stop when the held-out -ELBO has not improved for this many epochs (0: never)
    bound_share: float = 0.0  # "logistic-channel": the first share of the steps minimises the closed-end bound

    def __post_init__(self) -> None:
        check_bounds(self.to_dict(), TRAIN_BOUNDS)
        if not isinstance(self.augment, bool):
            raise InputError(f"augment must be true or false; got {_short(self.augment)}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
