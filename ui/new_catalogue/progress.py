"""Reading a training run's progress events and estimating the time left (no streamlit here).

``python -m vae_core train --progress-jsonl FILE`` appends one JSON line per progress event:
``{"t": unix seconds, "stage": ..., "done": ..., "total": ..., "info": {...}}``. ``batch`` events
(``done`` = step within the epoch, ``info.loss``) and ``epoch`` events (``done`` = epochs finished,
``info`` = that epoch's metrics) come from training; other stages (``scan``, ``decode`` before it,
``encode``, ``metrics``, ``pca``, ``tsne``, ``typicality``, ``health`` after it) are shown by name.

The estimate: training progress ``f`` = (epochs finished + step / steps per epoch) / epochs; its
rate is measured from the first training event, so the time spent reading the images does not
count, and the time left is ``(now - t_first) * (1 - f) / (f - f_first)``. It is given only once
training has moved by :data:`MIN_PROGRESS` since then (an earlier guess swings wildly).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

MIN_PROGRESS = 0.02  # share of training seen before a time-left estimate is given
TRAINING_STAGES = ("batch", "epoch")
BUILD_STAGES = ("encode", "metrics", "pca", "tsne", "typicality", "health")
STAGE_LABELS = {
    "scan": "Finding the images",
    "decode": "Reading the images",
    "batch": "Training",
    "epoch": "Training",
    "encode": "Building the package: encoding every image",
    "metrics": "Building the package: measuring the model",
    "pca": "Building the package: the PCA map",
    "tsne": "Building the package: the t-SNE map",
    "typicality": "Building the package: typicality",
    "health": "Building the package: checking what the model learned",
    "verify": "Checking the package",
}


@dataclass(frozen=True)
class Snapshot:
    """Where a run stands: the latest ``stage`` and its label, training progress ``fraction``
    (0..1), the epoch counts, seconds ``elapsed`` since the job started and ``remaining`` for
    training (None until it can be estimated), the per-epoch metric rows and the batch losses as
    (fractional epoch, loss) points."""

    stage: str = "starting"
    label: str = "Starting"
    fraction: float = 0.0
    stage_done: int = 0
    stage_total: int = 0
    epochs_done: int = 0
    epochs: int = 0
    elapsed: float = 0.0
    remaining: float | None = None
    epoch_rows: list[dict[str, float]] = field(default_factory=list)
    batch_points: list[tuple[float, float]] = field(default_factory=list)


def read_events(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every well-formed event in the JSON-lines file (a line still being written, or any line
    that is not an event, is left out); [] when the file does not exist yet."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    events = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("stage"), str) and isinstance(event.get("t"), (int, float)):
            events.append(event)
    return events


def _int(event: dict[str, Any], key: str) -> int:
    value = event.get(key, 0)
    return int(value) if isinstance(value, (int, float)) else 0


def snapshot(events: list[dict[str, Any]], started: float, now: float, epochs: int = 0) -> Snapshot:
    """Summarise ``events`` (oldest first) of a job started at unix time ``started``, at ``now``.

    ``epochs`` is the number of epochs asked for, so the first epoch already moves the bar (the
    events only carry it from the end of the first epoch on)."""
    epochs_done = 0
    step_fraction = 0.0
    first: tuple[float, float] | None = None  # (time, training fraction) of the first training event
    rows: list[dict[str, float]] = []
    points: list[tuple[float, float]] = []
    last: dict[str, Any] | None = None
    for event in events:
        stage, done, total = event["stage"], _int(event, "done"), _int(event, "total")
        info = event.get("info") if isinstance(event.get("info"), dict) else {}
        if stage == "epoch" and total > 0:
            epochs, epochs_done, step_fraction = total, done, 0.0
            rows.append({k: v for k, v in info.items() if isinstance(v, (int, float))} | {"epoch": float(done)})
        elif stage == "batch" and total > 0:
            step_fraction = min(done / total, 1.0)
            if isinstance(info.get("loss"), (int, float)):
                points.append((epochs_done + step_fraction, float(info["loss"])))
        if stage in TRAINING_STAGES and total > 0:
            fraction = (epochs_done + step_fraction) / epochs if epochs else 0.0
            if first is None:
                first = (float(event["t"]), fraction)
        last = event
    fraction = min((epochs_done + step_fraction) / epochs, 1.0) if epochs else 0.0
    remaining = None
    if first is not None and epochs and fraction - first[1] >= MIN_PROGRESS:
        remaining = max(now - first[0], 0.0) * (1.0 - fraction) / (fraction - first[1])
    if last is None:
        return Snapshot(elapsed=max(now - started, 0.0))
    stage = last["stage"]
    return Snapshot(
        stage=stage,
        label=STAGE_LABELS.get(stage, stage.capitalize()),
        fraction=fraction,
        stage_done=_int(last, "done"),
        stage_total=_int(last, "total"),
        epochs_done=epochs_done,
        epochs=epochs,
        elapsed=max(now - started, 0.0),
        remaining=remaining if stage in TRAINING_STAGES else None,
        epoch_rows=rows,
        batch_points=points,
    )


def format_seconds(seconds: float | None) -> str:
    """``"1 h 02 min"``, ``"3 min 05 s"``, ``"42 s"``; ``"estimating..."`` for None."""
    if seconds is None:
        return "estimating..."
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"
