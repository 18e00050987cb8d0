"""Runs the suite against a flat, object-store-like backend: no folders of its own, no copy, no metadata.

It exercises the branches no file-system backend reaches: folders that vanish with their last file
(``real_empty_folders = False``), file/folder conflicts that are not rejected, and the refusal of
undeclared capabilities (COPY, METADATA).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import BinaryIO, ClassVar

import pytest

from remote_store import (
    AlreadyExists,
    Backend,
    Capability,
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
from remote_store_conformance import Requirements


class FlatMemoryBackend(Backend):
    """Keys in a dict, like an object store: a folder is only a prefix of some key."""

    type_name: ClassVar[str] = "flatmemory"

    def __init__(self) -> None:
        self._objects: dict[str, tuple[bytes, datetime]] = {}
        self._lock = threading.Lock()
        self._closed = False

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

    def _check(self, operation: str) -> None:
        if self._closed:
            raise StoreClosed("backend is closed", operation=operation, backend=self.type_name)

    def _below(self, path: str) -> list[str]:
        prefix = f"{path}/" if path else ""
        return [key for key in self._objects if key.startswith(prefix)]

    def is_file(self, path: str) -> bool:
        with self._lock:
            self._check("is_file")
            return path in self._objects

    def is_folder(self, path: str) -> bool:
        with self._lock:
            self._check("is_folder")
            return path == "" or bool(self._below(path))

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._put("write", path, content, overwrite)

    def write_atomic(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._put("write_atomic", path, content, overwrite)

    def _put(self, operation: str, path: str, content: WriteContent, overwrite: bool) -> None:
        chunks = iter_chunks(content, path=path, operation=operation, backend=self.type_name)
        data = b"".join(bytes(chunk) for chunk in chunks)
        with self._lock:
            self._check(operation)
            if not overwrite and path in self._objects:
                raise AlreadyExists("object exists", path=path, operation=operation, backend=self.type_name)
            self._objects[path] = (data, datetime.now(timezone.utc))

    def read(self, path: str) -> BinaryIO:
        with self._lock:
            self._check("read")
            if path not in self._objects:
                raise NotFound("no such object", path=path, operation="read", backend=self.type_name)
            return io.BytesIO(self._objects[path][0])

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        with self._lock:
            self._check("delete")
            if path in self._objects:
                del self._objects[path]
            elif self._below(path):
                raise InvalidPath("path is a folder", path=path, operation="delete", backend=self.type_name)
            elif not missing_ok:
                raise NotFound("no such object", path=path, operation="delete", backend=self.type_name)

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        with self._lock:
            self._check("delete_folder")
            below = self._below(path)
            if not below:
                if path in self._objects:
                    raise InvalidPath(
                        "path is a file", path=path, operation="delete_folder", backend=self.type_name
                    )
                if not missing_ok:
                    raise NotFound(
                        "no such folder", path=path, operation="delete_folder", backend=self.type_name
                    )
                return
            if not recursive:
                raise DirectoryNotEmpty(
                    "folder is not empty", path=path, operation="delete_folder", backend=self.type_name
                )
            for key in below:
                del self._objects[key]

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        with self._lock:
            self._check("move")
            if src not in self._objects:
                raise NotFound("no such object", path=src, operation="move", backend=self.type_name)
            if not overwrite and dst in self._objects:
                raise AlreadyExists("object exists", path=dst, operation="move", backend=self.type_name)
            self._objects[dst] = self._objects.pop(src)

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        prefix = f"{path}/" if path else ""
        with self._lock:
            self._check("list_files")
            found = [
                FileInfo(path=RemotePath(key), name=key.rsplit("/", 1)[-1], size=len(data), modified_at=when)
                for key, (data, when) in self._objects.items()
                if key.startswith(prefix) and (recursive or "/" not in key[len(prefix) :])
            ]
        yield from found

    def list_folders(self, path: str) -> Iterator[str]:
        prefix = f"{path}/" if path else ""
        with self._lock:
            self._check("list_folders")
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


class FlatRequirements(Requirements):
    """The deviations of an object store, declared as a backend author would."""

    @property
    def real_empty_folders(self) -> bool:
        return False

    @property
    def file_folder_conflicts_rejected(self) -> bool:
        return False

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
