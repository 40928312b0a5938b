"""The model package: a verified folder holding the weights, both configs, every catalogue item's
posterior (mu, logvar), the 2-D maps and the metrics (:mod:`.format`), and how one is built from a
trained model (:mod:`.build`)."""

from __future__ import annotations

from pathlib import Path

from .format import FORMAT_VERSION, ModelPackage, verify

#: The package shipped with the repository, served when no other is named.
DEFAULT_PACKAGE = Path(__file__).resolve().parents[2] / "assets" / "fashion-mnist-vae"

__all__ = ["DEFAULT_PACKAGE", "FORMAT_VERSION", "ModelPackage", "verify"]
