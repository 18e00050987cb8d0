"""The ``memory`` backend: files in a dict, for users' own unit tests (like fsspec's memory FS).

Every instance is its own empty store. Semantics follow the local backend (folders exist while
they hold files, or once created implicitly by a write; a path cannot be both a file and a
folder), so code tested against it behaves the same on disk. All operations are atomic.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import BinaryIO, ClassVar

from remote_store import (
    AlreadyExists,
    Backend,
    CapabilitySet,
    DirectoryNotEmpty,
    FileInfo,
    InvalidPath,
    NotFound,
    RemotePath,
    StoreClosed,
    WriteContent,
)
from remote_store.backend_tools import iter_chunks

__all__ = ["MemoryBackend"]


@dataclasses.dataclass(frozen=True)
class _Entry:
    data: bytes
    modified_at: datetime


def _parents(path: str) -> Iterator[str]:
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        yield path


class MemoryBackend(Backend):
    """An in-memory backend with every capability. Thread-safe; contents vanish on ``close()``.

    Options: none.
    """

    type_name: ClassVar[str] = "memory"

    def __init__(self) -> None:
        self._files: dict[str, _Entry] = {}
        self._folders: set[str] = set()
        self._lock = threading.RLock()
        self._closed = False

    @property
    def capabilities(self) -> CapabilitySet:
        """Every capability, ``ATOMIC_WRITE``, ``ATOMIC_MOVE`` and ``SEEKABLE_READ`` included."""
        return CapabilitySet.all()

    def _check(self, operation: str) -> None:
        if self._closed:
            raise StoreClosed("backend is closed", operation=operation, backend=self.type_name)

    def is_file(self, path: str) -> bool:
        with self._lock:
            self._check("is_file")
            return path in self._files

    def is_folder(self, path: str) -> bool:
        with self._lock:
            self._check("is_folder")
            return path == "" or path in self._folders

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._commit("write", path, content, overwrite)

    def write_atomic(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._commit("write_atomic", path, content, overwrite)

    def _commit(self, operation: str, path: str, content: WriteContent, overwrite: bool) -> None:
        self._check(operation)
        chunks = iter_chunks(content, path=path, operation=operation, backend=self.type_name)
        data = b"".join(bytes(chunk) for chunk in chunks)
        with self._lock:
            self._check(operation)
            self._check_target(operation, path, overwrite)
            self._files[path] = _Entry(data, datetime.now(timezone.utc))
            self._folders.update(_parents(path))

    def _check_target(self, operation: str, path: str, overwrite: bool) -> None:
        if path in self._folders:
            raise InvalidPath(
                "path is a folder, not a file", path=path, operation=operation, backend=self.type_name
            )
        for parent in _parents(path):
            if parent in self._files:
                raise InvalidPath(
                    "a parent of the path is a file", path=path, operation=operation, backend=self.type_name
                )
        if not overwrite and path in self._files:
            raise AlreadyExists("file already exists", path=path, operation=operation, backend=self.type_name)

    def _entry(self, path: str, operation: str) -> _Entry:
        self._check(operation)
        entry = self._files.get(path)
        if entry is None:
            raise NotFound("no such file", path=path, operation=operation, backend=self.type_name)
        return entry

    def read(self, path: str) -> BinaryIO:
        with self._lock:
            return io.BytesIO(self._entry(path, "read").data)

    def read_bytes(self, path: str) -> bytes:
        with self._lock:
            return self._entry(path, "read_bytes").data

    def read_range(self, path: str, start: int, end: int) -> bytes:
        with self._lock:
            return self._entry(path, "read_range").data[start:end]

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        with self._lock:
            self._check("delete")
            if path in self._folders:
                raise InvalidPath(
                    "path is a folder; use delete_folder",
                    path=path,
                    operation="delete",
                    backend=self.type_name,
                )
            if self._files.pop(path, None) is None and not missing_ok:
                raise NotFound("no such file", path=path, operation="delete", backend=self.type_name)

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        with self._lock:
            self._check("delete_folder")
            if path in self._files:
                raise InvalidPath(
                    "path is a file; use delete", path=path, operation="delete_folder", backend=self.type_name
                )
            if path not in self._folders:
                if missing_ok:
                    return
                raise NotFound("no such folder", path=path, operation="delete_folder", backend=self.type_name)
            prefix = path + "/"
            files = [key for key in self._files if key.startswith(prefix)]
            folders = [key for key in self._folders if key.startswith(prefix)]
            if (files or folders) and not recursive:
                raise DirectoryNotEmpty(
                    "folder is not empty", path=path, operation="delete_folder", backend=self.type_name
                )
            for key in files:
                del self._files[key]
            self._folders.difference_update(folders)
            self._folders.discard(path)

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        with self._lock:
            entry = self._entry(src, "move")
            self._check_target("move", dst, overwrite)
            self._files[dst] = entry
            self._folders.update(_parents(dst))
            del self._files[src]

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        with self._lock:
            entry = self._entry(src, "copy")
            self._check_target("copy", dst, overwrite)
            self._files[dst] = _Entry(entry.data, datetime.now(timezone.utc))
            self._folders.update(_parents(dst))

    def _info(self, path: str, entry: _Entry) -> FileInfo:
        return FileInfo(
            path=RemotePath(path),
            name=path.rsplit("/", 1)[-1],
            size=len(entry.data),
            modified_at=entry.modified_at,
        )

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        with self._lock:
            self._check("list_files")
            prefix = f"{path}/" if path else ""
            # A snapshot, so that callers may write while iterating.
            found = [
                self._info(key, entry)
                for key, entry in self._files.items()
                if key.startswith(prefix) and (recursive or "/" not in key[len(prefix) :])
            ]
        yield from found

    def list_folders(self, path: str) -> Iterator[str]:
        with self._lock:
            self._check("list_folders")
            prefix = f"{path}/" if path else ""
            found = [key for key in self._folders if key.startswith(prefix) and "/" not in key[len(prefix) :]]
        yield from found

    def get_file_info(self, path: str) -> FileInfo:
        with self._lock:
            return self._info(path, self._entry(path, "get_file_info"))

    def close(self) -> None:
        """Drop every file; later calls raise ``StoreClosed``."""
        with self._lock:
            self._closed = True
            self._files.clear()
            self._folders.clear()
