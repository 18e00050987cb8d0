"""Runs the suite against a flat, object-store-like backend: no folders of its own, no copy, no metadata.

It exercises the branches no file-system backend reaches: folders that vanish with their last file
(``real_empty_folders = False``), file/folder conflicts that are not rejected, the refusal of
undeclared capabilities (COPY, METADATA), and storage faults in the middle of a read stream (each
part of a body is a storage call that ``FlatFaults`` can fail).
"""

from __future__ import annotations

import errno
import io
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, BinaryIO, ClassVar

import pytest

from remote_store import (
    AlreadyExists,
    Backend,
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
from remote_store_conformance import FaultInjector, Requirements
from remote_store_conformance._support import error_chain

PART = 1024
"""Bytes one storage call of a read stream returns, as a server sends a body in pieces."""


class FlatMemoryBackend(Backend):
    """Keys in a dict, like an object store: a folder is only a prefix of some key.

    Every access to the dict is a storage call, and so is every part of a read stream's body:
    ``storage_call`` (set by ``FlatFaults``) runs before each, and an ``OSError`` it raises is the
    storage failing there, as a server's error answer would (CONF-009).
    """

    type_name: ClassVar[str] = "flatmemory"

    def __init__(self) -> None:
        self._objects: dict[str, tuple[bytes, datetime]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.storage_call: Callable[[], None] | None = None

    @property
    def capabilities(self) -> CapabilitySet:
        return CapabilitySet(
            [
                Capability.READ,
                Capability.WRITE,
                Capability.ATOMIC_WRITE,
                Capability.DELETE,
                Capability.LIST,
                Capability.MOVE,
            ]
        )

    @property
    def behaviour(self) -> Behaviour:
        """The deviations of an object store, declared as a backend author would."""
        return Behaviour(real_empty_folders=False, file_folder_conflicts_rejected=False)

    def _begin(self, operation: Operation, path: str) -> OperationContext:
        """The context of one call, after its storage call; raises ``StoreClosed`` once closed."""
        context = self.context(operation, path)
        if self._closed:
            raise context.closed()
        self._storage(context)
        return context

    def _storage(self, context: OperationContext) -> None:
        if self.storage_call is not None:
            try:
                self.storage_call()
            except OSError as error:
                raise context.os_error(error) from error

    def _below(self, path: str) -> list[str]:
        prefix = f"{path}/" if path else ""
        return [key for key in self._objects if key.startswith(prefix)]

    def is_file(self, path: str) -> bool:
        with self._lock:
            self._begin(Operation.IS_FILE, path)
            return path in self._objects

    def is_folder(self, path: str) -> bool:
        with self._lock:
            self._begin(Operation.IS_FOLDER, path)
            return path == "" or bool(self._below(path))

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
        # None of the options is declared: called directly, each is refused (BACKEND-022).
        check_write_options(
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
        context = self.context(Operation.WRITE_ATOMIC, path)
        check_write_options(
            context,
            self.capabilities,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        self._put(context, path, content, overwrite)

    def _put(self, context: OperationContext, path: str, content: WriteContent, overwrite: bool) -> None:
        data = b"".join(bytes(chunk) for chunk in iter_chunks(content, context=context))
        with self._lock:
            self._begin(context.operation, path)
            if not overwrite and path in self._objects:
                raise context.error(AlreadyExists, "object exists")
            self._objects[path] = (data, datetime.now(timezone.utc))

    def read(self, path: str) -> BinaryIO:
        with self._lock:
            context = self._begin(Operation.READ, path)
            if path not in self._objects:
                raise context.error(NotFound, "no such object")
            body = _Body(self._objects[path][0], lambda: self._storage(context))
        return io.BufferedReader(body, PART)

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        with self._lock:
            context = self._begin(Operation.DELETE, path)
            if path in self._objects:
                del self._objects[path]
            elif self._below(path):
                raise context.error(InvalidPath, "path is a folder")
            elif not missing_ok:
                raise context.error(NotFound, "no such object")

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        with self._lock:
            context = self._begin(Operation.DELETE_FOLDER, path)
            below = self._below(path)
            if not below:
                if path in self._objects:
                    raise context.error(InvalidPath, "path is a file")
                if not missing_ok:
                    raise context.error(NotFound, "no such folder")
                return
            if not recursive:
                raise context.error(DirectoryNotEmpty, "folder is not empty")
            for key in below:
                del self._objects[key]

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        with self._lock:
            context = self._begin(Operation.MOVE, src)
            if src not in self._objects:
                raise context.error(NotFound, "no such object")
            if not overwrite and dst in self._objects:
                raise context.error(AlreadyExists, "object exists", path=dst)
            self._objects[dst] = self._objects.pop(src)

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        prefix = f"{path}/" if path else ""
        with self._lock:
            self._begin(Operation.LIST_FILES, path)
            found = [
                FileInfo(path=RemotePath(key), name=key.rsplit("/", 1)[-1], size=len(data), modified_at=when)
                for key, (data, when) in self._objects.items()
                if key.startswith(prefix) and (recursive or "/" not in key[len(prefix) :])
            ]
        yield from found

    def list_folders(self, path: str) -> Iterator[str]:
        prefix = f"{path}/" if path else ""
        with self._lock:
            self._begin(Operation.LIST_FOLDERS, path)
            found = {
                prefix + key[len(prefix) :].split("/", 1)[0]
                for key in self._objects
                if key.startswith(prefix) and "/" in key[len(prefix) :]
            }
        yield from found

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._objects.clear()


class _Body(io.RawIOBase):
    """An object's body, sent in parts of ``PART`` bytes, each one storage call."""

    def __init__(self, data: bytes, storage_call: Callable[[], None]) -> None:
        super().__init__()
        self._data = memoryview(data)
        self._offset = 0
        self._storage_call = storage_call

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._offset >= len(self._data):
            return 0
        self._storage_call()
        part = self._data[self._offset : self._offset + min(len(buffer), PART)]
        memoryview(buffer).cast("B")[: len(part)] = part
        self._offset += len(part)
        return len(part)


class FlatFaults(FaultInjector):
    """Fails the chosen storage call of a ``FlatMemoryBackend`` with ``OSError(EIO)``, once."""

    def __init__(self, backend: FlatMemoryBackend) -> None:
        self._left = -1
        self._fired: OSError | None = None
        backend.storage_call = self._call

    def _call(self) -> None:
        if self._left < 0 or self._fired is not None:
            return
        if self._left == 0:
            self._fired = OSError(errno.EIO, "injected fault")
            raise self._fired
        self._left -= 1

    def arm(self, skip: int) -> None:
        self._left, self._fired = skip, None

    def disarm(self) -> bool:
        self._left = -1
        return self._fired is not None

    def reported_by(self, error: BaseException) -> bool:
        return any(link is self._fired for link in error_chain(error))


class FlatRequirements(Requirements):
    """What this test backend's run leaves out (its behaviour the backend declares itself)."""

    # A class that exists only in these tests has no entry point.
    entry_point_registered = False


@pytest.fixture
def conformance_backend() -> Iterator[FlatMemoryBackend]:
    backend = FlatMemoryBackend()
    yield backend
    backend.close()


@pytest.fixture
def conformance_requirements() -> Requirements:
    return FlatRequirements()


@pytest.fixture
def conformance_faults(conformance_backend: FlatMemoryBackend) -> FaultInjector:
    # Storage faults at every storage call, read streams' parts included (CONF-009, STORE-032).
    return FlatFaults(conformance_backend)
