"""Nothing saved is lost: concurrent sessions, a process killed mid-save, migrations run twice
and a database from a newer app, against SQLite and a real PostgreSQL server.

Each figure the notes quote (the concurrent save's time) is printed with ``-s``; nothing here is
timed against a limit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from board_db import BACKENDS, database

from store import ItemDraft, PackageIdentity, SchemaTooNew, open_store
from store.schema import SCHEMA_VERSION, schema_version

ROOT = Path(__file__).resolve().parent.parent
PKG = PackageIdentity("tiny-package", content="c" * 64, data="f" * 16)
SESSIONS, SAVES = 10, 100


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path: Path):
    with database(request.param, tmp_path) as u:
        yield u


def z_of(session: int, i: int) -> list[float]:
    """A z that differs in every saved item and survives only an exact round trip."""
    return [session + i / 1000, -1.0 / (i + 3), 1e-9 * (i + 1) * (session + 1), (i * 7919 % 101) / 3]


def check_intact(items, expected: dict[tuple[int, int], list[float]]) -> None:
    """Every item is one of ``expected``, once, with its z, name and lineage as saved."""
    seen = {}
    for it in items:
        s, i = it.lineage["session"], it.lineage["i"]
        assert (s, i) not in seen, f"item {s}/{i} saved twice"
        seen[(s, i)] = it
        assert it.z == tuple(expected[(s, i)]) and it.name == f"s{s} #{i}" and it.package == PKG
    assert set(seen) == set(expected)


def _draft(session: int, i: int) -> ItemDraft:
    lineage = {"session": session, "i": i}
    return ItemDraft(f"s{session} #{i}", z_of(session, i), PKG, note="x" * (i % 50), lineage=lineage)


def test_concurrent_sessions_lose_nothing(url: str):
    """10 sessions, each with its own engine (as separate app processes), save 100 items each
    into one board at once: all 1,000 are there, intact, each session's in its own order."""
    token = open_store(url).boards.create("shared").token
    errors: list[BaseException] = []
    start = threading.Barrier(SESSIONS)

    def session(n: int) -> None:
        try:
            s = open_store(url)  # each opens (and migrates) at once, too
            start.wait()
            for i in range(SAVES):
                s.boards.add_item(token, _draft(n, i))
            s.close()
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=session, args=(n,)) for n in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    assert not errors, errors
    items = open_store(url).boards.items(token)
    assert len(items) == SESSIONS * SAVES
    check_intact(items, {(s, i): z_of(s, i) for s in range(SESSIONS) for i in range(SAVES)})
    assert sorted(it.position for it in items) == list(range(1, SESSIONS * SAVES + 1))
    for s in range(SESSIONS):  # a session's saves appear in the order it made them
        assert [it.lineage["i"] for it in items if it.lineage["session"] == s] == list(range(SAVES))
    print(f"\n{sa.make_url(url).get_backend_name()}: {SESSIONS}x{SAVES} concurrent saves in {seconds:.2f} s")


# A child process that saves items one by one (numbered from FIRST) and reports each commit; with
# HANG=n it stops inside its n-th save's transaction (the rows written, the commit not yet sent).
_CHILD = r"""
import sys, time
from sqlalchemy import event
from store import ItemDraft, PackageIdentity, open_store
url, token, first, hang = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = open_store(url)
pkg = PackageIdentity("tiny-package", content="c" * 64, data="f" * 16)
saves = 0
def on_commit(conn):
    if saves + 1 == hang:
        print("in-commit", flush=True)
        time.sleep(600)
event.listen(s.db.engine, "commit", on_commit)
for i in range(first, first + 100000):
    z = [7 + i / 1000, -1.0 / (i + 3), 1e-9 * (i + 1) * 8, (i * 7919 % 101) / 3]
    s.boards.add_item(token, ItemDraft(f"s7 #{i}", z, pkg, note="x" * (i % 50), lineage={"session": 7, "i": i}))
    saves += 1
    print("saved", i, flush=True)
"""


