"""Sweeping up the temporary files of writers that were killed before they could clean up."""

from __future__ import annotations

import contextlib
import os
import time

from remote_store.backend_tools import OperationContext

from ._filetype import MISSING_ERRNOS
from ._names import is_temp_name
from ._tree import locate, open_folder

__all__ = ["remove_stale_temps"]


def remove_stale_temps(context: OperationContext, root: str, older_than: float) -> int:
    """Remove the temporary files below ``root`` last modified more than ``older_than`` s ago.

    Walks every folder without following links (one folder open at a time, as listings do) and
    returns how many files it removed. A writer still filling its temporary file keeps touching
    it, so only files idle for ``older_than`` seconds go.

    Raises:
        RemoteStoreError: an OS failure other than an entry vanishing meanwhile, mapped.
    """
    cutoff = time.time() - older_than
    removed = 0
    stack: list[str] = [""]
    while stack:
        folder = stack.pop()
        place = locate(context, root, folder, follow=False)
        if place is None:
            continue
        with place:
            try:
                fd = open_folder(place)
            except OSError as error:
                raise context.os_error(error) from error
        if fd is None:
            continue  # removed, or swapped for a link, meanwhile
        try:
            removed += _sweep_folder(fd, folder, cutoff, stack)
        except OSError as error:
            if error.errno not in MISSING_ERRNOS:
                raise context.os_error(error) from error
        finally:
            os.close(fd)
    return removed


def _sweep_folder(fd: int, folder: str, cutoff: float, stack: list[str]) -> int:
    removed = 0
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(f"{folder}/{entry.name}" if folder else entry.name)
            elif is_temp_name(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.name, dir_fd=fd)
                        removed += 1
    return removed
