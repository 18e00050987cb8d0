"""Mutants that need nothing but the public ``Backend`` API: any backend can be broken this way.

Each mixin here goes before a base backend class (``class X(Mixin, AzureBase)``) and changes one
thing through ``super()``, violating the requirement its docstring cites. ``registry(base)`` builds
the whole set over one base; the Azure (Azurite) and SFTP (sshd) bases run it (issue 19, item 5),
and so does any future backend given a base in ``_bases.py``. Written from specs/, like the other
mutants, without reading the suite's tests.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from typing import Any, BinaryIO

from _registry import Mutant
from _wrappers import CheckBeforeReading, PublishPartial, copy_of, rewrite_errors, truncated

from remote_store import Capability, CapabilitySet, FileInfo, RemoteStoreError, WriteContent

__all__ = ["registry"]

_PAGE = 1000
_MIB = 1024 * 1024


def _bytes_like(content: object) -> bool:
    return isinstance(content, (bytes, bytearray, memoryview))


# -- timing -------------------------------------------------------------------------------------


class PartialPublishWrite(PublishPartial):
    """ATOMIC-005: ``write`` publishes the received prefix of a stream after each chunk."""


class PartialPublishAtomic(PublishPartial):
    """ATOMIC-002: ``write_atomic`` publishes the received prefix of a stream after each chunk."""

    publish_partial_in = ("write_atomic",)


class CheckThenCreate(CheckBeforeReading):
    """ATOMIC-004: ``overwrite=False`` is checked before the content is read; the publish replaces."""


# -- listings past a page -----------------------------------------------------------------------


class ListFilesFlatFirstPage:
    """STORE-023: non-recursive ``list_files`` stops after 1,000 files."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        found = super().list_files(path, recursive=recursive)  # type: ignore[misc]
        return found if recursive else itertools.islice(found, _PAGE)


class ListFilesRecursiveFirstPage:
    """STORE-023: recursive ``list_files`` stops after 1,000 files."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        found = super().list_files(path, recursive=recursive)  # type: ignore[misc]
        return itertools.islice(found, _PAGE) if recursive else found


class ListFoldersFirstPage:
    """STORE-023: ``list_folders`` stops after 1,000 folders."""

    def list_folders(self, path: str) -> Iterator[str]:
        return itertools.islice(super().list_folders(path), _PAGE)  # type: ignore[misc]


class FileNameIsPath:
    """STORE-024: listed files carry their whole path as ``FileInfo.name``."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        for info in super().list_files(path, recursive=recursive):  # type: ignore[misc]
            yield FileInfo(path=info.path, name=str(info.path), size=info.size, modified_at=info.modified_at)


# -- writes -------------------------------------------------------------------------------------


class OverwriteKeepsTail:
    """STORE-005: an overwrite with shorter bytes keeps the tail of the longer old content."""

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        base: Any = super()
        if overwrite and _bytes_like(content) and base.is_file(path):
            old = base.read_bytes(path)
            new = bytes(content)  # type: ignore[arg-type]
            if len(old) > len(new):
                content = new + old[len(new) :]
        base.write(path, content, overwrite=overwrite, **options)


class EmptyFileOverwritten:
    """STORE-004: ``overwrite=False`` does not protect an existing file that is empty."""

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        base: Any = super()
        if not overwrite and base.is_file(path) and base.read_bytes(path) == b"":
            overwrite = True
        base.write(path, content, overwrite=overwrite, **options)


class EmptyContentNoFile:
    """STREAM-007: empty bytes create no file."""

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        base: Any = super()
        if _bytes_like(content) and len(content) == 0 and not base.is_file(path):  # type: ignore[arg-type]
            return
        base.write(path, content, overwrite=overwrite, **options)


class ClosesCallersStream:
    """STREAM-006: the caller's content stream is closed after a successful write."""

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        super().write(path, content, overwrite=overwrite, **options)  # type: ignore[misc]
        close = getattr(content, "close", None)
        if callable(close) and not _bytes_like(content):
            close()


class ReadsWholeStream:
    """STREAM-005: a content stream is read with one ``read()`` without a size."""

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        if not _bytes_like(content) and hasattr(content, "read"):
            data = content.read()  # type: ignore[union-attr]
            if isinstance(data, (bytes, bytearray)):
                content = bytes(data)
        super().write(path, content, overwrite=overwrite, **options)  # type: ignore[misc]


# -- reads --------------------------------------------------------------------------------------


class ReadEndsAt8MiB:
    """STREAM-010: the read stream ends after 8 MiB."""

    def read(self, path: str) -> BinaryIO:
        return truncated(super().read(path), 8 * _MIB)  # type: ignore[misc]


class ReadBytesTruncated:
    """STREAM-011: ``read_bytes`` of a file above 8 MiB returns only its first 8 MiB."""

    def read_bytes(self, path: str) -> bytes:
        return bytes(super().read_bytes(path)[: 8 * _MIB])  # type: ignore[misc]


class _NeverClosed(io.BytesIO):
    def __exit__(self, *exc: object) -> None:
        return None


class StreamNotClosedByWith:
    """STREAM-009: leaving the ``with`` block of a read stream does not close it."""

    def read(self, path: str) -> BinaryIO:
        with super().read(path) as stream:  # type: ignore[misc]
            return _NeverClosed(stream.read())


# -- move, metadata, lifecycle, errors ----------------------------------------------------------


