"""The model package: a verified folder holding the weights, both configs, every catalogue item's
posterior (mu, logvar), the 2-D maps and the metrics (:mod:`.format`), and how one is built from a
trained model (:mod:`.build`).

``DEFAULT_PACKAGE`` is a plain path; the other names load on first use (PEP 562), so the command
line can show its defaults without importing torch."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .format import FORMAT_VERSION, ModelPackage, verify

#: The package shipped with the repository, served when no other is named.
DEFAULT_PACKAGE = Path(__file__).resolve().parents[2] / "assets" / "fashion-mnist-vae"

__all__ = ["DEFAULT_PACKAGE", "FORMAT_VERSION", "ModelPackage", "verify"]


def __getattr__(name: str) -> Any:
    """Import :mod:`.format` the first time one of its public names is used."""
    if name not in ("FORMAT_VERSION", "ModelPackage", "verify"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(".format", __name__), name)
