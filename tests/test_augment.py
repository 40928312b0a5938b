"""Batch augmentation: 8-bit values out, the background and greys kept, reproducible by seed."""

from __future__ import annotations

import math

import torch

from vae_core.model.augment import Augment, _hue_matrix, augment


def _batch() -> torch.Tensor:
    """Four 16 x 16 colour images on white: a red, a green and a grey square, and a blank one."""
    x = torch.ones(4, 3, 16, 16)
    x[0, :, 4:12, 4:12] = torch.tensor([220, 30, 30]).view(3, 1, 1) / 255
    x[1, :, 2:9, 6:14] = torch.tensor([40, 200, 60]).view(3, 1, 1) / 255
    x[2, :, 5:11, 3:13] = 90 / 255
    return x


def test_values_stay_on_the_8_bit_grid_and_in_range():
    y = augment(_batch(), torch.Generator().manual_seed(0))
    assert y.shape == (4, 3, 16, 16)
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0
    torch.testing.assert_close(y * 255, (y * 255).round(), atol=1e-4, rtol=0)


def test_white_stays_white_grey_stays_grey_and_red_stays_red():
    x = _batch()
    for seed in range(5):
        y = augment(x, torch.Generator().manual_seed(seed))
        assert torch.equal(y[3], x[3])  # a blank white image: shifts fill with its own background
        grey = y[2]
        assert float((grey.max(0).values - grey.min(0).values).max()) <= 1 / 255 + 1e-6  # no colour appears
        red = y[0][:, y[0].min(0).values < 0.9]  # the garment's pixels
        r, g, b = red.mean(1).tolist()
        assert r > 0.6 and g < 0.35 and b < 0.35


def test_hue_rotation_is_a_rotation_about_the_grey_axis():
    rot = _hue_matrix(torch.tensor([2 * math.pi / 3]))[0]
    torch.testing.assert_close(rot @ torch.ones(3), torch.ones(3))  # grey is fixed
    torch.testing.assert_close(rot @ rot.T, torch.eye(3), atol=1e-6, rtol=0)
    torch.testing.assert_close(rot @ torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]), atol=1e-6, rtol=0)


def test_same_seed_same_batch_and_nothing_to_do_is_identity():
    x = _batch()
    a = augment(x, torch.Generator().manual_seed(3))
    assert torch.equal(a, augment(x, torch.Generator().manual_seed(3)))
    assert not torch.equal(a, augment(x, torch.Generator().manual_seed(4)))
    off = Augment(flip=0.0, scale=0.0, shift=0.0, hue=0.0, saturation=0.0)
    torch.testing.assert_close(augment(x, torch.Generator().manual_seed(0), off), x, atol=1e-6, rtol=0)
    flipped = augment(
        x, torch.Generator().manual_seed(0), Augment(flip=1.0, scale=0.0, shift=0.0, hue=0.0, saturation=0.0)
    )
    torch.testing.assert_close(flipped, x.flip(-1), atol=1e-6, rtol=0)
