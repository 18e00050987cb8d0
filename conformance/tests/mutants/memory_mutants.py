"""Mutants of the memory backend: each breaks one requirement of specs/, and nothing else.

Written from specs/ and the README only, without reading the suite's tests (issue 19): they
measure the suite as a black box. Each class docstring cites the requirement it violates.
"""

from __future__ import annotations

import dataclasses
import io
import time
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timezone
from itertools import islice
from typing import Any, BinaryIO

from _bases import MemoryBase
from _registry import Mutant

from remote_store import (
    AlreadyExists,
    Capability,
    CapabilityNotSupported,
    CapabilitySet,
    FileInfo,
    FolderInfo,
    InvalidPath,
    NotFound,
    RemotePath,
    WriteContent,
)
from remote_store.backend_tools import Operation, OperationContext, check_content, iter_chunks
from remote_store.backends.memory import _Entry, _parents

PAGE = 1000  # the page size of common object stores (STORE-023)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _ensure_open(backend: MemoryBase, context: OperationContext) -> None:
    """``StoreClosed`` for ``context`` once ``backend`` is closed, as the base's ``_begin`` does."""
    if backend._closed:
        raise context.closed()


# -- timing: what readers and concurrent writers observe --------------------------------------


class PartialPublish(MemoryBase):
    """ATOMIC-005: ``write`` publishes what it has received so far after each chunk of a stream."""

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        if isinstance(content, (bytes, bytearray, memoryview)):
            return super().write(path, content, overwrite=overwrite)
        context = self._begin(Operation.WRITE, path)
        check_content(content, context=context)
        with self._lock:
            _ensure_open(self, context)
            self._check_target(context, path, overwrite)
            old = self._files.get(path)
            folders = set(self._folders)
        received = bytearray()
        try:
            for chunk in iter_chunks(content, context=context):
                received += bytes(chunk)
                with self._lock:
                    self._files[path] = self._new_entry(bytes(received), None, None)
                    self._folders.update(_parents(path))
        except BaseException:
            with self._lock:
                if old is None:
                    self._files.pop(path, None)
                else:
                    self._files[path] = old
                self._folders = folders
            raise
        with self._lock:
            self._files[path] = self._new_entry(bytes(received), None, None)
            self._folders.update(_parents(path))


