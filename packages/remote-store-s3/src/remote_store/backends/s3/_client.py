"""``BucketClient``: the requests to one bucket, each sent and its failure mapped (specs/s3.md).

``S3Backend`` (``_backend.py``) says what to ask; this module says how. It builds the one boto3
client on first use and configures it (retries, timeouts, pool, addressing, checksums), sends one
kind of S3 request per method, retries S3's 409 answers to conditional writes, tells a missing
bucket from a missing key, and turns every failure into the error of the call's
``OperationContext`` (``map_error``), raised ``from`` the original.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    CapabilityNotSupported,
    NotFound,
    PreconditionFailed,
    RemoteStoreError,
)
from remote_store.backend_tools import OperationContext

from ._direct import DirectRequests, Redirected
from ._errors import error_code, is_conflict, is_precondition_failed, map_error, missing_bucket
from ._listing import PAGE, ListingPage
from ._listing import install as install_listing_parser
from ._options import S3Options, safe_url
from ._reader import CHANGED
from ._small_bodies import SMALL_BODY
from ._small_bodies import install as install_small_bodies
from ._timestamps import parse_timestamp
from ._upload import PartBody, PartJobs, run_parts
from ._version import __version__

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import (
        DeleteObjectsOutputTypeDef,
        GetObjectOutputTypeDef,
        HeadObjectOutputTypeDef,
    )

__all__ = ["BucketClient", "stale"]

logger = logging.getLogger("remote_store.s3")

T = TypeVar("T")

_POOL_HEADROOM = 10
"""Connections kept beyond ``max_concurrency``, for other threads sharing the backend."""

_DIRECT_PUT_ATTRIBUTES = frozenset({"ContentType", "Metadata", "IfNoneMatch", "IfMatch"})
"""The PutObject parameters a direct request carries (S3-043); any other goes through botocore."""

_DIRECT_GET_PARAMETERS = frozenset({"Range", "IfMatch"})
"""The GetObject parameters a direct request carries (S3-043)."""

_HEADERS = {
    "ContentType": "Content-Type",
    "IfNoneMatch": "If-None-Match",
    "IfMatch": "If-Match",
    "Range": "Range",
}
"""The request header of each parameter a direct request carries (botocore's model says the same)."""

_CONFLICT_ATTEMPTS = 4
"""Tries of a conditional write that S3 answers 409 ConditionalRequestConflict (a concurrent write)."""


class BucketClient:
    """Sends the S3 requests of one backend to its bucket; every failure becomes the call's error.

    Each request method takes the ``OperationContext`` of the call it serves: the key is the
    context's path unless given, and every error names the context's path, operation and backend.
    Thread-safe: the boto3 client is built once, on the first request, and shared.

    Args:
        options: the backend's validated options.
    """

    def __init__(self, options: S3Options) -> None:
        self._options = options
        self.bucket = options.bucket
        region = options.region_name or "default region"
        self.endpoint = safe_url(options.endpoint_url) if options.endpoint_url else f"AWS S3 ({region})"
        """Where the bucket is, printable (no credentials): the messages of server errors name it."""
        self._lock = threading.Lock()
        self._client: S3Client | None = None
        self._direct: DirectRequests | None = None
        self._closed = False
        self._bucket_confirmed = False

    # -- the client -------------------------------------------------------------------------

    def check_open(self, context: OperationContext) -> None:
        """Raise ``StoreClosed`` for ``context`` once ``close()`` was called."""
        if self._closed:
            raise context.closed()

    def client(self, context: OperationContext) -> S3Client:
        """The boto3 client, built on first use.

        Raises:
            StoreClosed: after ``close()``.
            ConfigError: boto3 cannot build it (an unknown profile, ...).
        """
        client = self._client
        if client is not None and not self._closed:
            return client
        with self._lock:
            self.check_open(context)
            if self._client is None:
                client = self._build(context)
                self._direct = DirectRequests.for_client(
                    client,
                    bucket=self.bucket,
                    endpoint_url=self._options.endpoint_url,
                    addressing_style=self._options.addressing_style,
                    max_attempts=self._options.max_attempts,
                )
                self._client = client
            return self._client

    def _build(self, context: OperationContext) -> S3Client:
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
                # Requests are SigV4 either way; presigned URLs would be SigV2 in us-east-1 without it.
                "signature_version": "s3v4",
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
            # S3-039: S3's timestamps without dateutil (a tenth of a HeadObject's client CPU). The
            # factory is this private session's: no other client is affected.
            session._session.get_component("response_parser_factory").set_parser_defaults(
                timestamp_parser=parse_timestamp
            )
            client = session.client(
                "s3", endpoint_url=options.endpoint_url, verify=options.verify, config=Config(**settings)
            )
            install_listing_parser(client.meta.events)  # S3-037
            install_small_bodies(client.meta.events)  # S3-041
            return client
        except Exception as error:
            raise self.failure(context, error) from error

    def close(self) -> None:
        """Close the client's connections; idempotent. Later requests raise ``StoreClosed``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            client, self._client = self._client, None
            self._direct = None
        if client is not None:
            client.close()

    def accepts(self, context: OperationContext, operation: str, parameter: str) -> bool:
        """True if this botocore's S3 model has ``parameter`` for ``operation`` (it grows over releases)."""
        model = self.client(context).meta.service_model.operation_model(operation)
        return parameter in model.input_shape.members  # type: ignore[union-attr]

    def _sent(self, direct: Callable[[DirectRequests], T], botocore: Callable[[], T]) -> T:
        """``direct`` through the backend's direct requests (S3-042), ``botocore`` where there are none.

        When botocore's region redirector moved a direct request to another region, the request,
        and every later one, goes through botocore, which follows the redirect (S3-046).
        """
        sender = self._direct
        if sender is None:
            return botocore()
        try:
            return direct(sender)
        except Redirected:
            self._direct = None
            return botocore()

    # -- failures ---------------------------------------------------------------------------

    def failure(self, context: OperationContext, error: BaseException) -> RemoteStoreError:
        """The error of ``context`` for a failed request (``map_error``), to raise ``from error``."""
        return map_error(error, context, bucket=self.bucket, endpoint=self.endpoint)

    @contextlib.contextmanager
    def mapped(self, context: OperationContext) -> Iterator[None]:
        """Raise any failure of the block as the error of ``context``, ``from`` the original."""
        try:
            yield
        except RemoteStoreError:
            raise
        except Exception as error:
            raise self.failure(context, error) from error

    def _conditional(
        self, context: OperationContext, request: Callable[[], T], *, if_match: str | None = None
    ) -> T:
        """Send a conditional write, retrying S3's 409 ConditionalRequestConflict a few times.

        With ``if_match``, a 412 answer is ``PreconditionFailed`` (the ETag changed), not the
        ``AlreadyExists`` of a create's ``If-None-Match``, or ``NotFound`` when a HeadObject
        finds no object (radosgw answers 412 there too). A 5xx answer that outlasted botocore's
        retries is checked the same way: radosgw answers some of the requests that lose a race of
        conditional writes ``500 UnknownError`` instead of 412, writing nothing (S3-036).
        """
        for attempt in range(_CONFLICT_ATTEMPTS):
            try:
                return request()
            except Exception as error:
                if attempt + 1 < _CONFLICT_ATTEMPTS and is_conflict(error):
                    time.sleep(0.05 * 2**attempt)
                    continue
                if if_match is not None:
                    raise self._if_match_failure(context, error, if_match) from error
                raise self.failure(context, error) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def _if_match_failure(
        self, context: OperationContext, error: Exception, if_match: str
    ) -> RemoteStoreError:
        """The error of a failed write with ``If-Match``: 412, and 5xx once the ETag moved on."""
        _, status = error_code(error)
        if not (is_precondition_failed(error) or status >= 500):
            return self.failure(context, error)
        head = self.head(context)
        if head is None:
            return context.error(NotFound, "no such file to replace (if_match)")
        if str(head.get("ETag", "")).strip('"') != if_match or status < 500:
            return stale(context, if_match)
        # The object is as it was: the 5xx changed nothing and is the server's failure.
        return self.failure(context, error)

    def condition(
        self, context: OperationContext, operation: str, *, overwrite: bool, if_match: str | None
    ) -> dict[str, Any]:
        """The condition parameters of a write request: If-None-Match for a create, If-Match for a replace.

        Raises:
            CapabilityNotSupported: ``if_match`` is given and this botocore cannot send it.
        """
        if if_match is not None:
            if not self.accepts(context, operation, "IfMatch"):
                raise CapabilityNotSupported(
                    f"this boto3 cannot send If-Match on {operation}: upgrade boto3 for if_match",
                    capability="conditional_write",
                    path=context.path,
                    operation=context.operation.value,
                    backend=context.backend,
                )
            return {"IfMatch": if_match}
        return {} if overwrite else {"IfNoneMatch": "*"}

    # -- objects ----------------------------------------------------------------------------

    def head(self, context: OperationContext) -> HeadObjectOutputTypeDef | None:
        """HeadObject of the context's path, or ``None`` when there is no such object."""
        client = self.client(context)
        try:
            key = str(context.path)
            response = self._sent(
                lambda direct: cast("HeadObjectOutputTypeDef", direct.head(key)),
                lambda: client.head_object(Bucket=self.bucket, Key=key),
            )
        except Exception as error:
            mapped = self.failure(context, error)
            if not isinstance(mapped, NotFound):
                raise mapped from error
            # A HEAD answer has no body: a missing bucket looks like a missing key. Tell them
            # apart once per backend (S3-021).
            self._confirm_bucket(client, context)
            return None
        self._bucket_confirmed = True
        return response

    def _confirm_bucket(self, client: S3Client, context: OperationContext) -> None:
        if self._bucket_confirmed:
            return
        try:
            client.head_bucket(Bucket=self.bucket)
        except Exception as error:
            code, status = error_code(error)
            if status == 404 or code in ("NoSuchBucket", "NotFound", "404"):
                raise missing_bucket(context, self.bucket, self.endpoint) from error
            if status != 403:
                raise self.failure(context, error) from error
            # Not allowed to ask (no s3:ListBucket): trust the bucket, as the 404 already did.
        self._bucket_confirmed = True

    def get(self, context: OperationContext, **extra: Any) -> GetObjectOutputTypeDef:
        """GetObject of the context's path; a failed ``IfMatch`` raises ``BackendUnavailable``."""
        client = self.client(context)
        key = str(context.path)
        direct: Callable[[DirectRequests], GetObjectOutputTypeDef] | None = None
        if _DIRECT_GET_PARAMETERS.issuperset(extra):
            headers = {_HEADERS[name]: str(value) for name, value in extra.items()}
            direct = lambda sender: cast("GetObjectOutputTypeDef", sender.get(key, headers))  # noqa: E731
        try:
            if direct is not None:
                return self._sent(direct, lambda: client.get_object(Bucket=self.bucket, Key=key, **extra))
            return client.get_object(Bucket=self.bucket, Key=key, **extra)
        except Exception as error:
            if "IfMatch" in extra and is_precondition_failed(error):
                raise context.error(BackendUnavailable, CHANGED) from error
            raise self.failure(context, error) from error

    def put(
        self,
        context: OperationContext,
        view: memoryview,
        *,
        overwrite: bool,
        attributes: dict[str, Any] | None = None,
        if_match: str | None = None,
    ) -> None:
        """PutObject of ``view``; without ``overwrite``, only if no object is there (If-None-Match).

        ``attributes`` are PutObject parameters stored with the object (``ContentType``,
        ``Metadata``); with ``if_match``, only if the object's ETag is still that (If-Match).
        """
        client = self.client(context)
        extra: dict[str, Any] = self.condition(context, "PutObject", overwrite=overwrite, if_match=if_match)
        extra.update(attributes or {})

        key = str(context.path)

        def botocore() -> object:
            # A fresh body per try: botocore rewinds within one call, not across calls.
            body = cast(IO[bytes], PartBody(view))
            return client.put_object(Bucket=self.bucket, Key=key, Body=body, **extra)

        if len(view) > SMALL_BODY or not _DIRECT_PUT_ATTRIBUTES.issuperset(extra):
            request: Callable[[], object] = botocore
        else:
            headers = _put_headers(extra)
            data = bytes(view)

            def request() -> object:
                return self._sent(lambda sender: sender.put(key, data, headers), botocore)

        self._conditional(context, request, if_match=if_match)

    def delete(self, context: OperationContext, key: str | None = None) -> None:
        """DeleteObject of ``key`` (the context's path by default); succeeds when there is none."""
        client = self.client(context)
        name = str(context.path) if key is None else key
        with self.mapped(context):
            self._sent(
                lambda sender: sender.delete(name), lambda: client.delete_object(Bucket=self.bucket, Key=name)
            )

    def delete_batch(self, context: OperationContext, keys: Sequence[str]) -> DeleteObjectsOutputTypeDef:
        """One DeleteObjects of ``keys`` (at most 1,000), in quiet mode: only failures are reported."""
        client = self.client(context)
        with self.mapped(context):
            return client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True}
            )

    def copy(self, context: OperationContext, source: str, *, overwrite: bool) -> None:
        """CopyObject of ``source`` to the context's path.

        Without ``overwrite``, and where this botocore can send it, with ``If-None-Match: *``.
        """
        client = self.client(context)
        extra: dict[str, Any] = {}
        if not overwrite and self.accepts(context, "CopyObject", "IfNoneMatch"):
            extra["IfNoneMatch"] = "*"
        copied: Any = {"Bucket": self.bucket, "Key": source}
        self._conditional(
            context,
            lambda: client.copy_object(Bucket=self.bucket, Key=str(context.path), CopySource=copied, **extra),
        )

    # -- listings ---------------------------------------------------------------------------

    def pages(
        self, context: OperationContext, prefix: str, *, delimiter: bool, page_size: int
    ) -> Iterator[ListingPage]:
        """ListObjectsV2 of ``prefix``, one page of ``page_size`` keys requested per step of the iteration.

        Keys are asked URL-encoded (``EncodingType=url``: XML cannot carry every character a key
        may hold) and arrive decoded; the pages are parsed by ``_listing`` (S3-037, S3-038).
        """
        client = self.client(context)
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Prefix": prefix,
            "MaxKeys": page_size,
            "EncodingType": "url",
        }
        if delimiter:
            params["Delimiter"] = "/"
        while True:
            with self.mapped(context):
                page: ListingPage = client.list_objects_v2(**params)[PAGE]  # type: ignore[literal-required]
            self._bucket_confirmed = True
            yield page
            if not page.truncated or not page.next_token:
                return
            params["ContinuationToken"] = page.next_token

    # -- multipart uploads ------------------------------------------------------------------

    def create_upload(self, context: OperationContext, **create: Any) -> str:
        """CreateMultipartUpload for the context's path; returns the upload id."""
        client = self.client(context)
        with self.mapped(context):
            return client.create_multipart_upload(Bucket=self.bucket, Key=str(context.path), **create)[
                "UploadId"
            ]

    def upload_part(self, context: OperationContext, upload_id: str, view: memoryview, number: int) -> str:
        """UploadPart number ``number`` of ``view``; returns its ETag."""
        client = self.client(context)
        with self.mapped(context):
            response = client.upload_part(
                Bucket=self.bucket,
                Key=str(context.path),
                UploadId=upload_id,
                PartNumber=number,
                Body=cast(IO[bytes], PartBody(view)),
            )
        return response["ETag"]

    def copy_part(
        self,
        context: OperationContext,
        target: str,
        upload_id: str,
        first: int,
        last: int,
        etag: str | None,
        number: int,
    ) -> str:
        """UploadPartCopy of bytes ``first`` to ``last`` of the context's path; returns the part's ETag.

        The part is number ``number`` of the upload to ``target``, conditioned on the source's
        ``etag`` when there is one.
        """
        client = self.client(context)
        extra: dict[str, Any] = {"CopySourceIfMatch": etag} if etag else {}
        with self.mapped(context):
            response = client.upload_part_copy(
                Bucket=self.bucket,
                Key=target,
                UploadId=upload_id,
                PartNumber=number,
                CopySource={"Bucket": self.bucket, "Key": str(context.path)},
                CopySourceRange=f"bytes={first}-{last}",
                **extra,
            )
        return response["CopyPartResult"]["ETag"]

    def complete_upload(
        self,
        context: OperationContext,
        upload_id: str,
        etags: Sequence[str],
        *,
        overwrite: bool,
        if_match: str | None = None,
    ) -> None:
        """CompleteMultipartUpload with the parts' ETags; without ``overwrite``, If-None-Match.

        With ``if_match``, If-Match instead.
        """
        client = self.client(context)
        parts: Any = [{"PartNumber": number, "ETag": etag} for number, etag in enumerate(etags, start=1)]
        extra = self.condition(context, "CompleteMultipartUpload", overwrite=overwrite, if_match=if_match)
        self._conditional(
            context,
            lambda: client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=str(context.path),
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                **extra,
            ),
            if_match=if_match,
        )

    def multipart(
        self,
        context: OperationContext,
        jobs: PartJobs,
        *,
        overwrite: bool,
        create: dict[str, Any] | None = None,
        if_match: str | None = None,
    ) -> None:
        """Upload to the context's path in parts: create, run the part jobs, complete; abort on failure.

        ``max_concurrency`` jobs run at a time. Any failure, ``BaseException`` included, aborts
        the upload and is raised (S3-011).

        With ``overwrite=False`` the object's absence is checked again right before completing
        (this narrows the race on servers that ignore If-None-Match there) and the completion
        carries ``If-None-Match: *`` (race-free where the server enforces it).

        With ``if_match`` the object's ETag is checked right before completing (for servers that
        ignore If-Match there, S3-036) and the completion carries ``If-Match``.

        Raises:
            AlreadyExists: ``overwrite=False`` and the object exists by the time of completion.
            PreconditionFailed: ``if_match`` is not the object's ETag by the time of completion.
            NotFound: ``if_match`` is given and the object is gone by the time of completion.
        """
        client = self.client(context)  # kept for the abort, also when close() comes meanwhile
        if if_match is not None:
            # Refused before anything is uploaded when this botocore cannot send the condition.
            self.condition(context, "CompleteMultipartUpload", overwrite=overwrite, if_match=if_match)
        upload_id = self.create_upload(context, **(create or {}))
        try:
            etags = run_parts(jobs(upload_id), self._options.max_concurrency, context)
            if if_match is not None:
                self.check_etag(context, if_match)
            elif not overwrite and self.head(context) is not None:
                raise context.error(AlreadyExists, "file already exists")
            self.complete_upload(context, upload_id, etags, overwrite=overwrite, if_match=if_match)
        except BaseException:
            self._abort(client, context, upload_id)
            raise

    def check_etag(self, context: OperationContext, if_match: str) -> None:
        """HeadObject: raise unless the object exists with ETag ``if_match`` (quotes aside).

        Raises:
            NotFound: there is no object.
            PreconditionFailed: its ETag is another.
        """
        head = self.head(context)
        if head is None:
            raise context.error(NotFound, "no such file to replace (if_match)")
        if str(head.get("ETag", "")).strip('"') != if_match:
            raise stale(context, if_match)

    def _abort(self, client: S3Client, context: OperationContext, upload_id: str) -> None:
        """AbortMultipartUpload; a failure is logged, never raised (the caller's failure matters)."""
        key = str(context.path)
        try:
            client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except Exception as error:  # noqa: BLE001 - the original failure is what the caller must see
            logger.warning(
                "could not abort multipart upload %s of key %r in bucket %r (%s); its parts stay "
                "until aborted (an AbortIncompleteMultipartUpload lifecycle rule removes them)",
                upload_id,
                key,
                self.bucket,
                type(error).__name__,
            )


def _put_headers(parameters: dict[str, Any]) -> dict[str, str]:
    """The headers of a direct PutObject's ``parameters``, as botocore serializes them (S3-043)."""
    headers: dict[str, str] = {}
    for name, value in parameters.items():
        if name == "Metadata":
            headers.update({f"x-amz-meta-{key}": item for key, item in value.items()})
        else:
            headers[_HEADERS[name]] = str(value)
    return headers


def stale(context: OperationContext, if_match: str) -> PreconditionFailed:
    """The error of a conditional replace that found another ETag than ``if_match`` (S3-036)."""
    return context.error(PreconditionFailed, f"file changed: its ETag is no longer {if_match!r}")
