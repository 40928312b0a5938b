"""The names a user gives a package's latent sliders ("sleeve length" for z3), saved per package.

A name belongs to a package's exact content (:class:`~store.identity.PackageIdentity`: name and
content both match, as for a direction): a retrained package starts with the default names
(z1..zd). Setting an empty name removes it (the slider shows its default again). Names are unique
per package, ignoring case.
Writes are upserts (``INSERT ... ON CONFLICT DO UPDATE``, which both SQLite and PostgreSQL
have), so two sessions naming the same slider at once leave one of the two names, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from . import values
from .db import Database
from .errors import InvalidValue
from .identity import PackageIdentity
from .schema import slider_names

MAX_DIM = values.MAX_DIM


def _of_package(package: PackageIdentity) -> sa.ColumnElement[bool]:
    """Rows of ``package``: the same name and content (as :meth:`PackageIdentity.matches`)."""
    return sa.and_(slider_names.c.package_name == package.name, slider_names.c.package_content == package.content)


class SliderNameStore:
    """Read and set the slider names of a package (each call one transaction)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, package: PackageIdentity) -> dict[int, str]:
        """``{dim: name}`` of the package's named sliders (dimensions are 0-based)."""
        with self.db.read() as conn:
            return self._get(conn, package)

    def set(self, package: PackageIdentity, names: Mapping[int, str], latent_dim: int | None = None) -> dict[int, str]:
        """Set the names of some sliders (an empty name removes it); returns every name now set.

        Refused with :class:`InvalidValue`, nothing changed: a package whose content fingerprint is
        unknown, a dimension outside the latent space, a name too long, or two sliders of the
        package with the same name (ignoring case).
        """
        if not package.content:
            raise InvalidValue("The package's content fingerprint is unknown (its checksums.sha256 cannot be read).")
        limit = MAX_DIM if latent_dim is None else int(latent_dim)
        clean: dict[int, str] = {}
        for dim, name in names.items():
            if not 0 <= int(dim) < limit:
                raise InvalidValue(f"There is no slider z{int(dim) + 1} in this package (it has {limit}).")
            text = " ".join(str(name or "").split())
            if text.lower().startswith("z") and text[1:].isdigit() and text[1:] != str(int(dim) + 1):
                raise InvalidValue(f"{text!r} is another slider's own name: choose another name for z{int(dim) + 1}.")
            clean[int(dim)] = values.name(text, f"name of z{int(dim) + 1}") if text else ""
        ident = {
            "package_name": values.name(package.name, "package's name"),
            "package_data_fingerprint": str(package.data or "")[:128],
            "package_content": str(package.content or "")[:128],
        }
        with self.db.write() as conn:
            now = {**self._get(conn, package), **clean}
            taken: dict[str, int] = {}
            for dim, name in sorted(now.items()):
                if not name:
                    continue
                other = taken.setdefault(name.lower(), dim)
                if other != dim:
                    raise InvalidValue(
                        f"z{other + 1} and z{dim + 1} cannot both be named {name!r}: choose another name."
                    )
            for dim, name in clean.items():
                if name:
                    self._upsert(conn, {**ident, "dim": dim, "name": name, "updated_at": values.now()})
                else:
                    conn.execute(slider_names.delete().where(_of_package(package), slider_names.c.dim == dim))
            return self._get(conn, package)

    def _upsert(self, conn: Connection, row: dict) -> None:
        insert = (postgresql if self.db.backend == "postgresql" else sqlite).insert(slider_names).values(**row)
        key = ["package_content", "package_name", "dim"]
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=key, set_={"name": row["name"], "updated_at": row["updated_at"]}
            )
        )

    @staticmethod
    def _get(conn: Connection, package: PackageIdentity) -> dict[int, str]:
        query = (
            sa.select(slider_names.c.dim, slider_names.c.name).where(_of_package(package)).order_by(slider_names.c.dim)
        )
        return {int(dim): name for dim, name in conn.execute(query)}
