"""Pictures from model outputs: uint8 conversion, blur-free upscaling, grids, PNG bytes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from vae_core.images import data_uri, grid, png_bytes, to_uint8, upscale


def test_to_uint8_rounds_and_clips():
    np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.0, 0.5, 1.0, 2.0])), [0, 0, 128, 255, 255])


def test_upscale_repeats_pixels():
    up = upscale(np.array([[0.0, 1.0]]), 3)
    assert up.shape == (3, 6)
    np.testing.assert_array_equal(np.unique(up[:, :3]), [0])
    np.testing.assert_array_equal(np.unique(up[:, 3:]), [255])


def test_grid_layout():
    imgs = np.stack([np.full((2, 2), v, np.uint8) for v in (10, 20, 30)])
    sheet = grid(imgs, cols=2, pad=1, fill=0)
    assert sheet.shape == (5, 5)
    assert sheet[0, 0] == 10 and sheet[0, 3] == 20 and sheet[3, 0] == 30 and sheet[3, 3] == 0


def test_png_bytes_round_trip():
    img = np.linspace(0, 1, 28 * 28).reshape(28, 28)
    with Image.open(io.BytesIO(png_bytes(img, scale=2))) as decoded:
        assert decoded.size == (56, 56)
        np.testing.assert_array_equal(np.asarray(decoded)[::2, ::2], to_uint8(img))


def test_data_uri_round_trips_png_pixels_and_refuses_unknown_formats():
    import base64

    def decoded(uri: str) -> Image.Image:
        return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))

    img = np.random.default_rng(0).random((28, 28))
    uri = data_uri(img)
    assert uri.startswith("data:image/png;base64,")
    np.testing.assert_array_equal(np.asarray(decoded(uri)), to_uint8(img))
    assert decoded(data_uri(img, scale=3)).size == (84, 84)
    jpeg = data_uri(np.zeros((10, 12, 3), dtype=np.uint8), fmt="jpeg")
    assert jpeg.startswith("data:image/jpeg;base64,")
    assert decoded(jpeg).size == (12, 10)
    with pytest.raises(ValueError, match="PNG or JPEG"):
        data_uri(img, fmt="gif")
