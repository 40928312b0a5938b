"""The model: its configuration (:mod:`.config`), the network and its loss (:mod:`.network`),
training (:mod:`.train`) and the Fashion-MNIST data it trains on (:mod:`.data`)."""

from __future__ import annotations

from .config import ModelConfig, TrainConfig
from .network import VAE, vae_loss

__all__ = ["VAE", "ModelConfig", "TrainConfig", "vae_loss"]
