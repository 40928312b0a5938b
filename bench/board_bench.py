"""How long a Save takes: the board database's save latency, alone and under concurrent sessions.

For each database (``--url``, repeatable; default a SQLite file in a temporary folder) it opens
the store, then

* saves ``--saves`` items one after the other into one board (one transaction each, as Explore's
  Save does) and reports the median and 95th-percentile latency, and a board's read of them;
* runs ``--sessions`` threads, each with its own engine (as separate app processes), saving
  ``--saves`` items each into one board at once; reports the wall time, the saves per second and
  each save's median and 95th-percentile latency, and checks that none was lost.

Each figure is the median over ``--repeats`` runs. Prints JSON.

Usage (from the repository root)::

    python bench/board_bench.py --url sqlite:////tmp/bench.sqlite3 \\
        --url postgresql+psycopg://atelier@127.0.0.1:5432/postgres --saves 100 --sessions 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from store import ItemDraft, PackageIdentity, open_store  # noqa: E402

PKG = PackageIdentity("bench", content="c" * 64, data="f" * 16)
LINEAGE = {"origin": {"kind": "item", "index": 1, "label": "catalogue item #1", "z": [0.0] * 10}, "edits_total": 5}


def _draft(session: int, i: int) -> ItemDraft:
    z = [session + i / 1000 + d / 7 for d in range(10)]
    return ItemDraft(f"s{session} #{i}", z, PKG, "a note", {**LINEAGE, "edits": [z] * 5})


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def serial(url: str, saves: int) -> dict[str, float]:
    store = open_store(url)
    token = store.boards.create("serial").token
    times = []
    for i in range(saves):
        t = time.perf_counter()
        store.boards.add_item(token, _draft(0, i))
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    assert len(store.boards.items(token)) == saves
    read = time.perf_counter() - t
    store.close()
    return {
        "save_median_ms": 1e3 * statistics.median(times),
        "save_p95_ms": 1e3 * _pct(times, 0.95),
        "read_all_ms": 1e3 * read,
    }


def concurrent(url: str, sessions: int, saves: int) -> dict[str, float]:
    token = open_store(url).boards.create("concurrent").token
    times: list[float] = []
    lock, start = threading.Lock(), threading.Barrier(sessions + 1)

    def session(n: int) -> None:
        store = open_store(url)
        start.wait()
        mine = []
        for i in range(saves):
            t = time.perf_counter()
            store.boards.add_item(token, _draft(n, i))
            mine.append(time.perf_counter() - t)
        with lock:
            times.extend(mine)
        store.close()

    threads = [threading.Thread(target=session, args=(n,)) for n in range(sessions)]
    for th in threads:
        th.start()
    start.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    kept = open_store(url).boards.count(token)
    assert kept == sessions * saves, f"{kept} of {sessions * saves} saves kept"
    return {
        "wall_s": wall,
        "saves_per_s": sessions * saves / wall,
        "save_median_ms": 1e3 * statistics.median(times),
        "save_p95_ms": 1e3 * _pct(times, 0.95),
    }


def _median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", action="append", help="database URL (repeatable); default: a temporary SQLite file")
    ap.add_argument("--saves", type=int, default=100)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        urls = args.url or [f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"]
        report = {}
        for url in urls:
            backend = url.split(":", 1)[0].split("+", 1)[0]
            report[backend] = {
                "serial": _median_of([serial(url, args.saves) for _ in range(args.repeats)]),
                f"{args.sessions}_sessions": _median_of(
                    [concurrent(url, args.sessions, args.saves) for _ in range(args.repeats)]
                ),
            }
    print(json.dumps({"saves": args.saves, "sessions": args.sessions, "repeats": args.repeats, **report}, indent=1))


if __name__ == "__main__":
    main()
