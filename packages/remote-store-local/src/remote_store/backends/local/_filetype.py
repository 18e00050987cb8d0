"""What is at a path: a regular file, a folder, or nothing usable (and the error for nothing)."""

from __future__ import annotations

import errno
import os
import stat

from remote_store import RemoteStoreError
from remote_store.backend_tools import OperationContext

__all__ = ["MISSING_ERRNOS", "is_folder", "is_regular", "missing"]

MISSING_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP})
"""Errnos meaning "nothing usable is there": queries answer ``False`` instead of raising."""


def is_regular(result: os.stat_result | None) -> bool:
    """True if ``result`` is the stat of a regular file (not a folder, FIFO, device, socket)."""
    return result is not None and stat.S_ISREG(result.st_mode)


def is_folder(result: os.stat_result | None) -> bool:
    """True if ``result`` is the stat of a folder."""
    return result is not None and stat.S_ISDIR(result.st_mode)


def missing(context: OperationContext) -> RemoteStoreError:
    """``NotFound`` for ``context.path`` whose folder does not exist, caused by the ``ENOENT`` it means.

    The walk that found the folder missing saw that ``ENOENT`` on a folder of the path; the
    error carries one for the whole path, as opening it by name would have raised.
    """
    cause = FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), context.path)
    error = context.os_error(cause)
    error.__cause__ = cause
    error.__suppress_context__ = True
    return error
