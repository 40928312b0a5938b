"""The model: its configuration (:mod:`.config`), the network and its loss (:mod:`.network`),
training (:mod:`.train`) and the Fashion-MNIST data it trains on (:mod:`.data`).

The names below load on first use (PEP 562), so the configs (plain dataclasses) can be imported
without torch."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import ModelConfig, TrainConfig
    from .network import VAE, vae_loss

_HOMES = {"ModelConfig": ".config", "TrainConfig": ".config", "VAE": ".network", "vae_loss": ".network"}

__all__ = ["VAE", "ModelConfig", "TrainConfig", "vae_loss"]


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home, __name__), name)
