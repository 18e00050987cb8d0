"""``S3Backend``: the ``s3`` backend type, its operations as specs/s3.md states them.

The requests, and how their failures become errors, are ``BucketClient``'s (``_client.py``); the
options are ``S3Options``' (``_options.py``).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, cast

from remote_store import (
    AlreadyExists,
    Backend,
    Behaviour,
    Capability,
    CapabilitySet,
    DirectoryNotEmpty,
    FileInfo,
    InvalidArgument,
    InvalidContent,
    InvalidPath,
    NotFound,
    RemoteStoreError,
    WriteContent,
)
from remote_store.backend_tools import (
    Operation,
    OperationContext,
    WriteOptions,
    check_content,
    check_write_options,
    encode_metadata,
    metadata_size,
)

from . import _upload
from ._client import BucketClient
from ._objects import carried_headers, file_info, listed_files, listed_folders
from ._options import S3Options, options_signature, secret_options
from ._presign import presigned_url
from ._ranged_reader import SeekableObjectReader, read_range
from ._upload import as_view, iter_parts, read_first

if TYPE_CHECKING:
    from datetime import timedelta

    from mypy_boto3_s3.type_defs import GetObjectOutputTypeDef, HeadObjectOutputTypeDef

__all__ = [
    "COPY_PART_SIZE",
    "DELETE_BATCH",
    "MAX_COPY_OBJECT_SIZE",
    "MAX_METADATA_SIZE",
    "PAGE_SIZE",
    "S3Backend",
]

PAGE_SIZE = 1000
"""Keys asked per ListObjectsV2 page (S3's maximum); tests lower it to exercise paging."""

DELETE_BATCH = 1000
"""Keys per DeleteObjects request (S3's maximum)."""

MAX_COPY_OBJECT_SIZE = 5 * 1024**3
"""Largest source a single CopyObject copies (S3's limit); above it, UploadPartCopy in parts."""

COPY_PART_SIZE = 512 * 1024**2
"""Part size of a multipart copy (raised when needed to stay within 10,000 parts)."""

_CAPABILITIES = CapabilitySet(
    {
        Capability.READ,
        Capability.SEEKABLE_READ,
        Capability.WRITE,
        Capability.ATOMIC_WRITE,
        Capability.DELETE,
        Capability.LIST,
        Capability.MOVE,
        Capability.COPY,
        Capability.METADATA,
        Capability.CONTENT_TYPE,
        Capability.USER_METADATA,
        Capability.CONDITIONAL_WRITE,
        Capability.PRESIGNED_URL,
    }
)

MAX_METADATA_SIZE = 2048
"""S3's limit on user metadata: the UTF-8 bytes of every key and value, as sent (S3-035)."""

# Folders are key prefixes; a key may sit beside a prefix of its name; delete(missing_ok=True) is
# one DeleteObject; botocore retries throttling, 5xx answers and connection errors.
_BEHAVIOUR = Behaviour(
    real_empty_folders=False,
    file_folder_conflicts_rejected=False,
    missing_ok_delete_detects_folders=False,
    retries_storage_faults=True,
)


class S3Backend(Backend):
    """Files as objects of one S3 bucket, through boto3 (AWS S3, MinIO, Ceph radosgw, ...).

    Paths map to object keys one to one (``a/b.txt`` is key ``a/b.txt``); folders are key
    prefixes, and zero-byte ``name/`` marker objects made by other tools count as folders. A
    ``Store``'s ``root_path`` selects a prefix. Behaviour and guarantees: specs/s3.md.

    Construction validates the options and does nothing else: no network call, and boto3 is not
    imported until the first operation. One boto3 client is built then and shared by every
    thread; ``close()`` releases its connections.

    Args:
        **options: the fields of ``S3Options``, as keyword arguments: ``bucket`` (required),
            ``region_name``, ``endpoint_url``, the credentials, the timeouts, retries and the
            multipart settings. What each means, and its default: docs/backends/s3.md.

    Raises:
        ConfigError: an option is invalid; the message names it (never a secret's value).
        TypeError: an unknown option, or no ``bucket``.
    """

    type_name: ClassVar[str] = "s3"
    SECRET_OPTIONS: ClassVar[frozenset[str]] = secret_options()
    # The registry, help() and the documentation read the options from the signature.
    __signature__: ClassVar[inspect.Signature] = options_signature()

    def __init__(self, **options: Any) -> None:
        # Binding first: an unknown or missing option is a TypeError naming S3Backend's argument.
        self._options = S3Options(**self.__signature__.bind(**options).arguments)
        self._requests = BucketClient(self._options)

    @property
    def capabilities(self) -> CapabilitySet:
        """Every capability but ATOMIC_MOVE (a move is a copy and a delete).

        SEEKABLE_READ and PRESIGNED_URL included.
        """
        return _CAPABILITIES

    @property
    def behaviour(self) -> Behaviour:
        """No real empty folders, a key may sit beside a folder of its name, storage faults retried."""
        return _BEHAVIOUR

    @property
    def bucket(self) -> str:
        """The bucket this backend stores its files in."""
        return self._options.bucket

    def __repr__(self) -> str:
        return f"S3Backend({self._options.shown()})"

    def close(self) -> None:
        """Close the client's connections; idempotent. Later calls raise ``StoreClosed``."""
        self._requests.close()

    # -- queries ----------------------------------------------------------------------------

    def is_file(self, path: str) -> bool:
        if not path:
            return False
        return self._requests.head(self.context(Operation.IS_FILE, path)) is not None

    def is_folder(self, path: str) -> bool:
        context = self.context(Operation.IS_FOLDER, path)
        if not path:
            self._requests.check_open(context)
            return True
        return self._is_folder(context)

    def _is_folder(self, context: OperationContext) -> bool:
        page = next(self._requests.pages(context, f"{context.path}/", delimiter=False, page_size=1))
        return bool(page.objects or page.prefixes)

    def get_file_info(self, path: str) -> FileInfo:
        context = self.context(Operation.GET_FILE_INFO, path)
        head = self._requests.head(context)
        if head is None:
            raise context.error(NotFound, "no such file")
        return file_info(path, head)

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
        check_content(content, context=context)
        options = check_write_options(
            context,
            _CAPABILITIES,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        self._write(context, content, overwrite, options)

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
        # A PutObject, and a multipart upload's completion, replace the object in one step.
        context = self.context(Operation.WRITE_ATOMIC, path)
        check_content(content, context=context)
        options = check_write_options(
            context,
            _CAPABILITIES,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        self._write(context, content, overwrite, options)

    def _write(
        self, context: OperationContext, content: WriteContent, overwrite: bool, options: WriteOptions
    ) -> None:
        attributes = _attributes(context, options)
        try:
            self._write_checked(context, content, overwrite, attributes, options.if_match)
        except InvalidContent as error:
            # Raised midway by the part readers, which know only the path.
            context.claim(error)
            raise

    def _write_checked(
        self,
        context: OperationContext,
        content: WriteContent,
        overwrite: bool,
        attributes: dict[str, Any],
        if_match: str | None,
    ) -> None:
        options, path = self._options, context.path
        self._requests.client(context)  # StoreClosed, or a client that cannot be built, comes first
        stream: Any = None
        if isinstance(content, (bytes, bytearray, memoryview)):
            first = as_view(content)
        else:
            stream = content
            first = read_first(stream, options.multipart_threshold + 1, path)
        if len(first) <= options.multipart_threshold:
            self._requests.put(context, first, overwrite=overwrite, attributes=attributes, if_match=if_match)
            return
        if not overwrite:
            # Fail fast rather than upload gigabytes that the conditional completion would refuse.
            self._ensure_absent(context)
        parts = iter_parts(first, stream, options.multipart_chunksize, path)
        del first

        def jobs(upload_id: str) -> Iterator[_upload.PartJob]:
            for view in parts:
                yield functools.partial(self._requests.upload_part, context, upload_id, view)

        self._requests.multipart(context, jobs, overwrite=overwrite, create=attributes, if_match=if_match)

    def _ensure_absent(self, context: OperationContext) -> None:
        if self._requests.head(context) is not None:
            raise context.error(AlreadyExists, "file already exists")

    # -- shareable URLs ---------------------------------------------------------------------

    def url(self, path: str, *, expires_in: timedelta, method: str = "GET") -> str:
        # Presigning is local: no request, and the key need not exist (URL-005, URL-008).
        return presigned_url(self._requests, self.context(Operation.URL, path), expires_in, method)

    # -- reads ------------------------------------------------------------------------------

    def _open(self, context: OperationContext) -> SeekableObjectReader:
        """One GetObject, as a stream that resumes a broken body (S3-031) and seeks (S3-033)."""
        response = self._requests.get(context)

        def fetch(offset: int, etag: str) -> GetObjectOutputTypeDef:
            return self._requests.get(context, Range=f"bytes={offset}-", IfMatch=etag)

        def fetch_range(first: int, last: int, etag: str) -> GetObjectOutputTypeDef:
            return self._requests.get(context, Range=f"bytes={first}-{last}", IfMatch=etag)

        return SeekableObjectReader(
            response,
            fetch_range=fetch_range,
            context=context,
            fetch=fetch,
            map_failure=functools.partial(self._requests.failure, context),
            resumes=self._options.max_attempts - 1,
        )

    def read(self, path: str) -> BinaryIO:
        return cast(BinaryIO, self._open(self.context(Operation.READ, path)))

    def read_range(self, path: str, start: int, end: int) -> bytes:
        return read_range(self._requests, self.context(Operation.READ_RANGE, path), start, end)

    def read_bytes(self, path: str) -> bytes:
        reader = self._open(self.context(Operation.READ_BYTES, path))
        try:
            return reader.read()
        finally:
            reader.close()

    # -- deletes ----------------------------------------------------------------------------

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        # DeleteObject succeeds whether or not the key exists. With missing_ok=True that is the
        # whole answer (one request, S3-022); otherwise a HEAD tells a file from a folder or nothing.
        context = self.context(Operation.DELETE, path)
        if not missing_ok and self._requests.head(context) is None:
            if self._is_folder(context):
                raise context.error(InvalidPath, "path is a folder; use delete_folder")
            raise context.error(NotFound, "no such file")
        self._requests.delete(context)

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        context = self.context(Operation.DELETE_FOLDER, path)
        if not path:
            raise context.error(InvalidPath, "refusing to delete the root")
        prefix = f"{path}/"
        if not recursive:
            page = next(self._requests.pages(context, prefix, delimiter=False, page_size=2))
            keys = [item.key for item in page.objects]
            if any(key != prefix for key in keys):
                raise context.error(DirectoryNotEmpty, "folder is not empty")
            if keys:
                self._requests.delete(context, prefix)
                return
            self._no_folder(context, missing_ok)
            return
        found = 0
        failed: list[str] = []
        failures = 0
        for page in self._requests.pages(context, prefix, delimiter=False, page_size=PAGE_SIZE):
            keys = [item.key for item in page.objects]
            for start in range(0, len(keys), DELETE_BATCH):
                batch = keys[start : start + DELETE_BATCH]
                found += len(batch)
                errors = self._requests.delete_batch(context, batch).get("Errors", ())
                failures += len(errors)
                failed.extend(str(error.get("Key")) for error in errors[: max(0, 5 - len(failed))])
        if failures:
            shown = ", ".join(repr(key) for key in failed)
            raise context.error(
                RemoteStoreError, f"could not delete {failures} of {found} objects (first: {shown})"
            )
        if not found:
            self._no_folder(context, missing_ok)

    def _no_folder(self, context: OperationContext, missing_ok: bool) -> None:
        if self._requests.head(context) is not None:
            raise context.error(InvalidPath, "path is a file; use delete")
        if not missing_ok:
            raise context.error(NotFound, "no such folder")

    # -- copy and move ----------------------------------------------------------------------

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._copy(self.context(Operation.COPY, src), dst, overwrite)

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        # Not atomic (no ATOMIC_MOVE): a failure after the copy leaves both files, dst whole.
        context = self.context(Operation.MOVE, src)
        self._copy(context, dst, overwrite)
        self._requests.delete(context)

    def _copy(self, context: OperationContext, dst: str, overwrite: bool) -> None:
        """Copy the context's path to ``dst`` on the server (S3-025, S3-026)."""
        target = context.at(dst)
        self._requests.client(context)  # StoreClosed, or a client that cannot be built, comes first
        if context.path == dst:
            # Store refuses this too; a move onto itself would copy, then delete the only copy.
            raise target.error(InvalidPath, "source and destination are the same file")
        head = self._requests.head(context)
        if head is None:
            raise context.error(NotFound, "no such file")
        if not overwrite:
            self._ensure_absent(target)
        size = int(head["ContentLength"])
        if size <= MAX_COPY_OBJECT_SIZE:
            try:
                self._requests.copy(target, str(context.path), overwrite=overwrite)
            except NotFound as error:
                raise context.error(NotFound, "no such file") from error.__cause__  # the source vanished
            return
        jobs = self._copy_jobs(context, dst, head)
        self._requests.multipart(target, jobs, overwrite=overwrite, create=carried_headers(head))

    def _copy_jobs(
        self, context: OperationContext, dst: str, head: HeadObjectOutputTypeDef
    ) -> _upload.PartJobs:
        size = int(head["ContentLength"])
        part_size = max(COPY_PART_SIZE, math.ceil(size / _upload.MAX_PARTS))
        etag = head.get("ETag")

        def jobs(upload_id: str) -> Iterator[_upload.PartJob]:
            for first in range(0, size, part_size):
                last = min(first + part_size, size) - 1
                yield functools.partial(self._requests.copy_part, context, dst, upload_id, first, last, etag)

        return jobs

    # -- listing ----------------------------------------------------------------------------

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        context = self.context(Operation.LIST_FILES, path)
        self._requests.check_open(context)
        return self._list_files(context, recursive)

    def _list_files(self, context: OperationContext, recursive: bool) -> Iterator[FileInfo]:
        prefix = f"{context.path}/" if context.path else ""
        for page in self._requests.pages(context, prefix, delimiter=not recursive, page_size=PAGE_SIZE):
            yield from listed_files(page)

    def list_folders(self, path: str) -> Iterator[str]:
        context = self.context(Operation.LIST_FOLDERS, path)
        self._requests.check_open(context)
        return self._list_folders(context)

    def _list_folders(self, context: OperationContext) -> Iterator[str]:
        prefix = f"{context.path}/" if context.path else ""
        for page in self._requests.pages(context, prefix, delimiter=True, page_size=PAGE_SIZE):
            yield from listed_folders(page)


def _attributes(context: OperationContext, options: WriteOptions) -> dict[str, Any]:
    """The PutObject/CreateMultipartUpload parameters storing the content type and metadata.

    Raises:
        InvalidArgument: the metadata exceeds S3's 2 KiB (before any request, S3-035).
    """
    attributes: dict[str, Any] = {}
    if options.content_type is not None:
        attributes["ContentType"] = options.content_type
    if options.metadata is not None:
        encoded = encode_metadata(options.metadata)
        size = metadata_size(encoded)
        if size > MAX_METADATA_SIZE:
            error = context.error(
                InvalidArgument,
                f"metadata is {size} bytes as sent (keys and values in UTF-8, non-ASCII values "
                f"encoded), over S3's limit of {MAX_METADATA_SIZE}",
            )
            error.argument = "metadata"
            raise error
        attributes["Metadata"] = encoded
    return attributes
