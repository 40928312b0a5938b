"""Naming the Explore sliders' ends on a constructed catalogue (two classes on either side of z1,
a decoder whose garment widens with z1 and brightens with z2), the visual words, and the labels."""

from __future__ import annotations

import numpy as np
import pytest

from ui.explore.sliders import (
    UNCHANGED,
    describe_looks,
    end_points,
    look_of,
    name_ends,
    percent,
    slider_label,
)
from ui.explore.state import slider_specs
from vae_core import LikelihoodIndex, class_probabilities

CLASSES = ("Shirt", "Shoe")


def catalogue(rng, n: int = 200) -> LikelihoodIndex:
    """Shirts around z = (-3, 0), shoes around (+3, 0): z1 goes from shirt to shoe."""
    labels = np.repeat([0, 1], n // 2)
    mu = np.stack([np.where(labels == 0, -3.0, 3.0) + rng.normal(0, 0.3, n), rng.normal(0, 1.0, n)], axis=1)
    return LikelihoodIndex(mu, np.full((n, 2), np.log(0.25)), labels)


def decode(zs: np.ndarray) -> np.ndarray:
    """A bar on black, 8 + 2 z1 pixels wide and as bright as sigmoid(z2): (M, 28, 28)."""
    out = np.zeros((len(zs), 28, 28))
    for img, (z1, z2) in zip(out, np.asarray(zs), strict=True):
        half = int(round(4 + z1))
        img[6:22, 14 - half : 14 + half] = 1 / (1 + np.exp(-z2))
    return out


def test_end_points_of_dimensions_and_directions():
    low, high = end_points([0.5, -1.0], [1, 0], np.array([[0.6, 0.8]]), 2.0)
    np.testing.assert_allclose(low, [[0.5, -2.0], [-2.0, -1.0], [0.5 - 1.2, -1.0 - 1.6]])
    np.testing.assert_allclose(high, [[0.5, 2.0], [2.0, -1.0], [0.5 + 1.2, -1.0 + 1.6]])


def test_ends_are_named_by_class_then_by_look(rng):
    index = catalogue(rng)
    z = np.array([2.5, 0.0])
    low, high = end_points(z, [0, 1], np.array([[0.0, 1.0]]), 3.0)
    ends = name_ends(index, CLASSES, low, high, decode, names=["z1", "z2", "brighter"], limit=3.0)
    # z1: from the shirts to the shoes, by the exact class probabilities at each end
    assert (ends[0].low, ends[0].high) == ("Shirt", "Shoe")
    probs = class_probabilities(np.stack([index.log_q(low[0]), index.log_q(high[0])]), index.labels_, 2)
    assert probs[0, 0] > 0.99 and probs[1, 1] > 0.99
    assert ends[0].title == "◂ z1 at -3: Shirt >99 %\n▸ z1 at +3: Shoe >99 %"
    # z2 and the direction along it stay among the shoes: their ends are named by how they look
    for e in ends[1:]:
        assert (e.low, e.high) == ("darker", "lighter")
        assert e.title.startswith("Shoe at both ends. ")


def test_without_classes_every_end_is_named_by_its_look(rng):
    index = catalogue(rng)
    flat = LikelihoodIndex(index.mu_, np.full(index.mu_.shape, np.log(0.25)), np.zeros(len(index), dtype=int))
    low, high = end_points([0.0, 0.0], [0, 1], None, 3.0)
    ends = name_ends(flat, ("my garments",), low, high, decode, names=["z1", "z2"], limit=3.0)
    assert [(e.low, e.high) for e in ends] == [("narrower", "wider"), ("darker", "lighter")]
    # a dimension the decoder ignores changes nothing worth a word
    still = name_ends(flat, ("my garments",), low, high, lambda zs: decode(zs * [0, 1]), names=["z1", "z2"])
    assert (still[0].low, still[0].high) == (UNCHANGED, UNCHANGED)


def test_visual_words_for_size_and_colour():
    wide, narrow = np.zeros((1, 28, 28)), np.zeros((1, 28, 28))
    wide[0, 10:18, 4:24], narrow[0, 10:18, 12:16] = 0.8, 0.8
    assert describe_looks(narrow, wide) == [("narrower", "wider")]
    tall = np.zeros((1, 28, 28))
    tall[0, 2:26, 10:18] = 0.8
    assert describe_looks(tall, wide)[0] == ("taller, narrower", "shorter, wider")
    red, blue = np.zeros((1, 28, 28, 3)), np.zeros((1, 28, 28, 3))
    red[0, 8:20, 8:20] = [0.9, 0.2, 0.2]
    blue[0, 8:20, 8:20] = [0.2, 0.2, 0.9]
    assert describe_looks(blue, red) == [("more blue", "more red")]
    assert describe_looks(red, red) == [(UNCHANGED, UNCHANGED)]
    # on a light ground the ink is the dark garment: it spreads the same
    np.testing.assert_allclose(look_of(1 - wide)[0, 1:3], look_of(wide)[0, 1:3])


@pytest.mark.parametrize(("p", "text"), [(0.834, "83 %"), (0.004, "<1 %"), (0.9951, ">99 %"), (0.5, "50 %")])
def test_percent(p, text):
    assert percent(p) == text


def test_labels_hide_nats_unless_expert():
    specs = slider_specs([0.5, 2.3, 0.001])
    names = {1: "sleeves"}
    assert [slider_label(s, names, expert=False)[0] for s in specs] == ["sleeves", "z1", "z3 · unused"]
    expert = [slider_label(s, names, expert=True)[0] for s in specs]
    assert expert == ["sleeves (z2) · 2.30 nats", "z1 · 0.50 nats", "z3 · inactive"]
    assert all("nats" not in slider_label(s, names, expert=False)[1] for s in specs)
