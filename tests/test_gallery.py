"""The gallery's data: one PNG data: URI per tile, encoded once per distinct image."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from ui.common.gallery import Tile, _png_uri, gallery_data, tile_uri


def _decode(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_tiles_carry_their_image_and_caption():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    data = gallery_data([Tile(im, f"#{i}  \nlog q -{i}.0", str(i)) for i, im in enumerate(images)], 6, "use", None)
    assert [t["key"] for t in data["tiles"]] == ["0", "1", "2"]
    assert data["tiles"][1]["caption"] == "#1\nlog q -1.0"
    for tile, image in zip(data["tiles"], images, strict=True):
        np.testing.assert_array_equal(_decode(tile["src"]), image)


def test_the_same_image_is_encoded_once():
    image = np.arange(28 * 28, dtype=np.uint8).reshape(28, 28)
    _png_uri.cache_clear()
    first = tile_uri(image)
    assert tile_uri(image.copy()) == first
    assert _png_uri.cache_info().hits == 1
    other = image.copy()
    other[0, 0] += 1
    assert tile_uri(other) != first  # one pixel apart: a different tile
    colour = np.stack([image] * 3, axis=-1)
    np.testing.assert_array_equal(_decode(tile_uri(colour)), colour)
