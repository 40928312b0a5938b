"""The shared map figure and the parser of its selection events."""

from __future__ import annotations

import numpy as np

from ui.common.figures import map_figure, selected_indices


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
