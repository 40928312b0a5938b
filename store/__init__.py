"""Latent Atelier's database: boards of saved garments, and named directions and slider names per
package.

Plain Python on SQLAlchemy Core, one code path for SQLite (the default: one file in the app's
data folder) and PostgreSQL (``$LATENT_ATELIER_DATABASE_URL``, for several app processes or
machines). Neither streamlit nor torch is imported. Typical use::

    from store import open_store, ItemDraft, package_identity
    s = open_store()                                    # the configured database, migrated
    board = s.boards.create("Spring ideas")            # board.token goes into ?board=TOKEN
    s.boards.add_item(board.token, ItemDraft("Long coat", z, package_identity(pkg.path)))
    s.boards.items(board.token)                         # [Item(...)], in the board's order
    s.directions.list(package_identity(pkg.path))      # [Direction(...)]
    s.sliders.set(package_identity(pkg.path), {2: "sleeve length"})  # z3's name

Modules: ``db`` (settings, engine, transactions), ``schema`` (tables and migrations),
``boards``, ``directions``, ``sliders``, ``identity`` (a package's identity), ``values`` (checks), ``errors``.
"""

from __future__ import annotations

from .boards import Board, BoardStore, Item, ItemDraft, check_token, new_token
from .db import URL_ENV_VAR, Database, database_url, shown_url
from .directions import METHODS, Direction, DirectionDraft, DirectionStore
from .errors import (
    BadToken,
    BoardNotFound,
    DatabaseUnavailable,
    InvalidValue,
    ItemNotFound,
    SchemaTooNew,
    StoreError,
)
from .identity import PackageIdentity, package_identity
from .schema import SCHEMA_VERSION, migrate
from .sliders import SliderNameStore


class Store:
    """The database at ``url`` (None: :func:`database_url`), migrated to :data:`SCHEMA_VERSION`
    when opened; ``boards``, ``directions`` and ``sliders`` hold the operations."""

    def __init__(self, url: str | None = None) -> None:
        self.db = Database(url)
        try:
            self.applied = migrate(self.db)  # the migration steps this opening applied
        except BaseException:
            self.db.dispose()
            raise
        self.boards = BoardStore(self.db)
        self.directions = DirectionStore(self.db)
        self.sliders = SliderNameStore(self.db)

    def __repr__(self) -> str:
        return f"Store({shown_url(self.db.url)!r})"

    def close(self) -> None:
        self.db.dispose()


def open_store(url: str | None = None) -> Store:
    """The store at ``url`` (default :func:`database_url`), migrated; raises :class:`StoreError`
    subclasses with a message to show (unreachable, newer schema)."""
    return Store(url)


__all__ = [
    "METHODS",
    "SCHEMA_VERSION",
    "URL_ENV_VAR",
    "BadToken",
    "Board",
    "BoardNotFound",
    "BoardStore",
    "Database",
    "DatabaseUnavailable",
    "Direction",
    "DirectionDraft",
    "DirectionStore",
    "InvalidValue",
    "Item",
    "ItemDraft",
    "ItemNotFound",
    "PackageIdentity",
    "SchemaTooNew",
    "SliderNameStore",
    "Store",
    "StoreError",
    "check_token",
    "database_url",
    "migrate",
    "new_token",
    "open_store",
    "package_identity",
    "shown_url",
]
