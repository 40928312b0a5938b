"""Browsing the catalogue on the latent map: what a selection means, paging, find-by-index/class.

Pure logic for the Latent map page (no streamlit): the page hands a ``st.plotly_chart`` selection
event to :func:`interpret_selection`, pages through the result with :func:`page_slice`, draws
:func:`class_histogram`, and turns what a user typed into an item with :func:`parse_index` or a
class with :func:`parse_class`. Map coordinates for any two PCA components, with their axis
titles, come from :func:`projection`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ui.common.figures import selected_indices
from vae_core.errors import InputError

POINT, AREA, NONE = "point", "area", "none"


@dataclass(frozen=True)
class Selection:
    """What a map selection picked: ``kind`` is "point" (one clicked item), "area" (box, lasso or
    several shift-clicked points) or "none"; ``indices`` are training indices in selection order."""

    kind: str
    indices: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.indices)


def interpret_selection(event: Mapping[str, Any] | None, n_items: int | None = None) -> Selection:
    """Classify a ``st.plotly_chart(on_select=...)`` event as a click, an area, or nothing.

    A box or lasso drawn on the map is an area even when it caught a single point (or none); a
    click without a box or lasso is a point selection. Indices outside ``0..n_items-1`` (a stale
    event from another package) are dropped.
    """
    indices = selected_indices(event)
    if n_items is not None:
        indices = [i for i in indices if 0 <= i < n_items]
    selection = event.get("selection") if isinstance(event, Mapping) else None
    selection = selection if isinstance(selection, Mapping) else {}
    drew_area = bool(selection.get("box")) or bool(selection.get("lasso"))
    if drew_area or len(indices) > 1:
        return Selection(AREA, tuple(indices))
    if len(indices) == 1:
        return Selection(POINT, tuple(indices))
    return Selection(NONE)


def class_histogram(labels: np.ndarray, indices: Sequence[int], n_classes: int) -> np.ndarray:
    """(n_classes,) count of each class among the items ``indices``."""
    idx = np.asarray(indices, dtype=np.int64)
    if idx.size == 0:
        return np.zeros(n_classes, dtype=np.int64)
    return np.bincount(np.asarray(labels)[idx], minlength=n_classes).astype(np.int64)


@dataclass(frozen=True)
class PageSlice:
    """Page ``page`` (0-based, clamped into range) of ``n_pages``: items ``start:stop``."""

    page: int
    n_pages: int
    start: int
    stop: int


def page_slice(n_items: int, page: int, per_page: int) -> PageSlice:
    """The slice of a list of ``n_items`` shown on ``page``; out-of-range pages are clamped.

    An empty list has one (empty) page, so a pager never shows "page 1 of 0".
    """
    if per_page < 1:
        raise InputError(f"per_page must be at least 1; got {per_page}.")
    n_pages = max(1, -(-n_items // per_page))
    page = min(max(int(page), 0), n_pages - 1)
    start = page * per_page
    return PageSlice(page, n_pages, start, min(start + per_page, n_items))


_INDEX = re.compile(r"^#?\s*(-?\d[\d,_ ]*)$")


def parse_index(text: str, n_items: int) -> int:
    """A training index typed by a user ("123", "#123", "12,345"), checked against the catalogue.

    Raises
    ------
    InputError
        Saying what was wrong: not a number, or out of the range ``0..n_items-1``.
    """
    raw = str(text).strip()
    if not raw:
        raise InputError(f"Type an item number between 0 and {n_items - 1:,}.")
    shown = raw if len(raw) <= 24 else raw[:20] + "..."
    m = _INDEX.match(raw)
    if not m:
        raise InputError(f"{shown!r} is not an item number; type a whole number between 0 and {n_items - 1:,}.")
    digits = re.sub(r"[,_ ]", "", m.group(1))
    if len(digits.lstrip("-0")) > len(str(n_items)):  # far too long: never hand int() thousands of digits
        raise InputError(
            f"There is no item {shown}: the catalogue holds {n_items:,} items, numbered 0 to {n_items - 1:,}."
        )
    value = int(digits)
    if not 0 <= value < n_items:
        raise InputError(
            f"There is no item #{value:,}: the catalogue holds {n_items:,} items, numbered 0 to {n_items - 1:,}."
        )
    return value


def parse_class(name: str | int, class_names: Sequence[str]) -> int:
    """A class given by name (case-insensitive, e.g. "ankle boot") or by its number."""
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        if 0 <= int(name) < len(class_names):
            return int(name)
        raise InputError(f"There is no class {int(name)}; classes are numbered 0 to {len(class_names) - 1}.")
    key = str(name).strip().lower()
    for i, cname in enumerate(class_names):
        if cname.lower() == key:
            return i
    if key.isdigit():
        return parse_class(int(key), class_names)
    raise InputError(f"Unknown class {str(name)!r}; choose one of {', '.join(class_names)}.")


def class_members(labels: np.ndarray, class_id: int) -> np.ndarray:
    """Training indices (ascending) of every item of class ``class_id``."""
    return np.flatnonzero(np.asarray(labels) == class_id).astype(np.int64)


@dataclass(frozen=True)
class Projection:
    """(N, 2) map coordinates and the two axis titles."""

    xy: np.ndarray
    axis_titles: tuple[str, str]


def projection(pkg: Any, method: str, components: tuple[int, int] = (0, 1)) -> Projection:
    """Coordinates of every training item on the t-SNE map or on two chosen PCA components.

    PCA axis titles name the component and the share of the means' variance it explains,
    e.g. "PC1 (31.4% of variance)"; components are 0-based here and 1-based in titles.
    """
    if method == "tsne":
        return Projection(np.asarray(pkg.map_xy("tsne")), ("t-SNE 1", "t-SNE 2"))
    if method != "pca":
        raise InputError(f"Unknown map {method!r}; use 'tsne' or 'pca'.")
    i, j = (int(c) for c in components)
    d = pkg.latent_dim
    if not (0 <= i < d and 0 <= j < d):
        raise InputError(f"PCA components must be between 1 and {d}; got {i + 1} and {j + 1}.")
    if i == j:
        raise InputError(f"Choose two different PCA components (both are PC{i + 1}).")
    xy = pkg.pca_xy if (i, j) == (0, 1) else pkg.pca.transform(pkg.mu, components=(i, j))
    ratio = pkg.pca.explained_ratio_
    titles = (
        f"PC{i + 1} ({100 * ratio[i]:.1f}% of variance)",
        f"PC{j + 1} ({100 * ratio[j]:.1f}% of variance)",
    )
    return Projection(np.asarray(xy, dtype=np.float32), titles)
