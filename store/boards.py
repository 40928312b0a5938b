"""Boards and their items.

A board is reached only through its token, which the app puts in a link (``?board=TOKEN``):
24 random bytes (192 bits) in URL-safe base64, 32 characters. The database keeps the token's
sha256, not the token, and there is no call that lists boards, so neither a copy of the database
nor the app gives a way to a board one was not given. Every item call names the board's token
too, so an item number alone reaches nothing.

Order. Items are shown by ``position``, then id. A new item goes last: its position is the
board's highest plus one, computed while holding the board's row lock (PostgreSQL) or the
database's write lock (SQLite), so concurrent saves never share a position or get lost.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import values
from .db import Database
from .errors import BadToken, BoardNotFound, InvalidValue, ItemNotFound
from .identity import PackageIdentity
from .schema import boards, items

TOKEN_BYTES = 24  # 192 bits
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_ITEMS_PER_CALL = 5000  # largest batch add_items takes at once (an imported board)


def new_token() -> str:
    """A fresh board token: 32 URL-safe characters carrying 192 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def check_token(token: str) -> str:
    """``token`` if it has the shape of a board token, else :class:`BadToken`."""
    text = str(token or "").strip()
    if not TOKEN_PATTERN.fullmatch(text):
        raise BadToken(
            "This board link is not complete: a board's link ends in ?board= and 32 letters, digits, "
            "'-' or '_'. Copy the whole link again from where it was shared."
        )
    return text


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Board:
    """A board: its ``token`` (the secret of its link), ``name`` and times (UTC)."""

    token: str
    name: str
    created: datetime
    updated: datetime
    id: int = field(repr=False, default=0)


@dataclass(frozen=True)
class ItemDraft:
    """What is saved onto a board: a ``name``, the garment's ``z``, the ``package`` that decodes
    it, a ``note`` and its ``lineage`` (a JSON object: where it started and the edits since)."""

    name: str
    z: Sequence[float]
    package: PackageIdentity
    note: str = ""
    lineage: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """A saved garment, as stored (``id`` is unique in the database, ``position`` orders the board)."""

    id: int
    position: int
    name: str
    note: str
    z: tuple[float, ...]
    package: PackageIdentity
    lineage: dict[str, Any]
    created: datetime
    updated: datetime

    def draft(self) -> ItemDraft:
        """The item as a draft (to save it again, e.g. after an undone delete)."""
        return ItemDraft(self.name, self.z, self.package, self.note, self.lineage)


def _item(row: sa.Row) -> Item:
    return Item(
        id=row.id,
        position=row.position,
        name=row.name,
        note=row.note,
        z=tuple(float(v) for v in row.z),
        package=PackageIdentity(row.package_name, row.package_content, row.package_data_fingerprint),
        lineage=dict(row.lineage or {}),
        created=values.utc(row.created_at),
        updated=values.utc(row.updated_at),
    )


def _board(row: sa.Row, token: str) -> Board:
    return Board(token, row.name, values.utc(row.created_at), values.utc(row.updated_at), row.id)


def _item_values(draft: ItemDraft) -> dict[str, Any]:
    """The checked columns of a draft (raises InvalidValue)."""
    pkg = draft.package
    return {
        "name": values.name(draft.name, "item's name", default="Untitled"),
        "note": values.note(draft.note),
        "z": values.vector(draft.z),
        "package_name": values.name(pkg.name, "package's name"),
        "package_data_fingerprint": str(pkg.data or "")[:128],
        "package_content": str(pkg.content or "")[:128],
        "lineage": values.document(draft.lineage, "lineage"),
    }


