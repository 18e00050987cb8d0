"""The one place where botocore, urllib3 and socket errors become remote-store errors (specs/s3.md).

``map_error`` returns the error to raise, built by the call's ``OperationContext``; callers always
``raise map_error(...) from error`` so the original stays available as ``__cause__``. Messages
never contain the path (the error's ``__str__`` appends it), a credential, or botocore's own text
for connection failures (it quotes the request URL, which holds the key).
"""

from __future__ import annotations

import http.client
from typing import Any

from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    ConfigError,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RemoteStoreError,
)
from remote_store.backend_tools import OperationContext

from ._listing import MalformedListing

__all__ = ["error_code", "is_conflict", "is_precondition_failed", "map_error", "missing_bucket"]

_NOT_FOUND = frozenset({"NoSuchKey", "404", "NotFound"})
_NO_BUCKET = frozenset({"NoSuchBucket"})
_PRECONDITION = frozenset({"PreconditionFailed", "412"})
_DENIED = frozenset(
    {
        "AccessDenied",
        "403",
        "Forbidden",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccountProblem",
        "ExpiredToken",
        "InvalidToken",
        "TokenRefreshRequired",
    }
)
_INVALID_KEY = frozenset({"InvalidObjectName", "KeyTooLongError", "KeyTooLong"})
_BAD_BUCKET_NAME = frozenset({"InvalidBucketName"})
_UNAVAILABLE = frozenset(
    {
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "RequestTimeout",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "500",
        "502",
        "503",
        "504",
    }
)
_CONFLICT = frozenset({"ConditionalRequestConflict", "OperationAborted"})


def error_code(error: BaseException) -> tuple[str, int]:
    """The S3 error code and HTTP status of a botocore ``ClientError`` (``("", 0)`` otherwise)."""
    response: Any = getattr(error, "response", None)
    if not isinstance(response, dict):
        return "", 0
    code = str(response.get("Error", {}).get("Code", "") or "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code, int(status or 0)


def is_conflict(error: BaseException) -> bool:
    """True for S3's 409 answers to a conditional write racing another request: retry them."""
    code, status = error_code(error)
    return code in _CONFLICT or (status == 409 and code not in ("BucketAlreadyExists", "BucketNotEmpty"))


def is_precondition_failed(error: BaseException) -> bool:
    """True for S3's 412 PreconditionFailed: a conditional request whose condition did not hold."""
    code, status = error_code(error)
    return status == 412 or code == "PreconditionFailed"


def missing_bucket(context: OperationContext, bucket: str, endpoint: str) -> BackendUnavailable:
    """The error of a call that found no bucket ``bucket`` at ``endpoint`` (S3-021)."""
    return context.error(BackendUnavailable, f"bucket {bucket!r} does not exist at {endpoint}")


def _client_error(
    error: BaseException, code: str, status: int, context: OperationContext, bucket: str, endpoint: str
) -> RemoteStoreError:
    response: Any = getattr(error, "response", {})
    detail = response.get("Error", {}).get("Message") or ""
    suffix = f" (S3 {code}{': ' + detail if detail else ''})"
    if code in _NO_BUCKET:
        return missing_bucket(context, bucket, endpoint)
    if code in _NOT_FOUND:
        return context.error(NotFound, "no such file")
    if code in _PRECONDITION:
        return context.error(AlreadyExists, "file already exists" + suffix)
    if code in _DENIED:
        return context.error(PermissionDenied, f"access denied to bucket {bucket!r}" + suffix)
    if code in _INVALID_KEY:
        return context.error(InvalidPath, "the server rejects this key" + suffix)
    if code in _BAD_BUCKET_NAME:
        return context.error(ConfigError, f"bucket: {bucket!r} is not a valid bucket name" + suffix)
    if code in _UNAVAILABLE or status >= 500:
        return context.error(BackendUnavailable, f"bucket {bucket!r} at {endpoint} is unavailable" + suffix)
    if status == 403:
        return context.error(PermissionDenied, f"access denied to bucket {bucket!r}" + suffix)
    if status == 412:
        return context.error(AlreadyExists, "file already exists" + suffix)
    return context.error(RemoteStoreError, f"S3 request failed (HTTP {status})" + suffix)


def map_error(
    error: BaseException, context: OperationContext, *, bucket: str, endpoint: str
) -> RemoteStoreError:
    """The remote-store error for ``error``, raised by an S3 request of the call ``context``.

    ``bucket`` and ``endpoint`` (printable: no credentials) are named by the messages of errors
    about the bucket or the server.

    Mapping: NoSuchKey/404/NotFound -> ``NotFound``; PreconditionFailed/412 -> ``AlreadyExists``;
    AccessDenied/403 and credential errors -> ``PermissionDenied``; NoSuchBucket, throttling, 5xx
    and connection failures (refused, timeouts, broken streams) -> ``BackendUnavailable`` naming
    the bucket and endpoint; InvalidObjectName/KeyTooLong -> ``InvalidPath``; missing or unusable
    credentials and profiles -> ``ConfigError``; a ListObjectsV2 answer that cannot be read
    (``MalformedListing``) -> ``RemoteStoreError`` naming the bucket and endpoint; everything
    else -> ``RemoteStoreError``. A ``RemoteStoreError`` is returned unchanged. The caller
    raises the result ``from error``.
    """
    if isinstance(error, RemoteStoreError):
        return error
    if isinstance(error, MalformedListing):
        return context.error(
            RemoteStoreError, f"bucket {bucket!r} at {endpoint} sent a listing that cannot be read: {error}"
        )
    code, status = error_code(error)
    if code or status:
        return _client_error(error, code, status, context, bucket, endpoint)
    # botocore is imported by the time any of its errors exists; this module must not import it.
    import botocore.exceptions as bx

    name = type(error).__name__
    if isinstance(error, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return context.error(
            ConfigError,
            "no usable AWS credentials: set aws_access_key_id and aws_secret_access_key or "
            "profile_name, or configure boto3's default credential chain",
        )
    if isinstance(error, bx.ProfileNotFound):
        return context.error(ConfigError, "profile_name: no such AWS profile")
    if isinstance(error, bx.NoRegionError):
        return context.error(ConfigError, "region_name: no region configured")
    if isinstance(error, bx.ParamValidationError):
        if "bucket name" in str(error).lower():
            return context.error(ConfigError, f"bucket: {bucket!r} is not a valid bucket name")
        return context.error(RemoteStoreError, f"S3 client rejected the request before sending: {name}")
    if isinstance(error, _connection_errors(bx)):
        return context.error(BackendUnavailable, f"cannot reach bucket {bucket!r} at {endpoint}: {name}")
    if isinstance(error, bx.BotoCoreError):
        return context.error(RemoteStoreError, f"S3 client error: {name}")
    return context.error(RemoteStoreError, f"S3 request failed: {name}")


def _connection_errors(bx: Any) -> tuple[type[BaseException], ...]:
    import urllib3.exceptions

    return (
        bx.ConnectionError,
        bx.HTTPClientError,
        bx.IncompleteReadError,
        bx.FlexibleChecksumError,
        urllib3.exceptions.HTTPError,
        http.client.HTTPException,
        OSError,
    )