class MoveKeepsSource:
    """STORE-017: ``move`` leaves the source file in place (a copy)."""

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        base: Any = super()
        if base.is_file(src):
            base.copy(src, dst, overwrite=overwrite)
        else:
            base.move(src, dst, overwrite=overwrite)  # the base raises what it should


class CapabilitiesDrift:
    """BACKEND-002: ``capabilities`` loses ``MOVE`` once something has been written."""

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        super().write(path, content, overwrite=overwrite, **options)  # type: ignore[misc]
        self.__dict__["_mutant_drifted"] = True

    @property
    def capabilities(self) -> CapabilitySet:
        declared = super().capabilities  # type: ignore[misc]
        if self.__dict__.get("_mutant_drifted"):
            return CapabilitySet(set(declared) - {Capability.MOVE, Capability.ATOMIC_MOVE})
        return declared  # type: ignore[no-any-return]


class ClosedQueriesAnswer:
    """BACKEND-008: after ``close()``, ``is_file`` answers ``False`` instead of raising ``StoreClosed``."""

    def close(self) -> None:
        self.__dict__["_mutant_closed"] = True
        super().close()  # type: ignore[misc]

    def is_file(self, path: str) -> bool:
        if self.__dict__.get("_mutant_closed"):
            return False
        return super().is_file(path)  # type: ignore[misc,no-any-return]


def _raise_from_none(backend: Any, error: RemoteStoreError) -> None:
    raise copy_of(error) from None


def _raise_without_path(backend: Any, error: RemoteStoreError) -> None:
    changed = copy_of(error)
    changed.path = None
    raise changed from error


def _raise_without_operation(backend: Any, error: RemoteStoreError) -> None:
    changed = copy_of(error)
    changed.operation = None
    raise changed from error


_MIXINS: list[tuple[str, str, str, type, Any]] = [
    (
        "partial_publish",
        "ATOMIC-005",
        "write publishes each received prefix of a stream",
        PartialPublishWrite,
        None,
    ),
    (
        "partial_publish_atomic",
        "ATOMIC-002",
        "write_atomic publishes each received prefix of a stream",
        PartialPublishAtomic,
        None,
    ),
    ("check_then_create", "ATOMIC-004", "overwrite=False checked only before reading", CheckThenCreate, None),
    (
        "list_files_flat_first_page",
        "STORE-023",
        "non-recursive list_files stops at 1,000",
        ListFilesFlatFirstPage,
        None,
    ),
    (
        "list_files_recursive_first_page",
        "STORE-023",
        "recursive list_files stops at 1,000",
        ListFilesRecursiveFirstPage,
        None,
    ),
    (
        "list_folders_first_page",
        "STORE-023",
        "list_folders stops at 1,000 folders",
        ListFoldersFirstPage,
        None,
    ),
    ("file_name_is_path", "STORE-024", "listed FileInfo.name is the whole path", FileNameIsPath, None),
    ("overwrite_keeps_tail", "STORE-005", "a shorter overwrite keeps the old tail", OverwriteKeepsTail, None),
    (
        "empty_file_overwritten",
        "STORE-004",
        "overwrite=False overwrites an empty file",
        EmptyFileOverwritten,
        None,
    ),
    ("empty_content_no_file", "STREAM-007", "empty bytes create no file", EmptyContentNoFile, None),
    (
        "closes_callers_stream",
        "STREAM-006",
        "the caller's stream is closed after a write",
        ClosesCallersStream,
        None,
    ),
    ("reads_whole_stream", "STREAM-005", "the content stream is read with read()", ReadsWholeStream, None),
    ("read_ends_at_8mib", "STREAM-010", "the read stream ends after 8 MiB", ReadEndsAt8MiB, None),
    (
        "read_bytes_truncated",
        "STREAM-011",
        "read_bytes returns only the first 8 MiB",
        ReadBytesTruncated,
        None,
    ),
    (
        "stream_not_closed_by_with",
        "STREAM-009",
        "leaving the with block does not close the read stream",
        StreamNotClosedByWith,
        None,
    ),
    ("move_keeps_source", "STORE-017", "move leaves the source (a copy)", MoveKeepsSource, None),
    (
        "capabilities_drift",
        "BACKEND-002",
        "capabilities lose MOVE after the first write",
        CapabilitiesDrift,
        None,
    ),
    ("closed_queries_answer", "BACKEND-008", "after close, is_file answers False", ClosedQueriesAnswer, None),
    ("cause_dropped", "BACKEND-005", "errors are raised from None", None, _raise_from_none),
    ("errors_without_path", "BACKEND-005", "errors carry no path", None, _raise_without_path),
    ("errors_without_operation", "BACKEND-005", "errors carry no operation", None, _raise_without_operation),
]
"""(name, requirement, description, mixin or None, error transform or None)."""


def registry(base: type) -> list[Mutant]:
    """Every backend-agnostic mutant, built over ``base`` (a backend class taking its own options)."""
    mutants = []
    for name, requirement, description, mixin, transform in _MIXINS:
        title = "".join(part.title() for part in name.split("_"))
        if mixin is not None:
            cls = type(f"{title}{base.__name__}", (mixin, base), {"__doc__": mixin.__doc__})
        else:
            cls = rewrite_errors(transform)(
                type(f"{title}{base.__name__}", (base,), {"__doc__": description})
            )
        mutants.append(Mutant(name, requirement, description, cls))
    return mutants
