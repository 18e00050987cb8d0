"""Mutants of the S3 backend (run against moto's server): each breaks one requirement of specs/.

Written from specs/ and the README only, without reading the suite's tests (issue 19). Each class
docstring cites the requirement it violates.
"""

from __future__ import annotations

import io
import itertools
import urllib.parse
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO

from _bases import S3Base
from _registry import Mutant
from _wrappers import CheckBeforeReading, PublishPartial, copy_of, map_paths, rewrite_errors, truncated

from remote_store import (
    DirectoryNotEmpty,
    FileInfo,
    FolderInfo,
    NotFound,
    RemoteStoreError,
    WriteContent,
)
from remote_store.backend_tools import Operation, OperationContext
from remote_store.backends.s3._backend import PAGE_SIZE
from remote_store.backends.s3._objects import listed_files, listed_folders

# -- paging per listing kind ---------------------------------------------------------------------


class ListFoldersFirstPage(S3Base):
    """STORE-023: ``list_folders`` reads only the first ListObjectsV2 page (1,000 keys/prefixes)."""

    def _list_folders(self, context: OperationContext) -> Iterator[str]:
        prefix = f"{context.path}/" if context.path else ""
        pages = self._requests.pages(context, prefix, delimiter=True, page_size=PAGE_SIZE)
        for page in itertools.islice(pages, 1):
            yield from listed_folders(page)


class _FirstPageOfFiles(S3Base):
    first_page_only_recursive = False

    def _list_files(self, context: OperationContext, recursive: bool) -> Iterator[FileInfo]:
        prefix = f"{context.path}/" if context.path else ""
        pages: Iterator[Any] = self._requests.pages(
            context, prefix, delimiter=not recursive, page_size=PAGE_SIZE
        )
        if recursive == self.first_page_only_recursive:
            pages = itertools.islice(pages, 1)
        for page in pages:
            yield from listed_files(page)


class ListFilesFlatFirstPage(_FirstPageOfFiles):
    """STORE-023: non-recursive ``list_files`` reads only the first ListObjectsV2 page."""


class ListFilesRecursiveFirstPage(_FirstPageOfFiles):
    """STORE-023: recursive ``list_files`` reads only the first ListObjectsV2 page."""

    first_page_only_recursive = True


class _Requests:
    """The backend's ``BucketClient``, with some of its requests changed by a mutant."""

    def __init__(self, inner: Any, backend: Any) -> None:
        self._inner = inner
        self._backend = backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def pages(
        self, context: OperationContext, prefix: str, *, delimiter: bool, page_size: int
    ) -> Iterator[Any]:
        pages = self._inner.pages(context, prefix, delimiter=delimiter, page_size=page_size)
        if self._backend.one_page_for == context.operation and page_size == PAGE_SIZE:
            return itertools.islice(pages, 1)
        return pages

    def multipart(self, context: OperationContext, jobs: Any, *, overwrite: bool, **extra: Any) -> Any:
        if context.operation in self._backend.multipart_overwrites:
            overwrite = True
        return self._inner.multipart(context, jobs, overwrite=overwrite, **extra)


class _ChangedRequests(S3Base):
    one_page_for: Any = None
    multipart_overwrites: tuple[Any, ...] = ()

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._requests = _Requests(self._requests, self)


class RecursiveDeleteFirstPage(_ChangedRequests):
    """STORE-014: ``delete_folder(recursive=True)`` deletes only the first page of 1,000 keys."""

    one_page_for = Operation.DELETE_FOLDER


class FolderInfoFirstThousand(S3Base):
    """STORE-026: ``get_folder_info`` counts at most the first 1,000 files below the folder."""

    def get_folder_info(self, path: str) -> FolderInfo:
        info = super().get_folder_info(path)
        infos = list(itertools.islice(self.list_files(path, recursive=True), 1000))
        if info.file_count <= 1000:
            return info
        return FolderInfo(
            path=info.path,
            file_count=len(infos),
            total_size=sum(i.size for i in infos),
            modified_at=max(i.modified_at for i in infos),
        )


# -- timing ---------------------------------------------------------------------------------------


class PartialPublish(PublishPartial, S3Base):
    """ATOMIC-005: ``write`` PUTs the received prefix of a stream after each chunk (up to 4 MiB)."""

    publish_partial_limit = 4 * 1024 * 1024


