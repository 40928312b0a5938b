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

The public names below are loaded on first use (PEP 562), so ``import vae_core`` and
``python -m vae_core --help`` do not wait for torch; ``from vae_core import ModelPackage`` works
as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names are, for readers and type checkers
    from .errors import DataError, InputError, LatentAtelierError, PackageError
    from .latent.likelihood import LikelihoodIndex, Ranking, class_probabilities, log_q, top_k
    from .model.config import ModelConfig, TrainConfig
    from .model.data import CLASS_NAMES, Split, load_split, read_split
    from .model.network import VAE, vae_loss
    from .package import DEFAULT_PACKAGE, FORMAT_VERSION, ModelPackage, verify

# each public name and the module that defines it
_HOMES = {
    "DataError": ".errors",
    "InputError": ".errors",
    "LatentAtelierError": ".errors",
    "PackageError": ".errors",
    "LikelihoodIndex": ".latent.likelihood",
    "Ranking": ".latent.likelihood",
    "class_probabilities": ".latent.likelihood",
    "log_q": ".latent.likelihood",
    "top_k": ".latent.likelihood",
    "ModelConfig": ".model.config",
    "TrainConfig": ".model.config",
    "CLASS_NAMES": ".model.data",
    "Split": ".model.data",
    "load_split": ".model.data",
    "read_split": ".model.data",
    "VAE": ".model.network",
    "vae_loss": ".model.network",
    "DEFAULT_PACKAGE": ".package",
    "FORMAT_VERSION": ".package.format",
    "ModelPackage": ".package.format",
    "verify": ".package.format",
}

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
    "class_probabilities",
    "load_split",
    "log_q",
    "read_split",
    "top_k",
    "vae_loss",
    "verify",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
