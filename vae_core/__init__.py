"""Latent Atelier's core: a convolutional VAE for garments and the model package that serves it.

Pure Python + torch + numpy; never imports streamlit. Typical use::

    from vae_core import ModelPackage
    pkg = ModelPackage.load("assets/fashion-mnist-vae")
    image = pkg.decode([0.0] * pkg.latent_dim)        # (28, 28) pixel probabilities
    ranking = pkg.rank([0.0] * pkg.latent_dim, k=12)  # exact top-k by log q(z|x)
    ranking.indices, ranking.scores, ranking.labels

The library is grouped by role: ``vae_core.model`` (config, network and loss, training, data),
``vae_core.package`` (the verified package: format, build), ``vae_core.latent`` (likelihood
ranking, projections, clusters, metrics, interpolation, traversals) and ``vae_core.cli`` (the
command line and benchmarks, which ``import vae_core`` does not load). The command line is
``python -m vae_core --help``.
"""

from __future__ import annotations

from .errors import DataError, InputError, LatentAtelierError, PackageError
from .latent.likelihood import LikelihoodIndex, Ranking, log_q, top_k
from .model.config import ModelConfig, TrainConfig
from .model.data import CLASS_NAMES, Split, load_split, read_split
from .model.network import VAE, vae_loss
from .package import DEFAULT_PACKAGE, FORMAT_VERSION, ModelPackage, verify

__all__ = [
    "CLASS_NAMES",
    "DEFAULT_PACKAGE",
    "FORMAT_VERSION",
    "DataError",
    "InputError",
    "LatentAtelierError",
    "LikelihoodIndex",
    "ModelConfig",
    "ModelPackage",
    "PackageError",
    "Ranking",
    "Split",
    "TrainConfig",
    "VAE",
    "load_split",
    "log_q",
    "read_split",
    "top_k",
    "vae_loss",
    "verify",
]