class PartialPublishAtomic(PublishPartial, S3Base):
    """ATOMIC-002: ``write_atomic`` PUTs the received prefix of a stream after each chunk (up to 4 MiB)."""

    publish_partial_in = ("write_atomic",)
    publish_partial_limit = 4 * 1024 * 1024


class CheckThenPut(CheckBeforeReading, S3Base):
    """ATOMIC-004: a HeadObject before reading the content, then a PutObject without ``If-None-Match``."""


class LargeCreateOverwrites(_ChangedRequests):
    """STORE-004: above the multipart threshold, ``overwrite=False`` replaces an existing object."""

    multipart_overwrites = (Operation.WRITE, Operation.WRITE_ATOMIC)

    def _ensure_absent(self, context: OperationContext) -> None:
        if context.operation not in self.multipart_overwrites:
            super()._ensure_absent(context)


class _EndsOnError:
    """A content stream whose failure after ``limit`` bytes reads as its end."""

    def __init__(self, source: Any, limit: int) -> None:
        self._source = source
        self._limit = limit
        self._seen = 0

    def read(self, size: int = -1) -> Any:
        try:
            chunk = self._source.read(size)
        except Exception:
            if self._seen > self._limit:
                return b""
            raise
        if isinstance(chunk, (bytes, bytearray)):
            self._seen += len(chunk)
        return chunk


class LargeFailureCompletes(S3Base):
    """STREAM-008: a stream failing after more than the threshold is completed with what was read."""

    def _write(self, context: OperationContext, content: WriteContent, overwrite: bool, options: Any) -> None:
        if hasattr(content, "read") and not isinstance(
            content, (bytes, bytearray, memoryview, io.TextIOBase)
        ):
            content = _EndsOnError(content, self._options.multipart_threshold)
        super()._write(context, content, overwrite, options)


# -- content and streams ----------------------------------------------------------------------


class EmptyStreamNoObject(S3Base):
    """STREAM-007: an empty stream creates no object (``b""`` still does)."""

    def _write(self, context: OperationContext, content: WriteContent, overwrite: bool, options: Any) -> None:
        if hasattr(content, "read") and not isinstance(content, (bytes, bytearray, memoryview)):
            first = content.read(1)
            if first == b"":
                if not overwrite and self.is_file(context.path):
                    super()._write(context, b"", overwrite, options)  # the base raises AlreadyExists
                return
            content = _Prepended(first, content)
        super()._write(context, content, overwrite, options)


class _Prepended:
    def __init__(self, head: Any, tail: Any) -> None:
        self._head: Any = head
        self._tail = tail

    def read(self, size: int = -1) -> Any:
        if self._head is not None:
            head, self._head = self._head, None
            return head
        return self._tail.read(size)


class ReadsWholeStream(S3Base):
    """STREAM-005: a content stream is read with one ``read()`` without a size."""

    def _write(self, context: OperationContext, content: WriteContent, overwrite: bool, options: Any) -> None:
        if hasattr(content, "read") and not isinstance(
            content, (bytes, bytearray, memoryview, io.TextIOBase)
        ):
            data: Any = content.read()
            is_bytes = isinstance(data, (bytes, bytearray))
            content = bytes(data) if is_bytes else _Prepended(data, content)
        super()._write(context, content, overwrite, options)


class ClosesCallersStream(S3Base):
    """STREAM-006: the caller's content stream is closed after a successful write."""

    def _write(self, context: OperationContext, content: WriteContent, overwrite: bool, options: Any) -> None:
        super()._write(context, content, overwrite, options)
        if hasattr(content, "close") and not isinstance(content, (bytes, bytearray, memoryview)):
            content.close()


class ReadEndsAt8MiB(S3Base):
    """STREAM-010: the stream of ``read`` ends after 8 MiB (``read_bytes`` stays right)."""

    def read(self, path: str) -> BinaryIO:
        return truncated(super().read(path), 8 * 1024 * 1024)


