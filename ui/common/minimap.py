"""The Explore page's live mini-map: a small raster of a 2-D map with "you are here".

A slider step redraws it (about 20 ms to rasterise 60,000 points once per process, then a copy
and a few discs per step), which is far cheaper than redrawing the 60,000-point Plotly map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ui.common.figures import HERE_COLOUR, PALETTE


@dataclass(frozen=True)
class Raster:
    """A small picture of a 2-D map: ``rgb`` (H, W, 3) uint8 and the data bounds it spans."""

    rgb: np.ndarray
    x0: float
    x1: float
    y0: float
    y1: float

    def to_pixel(self, xy: np.ndarray) -> np.ndarray:
        """(..., 2) map coordinates -> (..., 2) float (column, row) pixel positions (row 0 on top)."""
        xy = np.asarray(xy, dtype=np.float64)
        h, w = self.rgb.shape[:2]
        col = (xy[..., 0] - self.x0) / (self.x1 - self.x0) * (w - 1)
        row = (self.y1 - xy[..., 1]) / (self.y1 - self.y0) * (h - 1)
        return np.stack([col, row], axis=-1)


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


def _disc(rgb: np.ndarray, cx: float, cy: float, radius: float, color: tuple[int, int, int]) -> None:
    """Paint a filled disc in place (only the pixels of its bounding box are visited)."""
    h, w = rgb.shape[:2]
    r0, r1 = max(0, int(cy - radius)), min(h, int(cy + radius) + 2)
    c0, c1 = max(0, int(cx - radius)), min(w, int(cx + radius) + 2)
    if r0 >= r1 or c0 >= c1:
        return
    rows = (np.arange(r0, r1) - cy) ** 2  # (np.ogrid costs more than the disc itself)
    cols = (np.arange(c0, c1) - cx) ** 2
    rgb[r0:r1, c0:c1][rows[:, None] + cols[None, :] <= radius**2] = color


def mark_raster(raster: Raster, here: np.ndarray, neighbours: np.ndarray | None = None) -> np.ndarray:
    """A copy of the raster with the neighbours as small dark dots and "you are here" as a
    yellow disc with a black ring on a thin crosshair. Positions off the raster are clamped to
    its edge. Returns (H, W, 3) uint8."""
    rgb = raster.rgb.copy()
    h, w = rgb.shape[:2]
    if neighbours is not None and len(neighbours):
        for cx, cy in raster.to_pixel(np.asarray(neighbours).reshape(-1, 2)):
            _disc(rgb, cx, cy, 2.5, (20, 20, 20))
    cx, cy = raster.to_pixel(np.asarray(here, dtype=np.float64).reshape(2))
    cx, cy = float(np.clip(cx, 0, w - 1)), float(np.clip(cy, 0, h - 1))
    ci, ri = int(round(cx)), int(round(cy))
    rgb[ri, :] = (rgb[ri, :] * 0.4 + 0.6 * 40).astype(np.uint8)
    rgb[:, ci] = (rgb[:, ci] * 0.4 + 0.6 * 40).astype(np.uint8)
    _disc(rgb, cx, cy, 8.5, (17, 17, 17))
    _disc(rgb, cx, cy, 6.0, _hex_rgb(HERE_COLOUR))
    return rgb
