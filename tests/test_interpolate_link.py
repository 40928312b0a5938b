"""The Interpolate page's link (``ui.interpolate.link``): what it writes, and what it reads back."""

from __future__ import annotations

import numpy as np

from ui.interpolate.link import WalkLink, parse_query, round_code, to_query


def test_a_walk_of_two_training_items_round_trips():
    query = to_query(12, 345, 7, "both", False, "pca")
    assert query == {"a": "12", "b": "345", "frames": "7", "method": "both", "midpoint": "0", "map": "pca"}
    want = WalkLink(a=12, b=345, frames=7, method="both", midpoint=False, map_method="pca")
    assert parse_query(query, 600, 10) == want


def test_a_code_travels_with_three_decimals_and_comes_back_exactly():
    z = round_code(np.random.default_rng(0).normal(size=10) * 2)
    assert all(round(v, 3) == v for v in z)
    query = to_query(z, 9, 10, "linear", True, "tsne")
    assert "a" not in query and query["za"].count(",") == 9
    assert parse_query(query, 600, 10).a == z
    assert round_code([-0.0001, 1.23449, 1.2345]) == (0.0, 1.234, 1.234)  # (half to even) and no -0.0


def test_unusable_parameters_become_notes_and_an_index_wins_over_a_code():
    link = parse_query(
        {"a": "70000", "za": "1,2", "b": "3", "zb": "0,0", "frames": "40", "method": "cubic", "midpoint": "yes"},
        600,
        2,
    )
    assert link.a == (1.0, 2.0) and link.b == 3  # a's index is out of range: its code is used
    assert link.frames is None and link.method is None and link.midpoint is None
    notes = " | ".join(link.notes)
    assert "a='70000' ignored: Index 70000 is outside the training data" in notes
    assert "frames='40' ignored: The number of frames must be between 2 and 32; got 40." in notes
    assert "method='cubic' ignored: use one of linear, slerp, both." in notes
    assert "midpoint='yes' ignored: use 1 or 0." in notes


def test_bad_codes_are_refused_with_the_reason():
    for text, why in (
        ("1,2,3", "it has 3 values; this model's codes have 2"),
        ("1,x", "not a number"),
        ("1,nan", "finite numbers within ±8"),
        ("1,9", "finite numbers within ±8"),
        ("1," * 3000, "characters long"),
    ):
        link = parse_query({"za": text}, 600, 2)
        assert link.a is None and why in link.notes[0], (text, link.notes)
    assert len(parse_query({"za": "9" * 100_000}, 600, 2).notes[0]) < 300  # echoed shortened
