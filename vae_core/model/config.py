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
    ``lo`` and ``hi`` inclusive; ``pair`` fields are a list of two such values."""

    lo: float
    hi: float
    integer: bool = True
    pair: bool = False

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed (None when it is)."""
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
    "channels": Bound(1, 1024, pair=True),
    "hidden": Bound(1, 65_536),
    "image_size": Bound(4, 1024),
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
}


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

    def __post_init__(self) -> None:
        check_bounds(self.to_dict(), MODEL_BOUNDS)
        if self.image_size % 4:
            raise InputError(f"image_size must be a multiple of 4 (two stride-2 blocks); got {self.image_size}.")

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

    def __post_init__(self) -> None:
        check_bounds(self.to_dict(), TRAIN_BOUNDS)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