class _KeepsBodyOpen:
    """A read stream whose ``close()`` marks it closed but leaves the HTTP response open."""

    def __init__(self, source: Any, kept: list[Any]) -> None:
        self._source = source
        self._closed = False
        kept.append(source)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> _KeepsBodyOpen:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._source)

    def __getattr__(self, name: str) -> Any:
        if self._closed and name in ("read", "read1", "readinto", "readline", "readlines", "peek"):
            raise ValueError("I/O operation on closed file")
        return getattr(self._source, name)


class ReadStreamLeaksConnection(S3Base):
    """BACKEND-014: closing a ``read`` stream leaves its HTTP response (and connection) open."""

    def read(self, path: str) -> BinaryIO:
        kept = self.__dict__.setdefault("_kept", [])
        return _KeepsBodyOpen(super().read(path), kept)  # type: ignore[return-value]


# -- queries, deletes, moves -------------------------------------------------------------------


class NestedOnlyFolderMissing(S3Base):
    """STORE-013: ``delete_folder`` of a folder holding only subfolders raises ``NotFound``, not
    ``DirectoryNotEmpty`` (one level is listed, with a delimiter)."""

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        if recursive or not path:
            return super().delete_folder(path, recursive=recursive, missing_ok=missing_ok)
        context = self.context(Operation.DELETE_FOLDER, path)
        prefix = f"{path}/"
        page = next(self._requests.pages(context, prefix, delimiter=True, page_size=2))
        keys = [item["Key"] for item in page.get("Contents", ())]
        if any(key != prefix for key in keys):
            raise context.error(DirectoryNotEmpty, "folder is not empty")
        if keys:
            self._requests.delete(context, prefix)
            return
        self._no_folder(context, missing_ok)


class MoveKeepsSource(S3Base):
    """STORE-017: ``move`` copies and does not delete the source."""

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._copy(self.context(Operation.MOVE, src), dst, overwrite)


class ClosedRootIsFolder(S3Base):
    """BACKEND-008: after ``close()``, ``is_folder("")`` still answers ``True``."""

    def is_folder(self, path: str) -> bool:
        if not path:
            return True
        return super().is_folder(path)


class ReprShowsSecret(S3Base):
    """BACKEND-001: ``repr`` shows the secret access key (a secret option, CONFIG-007)."""

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", aws_secret_access_key={self._options.aws_secret_access_key!r})"


class InfoNaiveTime(S3Base):
    """STORE-025: ``get_file_info``'s ``modified_at`` is naive (UTC wall time without tzinfo)."""

    def get_file_info(self, path: str) -> FileInfo:
        info = super().get_file_info(path)
        moment: datetime = info.modified_at.replace(tzinfo=None)
        return FileInfo(path=info.path, name=info.name, size=info.size, modified_at=moment, etag=info.etag)


def _drop_cause(backend: Any, error: RemoteStoreError) -> None:
    if error.__cause__ is not None:
        raise copy_of(error) from None


@rewrite_errors(_drop_cause)
class CauseDropped(S3Base):
    """BACKEND-005: errors translated from botocore's lose it (raised ``from None``)."""


def _bucket_in_path(backend: Any, error: RemoteStoreError) -> None:
    if error.path is not None and error.backend == "s3":
        error.path = f"{backend.bucket}/{error.path}"


@rewrite_errors(_bucket_in_path)
class ErrorPathWithBucket(S3Base):
    """BACKEND-005: errors carry ``<bucket>/<key>`` in ``path`` instead of the backend path."""


def _missing_copy_source(backend: Any, error: RemoteStoreError) -> None:
    if isinstance(error, NotFound) and error.operation == "copy":
        raise RemoteStoreError(
            "copy failed: NoSuchKey", path=error.path, operation="copy", backend="s3"
        ) from error


@rewrite_errors(_missing_copy_source)
class CopyMissingIsGeneric(S3Base):
    """STORE-019: ``copy`` of a missing source raises plain ``RemoteStoreError``, not ``NotFound``."""


@map_paths(lambda path: urllib.parse.quote(path, safe="/"))
class KeysPercentEncoded(S3Base):
    """PATH-007: keys are percent-encoded paths; listings report the encoded text (``a%20b``).

    Note: checked through STORE-024 and ``Requirements.unicode_paths``.
    """


