"""Where a garment came from and what was done to it since: the lineage a board item keeps.

An origin is a small JSON object: ``kind`` (one of :data:`KINDS`), a plain-text ``label`` and the
``z`` it started at, plus what the kind needs (``index`` for a catalogue item, ``file`` for an
upload). The Explore page sets it wherever a garment is loaded (:func:`start`) and records every
released slider change (:func:`record_edit`); Save stores :func:`lineage`. Only the last
:data:`MAX_EDITS` edits are kept, with the total count, so a long session stays small. No
streamlit here: the state is any mutable mapping (``st.session_state`` in the app).
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from ui.explore.state import K_EDITS, K_ORIGIN, round_z

KINDS = {
    "zero": "the centre of the space (z = 0)",
    "link": "a shared link",
    "prior": "a random draw from the prior",
    "item": "a catalogue item",
    "upload": "an upload",
    "sent": "another page",
    "board": "a board item",
}
MAX_EDITS = 50  # released slider changes kept per garment (the count of all is kept too)


def _z(z: Sequence[float]) -> list[float]:
    return list(round_z(z)[0])


def origin(kind: str, z: Sequence[float], label: str = "", **extra: Any) -> dict[str, Any]:
    """An origin record: ``kind``, its ``label`` (default: the kind's description) and ``z``."""
    if kind not in KINDS:
        raise ValueError(f"unknown origin kind {kind!r}")
    return {"kind": kind, "label": label or KINDS[kind], "z": _z(z), **extra}


def item_origin(index: int, class_name: str, z: Sequence[float]) -> dict[str, Any]:
    return origin("item", z, f"catalogue item #{int(index)} ({class_name})", index=int(index), class_name=class_name)


def start(state: MutableMapping[str, Any], record: dict[str, Any]) -> None:
    """A garment was loaded: its origin is ``record`` and it has no edits yet."""
    state[K_ORIGIN] = record
    state[K_EDITS] = {"total": 0, "recent": []}


def record_edit(state: MutableMapping[str, Any], z: Sequence[float]) -> None:
    """A released change of z (the same z as the last one recorded is not an edit)."""
    edits = state.setdefault(K_EDITS, {"total": 0, "recent": []})
    zz = _z(z)
    last = edits["recent"][-1] if edits["recent"] else (state.get(K_ORIGIN) or {}).get("z")
    if zz == last:
        return
    edits["recent"] = [*edits["recent"], zz][-MAX_EDITS:]
    edits["total"] += 1


def lineage(state: MutableMapping[str, Any], z: Sequence[float]) -> dict[str, Any]:
    """The lineage of the garment now at ``z``: its origin, its edits (the last MAX_EDITS) and
    how many there were in all."""
    record = state.get(K_ORIGIN) or origin("zero", [0.0] * len(z), "an unrecorded start")
    edits = state.get(K_EDITS) or {"total": 0, "recent": []}
    return {
        "origin": record,
        "edits": [list(e) for e in edits["recent"]],
        "edits_total": int(edits["total"]),
        "saved_z": _z(z),
    }


def describe(record: dict[str, Any]) -> str:
    """One plain sentence: "Started from catalogue item #12 (Ankle boot), then 3 slider edits"."""
    start_ = (record.get("origin") or {}).get("label") or "an unknown start"
    n = int(record.get("edits_total") or 0)
    edits = "" if n == 0 else f", then {n} slider edit{'s' if n != 1 else ''}"
    return f"Started from {start_}{edits}."


def suggested_name(record: dict[str, Any]) -> str:
    """A default name for a saved garment, from its origin: "Ankle boot #12, edited"."""
    o = record.get("origin") or {}
    kind = o.get("kind")
    if kind == "item":
        base = f"{o.get('class_name', 'Item')} #{o.get('index', '?')}"
    elif kind == "upload":
        base = str(o.get("file") or "Upload").rsplit(".", 1)[0]
    else:
        base = {"prior": "Random draw", "zero": "From the centre", "link": "From a link"}.get(kind) or o.get(
            "label", "Garment"
        )
    return f"{base[:150]}, edited" if record.get("edits_total") else base[:150]
