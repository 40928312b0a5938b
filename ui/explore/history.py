"""Explore's history: every released change of the garment is a step to go back to.

A :class:`Step` is a z and where it came from (a loaded garment, a slider let go, a direction, a
browser Back), with what the page needs to show that garment again exactly: the caption's source
and the board lineage of that moment. :class:`History` holds the steps and the one shown: undo
and redo move through them, a new step after an undo drops the steps that were undone (as in
any editor), and the browser's Back and Forward find the step whose z their address holds
(:meth:`History.follow`). No streamlit here (``tests/test_explore_history.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_STEPS = 200  # steps kept per session (each a z and a small lineage record)
STRIP = 12  # steps shown as thumbnails


@dataclass(frozen=True)
class Step:
    """One state of the garment: ``z`` (rounded as the page keeps it), a plain ``label`` of what
    made it, the page's ``source`` caption and ``lineage`` (``{"origin", "edits"}``) at that moment."""

    z: tuple[float, ...]
    label: str
    source: tuple[str, tuple[float, ...] | None] = ("", None)
    lineage: Mapping[str, Any] = field(default_factory=dict)


class History:
    """The steps of a session and the one shown (``at``)."""

    def __init__(self, limit: int = MAX_STEPS) -> None:
        self.steps: list[Step] = []
        self.at = -1
        self.limit = int(limit)

    @property
    def current(self) -> Step | None:
        return self.steps[self.at] if self.steps else None

    def push(self, step: Step) -> bool:
        """Make ``step`` the newest, after the one shown (the undone ones after it are dropped).
        A step with the z already shown is not a new step: False, nothing changes."""
        if self.current is not None and self.current.z == step.z:
            return False
        self.steps = [*self.steps[: self.at + 1], step][-self.limit :]
        self.at = len(self.steps) - 1
        return True

    @property
    def can_undo(self) -> bool:
        return self.at > 0

    @property
    def can_redo(self) -> bool:
        return 0 <= self.at < len(self.steps) - 1

    def undo(self) -> Step | None:
        """The step before the one shown (now shown), or None at the first."""
        return self.go(self.at - 1) if self.can_undo else None

    def redo(self) -> Step | None:
        """The step after the one shown (now shown), or None at the newest."""
        return self.go(self.at + 1) if self.can_redo else None

    def go(self, index: int) -> Step | None:
        """Show step ``index`` (None if there is no such step)."""
        if not 0 <= int(index) < len(self.steps):
            return None
        self.at = int(index)
        return self.steps[self.at]

    def follow(self, z: Sequence[float]) -> Step | None:
        """The browser moved to an address holding ``z`` (Back or Forward): show the step with that
        z nearest to the one shown (before it first), or None when no step has it."""
        target = tuple(float(v) for v in z)
        order = sorted(range(len(self.steps)), key=lambda i: (abs(i - self.at), i > self.at))
        for i in order:
            if self.steps[i].z == target:
                return self.go(i)
        return None

    def recent(self, n: int = STRIP) -> list[tuple[int, Step]]:
        """The last ``n`` steps up to and around the one shown, oldest first, with their indices."""
        start = max(0, min(self.at - n // 2, len(self.steps) - n))
        return list(enumerate(self.steps))[start : start + n]


def describe_change(
    before: Sequence[float] | None,
    after: Sequence[float],
    names: Sequence[str],
    directions: Mapping[str, np.ndarray] | None = None,
) -> str:
    """What a released slider change did, in words: "z3 to 1.25", "z3 and z5", or "along ‘longer
    sleeves’ +0.80" when the change lies along a direction (``directions``: name -> unit vector).

    ``names`` are the sliders' names by latent dimension (the user's, or z1..zd).
    """
    if before is None:
        return "a change"
    delta = np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64)
    moved = np.flatnonzero(np.abs(delta) > 1e-9)
    if moved.size == 0:
        return "no change"
    length = float(np.linalg.norm(delta))
    for name, v in (directions or {}).items():
        t = float(np.dot(delta, v))
        if moved.size > 1 and abs(t) > 0.999 * length:
            return f"along ‘{name}’ {t:+.2f}"
    if moved.size == 1:
        d = int(moved[0])
        return f"{names[d]} to {float(after[d]):.2f}"
    if moved.size <= 3:
        shown = [names[d] for d in moved]
        return f"{', '.join(shown[:-1])} and {shown[-1]}"
    return f"{moved.size} sliders"
