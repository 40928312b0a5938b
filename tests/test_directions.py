"""Directions from groups of garments: mean codes, the difference of two selections' means, and
moving a garment along a direction (hand-computed values)."""

from __future__ import annotations

import numpy as np
import pytest

from vae_core import InputError
from vae_core.latent.directions import along, direction_between, mean_code, unit

MU = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [2.0, 4.0]])


def test_mean_code():
    np.testing.assert_array_equal(mean_code(MU), [1.0, 2.0])
    np.testing.assert_array_equal(mean_code(MU, [1, 3]), [2.0, 2.0])


def test_direction_from_a_to_b_and_from_the_catalogue():
    np.testing.assert_array_equal(direction_between(MU, [2, 3], [0, 1]), [0.0, 4.0])  # (1, 4) - (1, 0)
    np.testing.assert_array_equal(direction_between(MU, [3]), [1.0, 2.0])  # (2, 4) - (1, 2)


def test_moving_along_a_direction_is_in_units_of_z():
    np.testing.assert_allclose(unit([3.0, 4.0]), [0.6, 0.8])
    np.testing.assert_allclose(along([1.0, 1.0], [3.0, 4.0], 5.0), [4.0, 5.0])  # 5 units along (0.6, 0.8)
    np.testing.assert_allclose(along([1.0, 1.0], [30.0, 40.0], -5.0), [-2.0, -3.0])  # |v| does not matter


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: direction_between(MU, [0, 3], [1, 2]), "same mean"),
        (lambda: direction_between(MU, []), "empty"),
        (lambda: direction_between(MU, [4]), "outside the catalogue"),
        (lambda: unit([0.0, 0.0]), "non-zero"),
        (lambda: unit([np.nan, 1.0]), "finite"),
    ],
)
def test_refusals_say_why(call, words):
    with pytest.raises(InputError, match=words):
        call()
