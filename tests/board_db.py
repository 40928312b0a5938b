"""Databases for the board tests: a SQLite file, or a fresh database on the PostgreSQL server
that ``scripts/test.sh`` starts (``$LATENT_ATELIER_TEST_DATABASE_URL``).

Without that setting the PostgreSQL variants are skipped with the reason; with
``LATENT_ATELIER_REQUIRE_POSTGRES=1`` (``scripts/test.sh`` sets it) they fail instead, so CI never
passes without having run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from store.db import normalise_url

SERVER_ENV = "LATENT_ATELIER_TEST_DATABASE_URL"
REQUIRE_ENV = "LATENT_ATELIER_REQUIRE_POSTGRES"
BACKENDS = ("sqlite", "postgresql")


def postgres_server() -> str:
    """The test server's URL, or skip (fail where PostgreSQL is required)."""
    url = os.environ.get(SERVER_ENV, "").strip()
    if not url:
        reason = f"no PostgreSQL server: set {SERVER_ENV} (scripts/test.sh starts one)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return normalise_url(url)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database on the test server for the block; dropped afterwards."""
    server = sa.make_url(postgres_server())
    name = f"atelier_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database of ``backend`` ("sqlite" in ``folder``, or "postgresql")."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'boards.sqlite3'}"
    else:
        with postgres_database() as url:
            yield url