class AtomicPartialPublish(MemoryBase):
    """ATOMIC-002: ``write_atomic`` replaces the file with each prefix of a stream as it arrives."""

    def write_atomic(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        if isinstance(content, (bytes, bytearray, memoryview)) or not overwrite:
            return super().write_atomic(path, content, overwrite=overwrite)
        context = self._begin(Operation.WRITE_ATOMIC, path)
        check_content(content, context=context)
        received = bytearray()
        with self._lock:
            self._check_target(context, path, overwrite)
            old = self._files.get(path)
            folders = set(self._folders)
        try:
            for chunk in iter_chunks(content, context=context):
                received += bytes(chunk)
                with self._lock:
                    self._files[path] = self._new_entry(bytes(received), None, None)
                    self._folders.update(_parents(path))
        except BaseException:
            with self._lock:
                if old is None:
                    self._files.pop(path, None)
                else:
                    self._files[path] = old
                self._folders = folders
            raise


class CheckBeforeReading(MemoryBase):
    """ATOMIC-004: the ``overwrite=False`` check runs only before the content is read.

    A creator racing in while a slow source is being read is overwritten: two winners.
    """

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        check_content(content, context=context)
        with self._lock:
            _ensure_open(self, context)
            self._check_target(context, path, overwrite)
        chunks = iter_chunks(content, context=context)
        data = b"".join(bytes(chunk) for chunk in chunks)
        with self._lock:
            _ensure_open(self, context)
            self._check_target(context, path, True)  # the "race-free" re-check forgets overwrite
            self._files[path] = self._new_entry(data, None, None)
            self._folders.update(_parents(path))


class LostUpdates(MemoryBase):
    """BACKEND-007: a write updates the folder set by an unlocked copy, yield and store: concurrent
    writes on different paths lose each other's parent folders (the files themselves stay right)."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        with self._lock:
            folders = set(self._folders)
        super()._commit(context, path, content, overwrite, options)
        time.sleep(0.0005)
        folders.update(_parents(path))
        self._folders = folders


# -- paging per listing kind --------------------------------------------------------------------


class ListFoldersFirstPage(MemoryBase):
    """STORE-023: ``list_folders`` yields only the first 1,000 folders of a folder."""

    def list_folders(self, path: str) -> Iterator[str]:
        return islice(super().list_folders(path), PAGE)


class ListFilesFlatFirstPage(MemoryBase):
    """STORE-023: non-recursive ``list_files`` yields only the first 1,000 files."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        found = super().list_files(path, recursive=recursive)
        return found if recursive else islice(found, PAGE)


class ListFilesRecursiveFirstPage(MemoryBase):
    """STORE-023: recursive ``list_files`` yields only the first 1,000 files."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        found = super().list_files(path, recursive=recursive)
        return islice(found, PAGE) if recursive else found


# -- content edge cases -------------------------------------------------------------------------


class OverwriteKeepsTail(MemoryBase):
    """STORE-005: an overwrite with shorter content keeps the tail of the longer old content."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        with self._lock:
            old = self._files.get(path)
        super()._commit(context, path, content, overwrite, options)
        with self._lock:
            new = self._files[path]
            if old is not None and len(old.data) > len(new.data):
                self._files[path] = dataclasses.replace(new, data=new.data + old.data[len(new.data) :])


class EmptyFileOverwritten(MemoryBase):
    """STORE-004: ``overwrite=False`` does not protect an existing file that is empty."""

    def _check_target(self, context: OperationContext, path: str, overwrite: bool) -> None:
        entry = self._files.get(path)
        super()._check_target(context, path, overwrite or (entry is not None and not entry.data))


class EmptyContentNoFile(MemoryBase):
    """STREAM-007: empty content (``b""`` or an empty stream) creates no file."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        _ensure_open(self, context)
        data = b"".join(bytes(c) for c in iter_chunks(content, context=context))
        if not data:
            with self._lock:
                self._check_target(context, path, overwrite)
            return
        super()._commit(context, path, data, overwrite, options)


class ShortReadIsEnd(MemoryBase):
    """STREAM-003: a stream's short read (fewer bytes than asked) is taken for its end."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        if isinstance(content, (bytes, bytearray, memoryview)) or not hasattr(content, "read"):
            return super()._commit(context, path, content, overwrite, options)
        size = 65536
        parts: list[bytes] = []
        while True:
            chunk = content.read(size)
            if not isinstance(chunk, (bytes, bytearray)):
                return super()._commit(context, path, content, overwrite, options)  # let the base refuse it
            parts.append(bytes(chunk))
            if len(chunk) < size:
                break
        super()._commit(context, path, b"".join(parts), overwrite, options)


class ReadsWholeStream(MemoryBase):
    """STREAM-005: a stream is read with one ``read()`` without a size (the whole content)."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        if isinstance(content, (bytes, bytearray, memoryview)) or not hasattr(content, "read"):
            return super()._commit(context, path, content, overwrite, options)
        data = content.read()
        if isinstance(data, (bytes, bytearray)):
            super()._commit(context, path, bytes(data), overwrite, options)
        else:
            super()._commit(context, path, content, overwrite, options)


class ClosesCallersStream(MemoryBase):
    """STREAM-006: the content stream is closed after a successful write."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        super()._commit(context, path, content, overwrite, options)
        close = getattr(content, "close", None)
        if callable(close) and not isinstance(content, (bytes, bytearray, memoryview)):
            close()


class SliceKeepsWholeBuffer(MemoryBase):
    """STREAM-001: a sliced ``memoryview`` is stored as its whole underlying buffer."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        if isinstance(content, memoryview) and isinstance(content.obj, (bytes, bytearray)):
            content = bytes(content.obj)
        super()._commit(context, path, content, overwrite, options)


class FailedStreamKeepsPart(MemoryBase):
    """STREAM-008: a stream raising part-way leaves a file holding what was read before."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        received = bytearray()
        try:
            for chunk in iter_chunks(content, context=context):
                received += bytes(chunk)
        except Exception:
            if received:
                with self._lock:
                    self._check_target(context, path, overwrite)
                    self._files[path] = self._new_entry(bytes(received), None, None)
                    self._folders.update(_parents(path))
            raise
        super()._commit(context, path, bytes(received), overwrite, options)


class TextMidwayEncoded(MemoryBase):
    """BACKEND-016: a stream that turns to ``str`` midway is encoded as UTF-8 instead of refused."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        if isinstance(content, (bytes, bytearray, memoryview)) or not hasattr(content, "read"):
            return super()._commit(context, path, content, overwrite, options)
        first: Any = content.read(65536)
        if not isinstance(first, (bytes, bytearray)):
            return super()._commit(context, path, _Prepend(first, content), overwrite, options)
        parts = [bytes(first)]
        while first:
            first = content.read(65536)
            if isinstance(first, str):
                first = first.encode()
            parts.append(bytes(first))
        super()._commit(context, path, b"".join(parts), overwrite, options)


class _Prepend:
    """A stream giving ``head`` first, then the rest of ``tail``."""

    def __init__(self, head: Any, tail: Any) -> None:
        self._head: Any = head
        self._tail = tail

    def read(self, size: int = -1) -> Any:
        if self._head is not None:
            head, self._head = self._head, None
            return head
        return self._tail.read(size)


class ExistsBeforeContent(MemoryBase):
    """BACKEND-016: called directly, an existing file is reported before invalid content is."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        with self._lock:
            _ensure_open(self, context)
            self._check_target(context, path, overwrite)
        super()._commit(context, path, content, overwrite, options)


# -- reads -------------------------------------------------------------------------------------


class _ReadAllShort(io.BytesIO):
    """``read()`` without a size stops at 64 KiB; ``read(n)`` is right."""

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return super().read(65536)
        return super().read(size)

    def readall(self) -> bytes:
        return self.read()


class ReadAllShort(MemoryBase):
    """STREAM-009: the stream's ``read()`` (no size) returns at most 64 KiB, not all that remains."""

    def read(self, path: str) -> BinaryIO:
        with self._lock:
            return _ReadAllShort(self._entry(Operation.READ, path).data)


class _ReadTooMuch(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size > 0:
            return super().read(size * 2)
        return super().read(size)


class ReadReturnsTooMuch(MemoryBase):
    """STREAM-009: ``read(n)`` returns up to ``2 * n`` bytes."""

    def read(self, path: str) -> BinaryIO:
        with self._lock:
            return _ReadTooMuch(self._entry(Operation.READ, path).data)


class _NeverClosed(io.BytesIO):
    def __exit__(self, *exc: object) -> None:
        return None


class StreamNotClosedByWith(MemoryBase):
    """STREAM-009: leaving the ``with`` block of a read stream does not close it."""

    def read(self, path: str) -> BinaryIO:
        with self._lock:
            return _NeverClosed(self._entry(Operation.READ, path).data)


class ReadBytesTruncated(MemoryBase):
    """STREAM-011: ``read_bytes`` of a file above 8 MiB returns only its first 8 MiB."""

    def read_bytes(self, path: str) -> bytes:
        return super().read_bytes(path)[: 8 * 1024 * 1024]


class _BadReadinto(io.BytesIO):
    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = super().read(max(0, len(view) - 1)) if len(view) > 1 else super().read(len(view))
        view[: len(data)] = data
        # claims the whole buffer was filled: one stale byte per call
        return len(view) if data else 0


class ReadintoOverclaims(MemoryBase):
    """STREAM-009: the read stream's ``readinto`` claims one byte more than it filled.

    Note: STREAM-009 asks for "a readable binary file object"; ``readinto`` is part of that
    protocol (``io.BufferedIOBase``) and is what ``shutil.copyfileobj`` and others use.
    """

    def read(self, path: str) -> BinaryIO:
        with self._lock:
            return _BadReadinto(self._entry(Operation.READ, path).data)


# -- folders, listings, metadata ---------------------------------------------------------------


class OnlyDirectParentCreated(MemoryBase):
    """STORE-006: a write creates its direct parent folder only, not the ancestors above it."""

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        with self._lock:
            before = set(self._folders)
        super()._commit(context, path, content, overwrite, options)
        with self._lock:
            parent = path.rsplit("/", 1)[0] if "/" in path else None
            for folder in list(_parents(path)):
                if folder != parent and folder not in before:
                    self._folders.discard(folder)


class RecursiveDeleteShallow(MemoryBase):
    """STORE-014: ``delete_folder(recursive=True)`` leaves the files two or more levels down."""

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        if not recursive:
            return super().delete_folder(path, recursive=recursive, missing_ok=missing_ok)
        with self._lock:
            prefix = path + "/"
            kept = {
                k: v
                for k, v in self._files.items()
                if k.startswith(prefix) and k[len(prefix) :].count("/") >= 2
            }
            super().delete_folder(path, recursive=True, missing_ok=missing_ok)
            for key, entry in kept.items():
                self._files[key] = entry
                self._folders.update(_parents(key))


class RecursiveDeleteTakesSiblings(MemoryBase):
    """STORE-014: ``delete_folder(recursive=True)`` also deletes siblings sharing the name's prefix."""

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        with self._lock:
            super().delete_folder(path, recursive=recursive, missing_ok=missing_ok)
            if recursive:
                for key in [k for k in self._files if k.startswith(path)]:
                    del self._files[key]
                self._folders.difference_update({k for k in self._folders if k.startswith(path)})


class DeleteFolderIgnoresEmptySubfolders(MemoryBase):
    """STORE-013: ``delete_folder`` without ``recursive`` removes a folder holding only empty folders."""

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        with self._lock:
            prefix = path + "/"
            if not recursive and path in self._folders and not any(k.startswith(prefix) for k in self._files):
                recursive = True
            super().delete_folder(path, recursive=recursive, missing_ok=missing_ok)


class DeleteDropsEmptyParent(MemoryBase):
    """STORE-016: deleting the last file of a folder removes the folder (no real empty folders)."""

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        with self._lock:
            super().delete(path, missing_ok=missing_ok)
            if "/" in path:
                parent = path.rsplit("/", 1)[0]
                prefix = parent + "/"
                if not any(k.startswith(prefix) for k in self._files) and not any(
                    k.startswith(prefix) for k in self._folders
                ):
                    self._folders.discard(parent)


class ListFilesPrefixLeak(MemoryBase):
    """STORE-020: recursive ``list_files("a")`` also yields the files of a sibling folder ``"ab"``."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        if not recursive or not path:
            return super().list_files(path, recursive=recursive)
        with self._lock:
            self._begin(Operation.LIST_FILES, path)
            found = [self._info(k, e) for k, e in self._files.items() if k.startswith(path) and k != path]
        return iter(found)


class ListFoldersDeep(MemoryBase):
    """STORE-021: ``list_folders`` also yields folders below the direct subfolders."""

    def list_folders(self, path: str) -> Iterator[str]:
        with self._lock:
            self._begin(Operation.LIST_FOLDERS, path)
            prefix = f"{path}/" if path else ""
            found = [key for key in self._folders if key.startswith(prefix) and key != path]
        return iter(found)


class ListFoldersTrailingSlash(MemoryBase):
    """BACKEND-003: ``list_folders`` yields folder paths with a trailing ``/``."""

    def list_folders(self, path: str) -> Iterator[str]:
        for folder in super().list_folders(path):
            yield folder + "/"


class NamesNormalized(MemoryBase):
    """PATH-007: names are stored NFC-normalized, so listings return other text than was written.

    Every operation normalizes its path the same way, so each file stays reachable under both
    spellings; only the text reported back differs (STORE-024 asks for a verbatim round trip).
    """

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        super()._commit(context, unicodedata.normalize("NFC", path), content, overwrite, options)

    def is_file(self, path: str) -> bool:
        return super().is_file(unicodedata.normalize("NFC", path))

    def is_folder(self, path: str) -> bool:
        return super().is_folder(unicodedata.normalize("NFC", path))

    def read(self, path: str) -> BinaryIO:
        return super().read(unicodedata.normalize("NFC", path))

    def read_bytes(self, path: str) -> bytes:
        return super().read_bytes(unicodedata.normalize("NFC", path))

    def read_range(self, path: str, start: int, end: int) -> bytes:
        return super().read_range(unicodedata.normalize("NFC", path), start, end)

    def get_file_info(self, path: str) -> FileInfo:
        return super().get_file_info(unicodedata.normalize("NFC", path))

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        super().delete(unicodedata.normalize("NFC", path), missing_ok=missing_ok)


class InfoSizeOffForEmpty(MemoryBase):
    """STORE-025: ``get_file_info`` reports size 1 for an empty file (listings say 0)."""

    def get_file_info(self, path: str) -> FileInfo:
        info = super().get_file_info(path)
        return FileInfo(path=info.path, name=info.name, size=max(1, info.size), modified_at=info.modified_at)


class InfoNaiveTime(MemoryBase):
    """STORE-025: ``get_file_info`` gives a naive ``modified_at`` (UTC wall time, no tzinfo)."""

    def get_file_info(self, path: str) -> FileInfo:
        info = super().get_file_info(path)
        return FileInfo(
            path=info.path, name=info.name, size=info.size, modified_at=info.modified_at.replace(tzinfo=None)
        )


class FileNameIsPath(MemoryBase):
    """STORE-024: ``FileInfo.name`` is the whole path instead of its last segment."""

    def _info(self, path: str, entry: _Entry) -> FileInfo:
        return FileInfo(path=RemotePath(path), name=path, size=len(entry.data), modified_at=entry.modified_at)


class FolderInfoDirectOnly(MemoryBase):
    """STORE-026: ``get_folder_info`` counts only the files directly in the folder."""

    def get_folder_info(self, path: str) -> FolderInfo:
        super().get_folder_info(path)  # every check and error of the base
        infos = list(self.list_files(path))
        return FolderInfo(
            path=RemotePath(path),
            file_count=len(infos),
            total_size=sum(i.size for i in infos),
            modified_at=max((i.modified_at for i in infos), default=None),
        )


class FolderInfoOldest(MemoryBase):
    """STORE-026: ``get_folder_info.modified_at`` is the oldest modification time, not the newest."""

    def get_folder_info(self, path: str) -> FolderInfo:
        info = super().get_folder_info(path)
        times = [i.modified_at for i in self.list_files(path, recursive=True)]
        return FolderInfo(
            path=info.path,
            file_count=info.file_count,
            total_size=info.total_size,
            modified_at=min(times, default=None),
        )


class IsFolderByStringPrefix(MemoryBase):
    """STORE-010: ``is_folder("a")`` is true when only a file ``"ab.txt"`` or folder ``"ab"`` exists."""

    def is_folder(self, path: str) -> bool:
        with self._lock:
            self._begin(Operation.IS_FOLDER, path)
            return path == "" or any(k.startswith(path) and k != path for k in [*self._files, *self._folders])


# -- move and copy ------------------------------------------------------------------------------


class MoveKeepsSource(MemoryBase):
    """STORE-017: ``move`` leaves the source file in place (a copy)."""

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        with self._lock:
            entry = self._entry(Operation.MOVE, src)
            super().move(src, dst, overwrite=overwrite)
            self._files[src] = entry


class CopyAliases(MemoryBase):
    """STORE-018: a copy stays linked to its source: overwriting either rewrites both."""

    def __init__(self) -> None:
        super().__init__()
        self._aliases: dict[str, str] = {}

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        super().copy(src, dst, overwrite=overwrite)
        self._aliases[dst] = src
        self._aliases[src] = dst

    def _commit(
        self, context: OperationContext, path: str, content: WriteContent, overwrite: bool, options: Any
    ) -> None:
        super()._commit(context, path, content, overwrite, options)
        twin = self._aliases.get(path)
        with self._lock:
            if twin is not None and twin in self._files:
                self._files[twin] = self._files[path]


class CopyWithoutParents(MemoryBase):
    """STORE-018: ``copy`` does not create the missing ancestor folders of ``dst``."""

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        with self._lock:
            before = set(self._folders)
            super().copy(src, dst, overwrite=overwrite)
            self._folders = before


class MoveDropsEmptySourceFolder(MemoryBase):
    """STORE-016: moving the last file out of a folder removes that folder."""

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        with self._lock:
            super().move(src, dst, overwrite=overwrite)
            if "/" in src:
                parent = src.rsplit("/", 1)[0]
                prefix = parent + "/"
                if not any(k.startswith(prefix) for k in [*self._files, *self._folders]):
                    self._folders.discard(parent)


# -- errors, capabilities, close ----------------------------------------------------------------


class FolderReadInvalidPath(MemoryBase):
    """STORE-009: reading a folder raises ``InvalidPath`` instead of ``NotFound``."""

    def _entry(self, operation: Operation, path: str) -> _Entry:
        context = self._begin(operation, path)
        if path in self._folders:
            raise context.error(InvalidPath, "path is a folder")
        return super()._entry(operation, path)


class ErrorsUnnamedBackend(MemoryBase):
    """BACKEND-005: ``NotFound`` errors carry no ``backend`` (and no ``operation``)."""

    def _entry(self, operation: Operation, path: str) -> _Entry:
        try:
            return super()._entry(operation, path)
        except NotFound as error:
            raise NotFound(error.message, path=path) from None


class MessageHoldsPath(MemoryBase):
    """BACKEND-005: ``AlreadyExists`` messages contain the path (shown twice in the text)."""

    def _check_target(self, context: OperationContext, path: str, overwrite: bool) -> None:
        try:
            super()._check_target(context, path, overwrite)
        except AlreadyExists:
            raise context.error(AlreadyExists, f"file {path} already exists") from None


class CopyDeclaredButRefused(MemoryBase):
    """BACKEND-012: ``COPY`` is declared, but ``copy`` raises ``CapabilityNotSupported``."""

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        raise CapabilityNotSupported(
            "copy is not supported", capability="copy", path=src, operation="copy", backend=self.type_name
        )


class CapabilitiesDrift(MemoryBase):
    """BACKEND-002: ``capabilities`` loses ``ATOMIC_MOVE`` once something has been written."""

    @property
    def capabilities(self) -> CapabilitySet:
        if getattr(self, "_files", None):
            return CapabilitySet(set(CapabilitySet.all()) - {Capability.ATOMIC_MOVE})
        return CapabilitySet.all()


class ClosedListingsSilent(MemoryBase):
    """BACKEND-008: after ``close()``, ``list_folders`` yields nothing instead of raising ``StoreClosed``."""

    def list_folders(self, path: str) -> Iterator[str]:
        if self._closed:
            return iter(())
        return super().list_folders(path)


class SecondCloseRaises(MemoryBase):
    """BACKEND-008: a second ``close()`` raises ``StoreClosed``."""

    def close(self) -> None:
        self._begin(Operation.CLOSE, "")
        super().close()


class MissingOkDeletesEmptyFolder(MemoryBase):
    """STORE-012: ``delete(folder, missing_ok=True)`` removes an empty folder."""

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        with self._lock:
            if missing_ok and path in self._folders:
                prefix = path + "/"
                if not any(k.startswith(prefix) for k in [*self._files, *self._folders]):
                    self._folders.discard(path)
                    return
            super().delete(path, missing_ok=missing_ok)


REGISTRY: list[Mutant] = [
    Mutant(
        "partial_publish",
        "ATOMIC-005",
        "write publishes the received prefix after each chunk of a stream",
        PartialPublish,
    ),
    Mutant(
        "atomic_partial_publish",
        "ATOMIC-002",
        "write_atomic(overwrite=True) shows each prefix of a stream",
        AtomicPartialPublish,
    ),
    Mutant(
        "check_before_reading",
        "ATOMIC-004",
        "overwrite=False checked only before a slow source is read",
        CheckBeforeReading,
    ),
    Mutant(
        "lost_updates",
        "BACKEND-007",
        "unlocked copy-modify-store of the file table loses concurrent writes",
        LostUpdates,
    ),
    Mutant(
        "list_folders_first_page", "STORE-023", "list_folders stops after 1,000 folders", ListFoldersFirstPage
    ),
    Mutant(
        "list_files_flat_first_page",
        "STORE-023",
        "non-recursive list_files stops after 1,000 files",
        ListFilesFlatFirstPage,
    ),
    Mutant(
        "list_files_recursive_first_page",
        "STORE-023",
        "recursive list_files stops after 1,000 files",
        ListFilesRecursiveFirstPage,
    ),
    Mutant(
        "overwrite_keeps_tail",
        "STORE-005",
        "a shorter overwrite keeps the old content's tail",
        OverwriteKeepsTail,
    ),
    Mutant(
        "empty_file_overwritten",
        "STORE-004",
        "overwrite=False overwrites an existing empty file",
        EmptyFileOverwritten,
    ),
    Mutant("empty_content_no_file", "STREAM-007", "empty content creates no file", EmptyContentNoFile),
    Mutant(
        "short_read_is_end", "STREAM-003", "a short read of the content stream ends the write", ShortReadIsEnd
    ),
    Mutant(
        "reads_whole_stream",
        "STREAM-005",
        "the content stream is read with read() (no size)",
        ReadsWholeStream,
    ),
    Mutant(
        "closes_callers_stream",
        "STREAM-006",
        "the caller's content stream is closed after the write",
        ClosesCallersStream,
    ),
    Mutant(
        "slice_keeps_whole_buffer",
        "STREAM-001",
        "a sliced memoryview stores its whole underlying buffer",
        SliceKeepsWholeBuffer,
    ),
    Mutant(
        "failed_stream_keeps_part",
        "STREAM-008",
        "a stream failing part-way leaves the part read as the file",
        FailedStreamKeepsPart,
    ),
    Mutant(
        "text_midway_encoded",
        "BACKEND-016",
        "a stream turning to str midway is UTF-8 encoded, not refused",
        TextMidwayEncoded,
    ),
    Mutant(
        "exists_before_content",
        "BACKEND-016",
        "called directly, AlreadyExists is raised before InvalidContent",
        ExistsBeforeContent,
    ),
    Mutant("read_all_short", "STREAM-009", "the read stream's read() returns at most 64 KiB", ReadAllShort),
    Mutant("read_returns_too_much", "STREAM-009", "read(n) returns up to 2n bytes", ReadReturnsTooMuch),
    Mutant(
        "stream_not_closed_by_with",
        "STREAM-009",
        "leaving the with block does not close the read stream",
        StreamNotClosedByWith,
    ),
    Mutant(
        "read_bytes_truncated", "STREAM-011", "read_bytes returns only the first 8 MiB", ReadBytesTruncated
    ),
    Mutant(
        "readinto_overclaims",
        "STREAM-009",
        "readinto claims one byte more than it filled",
        ReadintoOverclaims,
        note="STREAM-009 says 'a readable binary file object'; readinto is part of that protocol",
    ),
    Mutant(
        "only_direct_parent_created",
        "STORE-006",
        "a write creates only its direct parent folder",
        OnlyDirectParentCreated,
    ),
    Mutant(
        "recursive_delete_shallow",
        "STORE-014",
        "recursive delete_folder leaves files 2+ levels down",
        RecursiveDeleteShallow,
    ),
    Mutant(
        "recursive_delete_takes_siblings",
        "STORE-014",
        "recursive delete_folder('a') also deletes 'ab' and 'a.txt'",
        RecursiveDeleteTakesSiblings,
    ),
    Mutant(
        "delete_folder_ignores_empty_subfolders",
        "STORE-013",
        "non-recursive delete_folder removes a folder holding empty folders",
        DeleteFolderIgnoresEmptySubfolders,
    ),
    Mutant(
        "delete_drops_empty_parent",
        "STORE-016",
        "deleting a folder's last file removes the folder",
        DeleteDropsEmptyParent,
    ),
    Mutant(
        "move_drops_empty_source_folder",
        "STORE-016",
        "moving a folder's last file away removes the folder",
        MoveDropsEmptySourceFolder,
    ),
    Mutant(
        "list_files_prefix_leak",
        "STORE-020",
        "recursive list_files('a') yields files of sibling 'ab'",
        ListFilesPrefixLeak,
    ),
    Mutant("list_folders_deep", "STORE-021", "list_folders yields deeper folders too", ListFoldersDeep),
    Mutant(
        "list_folders_trailing_slash",
        "BACKEND-003",
        "list_folders yields paths with a trailing '/'",
        ListFoldersTrailingSlash,
    ),
    Mutant(
        "names_normalized",
        "PATH-007",
        "paths are NFC-normalized: listings report other text than written",
        NamesNormalized,
        note="checked through STORE-024 / Requirements.unicode_paths ('round-trip verbatim')",
    ),
    Mutant(
        "info_size_off_for_empty",
        "STORE-025",
        "get_file_info reports size 1 for an empty file",
        InfoSizeOffForEmpty,
    ),
    Mutant("info_naive_time", "STORE-025", "get_file_info's modified_at is naive", InfoNaiveTime),
    Mutant("file_name_is_path", "STORE-024", "FileInfo.name is the whole path", FileNameIsPath),
    Mutant(
        "folder_info_direct_only",
        "STORE-026",
        "get_folder_info counts only direct files",
        FolderInfoDirectOnly,
    ),
    Mutant(
        "folder_info_oldest", "STORE-026", "get_folder_info.modified_at is the oldest time", FolderInfoOldest
    ),
    Mutant(
        "is_folder_by_string_prefix",
        "STORE-010",
        "is_folder('a') is true when only 'ab...' exists",
        IsFolderByStringPrefix,
    ),
    Mutant("move_keeps_source", "STORE-017", "move leaves the source file", MoveKeepsSource),
    Mutant("copy_aliases", "STORE-018", "overwriting a copy or its source rewrites both", CopyAliases),
    Mutant(
        "copy_without_parents", "STORE-018", "copy does not create dst's ancestor folders", CopyWithoutParents
    ),
    Mutant(
        "folder_read_invalid_path",
        "STORE-009",
        "reading a folder raises InvalidPath, not NotFound",
        FolderReadInvalidPath,
    ),
    Mutant(
        "errors_unnamed_backend",
        "BACKEND-005",
        "NotFound errors carry no backend and no operation",
        ErrorsUnnamedBackend,
    ),
    Mutant("message_holds_path", "BACKEND-005", "AlreadyExists messages contain the path", MessageHoldsPath),
    Mutant(
        "copy_declared_but_refused",
        "BACKEND-012",
        "COPY declared, copy raises CapabilityNotSupported",
        CopyDeclaredButRefused,
    ),
    Mutant(
        "capabilities_drift",
        "BACKEND-002",
        "capabilities lose ATOMIC_MOVE after the first write",
        CapabilitiesDrift,
    ),
    Mutant(
        "closed_listings_silent",
        "BACKEND-008",
        "after close, list_folders yields nothing instead of raising",
        ClosedListingsSilent,
    ),
    Mutant("second_close_raises", "BACKEND-008", "a second close() raises StoreClosed", SecondCloseRaises),
    Mutant(
        "missing_ok_deletes_empty_folder",
        "STORE-012",
        "delete(folder, missing_ok=True) removes an empty folder",
        MissingOkDeletesEmptyFolder,
    ),
]
