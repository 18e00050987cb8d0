"""``Call``: the path and operation one backend call reports in its errors."""

from __future__ import annotations

import errno
import os
import stat

from remote_store import RemoteStoreError
from remote_store.backend_tools import map_os_error

__all__ = ["BACKEND", "MISSING_ERRNOS", "Call", "is_folder", "is_regular"]

BACKEND = "local"
"""The backend type name errors carry."""

MISSING_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP})
"""Errnos meaning "nothing usable is there": queries answer ``False`` instead of raising."""


class Call:
    """One backend call: ``path`` (backend-relative) and ``operation`` name every error it raises."""

    __slots__ = ("operation", "path")

    def __init__(self, path: str, operation: str) -> None:
        self.path = path
        self.operation = operation

    def error(self, kind: type[RemoteStoreError], message: str) -> RemoteStoreError:
        """A ``kind`` error for this call; the caller raises it."""
        return kind(message, path=self.path, operation=self.operation, backend=BACKEND)

    def os_error(self, error: OSError) -> RemoteStoreError:
        """The remote-store error for ``error``; the caller raises it ``from error``."""
        return map_os_error(error, path=self.path, operation=self.operation, backend=BACKEND)

    def missing(self) -> RemoteStoreError:
        """``NotFound`` for a path whose folder does not exist, caused by the ``ENOENT`` it means.

        The walk that found the folder missing saw that ``ENOENT`` on a folder of the path; the
        error carries one for the whole path, as opening it by name would have raised.
        """
        cause = FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), self.path)
        error = self.os_error(cause)
        error.__cause__ = cause
        error.__suppress_context__ = True
        return error


def is_regular(result: os.stat_result | None) -> bool:
    """True if ``result`` is the stat of a regular file (not a folder, FIFO, device, socket)."""
    return result is not None and stat.S_ISREG(result.st_mode)


def is_folder(result: os.stat_result | None) -> bool:
    """True if ``result`` is the stat of a folder."""
    return result is not None and stat.S_ISDIR(result.st_mode)
