"""``S3Backend``: the ``s3`` backend type (specs/s3.md)."""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any, BinaryIO, ClassVar, TypeVar, cast

from remote_store import (
    AlreadyExists,
    Backend,
    BackendUnavailable,
    Behaviour,
    Capability,
    CapabilitySet,
    DirectoryNotEmpty,
    FileInfo,
    InvalidContent,
    InvalidPath,
    NotFound,
    RemotePath,
    RemoteStoreError,
    StoreClosed,
    WriteContent,
)
from remote_store.backend_tools import check_content

from . import _upload
from ._errors import ErrorContext, error_code, is_conflict, map_error
from ._options import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MULTIPART_CHUNKSIZE,
    DEFAULT_MULTIPART_THRESHOLD,
    DEFAULT_READ_TIMEOUT,
    S3Options,
    safe_url,
    validate_options,
)
from ._reader import CHANGED, ObjectReader
from ._upload import PartBody, as_view, iter_parts, read_first, run_parts
from ._version import __version__

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import (
        GetObjectOutputTypeDef,
        HeadObjectOutputTypeDef,
        ListObjectsV2OutputTypeDef,
    )

__all__ = ["COPY_PART_SIZE", "DELETE_BATCH", "MAX_COPY_OBJECT_SIZE", "PAGE_SIZE", "S3Backend"]

logger = logging.getLogger("remote_store.s3")

T = TypeVar("T")
E = TypeVar("E", bound=RemoteStoreError)

PAGE_SIZE = 1000
"""Keys asked per ListObjectsV2 page (S3's maximum); tests lower it to exercise paging."""

DELETE_BATCH = 1000
"""Keys per DeleteObjects request (S3's maximum)."""

MAX_COPY_OBJECT_SIZE = 5 * 1024**3
"""Largest source a single CopyObject copies (S3's limit); above it, UploadPartCopy in parts."""

COPY_PART_SIZE = 512 * 1024**2
"""Part size of a multipart copy (raised when needed to stay within 10,000 parts)."""

_POOL_HEADROOM = 10
"""Connections kept beyond ``max_concurrency``, for other threads sharing the backend."""

_CONFLICT_ATTEMPTS = 4
"""Tries of a conditional write that S3 answers 409 ConditionalRequestConflict (a concurrent write)."""

_CAPABILITIES = CapabilitySet(
    {
        Capability.READ,
        Capability.WRITE,
        Capability.ATOMIC_WRITE,
        Capability.DELETE,
        Capability.LIST,
        Capability.MOVE,
        Capability.COPY,
        Capability.METADATA,
    }
)

# Keys, not folders: a folder is a prefix of some key, and a one-request delete cannot tell a
# missing file from a folder. botocore retries failed requests (max_attempts).
_BEHAVIOUR = Behaviour(
    real_empty_folders=False,
    file_folder_conflicts_rejected=False,
    missing_ok_delete_detects_folders=False,
    retries_storage_faults=True,
)

# HeadObject fields a multipart copy carries over to the new object (CopyObject does it itself).
_CARRIED_HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl")


