"""The one place where Azure SDK errors become remote-store errors (AZURE-017).

``map_error`` returns the error to raise, built through the call's ``OperationContext``; callers
raise it ``from`` the SDK's error so that the original stays the ``__cause__``. Messages hold the
Azure status and error code, never Azure's own message text (an authentication failure quotes the
string that was signed), the path (the error appends it) or a credential.
"""

from __future__ import annotations

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

__all__ = ["CHANGED", "azure_code", "map_error"]

CHANGED = "the file changed while it was read; read it again"
"""The message of a read whose pinned ETag no longer matches."""

_NO_CONTAINER = frozenset({"ContainerNotFound", "ContainerBeingDeleted", "ContainerDisabled"})
_NOT_FOUND = frozenset({"BlobNotFound", "CannotVerifyCopySource", "ResourceNotFound"})
_EXISTS = frozenset({"BlobAlreadyExists", "ConditionNotMet", "TargetConditionNotMet"})
_DENIED = frozenset(
    {
        "AuthenticationFailed",
        "AuthorizationFailure",
        "AuthorizationPermissionMismatch",
        "AuthorizationProtocolMismatch",
        "AuthorizationResourceTypeMismatch",
        "AuthorizationServiceMismatch",
        "AuthorizationSourceIPMismatch",
        "InsufficientAccountPermissions",
        "AccountIsDisabled",
        "NoAuthenticationInformation",
        "InvalidAuthenticationInfo",
    }
)
_BAD_NAME = frozenset({"InvalidResourceName", "InvalidUri", "OutOfRangeInput"})
_UNAVAILABLE = frozenset({"ServerBusy", "InternalError", "OperationTimedOut", "TooManyRequests"})


def azure_code(error: BaseException) -> tuple[int, str]:
    """The HTTP status and Azure error code (``x-ms-error-code``) of an SDK error; ``(0, "")`` if none."""
    status = getattr(error, "status_code", None)
    code = getattr(error, "error_code", None)
    code = getattr(
        code, "value", code
    )  # the SDK gives a StorageErrorCode (a str enum) where it knows the code
    return (int(status) if isinstance(status, int) else 0), (str(code) if code else "")


def map_error(
    error: BaseException, ctx: OperationContext, place: str, *, exists: type[RemoteStoreError] = AlreadyExists
) -> RemoteStoreError:
    """The remote-store error for an Azure SDK ``error`` met by the call ``ctx``.

    ``place`` names the container and endpoint for the messages of ``BackendUnavailable``
    (``"container 'c' at https://..."``). A failed condition (409 BlobAlreadyExists, 412
    ConditionNotMet) becomes ``exists`` (``AlreadyExists`` unless the caller knows better, as a
    read pinned to an ETag does). A ``RemoteStoreError`` is returned unchanged.

    Mapping: BlobNotFound/404 -> ``NotFound``; ContainerNotFound -> ``BackendUnavailable``;
    409/412 conditions -> ``exists``; 403 -> ``PermissionDenied``; 429, 503, other 5xx, timeouts
    and connection failures -> ``BackendUnavailable``; invalid names -> ``InvalidPath``; an
    unusable connection string -> ``ConfigError``; anything else -> ``RemoteStoreError``.
    """
    if isinstance(error, RemoteStoreError):
        return error
    status, code = azure_code(error)
    detail = f" (Azure {status} {code})" if code else f" (HTTP {status})"
    if code in _NO_CONTAINER:
        return ctx.error(BackendUnavailable, f"{place} does not exist{detail}")
    if code in _NOT_FOUND or (status == 404 and not code):
        return ctx.error(NotFound, "no such file")
    if code in _EXISTS or (status == 412 and not code):
        if exists is AlreadyExists:
            return ctx.error(AlreadyExists, "file already exists")
        return ctx.error(exists, CHANGED)
    if code in _DENIED or status in (401, 403):
        return ctx.error(PermissionDenied, f"access denied to {place}{detail}")
    if code in _BAD_NAME:
        return ctx.error(InvalidPath, f"Azure rejects this blob name{detail}")
    if code in _UNAVAILABLE or status == 429 or status >= 500:
        return ctx.error(BackendUnavailable, f"{place} is unavailable{detail}")
    if status:
        return ctx.error(RemoteStoreError, f"Azure request failed{detail}")
    return _unanswered(error, ctx, place, exists)


def _unanswered(
    error: BaseException, ctx: OperationContext, place: str, exists: type[RemoteStoreError]
) -> RemoteStoreError:
    """An error without an HTTP answer: connection, timeout, credential or client-side failures."""
    # The SDK is imported by the time one of its errors exists; this module must not import it.
    from azure.core import exceptions as ax

    name = type(error).__name__
    cause = error.__cause__
    if isinstance(error, ax.HttpResponseError) and isinstance(cause, (ax.AzureError, OSError)):
        # The downloader wraps a body it failed to read three times in a status-less
        # HttpResponseError, itself often one around requests' ChunkedEncodingError (an OSError):
        # the connection failure is the cause (AZURE-025).
        return map_error(cause, ctx, place, exists=exists)
    if isinstance(error, (ax.ServiceRequestError, ax.ServiceResponseError, ax.IncompleteReadError, OSError)):
        return ctx.error(BackendUnavailable, f"cannot reach {place}: {name}")
    if isinstance(error, ax.ClientAuthenticationError):
        return ctx.error(PermissionDenied, f"no usable Azure credential for {place}: {name}")
    if isinstance(error, ValueError) and "connection string" in str(error).lower():
        return ctx.error(ConfigError, "connection_string: not a valid Azure connection string")
    return ctx.error(RemoteStoreError, f"Azure request failed: {name}")
