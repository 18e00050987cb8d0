"""The ``memory`` backend: files in a dict, for users' own unit tests (like fsspec's memory FS).

Every instance is its own empty store. Semantics follow the local backend (folders exist while
they hold files, or once created implicitly by a write; a path cannot be both a file and a
folder), so code tested against it behaves the same on disk. All operations are atomic.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import BinaryIO, ClassVar

from remote_store import (
    AlreadyExists,
    Backend,
    Capability,
    CapabilitySet,
    DirectoryNotEmpty,
    FileInfo,
    InvalidPath,
    Metadata,
    NotFound,
    PreconditionFailed,
    RemotePath,
    WriteContent,
)
from remote_store.backend_tools import (
    Operation,
    OperationContext,
    WriteOptions,
    check_write_options,
    iter_chunks,
)

__all__ = ["MemoryBackend"]


@dataclasses.dataclass(frozen=True)
class _Entry:
    data: bytes
    modified_at: datetime
    etag: str
    content_type: str | None = None
    metadata: Metadata | None = None


def _parents(path: str) -> Iterator[str]:
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        yield path


class MemoryBackend(Backend):
    """An in-memory backend with every capability. Thread-safe; contents vanish on ``close()``.

    Stores content types and user metadata (no size limit) and gives every write a new ETag (a
    version number), which ``if_match`` compares atomically.

    Options: none.
    """

    type_name: ClassVar[str] = "memory"

    def __init__(self) -> None:
        self._files: dict[str, _Entry] = {}
        self._folders: set[str] = set()
        self._lock = threading.RLock()
        self._closed = False
        # ETags are versions, not content hashes: every write gives a new one, even of equal bytes.
        self._versions = itertools.count(1)

    @property
    def capabilities(self) -> CapabilitySet:
        """Every capability but ``PRESIGNED_URL`` (no HTTP endpoint to sign for).

        ``ATOMIC_WRITE``, ``ATOMIC_MOVE`` and ``SEEKABLE_READ`` included.
        """
        return CapabilitySet.all() - {Capability.PRESIGNED_URL}

    def _begin(self, operation: Operation, path: str) -> OperationContext:
        """The context of one call; raises ``StoreClosed`` once the backend is closed."""
        context = self.context(operation, path)
        if self._closed:
            raise context.closed()
        return context

    def is_file(self, path: str) -> bool:
        with self._lock:
            self._begin(Operation.IS_FILE, path)
            return path in self._files

    def is_folder(self, path: str) -> bool:
        with self._lock:
            self._begin(Operation.IS_FOLDER, path)
            return path == "" or path in self._folders

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
        context = self._begin(Operation.WRITE, path)
        options = check_write_options(
            context,
            self.capabilities,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        self._commit(context, path, content, overwrite, options)

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
        context = self._begin(Operation.WRITE_ATOMIC, path)
        options = check_write_options(
            context,
            self.capabilities,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        self._commit(context, path, content, overwrite, options)

    def _commit(
        self,
        context: OperationContext,
        path: str,
        content: WriteContent,
        overwrite: bool,
        options: WriteOptions,
    ) -> None:
        data = b"".join(bytes(chunk) for chunk in iter_chunks(content, context=context))
        with self._lock:
            if self._closed:  # closed while the content was read
                raise context.closed()
            self._check_target(context, path, overwrite)
            if options.if_match is not None:
                current = self._files.get(path)
                if current is None:
                    raise context.error(NotFound, "no such file to replace (if_match)")
                if current.etag != options.if_match:
                    message = f"file changed: its ETag is no longer {options.if_match!r}"
                    raise context.error(PreconditionFailed, message)
            self._files[path] = self._new_entry(data, options.content_type, options.metadata)
            self._folders.update(_parents(path))

    def _new_entry(self, data: bytes, content_type: str | None, metadata: Metadata | None) -> _Entry:
        return _Entry(data, datetime.now(timezone.utc), f"{next(self._versions):x}", content_type, metadata)

    def _check_target(self, context: OperationContext, path: str, overwrite: bool) -> None:
        if path in self._folders:
            raise context.error(InvalidPath, "path is a folder, not a file")
        for parent in _parents(path):
            if parent in self._files:
                raise context.error(InvalidPath, "a parent of the path is a file")
        if not overwrite and path in self._files:
            raise context.error(AlreadyExists, "file already exists")

    def _entry(self, operation: Operation, path: str) -> _Entry:
        context = self._begin(operation, path)
        entry = self._files.get(path)
        if entry is None:
            raise context.error(NotFound, "no such file")
        return entry

    def read(self, path: str) -> BinaryIO:
        with self._lock:
            return io.BytesIO(self._entry(Operation.READ, path).data)

    def read_bytes(self, path: str) -> bytes:
        with self._lock:
            return self._entry(Operation.READ_BYTES, path).data

    def read_range(self, path: str, start: int, end: int) -> bytes:
        with self._lock:
            return self._entry(Operation.READ_RANGE, path).data[start:end]

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        with self._lock:
            context = self._begin(Operation.DELETE, path)
            if path in self._folders:
                raise context.error(InvalidPath, "path is a folder; use delete_folder")
            if self._files.pop(path, None) is None and not missing_ok:
                raise context.error(NotFound, "no such file")

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        with self._lock:
            context = self._begin(Operation.DELETE_FOLDER, path)
            if path in self._files:
                raise context.error(InvalidPath, "path is a file; use delete")
            if path not in self._folders:
                if missing_ok:
                    return
                raise context.error(NotFound, "no such folder")
            prefix = path + "/"
            files = [key for key in self._files if key.startswith(prefix)]
            folders = [key for key in self._folders if key.startswith(prefix)]
            if (files or folders) and not recursive:
                raise context.error(DirectoryNotEmpty, "folder is not empty")
            for key in files:
                del self._files[key]
            self._folders.difference_update(folders)
            self._folders.discard(path)

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        with self._lock:
            entry = self._entry(Operation.MOVE, src)
            self._check_target(self.context(Operation.MOVE, dst), dst, overwrite)
            self._files[dst] = entry
            self._folders.update(_parents(dst))
            del self._files[src]

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        with self._lock:
            entry = self._entry(Operation.COPY, src)
            self._check_target(self.context(Operation.COPY, dst), dst, overwrite)
            self._files[dst] = self._new_entry(entry.data, entry.content_type, entry.metadata)
            self._folders.update(_parents(dst))

    def _info(self, path: str, entry: _Entry) -> FileInfo:
        return FileInfo(
            path=RemotePath(path),
            name=path.rsplit("/", 1)[-1],
            size=len(entry.data),
            modified_at=entry.modified_at,
            etag=entry.etag,
            content_type=entry.content_type,
            metadata=entry.metadata or {},
        )

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        with self._lock:
            self._begin(Operation.LIST_FILES, path)
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
            self._begin(Operation.LIST_FOLDERS, path)
            prefix = f"{path}/" if path else ""
            found = [key for key in self._folders if key.startswith(prefix) and "/" not in key[len(prefix) :]]
        yield from found

    def get_file_info(self, path: str) -> FileInfo:
        with self._lock:
            return self._info(path, self._entry(Operation.GET_FILE_INFO, path))

    def close(self) -> None:
        """Drop every file; later calls raise ``StoreClosed``."""
        with self._lock:
            self._closed = True
            self._files.clear()
            self._folders.clear()
