"""``SqliteBackend``: files as rows ``(path, data, modified)`` of one table of a SQLite database.

This is the backend built step by step in docs/extending/writing-a-backend.md, packaged the way a
third party would ship it: its own import package, registered under the ``remote_store.backends``
entry points as ``sqlite``.
"""

from __future__ import annotations

import io
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import BinaryIO, ClassVar

from remote_store import (
    AlreadyExists,
    Backend,
    BackendUnavailable,
    CapabilitySet,
    DirectoryNotEmpty,
    FileInfo,
    InvalidPath,
    NotFound,
    RemotePath,
    RemoteStoreError,
    StoreClosed,
    WriteContent,
)
from remote_store.backend_tools import iter_chunks


class SqliteBackend(Backend):
    """Files as BLOBs in a SQLite table ``files(path, data, modified)``.

    Folders are path prefixes, as in an object store: a folder exists while a file lies below it.
    Every operation is one transaction under one lock, so writes and moves are atomic.

    Args:
        database: the SQLite database file (created on first use), or ``":memory:"``.
    """

    type_name: ClassVar[str] = "sqlite"

    def __init__(self, database: str) -> None:
        # No I/O here (BACKEND-009): the database is opened by the first operation.
        self._database = database
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._closed = False

    @property
    def capabilities(self) -> CapabilitySet:
        """Every capability: each operation is a single transaction."""
        return CapabilitySet.all()

    # -- plumbing ---------------------------------------------------------------------------

    def _db(self, operation: str, path: str) -> sqlite3.Connection:
        """The connection, opened on first use; raises StoreClosed after close()."""
        if self._closed:
            raise StoreClosed("backend is closed", path=path, operation=operation, backend=self.type_name)
        if self._connection is None:
            try:
                connection = sqlite3.connect(self._database, check_same_thread=False, isolation_level=None)
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, data BLOB, modified REAL)"
                )
            except sqlite3.Error as error:
                raise BackendUnavailable(
                    "cannot open the database",
                    path=path,
                    operation=operation,
                    backend=self.type_name,
                ) from error
            self._connection = connection
        return self._connection

    def _error(
        self, kind: type[RemoteStoreError], message: str, path: str, operation: str
    ) -> RemoteStoreError:
        return kind(message, path=path, operation=operation, backend=self.type_name)

    @staticmethod
    def _below(path: str) -> tuple[str, str]:
        """The key range of everything below folder ``path``: ``'a/' <= key < 'a0'``."""
        return (f"{path}/", f"{path}0") if path else ("", "\U0010ffff")

    def _row(self, operation: str, path: str) -> tuple[bytes, float] | None:
        db = self._db(operation, path)
        row: tuple[bytes, float] | None = db.execute(
            "SELECT data, modified FROM files WHERE path = ?", (path,)
        ).fetchone()
        return row

    def _has_below(self, operation: str, path: str) -> bool:
        low, high = self._below(path)
        db = self._db(operation, path)
        return (
            db.execute("SELECT 1 FROM files WHERE path >= ? AND path < ? LIMIT 1", (low, high)).fetchone()
            is not None
        )

    # -- queries ----------------------------------------------------------------------------

    def is_file(self, path: str) -> bool:
        with self._lock:
            return bool(path) and self._row("is_file", path) is not None

    def is_folder(self, path: str) -> bool:
        with self._lock:
            return self._has_below("is_folder", path) or (
                not path and self._db("is_folder", path) is not None
            )

    # -- writes -----------------------------------------------------------------------------

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._put("write", path, content, overwrite)

    def write_atomic(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        # One INSERT: readers see the old row or the new one.
        self._put("write_atomic", path, content, overwrite)

    def _put(self, operation: str, path: str, content: WriteContent, overwrite: bool) -> None:
        # iter_chunks reads streams in bounded chunks (STREAM-005); SQLite wants the whole value
        # for the INSERT, so this backend is for small files.
        chunks = iter_chunks(content, path=path, operation=operation, backend=self.type_name)
        data = b"".join(bytes(chunk) for chunk in chunks)
        verb = "INSERT OR REPLACE" if overwrite else "INSERT"
        now = datetime.now(timezone.utc).timestamp()
        with self._lock:
            db = self._db(operation, path)
            try:
                db.execute(f"{verb} INTO files VALUES (?, ?, ?)", (path, data, now))
            except sqlite3.IntegrityError as error:
                raise self._error(AlreadyExists, "file already exists", path, operation) from error

    # -- reads ------------------------------------------------------------------------------

    def read(self, path: str) -> BinaryIO:
        return io.BytesIO(self._read("read", path))

    def read_bytes(self, path: str) -> bytes:
        return self._read("read_bytes", path)

    def _read(self, operation: str, path: str) -> bytes:
        with self._lock:
            row = self._row(operation, path)
        if row is None:
            raise self._error(NotFound, "no such file", path, operation)
        return bytes(row[0])

    # -- deletes, moves, copies -------------------------------------------------------------

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        with self._lock:
            if self._db("delete", path).execute("DELETE FROM files WHERE path = ?", (path,)).rowcount:
                return
            if self._has_below("delete", path):
                raise self._error(InvalidPath, "path is a folder; use delete_folder", path, "delete")
        if not missing_ok:
            raise self._error(NotFound, "no such file", path, "delete")

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        with self._lock:
            if self._has_below("delete_folder", path):
                if not recursive:
                    raise self._error(DirectoryNotEmpty, "folder is not empty", path, "delete_folder")
                low, high = self._below(path)
                self._db("delete_folder", path).execute(
                    "DELETE FROM files WHERE path >= ? AND path < ?", (low, high)
                )
                return
            if self._row("delete_folder", path) is not None:
                raise self._error(InvalidPath, "path is a file; use delete", path, "delete_folder")
        if not missing_ok:
            raise self._error(NotFound, "no such folder", path, "delete_folder")

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._transfer("copy", src, dst, overwrite)

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._transfer("move", src, dst, overwrite)

    def _transfer(self, operation: str, src: str, dst: str, overwrite: bool) -> None:
        with self._lock:
            db = self._db(operation, src)
            row = self._row(operation, src)
            if row is None:
                raise self._error(NotFound, "no such file", src, operation)
            if not overwrite and self._row(operation, dst) is not None:
                raise self._error(AlreadyExists, "file already exists", dst, operation)
            modified = row[1] if operation == "move" else datetime.now(timezone.utc).timestamp()
            db.execute("BEGIN")
            try:
                db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (dst, row[0], modified))
                if operation == "move":
                    db.execute("DELETE FROM files WHERE path = ?", (src,))
            except sqlite3.Error as error:
                db.execute("ROLLBACK")
                raise self._error(BackendUnavailable, "database error", src, operation) from error
            db.execute("COMMIT")

    # -- listings and metadata --------------------------------------------------------------

    def _info(self, path: str, size: int, modified: float) -> FileInfo:
        return FileInfo(
            path=RemotePath(path),
            name=path.rsplit("/", 1)[-1],
            size=size,
            modified_at=datetime.fromtimestamp(modified, timezone.utc),
        )

    def _rows_below(self, operation: str, path: str) -> list[tuple[str, int, float]]:
        low, high = self._below(path)
        with self._lock:
            return (
                self._db(operation, path)
                .execute(
                    "SELECT path, length(data), modified FROM files WHERE path >= ? AND path < ?",
                    (low, high),
                )
                .fetchall()
            )

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        self._db("list_files", path)  # a closed backend fails at the call
        return self._list_files(path, recursive)

    def _list_files(self, path: str, recursive: bool) -> Iterator[FileInfo]:
        start = len(path) + 1 if path else 0
        for key, size, modified in self._rows_below("list_files", path):
            if recursive or "/" not in key[start:]:
                yield self._info(key, size, modified)

    def list_folders(self, path: str) -> Iterator[str]:
        self._db("list_folders", path)
        return self._list_folders(path)

    def _list_folders(self, path: str) -> Iterator[str]:
        start = len(path) + 1 if path else 0
        seen: set[str] = set()
        for key, _, _ in self._rows_below("list_folders", path):
            head, slash, _ = key[start:].partition("/")
            if slash and head not in seen:
                seen.add(head)
                yield key[: start + len(head)]

    def get_file_info(self, path: str) -> FileInfo:
        with self._lock:
            row = (
                self._db("get_file_info", path)
                .execute("SELECT length(data), modified FROM files WHERE path = ?", (path,))
                .fetchone()
            )
        if row is None:
            raise self._error(NotFound, "no such file", path, "get_file_info")
        return self._info(path, row[0], row[1])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._connection is not None:
                self._connection.close()
                self._connection = None
