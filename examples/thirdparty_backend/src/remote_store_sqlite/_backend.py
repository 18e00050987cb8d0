"""``SqliteBackend``: files as rows ``(path, data, modified)`` of one table of a SQLite database.

This is the backend built step by step in docs/extending/writing-a-backend.md, packaged the way a
third party would ship it: its own import package, registered under the ``remote_store.backends``
entry points as ``sqlite``.
"""

from __future__ import annotations

import io
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import BinaryIO, ClassVar

from remote_store import (
    AlreadyExists,
    Backend,
    BackendUnavailable,
    Behaviour,
    Capability,
    CapabilitySet,
    DirectoryNotEmpty,
    FileInfo,
    InvalidPath,
    NotFound,
    RemotePath,
    WriteContent,
)
from remote_store.backend_tools import Operation, OperationContext, check_write_options, iter_chunks

_CAPABILITIES = CapabilitySet.all() - {
    Capability.CONTENT_TYPE,
    Capability.USER_METADATA,
    Capability.CONDITIONAL_WRITE,
    Capability.PRESIGNED_URL,
}
"""All but ``PRESIGNED_URL`` (no HTTP endpoint) and the stored attributes: a row holds bytes and a time."""


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
        """All but ``PRESIGNED_URL`` and the stored attributes; each operation is one transaction."""
        return _CAPABILITIES

    @property
    def behaviour(self) -> Behaviour:
        """Folders are path prefixes: one vanishes with its last file; ``a`` and ``a/b`` may both be files."""
        return Behaviour(real_empty_folders=False, file_folder_conflicts_rejected=False)

    # -- plumbing ---------------------------------------------------------------------------

    def _db(self, context: OperationContext) -> sqlite3.Connection:
        """The connection, opened on first use; raises StoreClosed after close()."""
        if self._closed:
            raise context.closed()
        if self._connection is None:
            try:
                connection = sqlite3.connect(self._database, check_same_thread=False, isolation_level=None)
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, data BLOB, modified REAL)"
                )
            except sqlite3.Error as error:
                raise context.error(BackendUnavailable, "cannot open the database") from error
            self._connection = connection
        return self._connection

    @staticmethod
    def _below(path: str) -> tuple[str, str]:
        """The key range of everything below folder ``path``: ``'a/' <= key < 'a0'``."""
        return (f"{path}/", f"{path}0") if path else ("", "\U0010ffff")

    def _row(self, context: OperationContext, path: str) -> tuple[bytes, float] | None:
        row: tuple[bytes, float] | None = (
            self._db(context).execute("SELECT data, modified FROM files WHERE path = ?", (path,)).fetchone()
        )
        return row

    def _has_below(self, context: OperationContext, path: str) -> bool:
        low, high = self._below(path)
        found = self._db(context).execute(
            "SELECT 1 FROM files WHERE path >= ? AND path < ? LIMIT 1", (low, high)
        )
        return found.fetchone() is not None

    # -- queries ----------------------------------------------------------------------------

    def is_file(self, path: str) -> bool:
        with self._lock:
            return bool(path) and self._row(self.context(Operation.IS_FILE, path), path) is not None

    def is_folder(self, path: str) -> bool:
        context = self.context(Operation.IS_FOLDER, path)
        with self._lock:
            return self._has_below(context, path) or (not path and self._db(context) is not None)

    # -- writes -----------------------------------------------------------------------------

    def write(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        context = self.context(Operation.WRITE, path)
        check_write_options(  # none is declared: each is refused (BACKEND-022)
            context,
            self.capabilities,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        self._put(context, path, content, overwrite)

    def write_atomic(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        # One INSERT: readers see the old row or the new one.
        context = self.context(Operation.WRITE_ATOMIC, path)
        check_write_options(  # none is declared: each is refused (BACKEND-022)
            context,
            self.capabilities,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        self._put(context, path, content, overwrite)

    def _put(self, context: OperationContext, path: str, content: WriteContent, overwrite: bool) -> None:
        # iter_chunks reads streams in bounded chunks (STREAM-005); SQLite wants the whole value
        # for the INSERT, so this backend is for small files.
        data = b"".join(bytes(chunk) for chunk in iter_chunks(content, context=context))
        verb = "INSERT OR REPLACE" if overwrite else "INSERT"
        now = datetime.now(timezone.utc).timestamp()
        with self._lock:
            try:
                self._db(context).execute(f"{verb} INTO files VALUES (?, ?, ?)", (path, data, now))
            except sqlite3.IntegrityError as error:
                raise context.error(AlreadyExists, "file already exists") from error

    # -- reads ------------------------------------------------------------------------------

    def read(self, path: str) -> BinaryIO:
        return io.BytesIO(self._read(self.context(Operation.READ, path), path))

    def read_bytes(self, path: str) -> bytes:
        return self._read(self.context(Operation.READ_BYTES, path), path)

    def _read(self, context: OperationContext, path: str) -> bytes:
        with self._lock:
            row = self._row(context, path)
        if row is None:
            raise context.error(NotFound, "no such file")
        return bytes(row[0])

    # -- deletes, moves, copies -------------------------------------------------------------

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        context = self.context(Operation.DELETE, path)
        with self._lock:
            if self._db(context).execute("DELETE FROM files WHERE path = ?", (path,)).rowcount:
                return
            if self._has_below(context, path):
                raise context.error(InvalidPath, "path is a folder; use delete_folder")
        if not missing_ok:
            raise context.error(NotFound, "no such file")

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        context = self.context(Operation.DELETE_FOLDER, path)
        with self._lock:
            if self._has_below(context, path):
                if not recursive:
                    raise context.error(DirectoryNotEmpty, "folder is not empty")
                low, high = self._below(path)
                self._db(context).execute("DELETE FROM files WHERE path >= ? AND path < ?", (low, high))
                return
            if self._row(context, path) is not None:
                raise context.error(InvalidPath, "path is a file; use delete")
        if not missing_ok:
            raise context.error(NotFound, "no such folder")

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._transfer(self.context(Operation.COPY, src), src, dst, overwrite)

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._transfer(self.context(Operation.MOVE, src), src, dst, overwrite)

    def _transfer(self, context: OperationContext, src: str, dst: str, overwrite: bool) -> None:
        moving = context.operation is Operation.MOVE
        with self._lock:
            db = self._db(context)
            row = self._row(context, src)
            if row is None:
                raise context.error(NotFound, "no such file")
            if not overwrite and self._row(context, dst) is not None:
                raise context.error(AlreadyExists, "file already exists", path=dst)
            modified = row[1] if moving else datetime.now(timezone.utc).timestamp()
            db.execute("BEGIN")
            try:
                db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (dst, row[0], modified))
                if moving:
                    db.execute("DELETE FROM files WHERE path = ?", (src,))
            except sqlite3.Error as error:
                db.execute("ROLLBACK")
                raise context.error(BackendUnavailable, "database error") from error
            db.execute("COMMIT")

    # -- listings and metadata --------------------------------------------------------------

    def _info(self, path: str, size: int, modified: float) -> FileInfo:
        return FileInfo(
            path=RemotePath(path),
            name=path.rsplit("/", 1)[-1],
            size=size,
            modified_at=datetime.fromtimestamp(modified, timezone.utc),
        )

    def _rows_below(self, context: OperationContext, path: str) -> list[tuple[str, int, float]]:
        low, high = self._below(path)
        with self._lock:
            return (
                self._db(context)
                .execute(
                    "SELECT path, length(data), modified FROM files WHERE path >= ? AND path < ?",
                    (low, high),
                )
                .fetchall()
            )

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        context = self.context(Operation.LIST_FILES, path)
        self._db(context)  # a closed backend fails at the call
        return self._list_files(context, path, recursive)

    def _list_files(self, context: OperationContext, path: str, recursive: bool) -> Iterator[FileInfo]:
        start = len(path) + 1 if path else 0
        for key, size, modified in self._rows_below(context, path):
            if recursive or "/" not in key[start:]:
                yield self._info(key, size, modified)

    def list_folders(self, path: str) -> Iterator[str]:
        context = self.context(Operation.LIST_FOLDERS, path)
        self._db(context)
        return self._list_folders(context, path)

    def _list_folders(self, context: OperationContext, path: str) -> Iterator[str]:
        start = len(path) + 1 if path else 0
        seen: set[str] = set()
        for key, _, _ in self._rows_below(context, path):
            head, slash, _ = key[start:].partition("/")
            if slash and head not in seen:
                seen.add(head)
                yield key[: start + len(head)]

    def get_file_info(self, path: str) -> FileInfo:
        context = self.context(Operation.GET_FILE_INFO, path)
        with self._lock:
            row = (
                self._db(context)
                .execute("SELECT length(data), modified FROM files WHERE path = ?", (path,))
                .fetchone()
            )
        if row is None:
            raise context.error(NotFound, "no such file")
        return self._info(path, row[0], row[1])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._connection is not None:
                self._connection.close()
                self._connection = None
