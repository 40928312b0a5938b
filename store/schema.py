"""The tables, and the ordered list of migrations that builds them.

Why not Alembic: the app migrates its own database when it starts (a designer never runs a
command), the schema is four small tables, and both databases run DDL inside a transaction. So a
migration is a numbered step, ``schema_version`` records the steps applied, and :func:`migrate`
applies the missing ones in one transaction at start-up: all of them or none. Several processes
starting at once take turns (PostgreSQL: an advisory lock; SQLite: the write lock). A database
whose version is higher than the code knows is refused (:class:`~store.errors.SchemaTooNew`),
never written to. Alembic would add a dependency, a configuration file and a command to run, to
get autogeneration and downgrades this project does not need.

Adding a step: append ``Migration(n + 1, "what it does", function)`` whose function takes the
connection and issues its DDL (e.g. ``conn.exec_driver_sql("ALTER TABLE items ADD COLUMN ...")``,
which both databases run); change the table definitions below to match; never edit an applied
step (when a change would alter what step 1 creates, copy its tables into the step first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .db import Database, shown_url
from .errors import SchemaTooNew

metadata = sa.MetaData()
NAME_LEN = 200  # longest board, item or direction name
FINGERPRINT_LEN = 128

schema_version = sa.Table(
    "schema_version",
    sa.MetaData(),  # its own: created before any step, never by one
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

boards = sa.Table(
    "boards",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 of the link's token
    sa.Column("name", sa.String(NAME_LEN), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("board_id", sa.Integer, sa.ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),  # the board's order: position, then id
    sa.Column("name", sa.String(NAME_LEN), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("z", sa.JSON, nullable=False),  # list of floats
    sa.Column("package_name", sa.String(NAME_LEN), nullable=False),
    sa.Column("package_data_fingerprint", sa.String(FINGERPRINT_LEN), nullable=False),
    sa.Column("package_content", sa.String(FINGERPRINT_LEN), nullable=False),
    sa.Column("lineage", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("items_board_order", "board_id", "position", "id"),
)

directions = sa.Table(
    "directions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("package_name", sa.String(NAME_LEN), nullable=False),
    sa.Column("package_data_fingerprint", sa.String(FINGERPRINT_LEN), nullable=False),
    sa.Column("package_content", sa.String(FINGERPRINT_LEN), nullable=False),
    sa.Column("name", sa.String(NAME_LEN), nullable=False),
    sa.Column("vector", sa.JSON, nullable=False),  # list of latent_dim floats
    sa.Column("method", sa.String(40), nullable=False),  # how it was made (store.directions.METHODS)
    sa.Column("from_indices", sa.JSON, nullable=True),  # catalogue rows of selection A (None: the catalogue)
    sa.Column("to_indices", sa.JSON, nullable=False),  # catalogue rows of selection B
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("directions_package", "package_content", "package_name"),
)

slider_names = sa.Table(
    "slider_names",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("package_name", sa.String(NAME_LEN), nullable=False),
    sa.Column("package_data_fingerprint", sa.String(FINGERPRINT_LEN), nullable=False),  # informative
    sa.Column("package_content", sa.String(FINGERPRINT_LEN), nullable=False),
    sa.Column("dim", sa.Integer, nullable=False),  # the latent dimension (0-based) the slider moves
    sa.Column("name", sa.String(NAME_LEN), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("package_content", "package_name", "dim", name="slider_names_one"),
)


@dataclass(frozen=True)
class Migration:
    """Step ``version`` of the schema: ``apply(connection)`` issues its DDL."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[boards, items, directions])


def _create_v2(conn: Connection) -> None:
    slider_names.create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "boards, items and directions", _create_v1),
    Migration(2, "slider names per package", _create_v2),
)
SCHEMA_VERSION = MIGRATIONS[-1].version  # the newest schema this code knows
_PG_LOCK = 0x1A7E_A7E1  # pg_advisory_xact_lock key: one migrating process at a time


def current_version(db: Database) -> int:
    """The database's schema version (0 for an empty database)."""
    with db.read() as conn:
        if not sa.inspect(conn).has_table(schema_version.name):
            return 0
        return int(conn.scalar(sa.select(sa.func.max(schema_version.c.version))) or 0)


def migrate(db: Database) -> list[int]:
    """Bring the database to :data:`SCHEMA_VERSION` in one transaction; the versions applied
    ([] when it was already there). Raises :class:`SchemaTooNew` for a database from a newer app."""
    with db.write() as conn:
        if db.backend == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK)))
        schema_version.create(conn, checkfirst=True)
        current = int(conn.scalar(sa.select(sa.func.max(schema_version.c.version))) or 0)
        if current > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"The board database ({shown_url(db.url)}) is at schema version {current}, but this "
                f"version of Latent Atelier knows versions up to {SCHEMA_VERSION}: a newer version of the "
                "app has used it. Update the app, or point LATENT_ATELIER_DATABASE_URL at another database. "
                "Nothing was changed."
            )
        applied = []
        for step in MIGRATIONS:
            if step.version > current:
                step.apply(conn)
                conn.execute(
                    schema_version.insert().values(
                        version=step.version, description=step.description, applied_at=datetime.now(timezone.utc)
                    )
                )
                applied.append(step.version)
        return applied
