"""Lineage records (``ui.board.lineage``) and the board session rules (``ui.board.state``)."""

from __future__ import annotations

import pytest

from ui.board import lineage
from ui.board.state import K_CURRENT, K_MINE, MAX_MINE, board_link, forget, remember
from ui.explore.state import K_EDITS, K_ORIGIN


def test_origin_records():
    o = lineage.item_origin(12, "Ankle boot", [0.12345, -1.0])
    assert o == {
        "kind": "item",
        "label": "catalogue item #12 (Ankle boot)",
        "z": [0.123, -1.0],
        "index": 12,
        "class_name": "Ankle boot",
    }
    assert lineage.origin("prior", [9.0])["label"] == "a random draw from the prior"
    assert lineage.origin("prior", [9.0])["z"] == [8.0]  # z as Explore keeps it: rounded, within +-8
    with pytest.raises(ValueError, match="unknown origin kind"):
        lineage.origin("guess", [0.0])


def test_edits_are_recorded_capped_and_counted():
    state: dict = {}
    lineage.start(state, lineage.origin("zero", [0.0, 0.0]))
    lineage.record_edit(state, [0.0, 0.0])  # the start itself is not an edit
    assert state[K_EDITS] == {"total": 0, "recent": []}
    for i in range(1, lineage.MAX_EDITS + 6):
        lineage.record_edit(state, [i / 100, 0.0])
        lineage.record_edit(state, [i / 100, 0.0])  # a repeated release is one edit
    record = lineage.lineage(state, [0.55, 0.0])
    assert record["edits_total"] == lineage.MAX_EDITS + 5
    assert len(record["edits"]) == lineage.MAX_EDITS
    assert record["edits"][0] == [0.06, 0.0] and record["edits"][-1] == [0.55, 0.0]
    assert record["origin"] == state[K_ORIGIN] and record["saved_z"] == [0.55, 0.0]
    assert (
        lineage.describe(record)
        == f"Started from the centre of the space (z = 0), then {lineage.MAX_EDITS + 5} slider edits."
    )
    lineage.start(state, lineage.item_origin(3, "Shirt", [1.0, 1.0]))  # a new garment: no edits
    assert lineage.lineage(state, [1.0, 1.0])["edits"] == []


def test_names_and_descriptions():
    item = {"origin": lineage.item_origin(3, "Shirt", [0.0]), "edits_total": 0}
    assert lineage.suggested_name(item) == "Shirt #3"
    assert lineage.suggested_name({**item, "edits_total": 2}) == "Shirt #3, edited"
    upload = {"origin": lineage.origin("upload", [0.0], "the upload coat.png", file="coat.png")}
    assert lineage.suggested_name(upload) == "coat"
    assert lineage.suggested_name({"origin": lineage.origin("prior", [0.0])}) == "Random draw"
    assert lineage.describe({"origin": upload["origin"], "edits_total": 1}) == (
        "Started from the upload coat.png, then 1 slider edit."
    )
    assert lineage.describe({}) == "Started from an unknown start."
    assert lineage.lineage({}, [0.0])["origin"]["label"] == "an unrecorded start"


def test_session_boards():
    state: dict = {}
    remember(state, "a" * 32, "A")
    remember(state, "b" * 32, "B")
    remember(state, "a" * 32, "A renamed")
    assert state[K_CURRENT] == {"token": "a" * 32, "name": "A renamed"}
    assert [b["name"] for b in state[K_MINE]] == ["A renamed", "B"]
    forget(state, "a" * 32)
    assert K_CURRENT not in state and [b["name"] for b in state[K_MINE]] == ["B"]
    for i in range(MAX_MINE + 5):
        remember(state, f"{i:032d}", str(i))
    assert len(state[K_MINE]) == MAX_MINE


@pytest.mark.parametrize(
    ("page", "link"),
    [
        ("http://localhost:8501/?z=1,2&k=12", "http://localhost:8501/board?board=T"),
        ("http://localhost:8501/explore?z=1", "http://localhost:8501/board?board=T"),
        ("https://atelier.example/app/latent_map#x", "https://atelier.example/app/board?board=T"),
        ("", "board?board=T"),
    ],
)
def test_board_link(page: str, link: str):
    assert board_link(page, "T") == link
