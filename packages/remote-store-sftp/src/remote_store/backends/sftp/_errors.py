"""One mapping from asyncssh's errors to ours (SFTP-012)."""

from __future__ import annotations

import asyncio

from remote_store import BackendUnavailable, NotFound, PermissionDenied, RemoteStoreError
from remote_store.backend_tools import OperationContext

from ._pool import asyncssh_module

__all__ = ["is_connection_error", "map_error"]


def is_connection_error(error: BaseException) -> bool:
    """True if ``error`` means the connection is gone (lost, closed, timed out), not a refusal."""
    asyncssh = asyncssh_module()
    return isinstance(
        error,
        (
            asyncssh.SFTPConnectionLost,
            asyncssh.SFTPNoConnection,
            asyncssh.DisconnectError,
            asyncssh.ChannelOpenError,
            OSError,
            asyncio.TimeoutError,
            EOFError,
        ),
    )


def map_error(
    context: OperationContext, error: BaseException, *, path: str | None = None
) -> RemoteStoreError:
    """Our error for ``error``, with the call's context; the caller raises it ``from error``.

    SFTP version 3 reports "exists", "not empty" and "is a folder" alike as a generic failure:
    callers that can tell them apart look again (``lstat``) before they come here; what reaches
    this function unclassified becomes a plain ``RemoteStoreError``. Messages never quote the
    server's text (it may echo paths outside the root).
    """
    if isinstance(error, RemoteStoreError):
        return error
    asyncssh = asyncssh_module()
    if isinstance(error, (asyncssh.SFTPNoSuchFile, asyncssh.SFTPNoSuchPath)):
        return context.error(NotFound, "no such file or folder", path=path)
    if isinstance(error, (asyncssh.SFTPPermissionDenied, asyncssh.SFTPWriteProtect)):
        return context.error(PermissionDenied, "permission denied by the server", path=path)
    if isinstance(error, (asyncssh.SFTPNoSpaceOnFilesystem, asyncssh.SFTPQuotaExceeded)):
        return context.error(BackendUnavailable, "no space left on the server", path=path)
    if isinstance(error, asyncssh.SFTPOpUnsupported):
        return context.error(BackendUnavailable, "the server does not support this request", path=path)
    if is_connection_error(error):
        return context.error(BackendUnavailable, "the connection to the server was lost", path=path)
    if isinstance(error, asyncssh.SFTPFailure):
        return context.error(RemoteStoreError, "the server reported a failure", path=path)
    return context.error(RemoteStoreError, f"SFTP request failed ({type(error).__name__})", path=path)
