"""Where the app keeps things on the server (no streamlit here).

* ``$LATENT_ATELIER_PACKAGES``: the folder of packages the sidebar's picker lists and where the
  "New catalogue" page puts what it trains (default ``packages/`` in the user's cache folder,
  ``~/.cache/latent-atelier/packages``). Training jobs live in its hidden ``.jobs/`` folder, so a
  finished package moves into place with one rename on the same file system.
* ``$LATENT_ATELIER_IMAGE_ROOT``: the only server folder whose image folders the page may train
  on (unset: the page offers zip uploads only).
"""

from __future__ import annotations

import os
from pathlib import Path

from vae_core.model.data import default_cache_dir

PACKAGES_ENV_VAR = "LATENT_ATELIER_PACKAGES"
IMAGE_ROOT_ENV_VAR = "LATENT_ATELIER_IMAGE_ROOT"


def packages_dir() -> Path:
    """The app's packages folder: ``$LATENT_ATELIER_PACKAGES`` or ``<cache>/packages``."""
    configured = os.environ.get(PACKAGES_ENV_VAR)
    return Path(configured).expanduser() if configured else default_cache_dir() / "packages"


def jobs_dir() -> Path:
    """Where training jobs keep their files: ``<packages folder>/.jobs``."""
    return packages_dir() / ".jobs"


def image_root() -> Path | None:
    """The configured image root (``$LATENT_ATELIER_IMAGE_ROOT``), or None when unset."""
    configured = os.environ.get(IMAGE_ROOT_ENV_VAR)
    return Path(configured).expanduser() if configured else None