class S3Backend(Backend):
    """Files as objects of one S3 bucket, through boto3 (AWS S3, MinIO, Ceph radosgw, ...).

    Paths map to object keys one to one (``a/b.txt`` is key ``a/b.txt``); folders are key
    prefixes, and zero-byte ``name/`` marker objects made by other tools count as folders. A
    ``Store``'s ``root_path`` selects a prefix. Behaviour and guarantees: specs/s3.md.

    Construction validates the options and does nothing else: no network call, and boto3 is not
    imported until the first operation. One boto3 client is built then and shared by every
    thread; ``close()`` releases its connections.

    Args:
        bucket: the bucket name (required). The bucket must exist; it is never created.
        region_name: the AWS region; boto3's configuration or ``us-east-1`` when omitted.
        endpoint_url: the server's URL for S3-compatible servers (``http://127.0.0.1:9000``);
            AWS's endpoint when omitted.
        aws_access_key_id: the access key; with ``aws_secret_access_key``, or neither to use
            boto3's default credential chain (environment, profile, instance role, ...). Secret.
        aws_secret_access_key: the secret key. Secret.
        aws_session_token: a session token for temporary credentials. Secret.
        profile_name: a profile of the AWS config files to take credentials and region from.
        addressing_style: ``"path"``, ``"virtual"`` or ``"auto"``; ``"path"`` by default when
            ``endpoint_url`` is set (S3-compatible servers rarely have per-bucket DNS names),
            boto3's choice otherwise.
        verify: TLS certificate checking: ``False`` to disable, a CA bundle path, or ``None``
            (the default: verify with boto3's bundle).
        connect_timeout: seconds to wait for a connection (default 10).
        read_timeout: seconds to wait for data on a connection (default 60).
        max_attempts: tries per request, first one included, with botocore's "standard" retry
            mode: throttling, 5xx answers and connection errors are retried (default 5).
        multipart_threshold: objects up to this size (bytes) are sent as one PutObject, larger
            ones as a multipart upload (default 8 MiB; at most 5 GiB).
        multipart_chunksize: the part size of multipart uploads (default 8 MiB; 5 MiB to 5 GiB).
            A streamed object can have at most 10,000 parts: 78 GiB with the default.
        max_concurrency: parts uploaded (or copied) in parallel by one call (default 4).
            A streamed write holds about ``multipart_chunksize x (max_concurrency + 1)`` bytes.

    Raises:
        ConfigError: an option is invalid; the message names it (never a secret's value).
    """

    type_name: ClassVar[str] = "s3"
    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset(
        {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}
    )

    def __init__(
        self,
        *,
        bucket: str,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        profile_name: str | None = None,
        addressing_style: str | None = None,
        verify: bool | str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        multipart_chunksize: int = DEFAULT_MULTIPART_CHUNKSIZE,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> None:
        self._options: S3Options = validate_options(
            bucket=bucket,
            region_name=region_name,
            endpoint_url=endpoint_url,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
            profile_name=profile_name,
            addressing_style=addressing_style,
            verify=verify,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_attempts=max_attempts,
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_chunksize,
            max_concurrency=max_concurrency,
        )
        self._bucket = self._options.bucket
        endpoint = self._options.endpoint_url
        region = self._options.region_name or "default region"
        where = safe_url(endpoint) if endpoint else f"AWS S3 ({region})"
        self._context = ErrorContext(backend=self.type_name, bucket=self._bucket, endpoint=where)
        self._lock = threading.Lock()
        self._client: S3Client | None = None
        self._closed = False
        self._bucket_confirmed = False

    # -- properties -------------------------------------------------------------------------

    @property
    def capabilities(self) -> CapabilitySet:
        """READ, WRITE, ATOMIC_WRITE, DELETE, LIST, MOVE, COPY and METADATA; not ATOMIC_MOVE."""
        return _CAPABILITIES

    @property
    def behaviour(self) -> Behaviour:
        """Keys, not folders; ``delete(folder, missing_ok=True)`` does nothing; requests are retried.

        No folder outlives its last file, ``a`` and ``a/b`` may both be files, and botocore
        retries a failed request up to ``max_attempts`` times.
        """
        return _BEHAVIOUR

    @property
    def bucket(self) -> str:
        """The bucket this backend stores its files in."""
        return self._bucket

    def __repr__(self) -> str:
        options = self._options
        parts = [f"bucket={options.bucket!r}"]
        if options.endpoint_url:
            parts.append(f"endpoint_url={safe_url(options.endpoint_url)!r}")
        if options.region_name:
            parts.append(f"region_name={options.region_name!r}")
        if options.profile_name:
            parts.append(f"profile_name={options.profile_name!r}")
        if options.aws_access_key_id:
            parts.append("aws_access_key_id='***'")
        return f"S3Backend({', '.join(parts)})"

    # -- the client -------------------------------------------------------------------------

    def _client_for(self, operation: str, path: str | None) -> S3Client:
        client = self._client
        if client is not None and not self._closed:
            return client
        with self._lock:
            if self._closed:
                raise self._error(StoreClosed, "backend is closed", path, operation)
            if self._client is None:
                self._client = self._make_client(operation, path)
            return self._client

    def _make_client(self, operation: str, path: str | None) -> S3Client:
        # Imported here, not at module level: building a backend must not cost boto3's import.
        import boto3.session
        from botocore.config import Config

        options = self._options
        try:
            session = boto3.session.Session(
                aws_access_key_id=options.aws_access_key_id,
                aws_secret_access_key=options.aws_secret_access_key,
                aws_session_token=options.aws_session_token,
                region_name=options.region_name,
                profile_name=options.profile_name,
            )
            settings: dict[str, Any] = {
                "retries": {"mode": "standard", "total_max_attempts": options.max_attempts},
                "connect_timeout": options.connect_timeout,
                "read_timeout": options.read_timeout,
                "max_pool_connections": options.max_concurrency + _POOL_HEADROOM,
                "user_agent_extra": f"remote-store-s3/{__version__}",
            }
            style = options.addressing_style or ("path" if options.endpoint_url else None)
            if style is not None:
                settings["s3"] = {"addressing_style": style}
            if "request_checksum_calculation" in Config.OPTION_DEFAULTS:
                # botocore >= 1.36 adds CRC checksums (as aws-chunked trailers over https) that
                # several S3-compatible servers reject; payloads stay protected by SigV4's hash
                # (http) or TLS (https).
                settings["request_checksum_calculation"] = "when_required"
                settings["response_checksum_validation"] = "when_required"
            return session.client(
                "s3",
                endpoint_url=options.endpoint_url,
                verify=options.verify,
                config=Config(**settings),
            )
        except Exception as error:
            raise map_error(error, path=path, operation=operation, context=self._context) from error

    @contextlib.contextmanager
    def _mapped(self, operation: str, path: str | None) -> Iterator[None]:
        try:
            yield
        except RemoteStoreError:
            raise
        except Exception as error:
            raise map_error(error, path=path, operation=operation, context=self._context) from error

    def _conditional(self, operation: str, path: str, request: Callable[[], T]) -> T:
        """Send a conditional write, retrying S3's 409 ConditionalRequestConflict a few times."""
        for attempt in range(_CONFLICT_ATTEMPTS):
            try:
                return request()
            except Exception as error:
                if attempt + 1 < _CONFLICT_ATTEMPTS and is_conflict(error):
                    time.sleep(0.05 * 2**attempt)
                    continue
                raise map_error(error, path=path, operation=operation, context=self._context) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close the client's connections; idempotent. Later calls raise ``StoreClosed``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- queries ----------------------------------------------------------------------------

    def _head(self, operation: str, path: str) -> HeadObjectOutputTypeDef | None:
        """HeadObject of ``path``, or ``None`` when there is no such object."""
        client = self._client_for(operation, path)
        try:
            response = client.head_object(Bucket=self._bucket, Key=path)
        except Exception as error:
            mapped = map_error(error, path=path, operation=operation, context=self._context)
            if not isinstance(mapped, NotFound):
                raise mapped from error
            # A HEAD answer has no body: a missing bucket looks like a missing key. Tell them
            # apart once per backend (S3-024).
            self._confirm_bucket(client, operation, path)
            return None
        self._bucket_confirmed = True
        return response

    def _confirm_bucket(self, client: S3Client, operation: str, path: str) -> None:
        if self._bucket_confirmed:
            return
        try:
            client.head_bucket(Bucket=self._bucket)
        except Exception as error:
            code, status = error_code(error)
            if status == 404 or code in ("NoSuchBucket", "NotFound", "404"):
                raise BackendUnavailable(
                    f"bucket {self._bucket!r} does not exist at {self._context.endpoint}",
                    path=path,
                    operation=operation,
                    backend=self.type_name,
                ) from error
            if status != 403:
                raise map_error(error, path=path, operation=operation, context=self._context) from error
            # Not allowed to ask (no s3:ListBucket): trust the bucket, as the 404 already did.
        self._bucket_confirmed = True

    def is_file(self, path: str) -> bool:
        if not path:
            return False
        return self._head("is_file", path) is not None

    def is_folder(self, path: str) -> bool:
        if not path:
            self._check_open("is_folder", path)
            return True
        return self._is_folder("is_folder", path)

    def _is_folder(self, operation: str, path: str) -> bool:
        client = self._client_for(operation, path)
        with self._mapped(operation, path):
            response = client.list_objects_v2(Bucket=self._bucket, Prefix=f"{path}/", MaxKeys=1)
        self._bucket_confirmed = True
        return response.get("KeyCount", 0) > 0 or bool(response.get("Contents"))

    def _error(self, kind: type[E], message: str, path: str | None, operation: str) -> E:
        return kind(message, path=path, operation=operation, backend=self.type_name)

    def _check_open(self, operation: str, path: str | None) -> None:
        if self._closed:
            raise self._error(StoreClosed, "backend is closed", path, operation)

    def get_file_info(self, path: str) -> FileInfo:
        response = self._head("get_file_info", path)
        if response is None:
            raise self._error(NotFound, "no such file", path, "get_file_info")
        return FileInfo(
            path=RemotePath(path),
            name=path.rsplit("/", 1)[-1],
            size=int(response["ContentLength"]),
            modified_at=_utc(response["LastModified"]),
            etag=_etag(response.get("ETag")),
            content_type=response.get("ContentType") or None,
        )

    # -- writes -----------------------------------------------------------------------------

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._write("write", path, content, overwrite)

    def write_atomic(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        # A PutObject, and a multipart upload's completion, replace the object in one step.
        self._write("write_atomic", path, content, overwrite)

    def _write(self, operation: str, path: str, content: WriteContent, overwrite: bool) -> None:
        try:
            check_content(content, path)
            self._write_checked(operation, path, content, overwrite)
        except InvalidContent as error:
            # Raised before any request, or midway by the part readers: both know only the path.
            error.operation, error.backend = operation, self.type_name
            raise

    def _write_checked(self, operation: str, path: str, content: WriteContent, overwrite: bool) -> None:
        options = self._options
        client = self._client_for(operation, path)
        stream: Any = None
        if isinstance(content, (bytes, bytearray, memoryview)):
            first = as_view(content)
        else:
            stream = content
            first = read_first(stream, options.multipart_threshold + 1, path)
        if len(first) <= options.multipart_threshold:
            self._put(client, operation, path, first, overwrite)
            return
        if not overwrite:
            # Fail fast rather than upload gigabytes that the conditional completion would refuse.
            self._ensure_absent(operation, path)
        parts = iter_parts(first, stream, options.multipart_chunksize, path)
        del first

        def jobs(upload_id: str) -> Iterator[_upload.PartJob]:
            for view in parts:
                yield functools.partial(self._upload_part, client, operation, path, upload_id, view)

        self._multipart(client, operation, path, jobs, overwrite=overwrite)

    def _put(self, client: S3Client, operation: str, path: str, view: memoryview, overwrite: bool) -> None:
        extra: dict[str, Any] = {} if overwrite else {"IfNoneMatch": "*"}

        def request() -> object:
            # A fresh body per try: botocore rewinds within one call, not across calls.
            body = cast(IO[bytes], PartBody(view))
            return client.put_object(Bucket=self._bucket, Key=path, Body=body, **extra)

        self._conditional(operation, path, request)

    def _upload_part(
        self, client: S3Client, operation: str, path: str, upload_id: str, view: memoryview, number: int
    ) -> str:
        with self._mapped(operation, path):
            response = client.upload_part(
                Bucket=self._bucket,
                Key=path,
                UploadId=upload_id,
                PartNumber=number,
                Body=cast(IO[bytes], PartBody(view)),
            )
        return response["ETag"]

    def _ensure_absent(self, operation: str, path: str) -> None:
        if self._head(operation, path) is not None:
            raise self._error(AlreadyExists, "file already exists", path, operation)

    def _multipart(
        self,
        client: S3Client,
        operation: str,
        path: str,
        jobs: Callable[[str], Iterable[_upload.PartJob]],
        *,
        overwrite: bool,
        create: dict[str, Any] | None = None,
    ) -> None:
        """Create a multipart upload, run its part jobs, complete it; abort it on any failure.

        With ``overwrite=False`` the object's absence is checked again right before completing
        (this narrows the race on servers that ignore If-None-Match there) and the completion
        carries ``If-None-Match: *`` (race-free where the server enforces it).
        """
        with self._mapped(operation, path):
            upload_id = client.create_multipart_upload(Bucket=self._bucket, Key=path, **(create or {}))[
                "UploadId"
            ]
        try:
            etags = run_parts(jobs(upload_id), self._options.max_concurrency)
            if not overwrite:
                self._ensure_absent(operation, path)
            parts: Any = [{"PartNumber": number, "ETag": etag} for number, etag in enumerate(etags, start=1)]
            extra: dict[str, Any] = {} if overwrite else {"IfNoneMatch": "*"}
            self._conditional(
                operation,
                path,
                lambda: client.complete_multipart_upload(
                    Bucket=self._bucket,
                    Key=path,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                    **extra,
                ),
            )
        except BaseException:
            self._abort(client, path, upload_id)
            raise

    def _abort(self, client: S3Client, path: str, upload_id: str) -> None:
        try:
            client.abort_multipart_upload(Bucket=self._bucket, Key=path, UploadId=upload_id)
        except Exception as error:  # noqa: BLE001 - the original failure is what the caller must see
            logger.warning(
                "could not abort multipart upload %s of key %r in bucket %r (%s); its parts stay "
                "until aborted (an AbortIncompleteMultipartUpload lifecycle rule removes them)",
                upload_id,
                path,
                self._bucket,
                type(error).__name__,
            )

    # -- reads ------------------------------------------------------------------------------

    def _get(self, operation: str, path: str, **extra: Any) -> GetObjectOutputTypeDef:
        client = self._client_for(operation, path)
        try:
            return client.get_object(Bucket=self._bucket, Key=path, **extra)
        except Exception as error:
            if "IfMatch" in extra:
                code, status = error_code(error)
                if status == 412 or code == "PreconditionFailed":
                    raise self._error(BackendUnavailable, CHANGED, path, operation) from error
            raise map_error(error, path=path, operation=operation, context=self._context) from error

    def _open(self, operation: str, path: str) -> ObjectReader:
        """One GetObject of ``path``, as a stream that resumes a broken body (S3-031)."""
        response = self._get(operation, path)

        def fetch(offset: int, etag: str) -> GetObjectOutputTypeDef:
            return self._get(operation, path, Range=f"bytes={offset}-", IfMatch=etag)

        def failure(error: BaseException) -> RemoteStoreError:
            return map_error(error, path=path, operation=operation, context=self._context)

        def unavailable(message: str) -> RemoteStoreError:
            return self._error(BackendUnavailable, message, path, operation)

        return ObjectReader(
            response,
            key=path,
            fetch=fetch,
            map_failure=failure,
            unavailable=unavailable,
            resumes=self._options.max_attempts - 1,
        )

    def read(self, path: str) -> BinaryIO:
        return cast(BinaryIO, self._open("read", path))

    def read_bytes(self, path: str) -> bytes:
        reader = self._open("read_bytes", path)
        try:
            return reader.read()
        finally:
            reader.close()

    # -- deletes ----------------------------------------------------------------------------

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        # DeleteObject succeeds whether or not the key exists. With missing_ok=True that is the
        # whole answer (one request, S3-022); otherwise a HEAD tells a file from a folder or nothing.
        operation = "delete"
        client = self._client_for(operation, path)
        if missing_ok:
            with self._mapped(operation, path):
                client.delete_object(Bucket=self._bucket, Key=path)
            return
        if self._head(operation, path) is None:
            if self._is_folder(operation, path):
                raise self._error(InvalidPath, "path is a folder; use delete_folder", path, operation)
            if missing_ok:
                return
            raise self._error(NotFound, "no such file", path, operation)
        with self._mapped(operation, path):
            client.delete_object(Bucket=self._bucket, Key=path)

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        operation = "delete_folder"
        if not path:
            raise self._error(InvalidPath, "refusing to delete the root", path, operation)
        client = self._client_for(operation, path)
        prefix = f"{path}/"
        if not recursive:
            with self._mapped(operation, path):
                response = client.list_objects_v2(Bucket=self._bucket, Prefix=prefix, MaxKeys=2)
            keys = [item["Key"] for item in response.get("Contents", ())]
            if any(key != prefix for key in keys):
                raise self._error(DirectoryNotEmpty, "folder is not empty", path, operation)
            if keys:
                with self._mapped(operation, path):
                    client.delete_object(Bucket=self._bucket, Key=prefix)
                return
            self._no_folder(operation, path, missing_ok)
            return
        found = 0
        failed: list[str] = []
        failures = 0
        for page in self._pages(operation, path, prefix, delimiter=False):
            keys = [item["Key"] for item in page.get("Contents", ())]
            for start in range(0, len(keys), DELETE_BATCH):
                batch = keys[start : start + DELETE_BATCH]
                found += len(batch)
                with self._mapped(operation, path):
                    result = client.delete_objects(
                        Bucket=self._bucket,
                        Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                    )
                errors = result.get("Errors", ())
                failures += len(errors)
                failed.extend(str(error.get("Key")) for error in errors[: max(0, 5 - len(failed))])
        if failures:
            shown = ", ".join(repr(key) for key in failed)
            raise RemoteStoreError(
                f"could not delete {failures} of {found} objects (first: {shown})",
                path=path,
                operation=operation,
                backend=self.type_name,
            )
        if not found:
            self._no_folder(operation, path, missing_ok)

    def _no_folder(self, operation: str, path: str, missing_ok: bool) -> None:
        if self._head(operation, path) is not None:
            raise self._error(InvalidPath, "path is a file; use delete", path, operation)
        if not missing_ok:
            raise self._error(NotFound, "no such folder", path, operation)

    # -- copy and move ----------------------------------------------------------------------

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._copy("copy", src, dst, overwrite)

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        # Not atomic (no ATOMIC_MOVE): a failure after the copy leaves both files, dst whole.
        client = self._copy("move", src, dst, overwrite)
        with self._mapped("move", src):
            client.delete_object(Bucket=self._bucket, Key=src)

    def _copy(self, operation: str, src: str, dst: str, overwrite: bool) -> S3Client:
        client = self._client_for(operation, src)
        if src == dst:
            # Store refuses this too; a move onto itself would copy, then delete the only copy.
            raise self._error(InvalidPath, "source and destination are the same file", dst, operation)
        head = self._head(operation, src)
        if head is None:
            raise self._error(NotFound, "no such file", src, operation)
        if not overwrite:
            self._ensure_absent(operation, dst)
        size = int(head["ContentLength"])
        source: Any = {"Bucket": self._bucket, "Key": src}
        if size <= MAX_COPY_OBJECT_SIZE:
            extra: dict[str, Any] = {}
            if not overwrite and _accepts(client, "CopyObject", "IfNoneMatch"):
                extra["IfNoneMatch"] = "*"
            try:
                self._conditional(
                    operation,
                    dst,
                    lambda: client.copy_object(Bucket=self._bucket, Key=dst, CopySource=source, **extra),
                )
            except NotFound as error:
                error.path = src  # the source vanished since the HEAD
                raise
            return client
        part_size = max(COPY_PART_SIZE, math.ceil(size / _upload.MAX_PARTS))
        etag = head.get("ETag")
        create: dict[str, Any] = {key: head[key] for key in _CARRIED_HEADERS if head.get(key)}  # type: ignore[literal-required]
        if head.get("Metadata"):
            create["Metadata"] = head["Metadata"]

        def copy_part(upload_id: str, first: int, last: int, number: int) -> str:
            extra: dict[str, Any] = {"CopySourceIfMatch": etag} if etag else {}
            with self._mapped(operation, src):
                response = client.upload_part_copy(
                    Bucket=self._bucket,
                    Key=dst,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=source,
                    CopySourceRange=f"bytes={first}-{last}",
                    **extra,
                )
            return response["CopyPartResult"]["ETag"]

        def jobs(upload_id: str) -> Iterator[_upload.PartJob]:
            for first in range(0, size, part_size):
                last = min(first + part_size, size) - 1
                yield functools.partial(copy_part, upload_id, first, last)

        self._multipart(client, operation, dst, jobs, overwrite=overwrite, create=create)
        return client

    # -- listing ----------------------------------------------------------------------------

    def _pages(
        self, operation: str, path: str, prefix: str, *, delimiter: bool
    ) -> Iterator[ListObjectsV2OutputTypeDef]:
        client = self._client_for(operation, path)
        params: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix, "MaxKeys": PAGE_SIZE}
        if delimiter:
            params["Delimiter"] = "/"
        while True:
            with self._mapped(operation, path):
                page = client.list_objects_v2(**params)
            self._bucket_confirmed = True
            yield page
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            params["ContinuationToken"] = token

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        self._check_open("list_files", path)
        return self._list_files(path, recursive)

    def _list_files(self, path: str, recursive: bool) -> Iterator[FileInfo]:
        prefix = f"{path}/" if path else ""
        for page in self._pages("list_files", path, prefix, delimiter=not recursive):
            for item in page.get("Contents", ()):
                key = item["Key"]
                name = _valid_path(key)
                if name is None:
                    continue
                yield FileInfo(
                    path=name,
                    name=name.name,
                    size=int(item["Size"]),
                    modified_at=_utc(item["LastModified"]),
                    etag=_etag(item.get("ETag")),
                )

    def list_folders(self, path: str) -> Iterator[str]:
        self._check_open("list_folders", path)
        return self._list_folders(path)

    def _list_folders(self, path: str) -> Iterator[str]:
        prefix = f"{path}/" if path else ""
        for page in self._pages("list_folders", path, prefix, delimiter=True):
            for item in page.get("CommonPrefixes", ()):
                folder = _valid_path(item.get("Prefix", "")[:-1])
                if folder is not None and not folder.is_root:
                    yield str(folder)


def _accepts(client: S3Client, operation: str, parameter: str) -> bool:
    """True if this botocore's S3 model has ``parameter`` for ``operation`` (it grows over releases)."""
    members = client.meta.service_model.operation_model(operation).input_shape.members  # type: ignore[union-attr]
    return parameter in members


def _valid_path(key: str) -> RemotePath | None:
    """The path naming ``key``, or ``None`` for keys no path can name (markers, ``a//b``, ...)."""
    if not key or key.endswith("/"):
        return None
    try:
        path = RemotePath(key)
    except InvalidPath:
        logger.debug("skipping key %r: not a valid path", key)
        return None
    return path


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _etag(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip('"') or None
