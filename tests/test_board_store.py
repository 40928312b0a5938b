"""The store's board, direction and slider-name operations (``store``), against SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from board_db import BACKENDS, database

from store import (
    BadToken,
    BoardNotFound,
    DirectionDraft,
    InvalidValue,
    ItemDraft,
    ItemNotFound,
    PackageIdentity,
    Store,
    check_token,
    new_token,
    open_store,
    package_identity,
)
from store.db import database_url, normalise_url, shown_url
from store.schema import boards
from vae_core import ModelPackage

PKG = PackageIdentity("tiny-package", content="c" * 64, data="f" * 16)
OTHER = PackageIdentity("other", content="d" * 64, data="e" * 16)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path: Path):
    with database(request.param, tmp_path) as url:
        s = open_store(url)
        yield s
        s.close()


def draft(i: int, package: PackageIdentity = PKG) -> ItemDraft:
    z = [i / 7, -1.0 / 3, 2.5e-7 * i, 1e300 if i == 3 else 0.0]
    return ItemDraft(f"item {i}", z, package, note=f"note {i}", lineage={"origin": {"kind": "item", "index": i}})


# ---------------------------------------------------------------------------------- tokens
def test_tokens_are_long_random_and_checked():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200 and all(len(t) == 32 for t in tokens)
    assert all(check_token(t) == t for t in tokens)
    for bad in ("", "abc", "x" * 31, "x" * 33, "x" * 31 + "/", "../" + "x" * 29, "x" * 31 + "é"):
        with pytest.raises(BadToken, match="not complete"):
            check_token(bad)


def test_database_keeps_only_the_tokens_hash(store: Store):
    board = store.boards.create("Secret")
    with store.db.read() as conn:
        (stored,) = conn.execute(sa.select(boards.c.token_hash)).scalars()
    assert stored == hashlib.sha256(board.token.encode()).hexdigest() and board.token not in stored


# ---------------------------------------------------------------------------------- boards and items
def test_items_keep_every_field_exactly_and_in_order(store: Store):
    board = store.boards.create("  Spring   ideas ")
    assert board.name == "Spring ideas"
    saved = [store.boards.add_item(board.token, draft(i)) for i in range(5)]
    items = store.boards.items(board.token)
    assert [it.id for it in items] == [it.id for it in saved]
    assert [it.position for it in items] == [1, 2, 3, 4, 5]
    for i, it in enumerate(items):
        d = draft(i)
        assert (it.name, it.note, it.package, it.lineage) == (d.name, d.note, PKG, d.lineage)
        assert it.package.data == PKG.data  # kept, though identities compare by name and content
        assert it.z == tuple(d.z)  # floats round-trip exactly, 1e300 and 2.5e-7 included
        assert it.created.tzinfo is not None
    assert store.boards.count(board.token) == 5
    assert store.boards.open(board.token).name == "Spring ideas"


def test_update_move_delete_restore(store: Store):
    board = store.boards.create("b")
    ids = [store.boards.add_item(board.token, draft(i)).id for i in range(4)]
    it = store.boards.update_item(board.token, ids[1], name="Long coat", note="for winter")
    assert (it.name, it.note, it.z) == ("Long coat", "for winter", tuple(draft(1).z))
    assert [i.id for i in store.boards.move_item(board.token, ids[0], 2)] == [ids[1], ids[2], ids[0], ids[3]]
    assert [i.id for i in store.boards.move_item(board.token, ids[3], -10)] == [ids[3], ids[1], ids[2], ids[0]]
    gone = store.boards.delete_item(board.token, ids[2])
    assert [i.id for i in store.boards.items(board.token)] == [ids[3], ids[1], ids[0]]
    back = store.boards.restore_item(board.token, gone)
    order = store.boards.items(board.token)
    assert [i.name for i in order] == ["item 3", "Long coat", "item 2", "item 0"]
    assert (back.z, back.lineage, back.note) == (gone.z, gone.lineage, gone.note)
    with pytest.raises(ItemNotFound):
        store.boards.delete_item(board.token, gone.id)


def test_items_are_reached_only_through_their_board(store: Store):
    mine, theirs = store.boards.create("mine"), store.boards.create("theirs")
    item = store.boards.add_item(theirs.token, draft(0))
    for call in (
        lambda: store.boards.item(mine.token, item.id),
        lambda: store.boards.update_item(mine.token, item.id, name="x"),
        lambda: store.boards.delete_item(mine.token, item.id),
        lambda: store.boards.move_item(mine.token, item.id, 1),
    ):
        with pytest.raises(ItemNotFound):
            call()
    assert store.boards.item(theirs.token, item.id).name == "item 0"


def test_unknown_and_malformed_tokens(store: Store):
    with pytest.raises(BoardNotFound, match="no board at this link"):
        store.boards.open(new_token())
    with pytest.raises(BadToken):
        store.boards.items("nope")
    board = store.boards.create("gone soon")
    store.boards.add_item(board.token, draft(0))
    store.boards.delete(board.token)
    with pytest.raises(BoardNotFound):
        store.boards.items(board.token)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "x" * 201}, "at most 200"),
        ({"note": "x" * 5001}, "at most 5,000"),
        ({"z": [0.0, float("nan")]}, "not finite"),
        ({"z": []}, "between 1 and"),
        ({"z": ["a"]}, "list of numbers"),
        ({"lineage": {"edits": [[0.0] * 100] * 200}}, "at most 65,536"),
        ({"lineage": {"x": float("inf")}}, "cannot be stored"),
    ],
)
def test_invalid_items_are_refused_and_nothing_is_saved(store: Store, change: dict, message: str):
    board = store.boards.create("b")
    d = draft(0)
    bad = ItemDraft(**{"name": d.name, "z": d.z, "package": d.package, "note": d.note, "lineage": d.lineage, **change})
    with pytest.raises(InvalidValue, match=message):
        store.boards.add_items(board.token, [draft(1), bad])
    assert store.boards.count(board.token) == 0


def test_empty_item_name_becomes_untitled(store: Store):
    board = store.boards.create("b")
    assert store.boards.add_item(board.token, ItemDraft("  ", [0.0], PKG)).name == "Untitled"


# ---------------------------------------------------------------------------------- directions
def test_directions_per_package(store: Store):
    d = store.directions.save(DirectionDraft("Longer sleeves", [0.5, -1.0], PKG, "selections", [3, 4], [1, 2]))
    store.directions.save(DirectionDraft("darker", [0.0, 2.0], PKG, "catalogue_to_selection", [7]), latent_dim=2)
    store.directions.save(DirectionDraft("darker", [1.0, 0.0], OTHER, "catalogue_to_selection", [7]))
    mine = store.directions.list(PKG)
    assert [x.name for x in mine] == ["Longer sleeves", "darker"]
    assert (mine[0].vector, mine[0].to_indices, mine[0].from_indices) == ((0.5, -1.0), (3, 4), (1, 2))
    assert mine[1].from_indices is None and mine[1].method == "catalogue_to_selection"
    assert [x.name for x in store.directions.list(OTHER)] == ["darker"]
    assert store.directions.list(PackageIdentity("renamed", PKG.content)) == []  # name and content count
    assert mine[0].package == PKG and mine[0].package.data == PKG.data
    with pytest.raises(InvalidValue, match="already has a direction named"):
        store.directions.rename(PKG, d.id, "DARKER")
    assert store.directions.rename(PKG, d.id, "long sleeves").name == "long sleeves"
    with pytest.raises(ItemNotFound):
        store.directions.rename(OTHER, d.id, "x")  # another package's direction is not reachable
    assert store.directions.delete(PKG, d.id).name == "long sleeves"
    assert [x.name for x in store.directions.list(PKG)] == ["darker"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vector": [1.0, 2.0, 3.0]}, "has 3 values; this package's latent space has 2"),
        ({"vector": [0.0, 0.0]}, "is zero"),
        ({"method": "guess"}, "one of selections"),
        ({"to_indices": [-1]}, "non-negative"),
        ({"name": ""}, "is empty"),
        ({"package": PackageIdentity("unreadable", "")}, "content fingerprint is unknown"),
    ],
)
def test_invalid_directions(store: Store, kwargs: dict, message: str):
    fields = {"name": "d", "vector": [1.0, 0.0], "package": PKG, "method": "selections", "to_indices": [1]}
    with pytest.raises(InvalidValue, match=message):
        store.directions.save(DirectionDraft(**{**fields, **kwargs}), latent_dim=2)
    assert store.directions.list(PKG) == []


def test_slider_names_per_package(store: Store):
    assert store.sliders.get(PKG) == {}
    assert store.sliders.set(PKG, {2: "  sleeve   length ", 0: "Shoe ↔ shirt"}, latent_dim=10) == {
        0: "Shoe ↔ shirt",
        2: "sleeve length",
    }
    store.sliders.set(OTHER, {2: "hem"})
    assert store.sliders.set(PKG, {2: "Sleeves", 5: "z6"}) == {0: "Shoe ↔ shirt", 2: "Sleeves", 5: "z6"}  # renamed
    assert store.sliders.set(PKG, {0: "", 5: "   "}) == {2: "Sleeves"}  # an empty name: the default again
    assert store.sliders.get(OTHER) == {2: "hem"}  # another package keeps its own
    assert store.sliders.get(PackageIdentity("tiny-package", "e" * 64, PKG.data)) == {}  # content differs
    assert store.sliders.get(PackageIdentity("renamed", PKG.content)) == {}  # name and content count
    with pytest.raises(InvalidValue, match="content fingerprint is unknown"):
        store.sliders.set(PackageIdentity("unreadable", ""), {0: "hem"})


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({3: "SLEEVES"}, "z3 and z4 cannot both be named 'SLEEVES'"),
        ({10: "x"}, "no slider z11"),
        ({-1: "x"}, "no slider z0"),
        ({4: "z3"}, "another slider's own name"),
        ({4: "x" * 201}, "at most 200"),
    ],
)
def test_invalid_slider_names_change_nothing(store: Store, names: dict, message: str):
    store.sliders.set(PKG, {2: "sleeves"}, latent_dim=10)
    with pytest.raises(InvalidValue, match=message):
        store.sliders.set(PKG, {1: "hem", **names}, latent_dim=10)
    assert store.sliders.get(PKG) == {2: "sleeves"}


# ---------------------------------------------------------------------------------- settings, identity
def test_database_url_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("LATENT_ATELIER_DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / 'latent-atelier' / 'latent-atelier.sqlite3'}"
    monkeypatch.setenv("LATENT_ATELIER_DATABASE_URL", "postgres://u:secret@db.example/atelier")
    assert database_url() == "postgresql+psycopg://u:secret@db.example/atelier"
    assert "secret" not in shown_url(database_url())
    assert shown_url(f"sqlite:///{tmp_path}/x/boards.sqlite3") == "SQLite file boards.sqlite3"
    assert normalise_url("sqlite:///a") == "sqlite:///a"


def test_sqlite_settings(tmp_path: Path):
    s = open_store(f"sqlite:///{tmp_path / 'deep' / 'er' / 'b.sqlite3'}")  # folders are made
    with s.db.engine.connect() as conn:
        pragma = {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("journal_mode", "foreign_keys")}
        pragma["busy_timeout"] = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        pragma["synchronous"] = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000, "synchronous": 2}
    s.close()


def test_package_identity(tiny_package_dir: Path, tmp_path: Path):
    ident = package_identity(tiny_package_dir)
    checksums = (tiny_package_dir / "checksums.sha256").read_bytes()
    assert ident.name == "tiny-package" and ident.content == hashlib.sha256(checksums).hexdigest()
    assert ident.data and ident.data in (tiny_package_dir / "manifest.json").read_text()
    assert ident == ModelPackage.load(tiny_package_dir).identity  # the library's own identity
    missing = package_identity(tmp_path / "nothing-here")
    assert (missing.name, missing.content, missing.data) == ("nothing-here", "", "")
    assert not ident.matches(missing) and not missing.matches(missing)
    assert not ident.matches(PackageIdentity("renamed", ident.content))  # name and content both count
