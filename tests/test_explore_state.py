"""The Explore page's state: link parsing, slider order and labels, z export."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from ui.explore.state import (
    DEFAULT_METHOD,
    DEFAULT_RANGE,
    K_DEFAULT,
    K_MAX,
    MAX_QUERY_CHARS,
    Z_LIMIT,
    ExploreState,
    format_z,
    parse_query,
    range_for,
    round_z,
    slider_key,
    slider_specs,
    to_query,
    z_json,
)

D = 10


# ------------------------------------------------------------------------------ links
def test_missing_params_give_the_origin_without_notice():
    state = parse_query({}, D)
    assert state.z == (0.0,) * D
    assert (state.k, state.method, state.notices) == (K_DEFAULT, DEFAULT_METHOD, ())


def test_valid_link_round_trips_exactly():
    state = ExploreState(z=(1.25, -0.5, 0.0, 3.0, -4.999, 0.001, 2.0, -2.0, 0.125, 8.0), k=7, method="pca")
    query = to_query(state)
    assert query == {"z": "1.25,-0.5,0,3,-4.999,0.001,2,-2,0.125,8", "k": "7", "map": "pca"}
    back = parse_query(query, D)
    assert back == state
    assert back.notices == ()


def test_list_values_use_the_last_one():
    state = parse_query({"k": ["3", "5"], "map": ["pca"]}, D)
    assert (state.k, state.method) == (5, "pca")


def test_too_few_values_are_padded_with_zeros():
    state = parse_query({"z": "1,2,3"}, D)
    assert state.z == (1.0, 2.0, 3.0) + (0.0,) * 7
    assert len(state.notices) == 1 and "missing 7 were set to 0" in state.notices[0]


def test_too_many_values_are_dropped():
    state = parse_query({"z": ",".join(["1"] * 14)}, D)
    assert state.z == (1.0,) * D
    assert "extra ones were dropped" in state.notices[0]


def test_text_becomes_zero_with_notice():
    state = parse_query({"z": "1,abc,2,,3,x,0,0,0,0"}, D)
    assert state.z == (1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert "Value 2 ('abc'), 4 (''), 6 ('x') of z is not a number" in state.notices[0]


def test_nan_and_inf_are_repaired():
    state = parse_query({"z": "nan,inf,-inf,NaN,1,1,1,1,1,1"}, D)
    assert state.z[:4] == (0.0, Z_LIMIT, -Z_LIMIT, 0.0)
    assert all(math.isfinite(v) for v in state.z)
    assert "not finite" in state.notices[0]


def test_huge_numbers_are_clamped():
    state = parse_query({"z": "1e308,-1e308,1e309,9,-8.0001,7.9,0,0,0,0"}, D)
    assert Z_LIMIT == 8.0
    assert state.z[:6] == (8.0, -8.0, 8.0, 8.0, -8.0, 7.9)
    text = " ".join(state.notices)
    assert "1e308" in text and "clamped" in text


def test_values_are_rounded_to_three_decimals():
    state = parse_query({"z": "0.123456,-0.0004,0,0,0,0,0,0,0,0"}, D)
    assert state.z[:2] == (0.123, 0.0)
    assert state.notices == ()


def test_empty_z_means_all_zeros_with_notice():
    state = parse_query({"z": ""}, D)
    assert state.z == (0.0,) * D
    assert "gives 0 z values" in state.notices[0]


def test_enormous_z_is_ignored():
    state = parse_query({"z": "1," * (MAX_QUERY_CHARS)}, D)
    assert state.z == (0.0,) * D
    assert "ignored" in state.notices[0]


@pytest.mark.parametrize(
    ("k_text", "k", "fragment"),
    [("20", 20, None), ("0", 1, "outside"), ("1000", K_MAX, "outside"), ("-3", 1, "outside"),
     ("abc", K_DEFAULT, "whole number"), ("2.5", K_DEFAULT, "whole number"), ("nan", K_DEFAULT, "whole"),
     ("1e308", K_MAX, "outside"), ("inf", K_DEFAULT, "whole"), ("12.0", 12, None)],
)  # fmt: skip
def test_k_is_validated(k_text, k, fragment):
    state = parse_query({"k": k_text}, D)
    assert state.k == k
    if fragment is None:
        assert state.notices == ()
    else:
        assert fragment in state.notices[0]


@pytest.mark.parametrize(("text", "method"), [("pca", "pca"), ("PCA", "pca"), ("t-SNE", "tsne"), ("umap", "tsne")])
def test_map_is_validated(text, method):
    state = parse_query({"map": text}, D)
    assert state.method == method
    assert bool(state.notices) == (text == "umap")


def test_format_z_is_compact_and_has_no_negative_zero():
    assert format_z([0.5, -0.0, 1.0, -1.25, 2.0004, -0.0004, 0.0015]) == "0.5,0,1,-1.25,2,0,0.002"
    assert format_z(np.zeros(3)) == "0,0,0"


# ------------------------------------------------------------------------------ sliders
def test_sliders_are_ordered_by_kl_with_inactive_last():
    kl = [0.5, 0.001, 2.3, 0.0, 1.1]
    specs = slider_specs(kl)
    assert [s.dim for s in specs] == [2, 4, 0, 1, 3]
    assert [s.label for s in specs] == [
        "z3 · 2.30 nats",
        "z5 · 1.10 nats",
        "z1 · 0.50 nats",
        "z2 · inactive",
        "z4 · inactive",
    ]
    assert [s.active for s in specs] == [True, True, True, False, False]
    assert specs[0].key == "explore.z3" == slider_key(2)
    assert "rank 1 of 5" in specs[0].help
    assert "ignores it" in specs[3].help


def test_ties_keep_dimension_order_and_nan_is_inactive():
    specs = slider_specs([1.0, 1.0, float("nan")])
    assert [s.dim for s in specs] == [0, 1, 2]
    assert specs[2].label == "z3 · inactive"


def test_round_z_clips_and_reports():
    z, clipped = round_z([1.23456, -9.0, float("nan"), float("inf")])
    assert z == (1.235, -8.0, 0.0, 8.0)
    assert clipped
    assert round_z([0.1, -0.2]) == ((0.1, -0.2), False)


def test_range_widens_only_when_needed():
    assert range_for(np.zeros(10), DEFAULT_RANGE) == 3.0
    assert range_for([2.9, -1.0], 3.0) == 3.0
    assert range_for([3.2, 0.0], 3.0) == 4.0
    assert range_for([-4.25], 3.0) == 5.0
    assert range_for([5.73], 3.0) == 8.0
    assert range_for([1.0], 5.0) == 5.0  # never narrows on its own
    assert range_for([9.0], 2.0) == Z_LIMIT


# ------------------------------------------------------------------------------ export
def test_z_json_carries_the_state_and_how_to_reproduce_it():
    doc = json.loads(
        z_json([0.5, -1.0, 0.0], k=5, method="pca", package="pkg", data_fingerprint="abc", package_fingerprint="f00")
    )
    assert doc["z"] == [0.5, -1.0, 0.0]
    assert doc["latent_dim"] == 3
    assert (doc["k"], doc["map"], doc["package"], doc["data_fingerprint"]) == (5, "pca", "pkg", "abc")
    assert doc["package_fingerprint"] == "f00"
    assert doc["query"] == "?package=pkg&z=0.5,-1,0&k=5&map=pca"
    assert doc["cli"] == "python -m vae_core decode --package pkg --z=0.5,-1,0 --out garment.png"
    odd = json.loads(z_json([0.0], package="my shop $(id)"))
    assert odd["cli"].startswith("python -m vae_core decode --package 'my shop $(id)' --z=0")
    assert odd["query"].startswith("?package=my%20shop%20%24%28id%29&z=0")


def test_inactive_means_at_most_the_active_unit_threshold():
    # one home for the threshold: a dimension at exactly ACTIVE_KL is inactive, just above it active
    from vae_core.latent.metrics import ACTIVE_KL

    specs = slider_specs([ACTIVE_KL, ACTIVE_KL * 1.001])
    assert [(s.dim, s.active) for s in specs] == [(1, True), (0, False)]
