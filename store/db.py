"""Where the database is and how to talk to it: the URL setting, the engine (SQLite or
PostgreSQL, one code path) and the read and write transactions every store call runs in.

Settings. ``$LATENT_ATELIER_DATABASE_URL`` names the database, e.g.
``postgresql+psycopg://user:password@host/atelier`` for several app processes or machines behind
the proxy (``postgresql://`` and ``postgres://`` mean the same driver), or ``sqlite:////path/file``.
Without it the app keeps one SQLite file, ``latent-atelier.sqlite3`` in the app's data folder
(``vae_core.model.data.default_cache_dir``: ``$XDG_CACHE_HOME/latent-atelier``, else
``~/.cache/latent-atelier``), beside the packages the app trains.

SQLite. WAL mode (readers never wait for the writer, and a writer killed mid-commit leaves the
last committed state), foreign keys on, ``synchronous=FULL`` (a commit has reached the disk when
it returns), a 30 s busy timeout, and every write transaction opened with ``BEGIN IMMEDIATE``:
writers queue on the database's write lock from their first statement instead of failing with
"database is locked" when two sessions read, then try to write, at once. Python's sqlite3 module
would open its own transactions (and none before DDL), so it is told to leave that to us.

PostgreSQL. Read committed; a write that must see the latest state (an item's place on its
board) locks the row it depends on (``SELECT ... FOR UPDATE``, which SQLite leaves out: there the
write lock is already the whole database's). Connections are checked before use (a restarted
server leaves stale ones in the pool).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from .errors import DatabaseUnavailable, StoreError

URL_ENV_VAR = "LATENT_ATELIER_DATABASE_URL"
SQLITE_FILE = "latent-atelier.sqlite3"
BUSY_TIMEOUT_S = 30.0  # how long a SQLite writer waits for another one before giving up
_WRITE = "latent_atelier_write"  # execution option: this transaction writes (BEGIN IMMEDIATE on SQLite)


def default_sqlite_path() -> Path:
    """The SQLite file used when no URL is set: ``<app data folder>/latent-atelier.sqlite3``."""
    from vae_core.model.data import default_cache_dir  # here, not at import: it loads torch

    return default_cache_dir() / SQLITE_FILE


def database_url() -> str:
    """The configured database URL: ``$LATENT_ATELIER_DATABASE_URL``, else the default SQLite file."""
    configured = os.environ.get(URL_ENV_VAR, "").strip()
    return normalise_url(configured) if configured else f"sqlite:///{default_sqlite_path()}"


def normalise_url(url: str) -> str:
    """``url`` with PostgreSQL's bare schemes mapped to the installed driver (psycopg 3)."""
    for bare in ("postgres://", "postgresql://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


def shown_url(url: str | sa.URL) -> str:
    """The URL as it may be shown to a user: no password, and a SQLite file by its name only."""
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        return f"SQLite file {Path(u.database).name}" if u.database else "an in-memory SQLite database"
    return u.render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url`` with the settings described in the module docstring."""
    try:
        u = sa.make_url(normalise_url(url))
    except sa.exc.ArgumentError as exc:
        raise DatabaseUnavailable(
            f"The database URL is not valid ({exc}). Set {URL_ENV_VAR} to e.g. "
            "postgresql+psycopg://user@host/atelier or sqlite:////path/to/boards.sqlite3."
        ) from None
    backend = u.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(u)
    if backend == "postgresql":
        try:
            return sa.create_engine(u, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            raise DatabaseUnavailable(
                f"The PostgreSQL driver is not installed ({exc.name}): pip install 'psycopg[binary]'."
            ) from None
    raise DatabaseUnavailable(f"{backend} databases are not supported: use SQLite or PostgreSQL ({URL_ENV_VAR}).")


def _sqlite_engine(u: sa.URL) -> Engine:
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        try:
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(f"The folder for the board database cannot be made: {exc}") from None
    engine = sa.create_engine(u, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # sqlite3 opens no transactions of its own
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


class Database:
    """An engine and the two kinds of transaction the store uses.

    Parameters
    ----------
    url
        A SQLAlchemy URL (see the module docstring); None reads :func:`database_url`.
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = normalise_url(url) if url else database_url()
        self.engine = make_engine(self.url)
        self.backend = self.engine.dialect.name  # "sqlite" or "postgresql"

    def __repr__(self) -> str:
        return f"Database({shown_url(self.url)!r})"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction (each statement sees what was committed before it)."""
        with self._connection(write=False) as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction, committed when the block ends, rolled back if it
        raises; on SQLite it holds the database's write lock from its start."""
        with self._connection(write=True) as conn:
            yield conn

    @contextmanager
    def _connection(self, write: bool) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{_WRITE: write})
                with conn.begin():
                    yield conn
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise DatabaseUnavailable(
                f"The board database ({shown_url(self.url)}) cannot be used right now: "
                f"{_first_line(exc.orig or exc)} Try again; if it persists, check {URL_ENV_VAR}."
            ) from exc
        except sa.exc.DBAPIError as exc:
            raise StoreError(f"The board database refused a change: {_first_line(exc.orig or exc)}") from exc

    def dispose(self) -> None:
        """Close the pooled connections (a test or a process about to exit)."""
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if line.endswith(".") else line + "."
