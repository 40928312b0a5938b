"""The map layer's thumbnail sheets (``ui.common.map_layer.sheet_for``): the hovered garment
and its nearest neighbours on the map, in one PNG, each tile the item's own picture."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from ui.common.map_layer import COLUMNS, sheet_for


def test_a_sheet_holds_the_hovered_garment_first_then_its_nearest_on_the_map(pkg):
    xy = np.asarray(pkg.tsne_xy, dtype=np.float64)
    means = (pkg.decode(pkg.mu) * 255 + 0.5).astype(np.uint8)  # (the pictures of the items: here decoded means)
    sheet = sheet_for(xy, 7, lambda idx: means[idx], batch=20)
    order = np.argsort(np.sum((xy - xy[7]) ** 2, axis=1), kind="stable")
    assert sheet["indices"][0] == 7 and len(sheet["indices"]) == 20
    assert set(sheet["indices"]) == {7, *[int(i) for i in order[:21] if i != 7][:19]}
    png = Image.open(io.BytesIO(base64.b64decode(sheet["src"].split(",", 1)[1])))
    tiles = np.asarray(png.convert("L"))
    size, step = sheet["size"], sheet["size"] + sheet["pad"]
    for k, index in enumerate(sheet["indices"]):
        r, c = divmod(k, COLUMNS)
        tile = tiles[r * step : r * step + size, c * step : c * step + size]
        np.testing.assert_array_equal(tile, means[index])
