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

from vae_core.errors import display_path
from vae_core.package.registry import PACKAGES_ENV_VAR, packages_dir

IMAGE_ROOT_ENV_VAR = "LATENT_ATELIER_IMAGE_ROOT"
__all__ = ["IMAGE_ROOT_ENV_VAR", "PACKAGES_ENV_VAR", "image_root", "jobs_dir", "packages_dir", "shown_folder"]


def jobs_dir() -> Path:
    """Where training jobs keep their files: ``<packages folder>/.jobs``."""
    return packages_dir() / ".jobs"


def shown_folder(path: Path) -> str:
    """``path`` as a page may show it: ``~/...`` inside the home folder, else as
    :func:`~vae_core.errors.display_path` shows paths (relative inside the working folder, else
    only the last component), so a page never reveals the server's folders above ``~``."""
    home, full = Path.home(), Path(path).expanduser().absolute()
    if full == home or home in full.parents:
        return "~/" + full.relative_to(home).as_posix() if full != home else "~"
    return display_path(full)


def image_root() -> Path | None:
    """The configured image root (``$LATENT_ATELIER_IMAGE_ROOT``), or None when unset."""
    configured = os.environ.get(IMAGE_ROOT_ENV_VAR)
    return Path(configured).expanduser() if configured else None
