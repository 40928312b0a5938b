"""Checks and conversions shared by boards and directions: names, notes, latent vectors, JSON
documents and timestamps. Everything stored passes through here, so a value the store accepts
is one it can give back unchanged."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from .errors import InvalidValue
from .schema import NAME_LEN

NOTE_LEN = 5000  # longest note, in characters
MAX_DIM = 4096  # longest latent vector accepted
MAX_JSON_BYTES = 64 * 1024  # largest lineage or provenance document


def name(text: str, what: str = "name", default: str = "") -> str:
    """A trimmed one-line name of at most NAME_LEN characters (``default`` when empty)."""
    value = " ".join(str(text or "").split()) or default
    if not value:
        raise InvalidValue(f"The {what} is empty: give it a few words.")
    if len(value) > NAME_LEN:
        raise InvalidValue(f"The {what} is {len(value):,} characters long; at most {NAME_LEN} are kept.")
    return value


def note(text: str) -> str:
    value = str(text or "").strip()
    if len(value) > NOTE_LEN:
        raise InvalidValue(f"The note is {len(value):,} characters long; at most {NOTE_LEN:,} are kept.")
    return value


def vector(values: Sequence[float], what: str = "z", dim: int | None = None) -> list[float]:
    """A list of finite floats (length ``dim`` when given, else 1 to MAX_DIM)."""
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError):
        raise InvalidValue(f"The {what} must be a list of numbers.") from None
    if dim is not None and len(out) != dim:
        raise InvalidValue(f"The {what} has {len(out)} values; this package's latent space has {dim}.")
    if not 1 <= len(out) <= MAX_DIM:
        raise InvalidValue(f"The {what} has {len(out)} values; between 1 and {MAX_DIM} are accepted.")
    if not all(math.isfinite(v) for v in out):
        raise InvalidValue(f"The {what} holds values that are not finite numbers (NaN or infinity).")
    return out


def indices(values: Sequence[int] | None, what: str, limit: int = 1_000_000) -> list[int] | None:
    """Catalogue row numbers (non-negative integers, at most ``limit`` of them), or None."""
    if values is None:
        return None
    try:
        out = [int(v) for v in values]
    except (TypeError, ValueError):
        raise InvalidValue(f"The {what} must be catalogue row numbers.") from None
    if len(out) > limit or any(v < 0 for v in out):
        raise InvalidValue(f"The {what} must be at most {limit:,} non-negative row numbers.")
    return out


def document(value: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """A JSON object of at most MAX_JSON_BYTES (finite numbers only), as it will be read back."""
    try:
        text = json.dumps(value or {}, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidValue(f"The {what} cannot be stored as JSON ({exc}).") from None
    if len(text.encode()) > MAX_JSON_BYTES:
        raise InvalidValue(f"The {what} is {len(text.encode()):,} bytes as JSON; at most {MAX_JSON_BYTES:,}.")
    return json.loads(text)


def now() -> datetime:
    return datetime.now(timezone.utc)


def utc(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite gives them back without a zone)."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
