"""The one place where botocore, urllib3 and socket errors become remote-store errors (S3-028).

``map_error`` returns the error to raise; callers always ``raise map_error(...) from error`` so
the original stays available as ``__cause__``. Messages never contain the path (the error's
``__str__`` appends it), a credential, or botocore's own text for connection failures (it quotes
the request URL, which holds the key).
"""

from __future__ import annotations

import dataclasses
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

__all__ = ["ErrorContext", "error_code", "is_conflict", "map_error"]

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


@dataclasses.dataclass(frozen=True)
class ErrorContext:
    """Who is asking: the backend's type name, its bucket and a printable endpoint (no secrets)."""

    backend: str
    bucket: str
    endpoint: str


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


def _client_error(
    error: BaseException, code: str, status: int, context: ErrorContext, path: str | None, operation: str
) -> RemoteStoreError:
    where = {"path": path, "operation": operation, "backend": context.backend}
    response: Any = getattr(error, "response", {})
    detail = response.get("Error", {}).get("Message") or ""
    suffix = f" (S3 {code}{': ' + detail if detail else ''})"
    if code in _NO_BUCKET:
        return BackendUnavailable(f"bucket {context.bucket!r} does not exist at {context.endpoint}", **where)
    if code in _NOT_FOUND:
        return NotFound("no such file", **where)
    if code in _PRECONDITION:
        return AlreadyExists("file already exists" + suffix, **where)
    if code in _DENIED:
        return PermissionDenied(f"access denied to bucket {context.bucket!r}" + suffix, **where)
    if code in _INVALID_KEY:
        return InvalidPath("the server rejects this key" + suffix, **where)
    if code in _BAD_BUCKET_NAME:
        return ConfigError(f"bucket: {context.bucket!r} is not a valid bucket name" + suffix, **where)
    if code in _UNAVAILABLE or status >= 500:
        return BackendUnavailable(
            f"bucket {context.bucket!r} at {context.endpoint} is unavailable" + suffix, **where
        )
    if status == 403:
        return PermissionDenied(f"access denied to bucket {context.bucket!r}" + suffix, **where)
    if status == 412:
        return AlreadyExists("file already exists" + suffix, **where)
    return RemoteStoreError(f"S3 request failed (HTTP {status})" + suffix, **where)


def map_error(
    error: BaseException, *, path: str | None, operation: str, context: ErrorContext
) -> RemoteStoreError:
    """The remote-store error for ``error``, raised by an S3 call for ``path`` in ``operation``.

    Mapping: NoSuchKey/404/NotFound -> ``NotFound``; PreconditionFailed/412 -> ``AlreadyExists``;
    AccessDenied/403 and credential errors -> ``PermissionDenied``; NoSuchBucket, throttling, 5xx
    and connection failures (refused, timeouts, broken streams) -> ``BackendUnavailable`` naming
    the bucket and endpoint; InvalidObjectName/KeyTooLong -> ``InvalidPath``; missing or unusable
    credentials and profiles -> ``ConfigError``; everything else -> ``RemoteStoreError``. A
    ``RemoteStoreError`` is returned unchanged. The caller raises the result ``from error``.
    """
    if isinstance(error, RemoteStoreError):
        return error
    where: dict[str, Any] = {"path": path, "operation": operation, "backend": context.backend}
    code, status = error_code(error)
    if code or status:
        return _client_error(error, code, status, context, path, operation)
    # botocore is imported by the time any of its errors exists; this module must not import it.
    import botocore.exceptions as bx

    name = type(error).__name__
    if isinstance(error, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return ConfigError(
            "no usable AWS credentials: set aws_access_key_id and aws_secret_access_key or "
            "profile_name, or configure boto3's default credential chain",
            **where,
        )
    if isinstance(error, bx.ProfileNotFound):
        return ConfigError("profile_name: no such AWS profile", **where)
    if isinstance(error, bx.NoRegionError):
        return ConfigError("region_name: no region configured", **where)
    if isinstance(error, bx.ParamValidationError):
        if "bucket name" in str(error).lower():
            return ConfigError(f"bucket: {context.bucket!r} is not a valid bucket name", **where)
        return RemoteStoreError(f"S3 client rejected the request before sending: {name}", **where)
    if isinstance(error, _connection_errors(bx)):
        return BackendUnavailable(
            f"cannot reach bucket {context.bucket!r} at {context.endpoint}: {name}", **where
        )
    if isinstance(error, bx.BotoCoreError):
        return RemoteStoreError(f"S3 client error: {name}", **where)
    return RemoteStoreError(f"S3 request failed: {name}", **where)


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
