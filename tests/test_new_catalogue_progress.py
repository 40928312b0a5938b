"""Progress events and the time-left estimate of a training job (ui/new_catalogue/progress.py)."""

from __future__ import annotations

import json
from pathlib import Path

from ui.new_catalogue.progress import MIN_PROGRESS, format_seconds, read_events, snapshot


def ev(t: float, stage: str, done: int, total: int, **info: float) -> dict:
    return {"t": t, "stage": stage, "done": done, "total": total, "info": info}


ROW = {"train_neg_elbo": 300.0, "test_neg_elbo": 290.0, "seconds": 20.0}
EVENTS = [
    ev(95.0, "scan", 1, 1, files=40.0),
    ev(96.0, "decode", 40, 40),
    ev(100.0, "batch", 0, 10, loss=500.0),  # training starts: fraction 0 at t = 100
    ev(110.0, "batch", 5, 10, loss=400.0),
    ev(120.0, "epoch", 1, 4, **ROW),
    ev(121.0, "batch", 0, 10, loss=350.0),
]


def test_fraction_and_time_left_by_hand():
    snap = snapshot(EVENTS, started=90.0, now=130.0, epochs=4)
    # after epoch 1 of 4 and step 0 of epoch 2: f = (1 + 0/10) / 4 = 0.25; rate from t = 100 where
    # f was 0: (130 - 100) * (1 - 0.25) / (0.25 - 0) = 90 s left
    assert snap.fraction == 0.25
    assert snap.remaining == 90.0
    assert snap.elapsed == 40.0
    assert (snap.stage, snap.label, snap.epochs_done, snap.epochs) == ("batch", "Training", 1, 4)
    assert snap.batch_points == [(0.0, 500.0), (0.5, 400.0), (1.0, 350.0)]
    assert snap.epoch_rows == [ROW | {"epoch": 1.0}]


def test_the_first_epoch_moves_the_bar_when_the_epoch_count_is_known():
    snap = snapshot(EVENTS[:4], started=90.0, now=112.0, epochs=4)
    # f = (0 + 5/10) / 4 = 0.125; (112 - 100) * 0.875 / 0.125 = 84 s
    assert snap.fraction == 0.125 and snap.remaining == 84.0
    unknown = snapshot(EVENTS[:4], started=90.0, now=112.0)  # without it: nothing until epoch 1 ends
    assert unknown.fraction == 0.0 and unknown.remaining is None


def test_no_estimate_before_enough_training_was_seen():
    few = [ev(100.0, "batch", 0, 1000, loss=1.0), ev(101.0, "batch", 10, 1000, loss=1.0)]
    snap = snapshot(few, started=99.0, now=102.0, epochs=1)
    assert snap.fraction == 0.01 < MIN_PROGRESS and snap.remaining is None


def test_loading_and_building_stages_are_named_and_carry_no_estimate():
    loading = snapshot(EVENTS[:2], started=90.0, now=97.0, epochs=4)
    assert (loading.label, loading.stage_done, loading.stage_total, loading.fraction) == (
        "Reading the images",
        40,
        40,
        0.0,
    )
    done = [*EVENTS, ev(200.0, "epoch", 4, 4, **ROW), ev(201.0, "tsne", 3, 10)]
    build = snapshot(done, started=90.0, now=202.0, epochs=4)
    assert build.fraction == 1.0 and build.remaining is None
    assert build.label == "Building the package: the t-SNE map" and (build.stage_done, build.stage_total) == (3, 10)
    assert snapshot([], started=90.0, now=95.0).label == "Starting"


def test_read_events_skips_a_half_written_line_and_junk(tmp_path: Path):
    path = tmp_path / "progress.jsonl"
    assert read_events(path) == []
    good = [json.dumps(e) for e in EVENTS[:2]]
    path.write_text(
        "\n".join([good[0], "not json", json.dumps([1, 2]), json.dumps({"stage": 3}), good[1], '{"t": 1, "sta'])
    )
    assert read_events(path) == EVENTS[:2]


def test_format_seconds():
    assert [format_seconds(s) for s in (None, 0, 42.4, 65, 3599, 3725)] == [
        "estimating...", "0 s", "42 s", "1 min 05 s", "59 min 59 s", "1 h 02 min"
    ]  # fmt: skip


def test_the_loss_figure_draws_the_snapshots_points():
    from ui.common.figures import training_progress_figure

    snap = snapshot([*EVENTS, ev(140.0, "epoch", 2, 4, train_neg_elbo=280.0)], started=90.0, now=141.0, epochs=4)
    fig = training_progress_figure(snap.batch_points, snap.epoch_rows, snap.epochs)
    traces = {t.name: t for t in fig.data}
    assert list(traces) == ["batch loss (KL warm-up weighted)", "train -ELBO", "held-out -ELBO"]
    assert list(traces["batch loss (KL warm-up weighted)"].x) == [0.0, 0.5, 1.0]
    assert list(traces["train -ELBO"].y) == [300.0, 280.0] and list(traces["train -ELBO"].x) == [1.0, 2.0]
    assert list(traces["held-out -ELBO"].y) == [290.0]  # epoch 2 reported no held-out figure
    assert list(fig.layout.xaxis.range) == [0, 4]
