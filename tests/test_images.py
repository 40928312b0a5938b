"""Pictures from model outputs: uint8 conversion, blur-free upscaling, grids, PNG bytes."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from vae_core.images import grid, png_bytes, to_uint8, upscale


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
