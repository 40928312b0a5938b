"""The Explore page's live mini-map: a small raster of a 2-D map with "you are here".

The raster is made once per process and map (about 20 ms for 60,000 points) and sent once per
page; a slider step sends only where "you are here" and the neighbours fall on it (:func:`marks`),
which the browser draws over it (``ui/explore/live_map.py``). Far cheaper than redrawing the
60,000-point Plotly map, or the raster itself (a 48 kB JPEG a step until 2026-11-27).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ui.common.figures import PALETTE
from vae_core.images import data_uri


@dataclass(frozen=True)
class Raster:
    """A small picture of a 2-D map: ``rgb`` (H, W, 3) uint8 and the data bounds it spans."""

    rgb: np.ndarray
    x0: float
    x1: float
    y0: float
    y1: float

    @functools.cached_property
    def jpeg_uri(self) -> str:
        """The picture as a JPEG ``data:`` URI (made once; 0.4 ms, a PNG takes 12)."""
        return data_uri(self.rgb, fmt="JPEG")

    def to_pixel(self, xy: np.ndarray) -> np.ndarray:
        """(..., 2) map coordinates -> (..., 2) float (column, row) pixel positions (row 0 on top)."""
        xy = np.asarray(xy, dtype=np.float64)
        h, w = self.rgb.shape[:2]
        col = (xy[..., 0] - self.x0) / (self.x1 - self.x0) * (w - 1)
        row = (self.y1 - xy[..., 1]) / (self.y1 - self.y0) * (h - 1)
        return np.stack([col, row], axis=-1)

    def to_map(self, px: np.ndarray) -> np.ndarray:
        """(..., 2) (column, row) pixel positions -> (..., 2) map coordinates: the inverse of
        :meth:`to_pixel` (a click on the picture)."""
        px = np.asarray(px, dtype=np.float64)
        h, w = self.rgb.shape[:2]
        x = self.x0 + px[..., 0] / (w - 1) * (self.x1 - self.x0)
        y = self.y1 - px[..., 1] / (h - 1) * (self.y1 - self.y0)
        return np.stack([x, y], axis=-1)


def _hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def map_raster(xy: np.ndarray, groups: np.ndarray, size: int = 300, pad: float = 0.04) -> Raster:
    """Rasterise a map's points, coloured by group (same palette as the big map), on white.

    Points are binned on a grid of about sqrt(N) cells a side (so a small catalogue is not
    lost in white space), each cell taking the count-weighted mean colour of its points with an
    opacity rising with the count; the grid is then enlarged by pixel repetition to about
    ``size`` pixels. About 20 ms for 60,000 points.
    """
    xy = np.asarray(xy, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    res = int(np.clip(round(np.sqrt(len(xy)) * 1.1), 64, size))
    rep = max(1, size // res)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad * span, hi + pad * span
    bounds = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
    grid = Raster(np.zeros((res, res, 3), np.uint8), *bounds)
    px = np.clip(np.rint(grid.to_pixel(xy)).astype(np.int64), 0, res - 1)
    palette = np.array([_hex_rgb(c) for c in PALETTE], dtype=np.float64)
    n_groups = len(palette)
    counts = np.zeros((res * res, n_groups), dtype=np.float64)
    np.add.at(counts, (px[:, 1] * res + px[:, 0], groups % n_groups), 1.0)
    total = counts.sum(axis=1, keepdims=True)
    colour = counts @ palette / np.maximum(total, 1.0)
    alpha = 0.85 * (1.0 - np.exp(-total / 0.8))
    rgb = (255.0 * (1.0 - alpha) + colour * alpha).reshape(res, res, 3).astype(np.uint8)
    if rep > 1:
        rgb = np.repeat(np.repeat(rgb, rep, axis=0), rep, axis=1)
    return Raster(rgb, *bounds)


def marks(raster: Raster, here: np.ndarray, neighbours: np.ndarray | None = None) -> dict:
    """Where "you are here" and the neighbours fall on the raster: ``{"here": [col, row],
    "dots": [[col, row], ...]}`` in the raster's pixels (0.1 px), for the browser to draw over it.
    Positions off the raster are clamped to its edge."""
    h, w = raster.rgb.shape[:2]

    def place(xy: np.ndarray) -> list[list[float]]:
        px = raster.to_pixel(np.asarray(xy, dtype=np.float64).reshape(-1, 2))
        px = np.clip(px, 0, [w - 1, h - 1])
        return np.round(px, 1).tolist()

    dots = place(neighbours) if neighbours is not None and len(neighbours) else []
    return {"here": place(here)[0], "dots": dots}
