"""The store's exceptions: :class:`StoreError` and a few children, each with a message that says
what went wrong and what to do, so a page shows one ``st.error`` instead of a traceback.

The store takes only the package identity from ``vae_core`` (which loads no torch: a process that
only reads or writes boards starts in a fraction of a second), so its root is its own; pages catch
it beside ``vae_core.LatentAtelierError``.
"""

from __future__ import annotations


class StoreError(Exception):
    """Root of every error the store raises on purpose."""


class DatabaseUnavailable(StoreError):
    """The database cannot be opened or reached (bad URL, server down, unreadable file)."""


class SchemaTooNew(StoreError):
    """The database was written by a newer version of the app (its schema version is unknown)."""


class BadToken(StoreError):
    """A board link whose token is not a well-formed board token."""


class BoardNotFound(StoreError):
    """A well-formed board token that names no board (never made, or deleted)."""


class ItemNotFound(StoreError):
    """An item or a direction that does not exist (any more) where it was looked for."""


class InvalidValue(StoreError):
    """A value that cannot be stored: a name too long, a z with NaN, a vector of the wrong length."""