class BoardStore:
    """Board and item operations on a :class:`~store.db.Database` (each call one transaction)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ boards
    def create(self, name: str) -> Board:
        """A new, empty board; its token is the only way back to it."""
        token, at = new_token(), values.now()
        row = {"token_hash": _hash(token), "name": values.name(name, "board's name"), "created_at": at}
        with self.db.write() as conn:
            board_id = conn.execute(boards.insert().values(**row, updated_at=at).returning(boards.c.id)).scalar_one()
        return Board(token, row["name"], at, at, board_id)

    def open(self, token: str) -> Board:
        """The board of ``token`` (:class:`BadToken` if malformed, :class:`BoardNotFound` if none)."""
        token = check_token(token)
        with self.db.read() as conn:
            return _board(self._row(conn, token), token)

    def rename(self, token: str, name: str) -> Board:
        token, new = check_token(token), values.name(name, "board's name")
        with self.db.write() as conn:
            row = self._row(conn, token, lock=True)
            conn.execute(boards.update().where(boards.c.id == row.id).values(name=new, updated_at=values.now()))
            return _board(self._row(conn, token), token)

    def delete(self, token: str) -> None:
        """Delete the board and all its items."""
        token = check_token(token)
        with self.db.write() as conn:
            row = self._row(conn, token, lock=True)
            conn.execute(items.delete().where(items.c.board_id == row.id))
            conn.execute(boards.delete().where(boards.c.id == row.id))

    # ------------------------------------------------------------------ items
    def items(self, token: str) -> list[Item]:
        """The board's items in order."""
        token = check_token(token)
        with self.db.read() as conn:
            board_id = self._row(conn, token).id
            query = items.select().where(items.c.board_id == board_id).order_by(items.c.position, items.c.id)
            return [_item(r) for r in conn.execute(query)]

    def count(self, token: str) -> int:
        token = check_token(token)
        with self.db.read() as conn:
            board_id = self._row(conn, token).id
            return int(conn.scalar(sa.select(sa.func.count()).where(items.c.board_id == board_id)))

    def item(self, token: str, item_id: int) -> Item:
        token = check_token(token)
        with self.db.read() as conn:
            return self._item_row(conn, self._row(conn, token).id, item_id)

    def add_item(self, token: str, draft: ItemDraft) -> Item:
        """Save ``draft`` as the board's last item."""
        return self.add_items(token, [draft])[0]

    def add_items(self, token: str, drafts: Sequence[ItemDraft], position: int | None = None) -> list[Item]:
        """Save several items in one transaction (all or none), after the board's last one, or at
        ``position`` (restoring a deleted item to its place)."""
        token = check_token(token)
        if len(drafts) > MAX_ITEMS_PER_CALL:
            raise InvalidValue(f"{len(drafts):,} items at once; at most {MAX_ITEMS_PER_CALL:,}.")
        rows = [_item_values(d) for d in drafts]
        with self.db.write() as conn:
            board_id = self._row(conn, token, lock=True).id
            if position is None:
                last = conn.scalar(sa.select(sa.func.max(items.c.position)).where(items.c.board_id == board_id))
                position = int(last or 0) + 1
            at, saved = values.now(), []
            for i, row in enumerate(rows):
                new = {**row, "board_id": board_id, "position": position + i, "created_at": at, "updated_at": at}
                item_id = conn.execute(items.insert().values(**new).returning(items.c.id)).scalar_one()
                saved.append(item_id)
            self._touch(conn, board_id, at)
            return [self._item_row(conn, board_id, i) for i in saved]

    def update_item(self, token: str, item_id: int, *, name: str | None = None, note: str | None = None) -> Item:
        """Change an item's name and/or note."""
        token = check_token(token)
        change: dict[str, Any] = {}
        if name is not None:
            change["name"] = values.name(name, "item's name")
        if note is not None:
            change["note"] = values.note(note)
        with self.db.write() as conn:
            board_id = self._row(conn, token, lock=True).id
            self._item_row(conn, board_id, item_id)
            if change:
                at = values.now()
                conn.execute(items.update().where(items.c.id == item_id).values(**change, updated_at=at))
                self._touch(conn, board_id, at)
            return self._item_row(conn, board_id, item_id)

    def delete_item(self, token: str, item_id: int) -> Item:
        """Delete an item; returns it as it was (:meth:`restore_item` puts it back)."""
        token = check_token(token)
        with self.db.write() as conn:
            board_id = self._row(conn, token, lock=True).id
            gone = self._item_row(conn, board_id, item_id)
            conn.execute(items.delete().where(items.c.id == item_id))
            self._touch(conn, board_id, values.now())
            return gone

    def restore_item(self, token: str, item: Item) -> Item:
        """Put a deleted item back at its place (a new id; same name, note, z, lineage)."""
        return self.add_items(token, [item.draft()], position=item.position)[0]

    def move_item(self, token: str, item_id: int, offset: int) -> list[Item]:
        """Move an item ``offset`` places (negative: towards the start); the board's new order."""
        token = check_token(token)
        with self.db.write() as conn:
            board_id = self._row(conn, token, lock=True).id
            query = sa.select(items.c.id, items.c.position).where(items.c.board_id == board_id)
            order = [r.id for r in conn.execute(query.order_by(items.c.position, items.c.id))]
            if item_id not in order:
                raise ItemNotFound("This item is no longer on the board (deleted in another window?).")
            old = order.index(item_id)
            order.insert(max(0, min(len(order) - 1, old + int(offset))), order.pop(old))
            positions = {r.id: r.position for r in conn.execute(query)}
            for pos, moved in enumerate(order, start=1):  # renumber 1..n, writing only what changed
                if positions[moved] != pos:
                    conn.execute(items.update().where(items.c.id == moved).values(position=pos))
            self._touch(conn, board_id, values.now())
        return self.items(token)

    # ------------------------------------------------------------------ helpers
    def _row(self, conn: Connection, token: str, lock: bool = False) -> sa.Row:
        query = boards.select().where(boards.c.token_hash == _hash(token))
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise BoardNotFound(
                "There is no board at this link: it may have been deleted, or the link was mistyped. "
                "Boards can only be opened from their own link."
            )
        return row

    @staticmethod
    def _item_row(conn: Connection, board_id: int, item_id: int) -> Item:
        row = conn.execute(items.select().where(items.c.id == int(item_id), items.c.board_id == board_id)).first()
        if row is None:
            raise ItemNotFound("This item is no longer on the board (deleted in another window?).")
        return _item(row)

    @staticmethod
    def _touch(conn: Connection, board_id: int, at: datetime) -> None:
        conn.execute(boards.update().where(boards.c.id == board_id).values(updated_at=at))
