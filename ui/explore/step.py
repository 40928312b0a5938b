"""One Explore step as a pure function: from (package, z, k, map) to what the page shows.

:func:`explore_step` decodes z, ranks the catalogue once by exact log q(z|x) and reuses that
ranking for the typicality badge and the map position; the renderer in :mod:`ui.explore.view`
only draws the :class:`StepResult`. No streamlit here (``tests/test_explore_step.py``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ui.explore.state import round_z
from vae_core import ModelPackage, Ranking


@dataclass(frozen=True)
class StepResult:
    """What one z shows: the ``garment`` image, the top-k ``ranking`` (and the Euclidean one if
    asked), the typicality ``percentile``, and z's position ``here`` (2,) on the chosen map.

    The garment is decoded when first read: the browser draws it, so the server needs it only
    for a download or a decoder the browser cannot run."""

    z: np.ndarray
    ranking: Ranking
    euclidean: Ranking | None
    percentile: float
    here: np.ndarray
    pkg: ModelPackage = field(repr=False, compare=False)

    @functools.cached_property
    def garment(self) -> np.ndarray:
        return self.pkg.decode(self.z)


def explore_step(pkg: ModelPackage, z: np.ndarray, k: int, method: str, euclidean: bool = False) -> StepResult:
    """Decode, rank (once), judge and place ``z`` (d,) for the Explore page."""
    z = np.asarray(z, dtype=np.float64)
    ranking = pkg.rank(z, k)
    return StepResult(
        z=z,
        ranking=ranking,
        euclidean=pkg.rank_euclidean(z, k) if euclidean else None,
        percentile=pkg.typicality(z, ranking=ranking),
        here=pkg.place(z, method, k, ranking=ranking),
        pkg=pkg,
    )


@dataclass(frozen=True)
class Typicality:
    """The badge for a z: ``label``, a Streamlit badge ``color`` and ``icon``, and a ``detail`` line."""

    label: str
    color: str
    icon: str
    detail: str


NEAR_COPY_PERCENTILE = 90.0
UNUSUAL_PERCENTILE = 10.0
NOVEL_PERCENTILE = 1.0


def typicality_text(percentile: float, best_log_q: float, best_index: int | None = None) -> Typicality:
    """Describe ``pkg.typicality(z)`` (percentile of z's best log q among real garments' codes).

    >= 90: near-copy of a training garment; 10-90: typical; 1-10: unusual; < 1: novel.
    """
    p = float(np.clip(percentile, 0.0, 100.0))
    who = f" (item #{best_index})" if best_index is not None else ""
    detail = (
        f"Best log q(z|x) = {best_log_q:.1f} nats{who}: closer to its nearest training garment than "
        f"{p:.0f} % of new real garments' codes (garments the model was not trained on) are to theirs."
    )
    if p >= NEAR_COPY_PERCENTILE:
        return Typicality("near-copy of a training garment", "blue", ":material/content_copy:", detail)
    if p >= UNUSUAL_PERCENTILE:
        return Typicality("typical", "green", ":material/check_circle:", detail)
    if p >= NOVEL_PERCENTILE:
        return Typicality("unusual: between training garments", "orange", ":material/explore:", detail)
    return Typicality("novel: far from every training garment", "red", ":material/auto_awesome:", detail)


def encode_garment(pkg: ModelPackage, image: np.ndarray) -> tuple[tuple[float, ...], np.ndarray, bool]:
    """Encode one prepared upload (``vae_core.upload.PreparedImage.image``: (S, S) grey or
    (3, S, S) colour, [0, 1]): its mean code (rounded, clipped to +-Z_LIMIT), the reconstruction
    decoded from that code ((S, S) or (S, S, 3)), and whether the code had to be clipped."""
    mu, _ = pkg.encode(np.asarray(image, dtype=np.float32)[None])  # one image: a batch of one
    z, clipped = round_z(mu[0])
    return z, pkg.decode(np.asarray(z)), clipped


def upload_hint(pkg: ModelPackage) -> str:
    """What the model knows, for the line under an upload's reconstruction."""
    s = pkg.image_size
    if pkg.data_source.get("kind") == "image-folder":
        kind = "colour" if pkg.channels == 3 else "grey"
        return f"the {s} x {s} {kind} images of its catalogue: garments framed like them work best"
    return f"{s} x {s} Fashion-MNIST garments, centred on black"
