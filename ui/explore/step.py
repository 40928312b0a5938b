"""One Explore step as a pure function: from (package, z, k, map) to what the page shows.

:func:`explore_step` scores the whole catalogue once by exact log q(z|x) and reuses those scores
for the top-k ranking, what the garment looks like (the class probabilities), the typicality
badge and the map position; the renderer in :mod:`ui.explore.view` only draws the
:class:`StepResult`. No streamlit here (``tests/test_explore_step.py``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ui.explore.sliders import percent
from ui.explore.state import round_z
from vae_core import ModelPackage, Ranking, class_probabilities


@dataclass(frozen=True)
class StepResult:
    """What one z shows: the ``garment`` image, the top-k ``ranking`` (and the Euclidean one if
    asked), the class probabilities ``probs`` (C,), the typicality ``percentile``, and z's
    position ``here`` (2,) on the chosen map.

    The garment is decoded when first read: the browser draws it, so the server needs it only
    for a download or a decoder the browser cannot run."""

    z: np.ndarray
    ranking: Ranking
    euclidean: Ranking | None
    percentile: float
    here: np.ndarray
    probs: np.ndarray
    pkg: ModelPackage = field(repr=False, compare=False)

    @functools.cached_property
    def garment(self) -> np.ndarray:
        return self.pkg.decode(self.z)


def explore_step(pkg: ModelPackage, z: np.ndarray, k: int, method: str, euclidean: bool = False) -> StepResult:
    """Score the catalogue once, then rank, name, judge and place ``z`` (d,) for the Explore page."""
    z = np.asarray(z, dtype=np.float64)
    scores = pkg.index.log_q(z)  # (N,) every item, exact
    ranking = pkg.index.rank_scores(scores, k)
    return StepResult(
        z=z,
        ranking=ranking,
        euclidean=pkg.rank_euclidean(z, k) if euclidean else None,
        percentile=pkg.typicality(z, ranking=ranking),
        here=pkg.place(z, method, k, ranking=ranking),
        probs=class_probabilities(scores, pkg.labels, len(pkg.class_names)),
        pkg=pkg,
    )


LOOKS_LIKE_MASS = 0.95  # classes are listed until they hold this much of the probability
LOOKS_LIKE_MAX = 3


def looks_like_text(probs: np.ndarray, class_names: tuple[str, ...] | list[str]) -> str:
    """ "Ankle boot 83 % · Sneaker 12 %": the likeliest classes, highest first, until they hold
    95 % (at most three; none under 1 %). Empty for a catalogue without classes."""
    if len(class_names) < 2:
        return ""
    order = np.argsort(-np.asarray(probs), kind="stable")
    shown, mass = [], 0.0
    for c in order[:LOOKS_LIKE_MAX]:
        if shown and (mass >= LOOKS_LIKE_MASS or probs[c] < 0.005):
            break
        shown.append(f"{class_names[c]} {percent(probs[c])}")
        mass += float(probs[c])
    return " · ".join(shown)


@dataclass(frozen=True)
class Typicality:
    """The badge for a z: ``label``, a Streamlit badge ``color`` and ``icon``, a plain ``detail``
    line and the ``expert`` line with the exact figures."""

    label: str
    color: str
    icon: str
    detail: str
    expert: str


REALISTIC_PERCENTILE = 10.0  # as close to a real piece as 90 % of new real garments are to theirs
UNLIKE_PERCENTILE = 1.0  # farther than 99 % of new real garments: the decoder guesses


def typicality_text(percentile: float, best_log_q: float, best_index: int | None = None) -> Typicality:
    """Describe ``pkg.typicality(z)`` (percentile of z's best log q among real garments' codes).

    >= 10: realistic; 1-10: in between (a prior sample's median is about 9); < 1: unlike the
    catalogue, which may look broken. The expert line keeps the exact percentile and log q.
    """
    p = float(np.clip(percentile, 0.0, 100.0))
    who = f" (item #{best_index})" if best_index is not None else ""
    expert = (
        f"Typicality percentile {p:.1f}. Best log q(z|x) = {best_log_q:.1f} nats{who}: closer to its nearest "
        f"training garment than {p:.0f} % of new real garments' codes (garments the model was not trained on) "
        "are to theirs."
    )
    if p >= REALISTIC_PERCENTILE:
        plain = "As close to a real piece of the catalogue as real garments are: it should look real."
        return Typicality("realistic", "green", ":material/check_circle:", plain, expert)
    if p >= UNLIKE_PERCENTILE:
        plain = "Between the catalogue's pieces: parts of it may look blended."
        return Typicality("in between", "orange", ":material/join_inner:", plain, expert)
    plain = "Far from every piece the model learned from: the picture may look broken or smudged."
    return Typicality("unlike the catalogue (may look broken)", "red", ":material/warning:", plain, expert)


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
