"""The exception tree of Latent Atelier.

Every error a user can cause (a missing data folder, a damaged model package, a malformed
latent vector) is raised as a subclass of :class:`LatentAtelierError` with a message that says
what went wrong *and what to do about it*, so the command line prints one line and the pages
show one ``st.error`` instead of a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path


class LatentAtelierError(Exception):
    """Root of every error Latent Atelier raises on purpose."""


class DataError(LatentAtelierError):
    """The Fashion-MNIST files are missing, malformed or cannot be downloaded."""


class PackageError(LatentAtelierError):
    """A model package is missing, of an unknown format, or fails verification."""


class InputError(LatentAtelierError):
    """A user-supplied value (latent vector, index, image, URL parameter) is not valid."""


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` as it may be shown to a user: relative to the working folder when inside it, else
    its last component, so messages, pages and exports never reveal the server's folder layout."""
    p = Path(path)
    try:
        return str(p.absolute().relative_to(Path.cwd())) or "."
    except ValueError:
        return p.name or str(p)
