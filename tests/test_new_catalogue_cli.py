"""``python -m vae_core train --progress-jsonl FILE``: every progress event as one JSON line
(vae_core/cli/main.py), the file the New catalogue page follows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ui.new_catalogue.progress import read_events
from vae_core.cli.main import _parser, _with_jsonl


def test_every_event_becomes_one_json_line_and_still_reaches_the_bar(tmp_path: Path):
    seen = []
    path = tmp_path / "progress.jsonl"
    report = _with_jsonl(lambda *event: seen.append(event), str(path))
    report("batch", 20, 94, {"loss": np.float32(512.5)})
    report("epoch", 1, 3, {"test_neg_elbo": 290.25, "bad": float("nan"), "note": "text is left out"})
    report("tsne", 3, 10, {})
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and len(seen) == 3
    events = [json.loads(line) for line in lines]
    assert [(e["stage"], e["done"], e["total"]) for e in events] == [
        ("batch", 20, 94),
        ("epoch", 1, 3),
        ("tsne", 3, 10),
    ]
    assert events[0]["info"] == {"loss": 512.5}
    assert events[1]["info"] == {"test_neg_elbo": 290.25, "bad": None}  # NaN is not JSON: null
    assert all(isinstance(e["t"], float) for e in events)
    assert read_events(path) == events
    assert seen[0] == ("batch", 20, 94, {"loss": np.float32(512.5)})


def test_without_the_option_the_progress_callback_is_unchanged():
    def bar(*event):
        return None

    assert _with_jsonl(bar, None) is bar
    args = _parser().parse_args(["train", "--out", "pkg", "--progress-jsonl", "events.jsonl"])
    assert args.progress_jsonl == "events.jsonl"
    assert _parser().parse_args(["train", "--out", "pkg"]).progress_jsonl is None
