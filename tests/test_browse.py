"""Latent map logic: selection events, class histogram, paging, find by index/class, projections."""

from __future__ import annotations

import numpy as np
import pytest

from ui.latent_map.browse import (
    AREA,
    NONE,
    POINT,
    class_histogram,
    class_members,
    interpret_selection,
    page_slice,
    parse_class,
    parse_index,
    projection,
)
from vae_core import InputError, ModelPackage
from vae_core.model.data import CLASS_NAMES


def _event(custom, box=(), lasso=()):
    """A selection event shaped like st.plotly_chart's (points carry customdata = index)."""
    points = [{"curve_number": 0, "point_index": k, "customdata": c} for k, c in enumerate(custom)]
    return {"selection": {"points": points, "point_indices": list(range(len(points))), "box": list(box),
                          "lasso": list(lasso)}}  # fmt: skip


BOX = [{"xref": "x", "yref": "y", "x": [0, 1], "y": [0, 1]}]


def test_click_on_one_point_is_a_point_selection():
    sel = interpret_selection(_event([417]), n_items=600)
    assert sel.kind == POINT and sel.indices == (417,)


def test_box_and_lasso_are_area_selections_even_with_one_or_no_point():
    assert interpret_selection(_event([5, 9, 5, 2], box=BOX)).indices == (5, 9, 2)  # dedup, keeps order
    one = interpret_selection(_event([7], box=BOX))
    assert one.kind == AREA and one.indices == (7,)
    empty = interpret_selection(_event([], lasso=[{"x": [0, 1, 1], "y": [0, 0, 1]}]))
    assert empty.kind == AREA and len(empty) == 0


def test_shift_clicked_points_are_an_area_and_overlay_points_are_ignored():
    sel = interpret_selection(_event([3, None, 8]))  # None: a "you are here" star has no customdata
    assert sel.kind == AREA and sel.indices == (3, 8)


def test_empty_or_missing_events_select_nothing_and_stale_indices_are_dropped():
    assert interpret_selection(None).kind == NONE
    assert interpret_selection({}).kind == NONE
    assert interpret_selection({"selection": {"points": [], "box": [], "lasso": []}}).kind == NONE
    assert interpret_selection(_event([59_999]), n_items=600).kind == NONE
    assert interpret_selection(_event([1, 59_999], box=BOX), n_items=600).indices == (1,)


def test_customdata_may_arrive_as_a_list_or_float():
    assert interpret_selection(_event([[12], 13.0], box=BOX)).indices == (12, 13)


def test_class_histogram_counts_each_class():
    labels = np.array([0, 1, 1, 2, 9, 9, 9], dtype=np.uint8)
    counts = class_histogram(labels, [1, 2, 4, 5, 6], 10)
    assert counts.tolist() == [0, 2, 0, 0, 0, 0, 0, 0, 0, 3]
    assert class_histogram(labels, [], 10).tolist() == [0] * 10


@pytest.mark.parametrize(
    ("n", "page", "per", "expected"),
    [
        (100, 0, 32, (0, 4, 0, 32)),
        (100, 3, 32, (3, 4, 96, 100)),  # last page is short
        (100, 9, 32, (3, 4, 96, 100)),  # past the end: clamped to the last page
        (100, -2, 32, (0, 4, 0, 32)),
        (0, 5, 32, (0, 1, 0, 0)),  # empty list: one empty page
        (64, 1, 32, (1, 2, 32, 64)),
    ],
)
def test_page_slice(n, page, per, expected):
    s = page_slice(n, page, per)
    assert (s.page, s.n_pages, s.start, s.stop) == expected


def test_page_slice_rejects_a_zero_page_size():
    with pytest.raises(InputError):
        page_slice(10, 0, 0)


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("123", 123), ("#123", 123), (" 59,999 ", 59_999),
                                             ("# 7", 7), ("1_000", 1000)])  # fmt: skip
def test_parse_index_accepts_what_people_type(text, value):
    assert parse_index(text, 60_000) == value


def test_parse_index_out_of_range_says_the_valid_range():
    with pytest.raises(InputError, match=r"no item #60,000: the catalogue holds 60,000 items, numbered 0 to 59,999"):
        parse_index("60000", 60_000)
    with pytest.raises(InputError, match=r"no item #-1"):
        parse_index("-1", 60_000)


@pytest.mark.parametrize("text", ["abc", "12.5", "1e3", "", "   "])
def test_parse_index_rejects_non_numbers(text):
    with pytest.raises(InputError, match="0 and 599"):
        parse_index(text, 600)


def test_parse_class_by_name_or_number():
    assert parse_class("Ankle boot", CLASS_NAMES) == 9
    assert parse_class("  ankle BOOT ", CLASS_NAMES) == 9
    assert parse_class(3, CLASS_NAMES) == 3
    assert parse_class("7", CLASS_NAMES) == 7
    with pytest.raises(InputError, match="choose one of T-shirt/top, Trouser"):
        parse_class("hat", CLASS_NAMES)
    with pytest.raises(InputError, match="numbered 0 to 9"):
        parse_class(10, CLASS_NAMES)


def test_class_members():
    labels = np.array([3, 1, 3, 0, 3], dtype=np.uint8)
    assert class_members(labels, 3).tolist() == [0, 2, 4]
    assert class_members(labels, 7).tolist() == []


@pytest.fixture(scope="module")
def tiny(tiny_package_dir) -> ModelPackage:
    return ModelPackage.load(tiny_package_dir)


def test_projection_tsne_and_default_pca_use_the_stored_maps(tiny):
    t = projection(tiny, "tsne")
    np.testing.assert_array_equal(t.xy, tiny.tsne_xy)
    assert t.axis_titles == ("t-SNE 1", "t-SNE 2")
    p = projection(tiny, "pca")
    np.testing.assert_allclose(p.xy, tiny.pca_xy, atol=1e-5)


def test_projection_any_two_pca_components_with_explained_variance_titles(tiny):
    p = projection(tiny, "pca", (2, 0))
    centred = tiny.mu.astype(np.float64) - tiny.pca.mean_
    np.testing.assert_allclose(p.xy[:, 0], centred @ tiny.pca.components_[2], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(p.xy[:, 1], centred @ tiny.pca.components_[0], rtol=1e-4, atol=1e-4)
    r = tiny.pca.explained_ratio_
    assert p.axis_titles == (f"PC3 ({100 * r[2]:.1f}% of variance)", f"PC1 ({100 * r[0]:.1f}% of variance)")
    # the first component explains the most variance
    assert r[0] >= r[2]


def test_projection_rejects_bad_components_and_methods(tiny):
    with pytest.raises(InputError, match="two different"):
        projection(tiny, "pca", (1, 1))
    with pytest.raises(InputError, match="between 1 and 10"):
        projection(tiny, "pca", (0, 10))
    with pytest.raises(InputError, match="Unknown map"):
        projection(tiny, "umap")
