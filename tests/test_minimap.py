"""The Explore page's live mini-map raster and where "you are here" falls on it."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from ui.common.minimap import map_raster, marks


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
    # "you are here" and the neighbours, in the raster's pixels, for the browser to draw
    placed = marks(raster, np.array([5.0, 5.0]), xy[:3])
    np.testing.assert_allclose(placed["here"], raster.to_pixel(np.array([5.0, 5.0])), atol=0.05)
    np.testing.assert_allclose(placed["dots"], raster.to_pixel(xy[:3]), atol=0.05)
    assert marks(raster, np.array([1e6, -1e6]))["here"] == [w - 1, h - 1]  # far away: clamped to the corner
    assert marks(raster, np.array([0.0, 0.0]), np.empty((0, 2)))["dots"] == []
    # the picture the browser gets: a JPEG of the raster, made once
    uri = raster.jpeg_uri
    assert uri is raster.jpeg_uri and uri.startswith("data:image/jpeg;base64,")
    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))
    assert picture.shape == raster.rgb.shape and np.abs(picture.astype(int) - raster.rgb).mean() < 4


def test_to_map_inverts_to_pixel():
    xy = np.random.default_rng(2).normal(size=(500, 2)) * [3.0, 1.0]
    raster = map_raster(xy, np.zeros(500, int), size=120)
    np.testing.assert_allclose(raster.to_map(raster.to_pixel(xy[:20])), xy[:20], atol=1e-9)
    h, w = raster.rgb.shape[:2]
    np.testing.assert_allclose(raster.to_map([0, 0]), [raster.x0, raster.y1])  # top left
    np.testing.assert_allclose(raster.to_map([w - 1, h - 1]), [raster.x1, raster.y0])  # bottom right
