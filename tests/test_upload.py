"""Preparing a user's picture for the model, and the clear errors for bad files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from vae_core import InputError
from vae_core.upload import prepare_image


def _png(img: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def _garment_on(background: int, garment: int, size=(90, 60), mode="L") -> Image.Image:
    arr = np.full((size[1], size[0]), background, np.uint8)
    arr[10:-10, 30:-30] = garment
    return Image.fromarray(arr, mode="L").convert(mode)


def test_light_background_is_inverted_and_centred():
    prepared = prepare_image(_png(_garment_on(255, 0)))
    assert prepared.inverted and prepared.image.shape == (28, 28) and prepared.image.dtype == np.float32
    img = prepared.image
    assert img[0].max() < 0.05 and img[:, 0].max() < 0.05  # black border, as in Fashion-MNIST
    assert img[14, 14] > 0.95  # the garment is light
    assert prepared.original_size == (90, 60)


def test_dark_background_is_kept_and_choice_can_be_forced():
    assert not prepare_image(_png(_garment_on(0, 255))).inverted
    forced = prepare_image(_png(_garment_on(0, 255)), invert=True)
    assert forced.inverted and forced.image[0, 0] > 0.95


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "1", "CMYK", "I;16", "LA"])
def test_odd_modes_are_converted(mode):
    img = _garment_on(255, 0, mode="RGB" if mode == "CMYK" else "L")
    img = img.convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    prepared = prepare_image(_png(img, fmt))
    assert prepared.image.shape == (28, 28)
    assert prepared.image[14, 14] > 0.8 and prepared.image[0, 0] < 0.2


def test_transparent_background_counts_as_white():
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    rgba.paste((200, 0, 0, 255), (10, 10, 30, 30))
    prepared = prepare_image(_png(rgba))
    assert prepared.inverted and prepared.image[0, 0] < 0.05 and prepared.image[14, 14] > 0.3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"GIF89a but not really", "not a PNG, JPEG"),
        (b"plain text, no picture", "not a PNG, JPEG"),
    ],
)
def test_not_an_image(data, message):
    with pytest.raises(InputError, match=message):
        prepare_image(data)


def test_truncated_file():
    data = _png(Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8)))
    with pytest.raises(InputError, match="truncated|damaged"):
        prepare_image(data[: len(data) // 2])


def test_decompression_bomb_is_refused():
    # A tiny PNG header claiming 20000 x 20000 pixels (400 megapixels).
    big = Image.new("1", (20000, 20000))
    with pytest.raises(InputError, match="megapixels|too large"):
        prepare_image(_png(big))