class ListFilesReportsFullKeyAsName(S3Base):
    """STORE-024: ``FileInfo.name`` of a listed file is its whole key, not its last segment."""

    def _list_files(self, context: OperationContext, recursive: bool) -> Iterator[FileInfo]:
        for info in super()._list_files(context, recursive):
            yield FileInfo(
                path=info.path,
                name=str(info.path),
                size=info.size,
                modified_at=info.modified_at,
                etag=info.etag,
            )


REGISTRY: list[Mutant] = [
    Mutant(
        "list_folders_first_page", "STORE-023", "list_folders reads only the first page", ListFoldersFirstPage
    ),
    Mutant(
        "list_files_flat_first_page",
        "STORE-023",
        "non-recursive list_files reads only the first page",
        ListFilesFlatFirstPage,
    ),
    Mutant(
        "list_files_recursive_first_page",
        "STORE-023",
        "recursive list_files reads only the first page",
        ListFilesRecursiveFirstPage,
    ),
    Mutant(
        "recursive_delete_first_page",
        "STORE-014",
        "recursive delete_folder deletes only the first 1,000 keys",
        RecursiveDeleteFirstPage,
    ),
    Mutant(
        "folder_info_first_thousand",
        "STORE-026",
        "get_folder_info counts at most 1,000 files",
        FolderInfoFirstThousand,
        note="STORE-026 says 'every file at any depth'; only a folder of more than 1,000 files shows it",
    ),
    Mutant("partial_publish", "ATOMIC-005", "write PUTs each received prefix of a stream", PartialPublish),
    Mutant(
        "partial_publish_atomic",
        "ATOMIC-002",
        "write_atomic PUTs each received prefix of a stream",
        PartialPublishAtomic,
    ),
    Mutant(
        "check_then_put",
        "ATOMIC-004",
        "HeadObject before reading, then an unconditional PutObject",
        CheckThenPut,
    ),
    Mutant(
        "large_create_overwrites",
        "STORE-004",
        "multipart writes ignore overwrite=False",
        LargeCreateOverwrites,
    ),
    Mutant(
        "large_failure_completes",
        "STREAM-008",
        "a stream failing past the threshold completes the upload",
        LargeFailureCompletes,
    ),
    Mutant("empty_stream_no_object", "STREAM-007", "an empty stream creates no object", EmptyStreamNoObject),
    Mutant("reads_whole_stream", "STREAM-005", "the content stream is read with read()", ReadsWholeStream),
    Mutant(
        "closes_callers_stream",
        "STREAM-006",
        "the caller's stream is closed after the write",
        ClosesCallersStream,
    ),
    Mutant("read_ends_at_8mib", "STREAM-010", "the read stream ends after 8 MiB", ReadEndsAt8MiB),
    Mutant(
        "read_stream_leaks_connection",
        "BACKEND-014",
        "closing a read stream leaves its HTTP response open",
        ReadStreamLeaksConnection,
    ),
    Mutant(
        "nested_only_folder_missing",
        "STORE-013",
        "delete_folder of a folder holding only subfolders raises NotFound",
        NestedOnlyFolderMissing,
    ),
    Mutant("move_keeps_source", "STORE-017", "move leaves the source", MoveKeepsSource),
    Mutant(
        "closed_root_is_folder", "BACKEND-008", "after close, is_folder('') answers True", ClosedRootIsFolder
    ),
    Mutant("repr_shows_secret", "BACKEND-001", "repr shows the secret access key", ReprShowsSecret),
    Mutant("info_naive_time", "STORE-025", "get_file_info's modified_at is naive", InfoNaiveTime),
    Mutant("cause_dropped", "BACKEND-005", "errors from botocore are raised from None", CauseDropped),
    Mutant("error_path_with_bucket", "BACKEND-005", "errors carry bucket/key as path", ErrorPathWithBucket),
    Mutant(
        "copy_missing_is_generic",
        "STORE-019",
        "copy of a missing source raises RemoteStoreError",
        CopyMissingIsGeneric,
    ),
    Mutant(
        "keys_percent_encoded",
        "PATH-007",
        "keys are percent-encoded; listings report encoded text",
        KeysPercentEncoded,
        note="checked through STORE-024 / Requirements.unicode_paths",
    ),
    Mutant(
        "list_name_is_key",
        "STORE-024",
        "FileInfo.name of listed files is the whole key",
        ListFilesReportsFullKeyAsName,
    ),
]
