"""Directions in a package's latent space, saved per package: a named vector of ``latent_dim``
floats and how it was made.

``method`` says how: ``"selections"`` (from the mean of selection A to the mean of selection B:
``from_indices`` and ``to_indices`` are their catalogue rows) or ``"catalogue_to_selection"``
(from the mean of the whole catalogue to selection B's: ``from_indices`` is None). The store
keeps the vector as given; computing it (and scaling it) is the caller's. Directions belong to a
package's exact content (:class:`~store.identity.PackageIdentity`): a retrained package, whose
latent space differs, starts without any (name and content must both match, as
:meth:`PackageIdentity.matches`). Names are unique per package, ignoring case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import values
from .db import Database
from .errors import InvalidValue, ItemNotFound
from .identity import PackageIdentity
from .schema import directions

METHODS = ("selections", "catalogue_to_selection")


@dataclass(frozen=True)
class DirectionDraft:
    """A direction to save: ``name``, ``vector`` (latent_dim floats), the ``package`` it belongs
    to, ``method`` (one of :data:`METHODS`), the selections' catalogue rows and a ``note``."""

    name: str
    vector: Sequence[float]
    package: PackageIdentity
    method: str
    to_indices: Sequence[int]
    from_indices: Sequence[int] | None = None
    note: str = ""


@dataclass(frozen=True)
class Direction:
    id: int
    name: str
    vector: tuple[float, ...]
    package: PackageIdentity
    method: str
    to_indices: tuple[int, ...]
    from_indices: tuple[int, ...] | None
    note: str
    created: datetime
    updated: datetime


def _direction(row: sa.Row) -> Direction:
    return Direction(
        id=row.id,
        name=row.name,
        vector=tuple(float(v) for v in row.vector),
        package=PackageIdentity(row.package_name, row.package_content, row.package_data_fingerprint),
        method=row.method,
        to_indices=tuple(int(i) for i in row.to_indices),
        from_indices=None if row.from_indices is None else tuple(int(i) for i in row.from_indices),
        note=row.note,
        created=values.utc(row.created_at),
        updated=values.utc(row.updated_at),
    )


def _of_package(package: PackageIdentity) -> sa.ColumnElement[bool]:
    """Rows of ``package``: the same name and content (as :meth:`PackageIdentity.matches`)."""
    return sa.and_(directions.c.package_name == package.name, directions.c.package_content == package.content)


class DirectionStore:
    """Save, list, rename and delete directions (each call one transaction)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, draft: DirectionDraft, latent_dim: int | None = None) -> Direction:
        """Store a new direction (``latent_dim``, when given, is checked against the vector)."""
        if not draft.package.content:
            raise InvalidValue("The package's content fingerprint is unknown (its checksums.sha256 cannot be read).")
        if draft.method not in METHODS:
            raise InvalidValue(f"A direction is made by one of {', '.join(METHODS)}, not {draft.method!r}.")
        pkg = draft.package
        row: dict[str, Any] = {
            "name": values.name(draft.name, "direction's name"),
            "vector": values.vector(draft.vector, "direction", dim=latent_dim),
            "package_name": values.name(pkg.name, "package's name"),
            "package_data_fingerprint": str(pkg.data or "")[:128],
            "package_content": str(pkg.content or "")[:128],
            "method": draft.method,
            "to_indices": values.indices(draft.to_indices, "selection B"),
            "from_indices": values.indices(draft.from_indices, "selection A"),
            "note": values.note(draft.note),
        }
        if not any(row["vector"]):
            raise InvalidValue("The direction is zero: the two selections have the same mean.")
        at = values.now()
        with self.db.write() as conn:
            self._check_free(conn, pkg, row["name"])
            new = directions.insert().values(**row, created_at=at, updated_at=at).returning(directions.c.id)
            return self._get(conn, pkg, conn.execute(new).scalar_one())

    def list(self, package: PackageIdentity) -> list[Direction]:
        """The package's directions, oldest first."""
        with self.db.read() as conn:
            query = directions.select().where(_of_package(package)).order_by(directions.c.id)
            return [_direction(r) for r in conn.execute(query)]

    def get(self, package: PackageIdentity, direction_id: int) -> Direction:
        with self.db.read() as conn:
            return self._get(conn, package, direction_id)

    def rename(self, package: PackageIdentity, direction_id: int, name: str) -> Direction:
        new = values.name(name, "direction's name")
        with self.db.write() as conn:
            self._get(conn, package, direction_id)
            self._check_free(conn, package, new, but=direction_id)
            where = sa.and_(_of_package(package), directions.c.id == int(direction_id))
            conn.execute(directions.update().where(where).values(name=new, updated_at=values.now()))
            return self._get(conn, package, direction_id)

    def delete(self, package: PackageIdentity, direction_id: int) -> Direction:
        """Delete a direction; returns it as it was."""
        with self.db.write() as conn:
            gone = self._get(conn, package, direction_id)
            conn.execute(directions.delete().where(directions.c.id == gone.id))
            return gone

    @staticmethod
    def _get(conn: Connection, package: PackageIdentity, direction_id: int) -> Direction:
        where = sa.and_(_of_package(package), directions.c.id == int(direction_id))
        row = conn.execute(directions.select().where(where)).first()
        if row is None:
            raise ItemNotFound("This direction does not exist for this package (deleted in another window?).")
        return _direction(row)

    @staticmethod
    def _check_free(conn: Connection, package: PackageIdentity, name: str, but: int | None = None) -> None:
        query = sa.select(directions.c.id).where(
            _of_package(package), sa.func.lower(directions.c.name) == name.lower(), directions.c.id != (but or -1)
        )
        if conn.execute(query).first() is not None:
            raise InvalidValue(f"This package already has a direction named {name!r}: choose another name.")
