"""Explore's history of steps: push, undo, redo, a new step after an undo, the browser's Back and
Forward (by z), the strip's window, and the words for a change."""

from __future__ import annotations

import numpy as np

from ui.explore.history import History, Step, describe_change


def _z(*values: float) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def test_undo_redo_and_a_new_step_after_undo():
    h = History()
    assert h.current is None and not h.can_undo and not h.can_redo and h.undo() is None
    for i in range(4):
        assert h.push(Step(_z(i, 0), f"step {i}"))
    assert not h.push(Step(_z(3, 0), "same z"))  # the z shown already: not a step
    assert h.undo().z == _z(2, 0) and h.undo().z == _z(1, 0)
    assert h.can_redo and h.redo().z == _z(2, 0)
    h.push(Step(_z(9, 9), "new"))  # drops the undone step 3
    assert [s.z[0] for s in h.steps] == [0, 1, 2, 9] and not h.can_redo and h.at == 3
    assert h.go(0).label == "step 0" and h.go(7) is None and h.at == 0


def test_the_oldest_steps_go_beyond_the_limit():
    h = History(limit=5)
    for i in range(12):
        h.push(Step(_z(i), str(i)))
    assert [s.label for s in h.steps] == ["7", "8", "9", "10", "11"] and h.at == 4


def test_back_and_forward_find_the_nearest_step_with_that_z():
    h = History()
    for z in (0, 1, 2, 1, 3):  # z = 1 twice
        h.push(Step(_z(z), f"z{z}"))
    assert h.follow(_z(1)) is h.steps[3] and h.at == 3  # the one just before
    assert h.follow(_z(2)) is h.steps[2]
    assert h.follow(_z(1)) is h.steps[1]  # two as near: the one before wins
    assert h.at == 1
    assert h.follow(_z(3)).label == "z3" and h.at == 4
    assert h.follow(_z(42)) is None and h.at == 4


def test_recent_steps_window():
    h = History()
    for i in range(30):
        h.push(Step(_z(i), str(i)))
    assert [i for i, _ in h.recent(12)] == list(range(18, 30))
    h.go(3)
    assert [i for i, _ in h.recent(12)] == list(range(0, 12))
    h.go(20)
    assert [i for i, _ in h.recent(12)] == list(range(14, 26))


def test_describe_change():
    names = ["z1", "sleeves", "z3", "z4"]
    assert describe_change(_z(0, 0, 0, 0), _z(0, 1.25, 0, 0), names) == "sleeves to 1.25"
    assert describe_change(_z(0, 0, 0, 0), _z(1, 1, 0, 0), names) == "z1 and sleeves"
    assert describe_change(_z(0, 0, 0, 0), _z(1, 1, 1, 0), names) == "z1, sleeves and z3"
    assert describe_change(_z(0, 0, 0, 0), _z(1, 1, 1, 1), names) == "4 sliders"
    v = np.array([0.6, 0.8, 0.0, 0.0])
    assert describe_change(_z(1, 1, 0, 0), _z(1 - 0.3, 1 - 0.4, 0, 0), names, {"longer": v}) == "along ‘longer’ -0.50"
    assert describe_change(None, _z(1, 0, 0, 0), names) == "a change"
