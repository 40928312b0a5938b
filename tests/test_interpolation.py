"""The maths of walks and latent arithmetic (vae_core.latent.interpolation), against hand-computed values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from vae_core import InputError
from vae_core.latent.interpolation import (
    PARALLEL_EPS,
    analogy_grid,
    arithmetic,
    check_frames,
    check_index,
    class_centroids,
    frame_times,
    interpolate,
    lerp,
    orthogonal_direction,
    slerp,
    walk,
    walk_json,
)

S2 = math.sqrt(2.0)


# ------------------------------------------------------------------------------------------ lerp
def test_lerp_hand_values():
    a, b = np.array([1.0, 2.0, -4.0]), np.array([3.0, -2.0, 0.0])
    np.testing.assert_allclose(lerp(a, b, 0.25), [1.5, 1.0, -3.0])
    np.testing.assert_allclose(lerp(a, b, [0.0, 0.5, 1.0]), [[1, 2, -4], [2, 0, -2], [3, -2, 0]])
    assert lerp(a, b, 0.3).shape == (3,)
    assert lerp(a, b, [0.3]).shape == (1, 3)


def test_lerp_validates_inputs():
    with pytest.raises(InputError, match="expected 2"):
        lerp([1, 2], [1, 2, 3], 0.5)
    with pytest.raises(InputError, match="NaN"):
        lerp([1, np.nan], [0, 0], 0.5)
    with pytest.raises(InputError, match="t contains"):
        lerp([1, 0], [0, 1], [0.0, np.inf])


# ----------------------------------------------------------------------------------------- slerp
def test_slerp_orthonormal_midpoint_is_sum_over_sqrt2():
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(slerp(a, b, 0.5), (a + b) / S2, atol=1e-15)
    # a third of the way along the quarter circle: angle 30 degrees
    np.testing.assert_allclose(slerp(a, b, 1 / 3), [math.cos(math.pi / 6), 0.5, 0.0], atol=1e-15)


def test_slerp_stays_on_the_unit_sphere_for_unit_vectors():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=8), rng.normal(size=8)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    path = slerp(a, b, np.linspace(0, 1, 21))
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-12)
    # equal angular steps: the angle between successive frames is constant
    cos = np.sum(path[1:] * path[:-1], axis=1)
    np.testing.assert_allclose(cos, cos[0], atol=1e-12)


def test_slerp_interpolates_the_norm_linearly_and_keeps_the_direction_slerp():
    a, b = np.array([2.0, 0.0]), np.array([0.0, 6.0])
    t = np.array([0.0, 0.25, 0.5, 1.0])
    path = slerp(a, b, t)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), [2.0, 3.0, 4.0, 6.0], atol=1e-12)
    # at t = 0.5 the direction is halfway round the quarter circle: 45 degrees, norm 4
    np.testing.assert_allclose(path[2], [4 / S2, 4 / S2], atol=1e-12)
    np.testing.assert_allclose(path[1], 3.0 * np.array([math.cos(math.pi / 8), math.sin(math.pi / 8)]))


def test_slerp_matches_textbook_formula_in_general_position():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=5), rng.normal(size=5)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    u, v = a / na, b / nb
    om = math.acos(float(u @ v))
    for t in (0.1, 0.5, 0.8):
        direction = (math.sin((1 - t) * om) * u + math.sin(t * om) * v) / math.sin(om)
        np.testing.assert_allclose(slerp(a, b, t), ((1 - t) * na + t * nb) * direction, atol=1e-12)


def test_slerp_endpoints_are_exact():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=10), rng.normal(size=10)
    path = slerp(a, b, [0.0, 1.0])
    assert np.array_equal(path[0], a) and np.array_equal(path[1], b)


def test_slerp_parallel_falls_back_to_lerp():
    a = np.array([1.0, 2.0, 2.0])
    b = 3.0 * a
    t = np.linspace(0, 1, 5)
    np.testing.assert_allclose(slerp(a, b, t), lerp(a, b, t), atol=1e-15)
    # nearly parallel (angle 1e-9): finite and within O(angle^2) of the straight line
    c = b + np.array([0.0, 1e-9, -1e-9])
    out = slerp(a, c, t)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, lerp(a, c, t), atol=1e-12)


def test_slerp_identical_and_zero_vectors():
    a = np.array([0.3, -0.4])
    np.testing.assert_allclose(slerp(a, a, [0, 0.5, 1]), [a, a, a])
    zero = np.zeros(2)
    np.testing.assert_allclose(slerp(zero, a, 0.5), a / 2)  # no direction: the straight line
    np.testing.assert_allclose(slerp(a, zero, 0.25), 0.75 * a)


def test_slerp_opposite_vectors_go_through_a_deterministic_orthogonal_direction():
    a = np.array([1.0, 0.5, 0.0, 0.0])
    b = -2.0 * a
    t = np.linspace(0, 1, 9)
    path = slerp(a, b, t)
    assert np.all(np.isfinite(path))
    u = a / np.linalg.norm(a)
    w = orthogonal_direction(u)
    assert abs(w @ u) < 1e-15 and abs(np.linalg.norm(w) - 1) < 1e-15
    np.testing.assert_allclose(w, [0, 0, 1, 0])  # the first coordinate axis with |u_k| smallest
    na = np.linalg.norm(a)
    np.testing.assert_allclose(path[4], 1.5 * na * w, atol=1e-12)  # midpoint: norm 1.5|a|, along w
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), na * (1 + t), atol=1e-12)
    np.testing.assert_allclose(path[-1], b)
    # nearly opposite (inside PARALLEL_EPS) behaves the same way, without NaN
    nearly = b + np.array([0.0, 0.0, 0.0, 1e-12])
    assert np.all(np.isfinite(slerp(a, nearly, t)))
    np.testing.assert_allclose(slerp(a, nearly, 0.5), 1.5 * na * w, atol=1e-9)


def test_slerp_just_outside_the_thresholds_is_finite_and_smooth():
    a = np.array([1.0, 0.0, 0.0])
    for angle in (10 * PARALLEL_EPS, math.pi - 10 * PARALLEL_EPS):
        b = np.array([math.cos(angle), math.sin(angle), 0.0])
        path = slerp(a, b, np.linspace(0, 1, 11))
        assert np.all(np.isfinite(path))
        np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-12)


def test_slerp_one_dimensional_opposite_goes_straight():
    np.testing.assert_allclose(slerp([2.0], [-2.0], [0, 0.5, 1]), [[2.0], [0.0], [-2.0]])


def test_interpolate_rejects_unknown_method():
    with pytest.raises(InputError, match="linear, slerp"):
        interpolate([1, 0], [0, 1], 0.5, "cubic")


# -------------------------------------------------------------------------------- frames, midpoint
def test_frame_times_odd_has_the_midpoint_on_the_grid():
    t, mid = frame_times(5)
    np.testing.assert_allclose(t, [0, 0.25, 0.5, 0.75, 1])
    assert mid == 2 and t[mid] == 0.5


def test_frame_times_even_inserts_the_midpoint():
    t, mid = frame_times(10)
    assert len(t) == 11 and mid == 5 and t[mid] == 0.5
    np.testing.assert_allclose(np.delete(t, mid), np.linspace(0, 1, 10))
    assert np.all(np.diff(t) > 0)
    t2, mid2 = frame_times(10, include_midpoint=False)
    assert len(t2) == 10 and mid2 is None
    t3, mid3 = frame_times(2)
    np.testing.assert_allclose(t3, [0, 0.5, 1])
    assert mid3 == 1


def test_linear_walk_midpoint_frame_is_the_mean_of_a_and_b():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=6), rng.normal(size=6)
    for n in (9, 10, 32):
        w = walk(a, b, n, "linear")
        np.testing.assert_allclose(w.z[w.mid], (a + b) / 2, atol=1e-15)
        assert np.array_equal(w.z[0], a) and np.array_equal(w.z[-1], b)
    s = walk(a, b, 10, "slerp")
    assert len(s) == 11 and s.method == "slerp"


@pytest.mark.parametrize("bad", [1, 0, 33, -4, 2.5, "ten", None])
def test_frame_count_out_of_range_is_an_input_error(bad):
    with pytest.raises(InputError, match="frames"):
        check_frames(bad)


def test_check_frames_and_index_accept_valid_values():
    assert check_frames(2) == 2 and check_frames("32") == 32 and check_frames(10.0) == 10
    assert check_index(0, 5) == 0 and check_index("4", 5) == 4
    with pytest.raises(InputError, match="from 0 to 4"):
        check_index(5, 5)
    with pytest.raises(InputError, match="from 0 to 4"):
        check_index(-1, 5)
    with pytest.raises(InputError, match="whole number"):
        check_index(1.5, 5)


# ------------------------------------------------------------------------------------ arithmetic
def test_arithmetic_hand_values():
    a, b, c = np.array([1.0, 1.0]), np.array([0.0, 2.0]), np.array([3.0, 2.0])
    np.testing.assert_allclose(arithmetic(a, b, c, 1.0), [4.0, 1.0])
    np.testing.assert_allclose(arithmetic(a, b, c, -2.0), [-5.0, 1.0])
    np.testing.assert_allclose(arithmetic(a, b, c, 0.0), a)
    with pytest.raises(InputError, match="finite"):
        arithmetic(a, b, c, float("nan"))


def test_class_centroids_are_class_means():
    mu = np.array([[0.0, 0.0], [2.0, 4.0], [1.0, 1.0], [5.0, 5.0]])
    labels = np.array([0, 0, 2, 2])
    cents = class_centroids(mu, labels, 3)
    np.testing.assert_allclose(cents[0], [1.0, 2.0])
    np.testing.assert_allclose(cents[2], [3.0, 3.0])
    assert np.all(np.isnan(cents[1]))  # empty class


def test_analogy_grid_shape_and_values():
    rows = np.array([[0.0, 0.0], [1.0, 1.0]])
    grid = analogy_grid(rows, [1.0, -1.0], [-1.0, 0.0, 2.0])
    assert grid.shape == (2, 3, 2)
    np.testing.assert_allclose(grid[1, 2], [3.0, -1.0])
    np.testing.assert_allclose(grid[0, 0], [-1.0, 1.0])
    np.testing.assert_allclose(grid[:, 1], rows)


# ---------------------------------------------------------------------------------------- export
def test_walk_json_round_trips():
    w = walk([1.0, 0.0], [0.0, 1.0], 3, "slerp")
    doc = json.loads(walk_json([w], {"a": {"index": 7}}))
    assert doc["a"]["index"] == 7 and doc["walks"][0]["method"] == "slerp"
    frames = doc["walks"][0]["frames"]
    assert [f["t"] for f in frames] == [0.0, 0.5, 1.0] and doc["walks"][0]["midpoint_frame"] == 1
    np.testing.assert_allclose(frames[1]["z"], [1 / S2, 1 / S2])
