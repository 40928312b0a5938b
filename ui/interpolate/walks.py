"""The walk as the Interpolate page shows it: every frame decoded and labelled with its likeliest
training garment, its typicality and its place on the map, and the captions under each frame.

No streamlit here (``tests/test_interpolate_walks.py``); the maths of the walk itself is
:mod:`vae_core.latent.interpolation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ui.common.text import md
from vae_core import ModelPackage
from vae_core.latent.interpolation import Walk
from vae_core.latent.likelihood import top_k
from vae_core.latent.projection import place_by_neighbours

OFF_DATA_PERCENTILE = 5.0  # a frame whose typicality is below this has left the data


@dataclass(frozen=True)
class FramedWalk:
    """A walk with everything a page shows about each of its M frames.

    Attributes
    ----------
    walk
        The t values and codes.
    images
        (M, 28, 28) decoded pixel probabilities.
    nearest, nearest_score, nearest_label
        (M,) the training item with the highest log q(z|x) for each frame, that score and its class.
    typicality
        (M,) percentile of that best score among real garments' codes (see
        ``ModelPackage.typicality``): low means the frame is far from every training garment.
    xy
        (M, 2) positions on the map (``ModelPackage.place``), or None when no map was asked for.
    """

    walk: Walk
    images: np.ndarray
    nearest: np.ndarray
    nearest_score: np.ndarray
    nearest_label: np.ndarray
    typicality: np.ndarray
    xy: np.ndarray | None


def frame_walk(pkg: ModelPackage, walk_: Walk, map_method: str | None = None, k: int = 12) -> FramedWalk:
    """Decode a walk and label every frame with its nearest training item by exact log q(z|x).

    ``map_method`` ("tsne" or "pca") also
    places each frame on that map with the same rule as everywhere else (``pkg.place``).
    """
    z = np.asarray(walk_.z, dtype=np.float64)
    images = pkg.decode(z.astype(np.float32))
    m = len(z)
    nearest = np.empty(m, dtype=np.int64)
    score = np.empty(m)
    xy = None if map_method is None else np.empty((m, 2))
    coords = None if map_method in (None, "pca") else pkg.map_xy(map_method)
    for i, zi in enumerate(z):
        # one exact log q scoring per frame serves both the nearest item and the map placement
        # (the same rule as ModelPackage.place: PCA exactly, t-SNE by softmax(log q) over the top k)
        scores = pkg.index.log_q(zi)
        order = top_k(scores, max(k, 1))
        nearest[i], score[i] = int(order[0]), float(scores[order[0]])
        if map_method == "pca":
            xy[i] = pkg.pca.transform(zi)
        elif coords is not None:
            xy[i] = place_by_neighbours(coords, order[:k], scores[order[:k]])
    ref = np.asarray(pkg.typicality_ref)
    typ = 100.0 * np.searchsorted(ref, score) / max(len(ref), 1)
    return FramedWalk(
        walk=walk_,
        images=images,
        nearest=nearest,
        nearest_score=score,
        nearest_label=np.asarray(pkg.labels)[nearest],
        typicality=typ,
        xy=xy,
    )


def frame_caption(view: FramedWalk, i: int) -> str:
    t = float(view.walk.t[i])
    star = "★ " if view.walk.mid == i else ""
    return f"{star}{i} · t={t:.2f}"


def nearest_caption(pkg: ModelPackage, view: FramedWalk, i: int) -> str:
    """A frame's nearest training garment in two short lines: its class over ``#index``, ⚠ after
    the index when the frame is off the data (a strip column is about ten characters wide at
    1400 px; :func:`player_caption` gives the long form, with the score)."""
    off = " ⚠" if view.typicality[i] < OFF_DATA_PERCENTILE else ""
    return f"{md(pkg.class_names[int(view.nearest_label[i])])}  \n#{int(view.nearest[i])}{off}"


def player_caption(pkg: ModelPackage, view: FramedWalk, i: int) -> str:
    """The long form of :func:`nearest_caption`, for the large player frame."""
    off = " ⚠ The walk has left the data here." if view.typicality[i] < OFF_DATA_PERCENTILE else ""
    return (
        f"#{int(view.nearest[i])} {md(pkg.class_names[int(view.nearest_label[i])])}, "
        f"log q {float(view.nearest_score[i]):.1f}: closer than {view.typicality[i]:.0f}% of new real "
        f"garments' codes are to theirs.{off}"
    )
