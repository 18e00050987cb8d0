"""Translate ``OSError`` into our errors, for backends that sit on a file system."""

from __future__ import annotations

import errno

from ._errors import (
    AlreadyExists,
    BackendUnavailable,
    DirectoryNotEmpty,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RemoteStoreError,
)

__all__ = ["map_os_error"]

_BY_ERRNO: dict[int, tuple[type[RemoteStoreError], str]] = {
    errno.ENOENT: (NotFound, "no such file or folder"),
    errno.ENOTDIR: (NotFound, "a parent of the path is a file, not a folder"),
    errno.EEXIST: (AlreadyExists, "already exists"),
    errno.ENOTEMPTY: (DirectoryNotEmpty, "folder is not empty"),
    errno.EACCES: (PermissionDenied, "permission denied"),
    errno.EPERM: (PermissionDenied, "operation not permitted"),
    errno.EROFS: (PermissionDenied, "read-only file system"),
    errno.ELOOP: (PermissionDenied, "symbolic link refused"),
    errno.ENAMETOOLONG: (InvalidPath, "name too long for the backend"),
    errno.EILSEQ: (InvalidPath, "name not representable on the backend"),
    errno.EINVAL: (InvalidPath, "invalid argument for the backend"),
    errno.EISDIR: (InvalidPath, "path is a folder, not a file"),
    errno.ENOSPC: (BackendUnavailable, "no space left on device"),
    errno.EDQUOT: (BackendUnavailable, "disk quota exceeded"),
    errno.EIO: (BackendUnavailable, "input/output error"),
    errno.EMFILE: (BackendUnavailable, "too many open files"),
    errno.ENFILE: (BackendUnavailable, "too many open files in system"),
    errno.EXDEV: (BackendUnavailable, "cross-device operation"),
    errno.EBUSY: (BackendUnavailable, "resource busy"),
    errno.ETIMEDOUT: (BackendUnavailable, "timed out"),
}

# For an errno that is unset (``FileNotFoundError(path)`` raised by library code) or not above.
# The str() of such an error is often just the path, which a message must not embed.
_BY_CLASS: tuple[tuple[type[OSError], type[RemoteStoreError], str], ...] = (
    (FileNotFoundError, NotFound, "no such file or folder"),
    (NotADirectoryError, NotFound, "a parent of the path is a file, not a folder"),
    (FileExistsError, AlreadyExists, "already exists"),
    (PermissionError, PermissionDenied, "permission denied"),
    (IsADirectoryError, InvalidPath, "path is a folder, not a file"),
    (ConnectionError, BackendUnavailable, "connection failed"),
    (TimeoutError, BackendUnavailable, "timed out"),
)


def map_os_error(
    error: OSError, *, path: str | None, operation: str, backend: str | None = None
) -> RemoteStoreError:
    """Return the remote-store error for ``error``; the caller raises it ``from error``.

    Every errno maps to a subclass of ``RemoteStoreError``; an errno that is unset or unknown maps by
    the builtin class (``FileNotFoundError`` to ``NotFound``, ``ConnectionError`` to
    ``BackendUnavailable``, ...), else to ``RemoteStoreError`` itself with the OS message, so no raw
    ``OSError`` needs to reach the user.
    """
    if isinstance(error, RemoteStoreError):
        return error
    kind, message = _BY_ERRNO.get(error.errno or -1, (RemoteStoreError, ""))
    if kind is RemoteStoreError:
        for builtin, ours, text in _BY_CLASS:
            if isinstance(error, builtin):
                kind, message = ours, error.strerror or text
                break
    if not message:
        message = error.strerror or str(error) or type(error).__name__
    return kind(message, path=path, operation=operation, backend=backend)