def _kill_child(url: str, token: str, first: int, hang: int, stop) -> int:
    """Run the child until ``stop(line, saves reported)``, SIGKILL it; the saves it reported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", _CHILD, url, token, str(first), str(hang)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    saved = 0
    for line in proc.stdout:
        saved += line.startswith("saved")
        if stop(line, saved):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return saved


def _check_after_kill(url: str, token: str, allowed: set[int]) -> int:
    """The database is sound, the board holds an allowed number of intact items, and the app
    opens it and saves to it as ever (that save is deleted again); the number of items."""
    if url.startswith("sqlite"):
        eng = sa.create_engine(url)
        with eng.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        eng.dispose()
    s = open_store(url)
    items = s.boards.items(token)
    assert len(items) in allowed, (len(items), allowed)
    check_intact(items, {(7, i): z_of(7, i) for i in range(len(items))})
    extra = s.boards.add_item(token, _draft(8, 0))
    assert s.boards.count(token) == len(items) + 1
    s.boards.delete_item(token, extra.id)
    s.close()
    return len(items)


def test_kill_inside_a_save_leaves_the_board_as_before(url: str):
    token = open_store(url).boards.create("killed").token
    saved = _kill_child(url, token, 0, 6, lambda line, n: line.startswith("in-commit"))
    assert saved == 5
    _check_after_kill(url, token, {5})  # the sixth save's rows were written but never committed


def test_kills_at_random_moments_leave_before_or_after(url: str):
    """Children killed after 3, 11 and 24 reported saves, mid-save or between saves: the board holds
    the saves reported, or one more (committed just before the kill), never a broken one."""
    token = open_store(url).boards.create("killed").token
    count = 0
    for target in (3, 11, 24):
        saved = _kill_child(url, token, count, 0, lambda line, n, t=target: n >= t)
        count = _check_after_kill(url, token, {count + saved, count + saved + 1})


def test_migrations_twice_are_a_no_op(url: str):
    first = open_store(url)
    assert first.applied == list(range(1, SCHEMA_VERSION + 1))
    first.boards.create("kept")

    def snapshot():
        with first.db.read() as conn:
            insp = sa.inspect(conn)
            tables = {t: sorted(c["name"] for c in insp.get_columns(t)) for t in insp.get_table_names()}
            versions = conn.execute(sa.select(schema_version.c.version)).scalars().all()
        return tables, versions

    before = snapshot()
    again = open_store(url)
    assert again.applied == [] and snapshot() == before
    assert before[1] == list(range(1, SCHEMA_VERSION + 1))
    assert set(before[0]) == {"schema_version", "boards", "items", "directions", "slider_names"}


def test_newer_schema_is_refused(url: str):
    s = open_store(url)
    token = s.boards.create("from the future").token
    with s.db.write() as conn:
        newer = {"version": SCHEMA_VERSION + 1, "description": "from a newer app", "applied_at": sa.func.now()}
        conn.execute(schema_version.insert().values(**newer))
    with pytest.raises(SchemaTooNew) as err:
        open_store(url)
    msg = str(err.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in msg and f"versions up to {SCHEMA_VERSION}" in msg
    assert "Update the app" in msg and "Nothing was changed" in msg
    assert s.boards.open(token).name == "from the future"  # refused, not damaged


def test_a_version_1_database_is_brought_to_the_newest_schema(url: str):
    """A database made by the first schema (boards only) gains the slider names on opening, and
    keeps its boards."""
    from store.db import Database
    from store.schema import MIGRATIONS

    db = Database(url)
    with db.write() as conn:  # what the app of schema version 1 left behind
        schema_version.create(conn)
        MIGRATIONS[0].apply(conn)
        conn.execute(schema_version.insert().values(version=1, description="v1", applied_at=sa.func.now()))
    db.dispose()
    old = open_store(url)
    assert old.applied == list(range(2, SCHEMA_VERSION + 1))
    board = old.boards.create("from version 1")
    assert old.sliders.set(PackageIdentity("p", "c" * 64), {0: "hem"}) == {0: "hem"}
    again = open_store(url)
    assert again.boards.open(board.token).name == "from version 1" and again.applied == []
    for s in (old, again):
        s.close()


def test_sessions_naming_one_slider_at_once_all_succeed(url: str):
    """Eight sessions name z3 at the same moment: none fails (upserts), one name is kept."""
    stores = [open_store(url) for _ in range(8)]
    start, errors = threading.Barrier(len(stores)), []

    def name(i: int) -> None:
        start.wait()
        try:
            stores[i].sliders.set(PKG, {2: f"name {i}"})
        except Exception as exc:  # noqa: BLE001 (collected, then asserted)
            errors.append(exc)

    threads = [threading.Thread(target=name, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stores[0].sliders.get(PKG)[2] in {f"name {i}" for i in range(len(stores))}
    for s in stores:
        s.close()
