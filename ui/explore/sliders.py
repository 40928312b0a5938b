"""What each Explore slider does, in a designer's words: the names of its two ends and its label.

A slider's ends are named from the current garment: z is moved to the slider's minimum and maximum
(the others held) and each end is named by what the garment becomes there.

* With classes: the class holding most of the posterior there, p(c | z) under a uniform prior
  over the catalogue from every item's exact log q(z|x) (``vae_core.class_probabilities``), e.g.
  "Pullover ◂ ▸ Sneaker".
* Without classes, or where both ends are the same class: a short visual description, from the two
  decoded end images compared with each other (lighter / darker, wider / narrower, taller /
  shorter, and for colour images more red / more blue, more colourful / greyer): the one or two
  differences that stand out most, each measured against the size a designer notices.

That is 2 x sliders scores of the whole catalogue (one matrix product), plus, where needed, one
batch decode: the page computes it on release only, like the slider guides. Labels: the user's
name for a slider (kept per package in the database) or z1..zd; nats only in the expert view.
No streamlit here (``tests/test_explore_sliders.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ui.common.dims import dim_name
from ui.explore.state import SliderSpec
from vae_core import LikelihoodIndex, class_probabilities


@dataclass(frozen=True)
class SliderEnds:
    """The names of a slider's two ends (``low``: its minimum, ``high``: its maximum), and a
    ``title`` saying what each end holds (the slider's tooltip)."""

    low: str
    high: str
    title: str

    def to_json(self) -> dict[str, str]:
        return {"lo": self.low, "hi": self.high, "title": self.title}


@dataclass(frozen=True)
class Look:
    """One visual quantity of an image: its words for less and more, and the difference between
    two images that a designer notices (``step``, in the quantity's units)."""

    less: str
    more: str
    step: float
    colour_only: bool = False


# brightness: the garment's mean pixel in [0, 1] (weighted by ink, so a bigger garment is not a
# lighter one); width, height: the garment's spread (standard deviation of its
# ink around its centre) as a share of the image; redness: mean R - B of the ink; colourfulness: mean
# max(RGB) - min(RGB). Steps measured on the shipped package: moving one slider end to end changes
# brightness by 0.01-0.4 and spread by 0.01-0.16, so these are the smallest changes worth naming.
LOOKS = (
    Look("darker", "lighter", 0.03),
    Look("narrower", "wider", 0.015),
    Look("shorter", "taller", 0.015),
    Look("more blue", "more red", 0.04, colour_only=True),
    Look("greyer", "more colourful", 0.04, colour_only=True),
)
MAX_WORDS = 2  # differences named per end
UNCHANGED = "little change"


def end_points(
    z: Sequence[float] | np.ndarray, dims: Sequence[int], directions: np.ndarray | None, limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """The z at the low and the high end of every slider, (M, d) each.

    Sliders of latent dimensions (``dims``) set that coordinate to -limit and +limit; sliders of
    unit ``directions`` (m, d) move z by -limit and +limit along them. M = len(dims) + m, in that
    order.
    """
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    a = float(limit)
    low = np.repeat(z[None, :], len(dims), axis=0)
    high = low.copy()
    rows = np.arange(len(dims))
    low[rows, list(dims)] = -a
    high[rows, list(dims)] = a
    if directions is not None and len(directions):
        v = np.asarray(directions, dtype=np.float64).reshape(len(directions), -1)
        low = np.concatenate([low, z - a * v])
        high = np.concatenate([high, z + a * v])
    return low, high


def look_of(images: np.ndarray) -> np.ndarray:
    """The :data:`LOOKS` quantities of images (M, H, W) or (M, H, W, 3) in [0, 1], (M, 5).

    The ink is each pixel's difference from the image's background (the median of its border
    pixels), so a dark garment on a light ground spreads like a light one on a dark ground.
    """
    img = np.asarray(images, dtype=np.float64)
    img = img[..., None] if img.ndim == 3 else img  # (M, H, W, C)
    m, h, w, _ = img.shape
    border = np.concatenate([img[:, 0], img[:, -1], img[:, :, 0], img[:, :, -1]], axis=1)  # (M, 2(H+W), C)
    ink = np.abs(img - np.median(border, axis=1)[:, None, None, :]).mean(axis=-1)  # (M, H, W)
    weight = ink / np.maximum(ink.sum(axis=(1, 2), keepdims=True), 1e-12)
    ys, xs = np.mgrid[0:h, 0:w]

    def spread(pos: np.ndarray, size: int) -> np.ndarray:
        centre = (weight * pos).sum(axis=(1, 2))
        return np.sqrt((weight * (pos - centre[:, None, None]) ** 2).sum(axis=(1, 2))) / size

    red = (weight * (img[..., 0] - img[..., -1])).sum(axis=(1, 2))
    colourful = (weight * (img.max(axis=-1) - img.min(axis=-1))).sum(axis=(1, 2))
    brightness = (weight * img.mean(axis=-1)).sum(axis=(1, 2))
    return np.stack([brightness, spread(xs, w), spread(ys, h), red, colourful], axis=1)


def describe_looks(low_images: np.ndarray, high_images: np.ndarray) -> list[tuple[str, str]]:
    """For each pair of end images: what the low end is and what the high end is, compared with
    each other ("darker, narrower", "lighter, wider"), or :data:`UNCHANGED` for both."""
    colour = np.asarray(low_images).ndim == 4
    looks = [(i, look) for i, look in enumerate(LOOKS) if colour or not look.colour_only]
    diff = look_of(high_images) - look_of(low_images)  # (M, 5)
    out = []
    for row in diff:
        scored = sorted(((abs(row[i]) / look.step, i, look) for i, look in looks), key=lambda s: (-s[0], s[1]))
        named = [(row[i], look) for score, i, look in scored[:MAX_WORDS] if score >= 1.0]
        if not named:
            out.append((UNCHANGED, UNCHANGED))
            continue
        low = ", ".join(look.less if d > 0 else look.more for d, look in named)
        high = ", ".join(look.more if d > 0 else look.less for d, look in named)
        out.append((low, high))
    return out


def _shares(probs: np.ndarray, class_names: Sequence[str], top: int = 2) -> str:
    order = np.argsort(-probs, kind="stable")[:top]
    return " · ".join(f"{class_names[c]} {percent(probs[c])}" for c in order if probs[c] >= 0.005)


def percent(p: float) -> str:
    """A probability as a designer reads it: "83 %", "<1 %", ">99 %"."""
    pct = 100.0 * float(p)
    if pct < 0.5:
        return "<1 %"
    if pct > 99.5:
        return ">99 %"
    return f"{pct:.0f} %"


def name_ends(
    index: LikelihoodIndex,
    class_names: Sequence[str],
    low: np.ndarray,
    high: np.ndarray,
    decode: Callable[[np.ndarray], np.ndarray] | None,
    names: Sequence[str] | None = None,
    limit: float | None = None,
) -> list[SliderEnds]:
    """Name both ends of every slider from its end points ``low`` and ``high`` (M, d).

    Parameters
    ----------
    index
        The catalogue's exact likelihood index (its ``labels_`` are the classes).
    class_names
        The classes; with fewer than two, every end is described by its look.
    low, high
        (M, d) z at each slider's two ends (:func:`end_points`).
    decode
        The package's decoder, (M, d) -> images in [0, 1]; None: classes only.
    names, limit
        The sliders' names and the slider range, for the titles ("at z3 = -3").
    """
    m = len(low)
    names = list(names) if names is not None else [f"slider {i + 1}" for i in range(m)]
    by_class = len(class_names) >= 2
    if by_class:
        scores = index.log_q_many(np.concatenate([low, high]))  # (2M, N): every item, exact
        probs = class_probabilities(scores, index.labels_, len(class_names))
        p_low, p_high = probs[:m], probs[m:]
        best_low, best_high = p_low.argmax(axis=1), p_high.argmax(axis=1)
        same = np.flatnonzero(best_low == best_high)
    else:
        same = np.arange(m)
    looks: dict[int, tuple[str, str]] = {}
    if decode is not None and len(same):
        images = decode(np.concatenate([low[same], high[same]]))
        looks = dict(zip(same.tolist(), describe_looks(images[: len(same)], images[len(same) :]), strict=True))
    ends = []
    for i in range(m):
        at_low, at_high = (f"{names[i]} at {sign}{limit:g}" if limit is not None else names[i] for sign in "-+")
        if by_class:
            lo, hi = class_names[best_low[i]], class_names[best_high[i]]
            title = f"◂ {at_low}: {_shares(p_low[i], class_names)}\n▸ {at_high}: {_shares(p_high[i], class_names)}"
            if i in looks:
                lo, hi = looks[i]
                title = f"{class_names[best_low[i]]} at both ends. " + title
        else:
            lo, hi = looks.get(i, (UNCHANGED, UNCHANGED))
            title = f"◂ {lo} ▸ {hi}: the garment at each end of {names[i]}, compared."
        ends.append(SliderEnds(lo, hi, title))
    return ends


# ------------------------------------------------------------------------------ labels
def slider_name(dim: int, names: Mapping[int, str]) -> str:
    """The name a slider goes by: the user's (``names``, kept per package), else z1..zd."""
    return names.get(dim) or dim_name(dim)


def slider_label(spec: SliderSpec, names: Mapping[int, str], expert: bool) -> tuple[str, str]:
    """The label and tooltip of a latent slider: its name (and "unused" for a dimension the model
    ignores); in the expert view also its dimension and average KL in nats, as before."""
    name = slider_name(spec.dim, names)
    if expert:
        own = f"{name} ({dim_name(spec.dim)})" if spec.dim in names else name
        return spec.label.replace(dim_name(spec.dim), own, 1), spec.help
    if not spec.active:
        return f"{name} · unused", f"{name} hardly changes the garment: the model does not use this dimension."
    return (
        name,
        f"{name} moves latent dimension {spec.dim + 1}. The words under it say what the garment becomes at each end.",
    )
