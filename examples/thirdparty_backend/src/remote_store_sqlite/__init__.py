"""remote-store-sqlite: an example third-party backend keeping files as BLOBs in one SQLite file."""

from ._backend import SqliteBackend

__all__ = ["SqliteBackend"]
