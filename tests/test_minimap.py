"""The Explore page's live mini-map raster and its "you are here" marker."""

from __future__ import annotations

import numpy as np

from ui.common.minimap import map_raster, mark_raster


def test_map_raster_colours_points_and_marks_here():
    rng = np.random.default_rng(0)
    xy = np.concatenate([rng.normal(-5, 0.3, (500, 2)), rng.normal(5, 0.3, (500, 2))])
    groups = np.repeat([0, 3], 500)
    raster = map_raster(xy, groups, size=300)
    h, w, _ = raster.rgb.shape
    assert raster.rgb.dtype == np.uint8 and h == w and 250 <= h <= 300
    # the corners are white background; the two clusters are coloured like the big map (blue, red)
    assert tuple(raster.rgb[0, 0]) == (255, 255, 255)
    c0 = raster.to_pixel(np.array([-5.0, -5.0])).round().astype(int)
    c1 = raster.to_pixel(np.array([5.0, 5.0])).round().astype(int)
    blue, red = raster.rgb[c0[1], c0[0]].astype(int), raster.rgb[c1[1], c1[0]].astype(int)
    assert blue[2] > blue[0] + 40 and red[0] > red[2] + 40
    assert c1[1] < c0[1]  # larger y is higher up in the picture
    marked = mark_raster(raster, np.array([5.0, 5.0]), xy[:3])
    assert tuple(marked[c1[1], c1[0]]) == (255, 212, 0)  # the yellow "you are here" disc
    assert not np.array_equal(marked, raster.rgb)
    assert tuple(raster.rgb[c1[1], c1[0]]) != (255, 212, 0)  # the raster itself is unchanged
    off = mark_raster(raster, np.array([1e6, -1e6]))  # far away: clamped to the corner
    assert tuple(off[h - 1, w - 1]) == (255, 212, 0)
