"""The shared map figure and the parser of its selection events."""

from __future__ import annotations

import numpy as np

from ui.common.figures import map_figure, selected_indices, walk_overlay


def test_one_trace_per_group_with_indices_as_customdata():
    xy = np.arange(20, dtype=float).reshape(10, 2)
    groups = np.array([0, 1, 0, 2, 1, 0, 2, 2, 1, 0])
    fig = map_figure(xy, groups, ["a", "b", "c"], visible=[0, 2])
    assert [t.name for t in fig.data] == ["a", "b", "c"]
    assert all(t.type == "scattergl" for t in fig.data)
    np.testing.assert_array_equal(fig.data[1].customdata, [1, 4, 8])
    np.testing.assert_array_equal(fig.data[1].x, xy[[1, 4, 8], 0])
    assert fig.data[1].visible == "legendonly" and fig.data[0].visible is True


def test_overlays():
    xy = np.random.default_rng(0).normal(size=(30, 2))
    fig = map_figure(xy, np.zeros(30, int), ["all"], highlight=[3, 5], here=np.array([0.1, 0.2]), path=xy[:4])
    names = [t.name for t in fig.data]
    assert names == ["all", "top-k neighbours", "walk", "you are here"]
    here = fig.data[-1]
    assert (here.x[0], here.y[0]) == (0.1, 0.2) and here.marker.symbol == "star"
    np.testing.assert_array_equal(fig.data[1].customdata, [3, 5])


def test_selected_indices_reads_customdata():
    event = {
        "selection": {
            "points": [
                {"curve_number": 0, "point_index": 4, "customdata": 17},
                {"curve_number": 1, "point_index": 0, "customdata": [3]},
                {"curve_number": 2, "point_index": 0},  # an overlay point: no customdata
                {"curve_number": 0, "point_index": 4, "customdata": 17.0},  # duplicate
            ]
        }
    }
    assert selected_indices(event) == [17, 3]
    assert selected_indices(None) == [] and selected_indices({"selection": {"points": []}}) == []
    assert selected_indices({"selection": None}) == []


def test_walk_overlay_leaves_the_ends_to_the_stars_and_labels_them_away_from_the_walk():
    base = map_figure(np.array([[0.0, 0.0], [10.0, 10.0]]), np.array([0, 0]), ["all"])
    a, b = np.array([1.0, 5.0]), np.array([9.0, 5.0])
    walk = np.linspace(a, b, 5)
    fig = walk_overlay(base, [("linear", walk, None)], [("A #1 Coat", a), ("B #2 Bag", b)])
    path = [t for t in fig.data if t.name == "walk (Linear)"][0]
    assert list(path.text) == ["", "1", "2", "3", ""]  # frames 0 and 4 are A and B: their stars say so
    assert path.customdata is None  # a click on a frame is not a click on a training item
    ann = {a.text: a for a in fig.layout.annotations}
    assert set(ann) == {"A #1 Coat", "B #2 Bag"}
    assert ann["A #1 Coat"].ax < 0 and ann["B #2 Bag"].ax > 0  # A's label left of A, B's right of B
    assert abs(ann["A #1 Coat"].ay) < 1e-9 and (ann["A #1 Coat"].x, ann["A #1 Coat"].y) == (1.0, 5.0)
