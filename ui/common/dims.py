"""The name of a latent dimension, one for every page: ``z1`` ... ``zd``, counted from 1.

The Explore page's sliders, the Model page's KL chart and traversal grid and the Latent map's
mu and sigma chart all name dimension ``d`` (0-based in code) ``dim_name(d)``, so "z8" on one page
is "z8" on every other.
"""

from __future__ import annotations


def dim_name(dim: int) -> str:
    """The name of 0-based latent dimension ``dim``: ``z1`` for dimension 0."""
    return f"z{int(dim) + 1}"


def dim_names(n: int) -> list[str]:
    """The names of dimensions ``0 .. n-1``, in order."""
    return [dim_name(d) for d in range(n)]
