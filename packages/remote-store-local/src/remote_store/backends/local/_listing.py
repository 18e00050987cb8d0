"""Lazy listings over ``os.scandir``: one folder open at a time, subfolders kept on a stack."""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Iterator
from datetime import datetime, timezone

from remote_store import FileInfo, RemotePath

from ._call import MISSING_ERRNOS, Call
from ._names import is_reportable_name
from ._sandbox import is_within

__all__ = ["Entry", "file_info", "scan", "walk_files"]


@dataclasses.dataclass(frozen=True)
class Entry:
    """One reportable file or folder found by ``scan``."""

    path: str
    """Backend-relative path."""
    name: str
    """Last segment of ``path``."""
    real: str
    """Location on disk (the link itself, when ``is_link``)."""
    is_folder: bool
    """A folder (or a link to one); otherwise a regular file (or a link to one)."""
    is_link: bool
    """A symbolic link whose target lies inside the root."""
    stat: os.stat_result | None
    """The file's stat (links followed); ``None`` for folders."""


def file_info(path: str, result: os.stat_result) -> FileInfo:
    """The ``FileInfo`` of the file at backend-relative ``path`` with stat ``result``."""
    return FileInfo(
        path=RemotePath(path),
        name=path.rsplit("/", 1)[-1],
        size=result.st_size,
        modified_at=datetime.fromtimestamp(result.st_mtime, timezone.utc),
    )


def _classify(entry: os.DirEntry[str], folder: str, real_root: str, operation: str) -> Entry | None:
    name = entry.name
    if not is_reportable_name(name):
        return None
    path = f"{folder}/{name}" if folder else name
    try:
        is_link = entry.is_symlink()
        # A link leading out of the sandbox is not ours to show, not even its size.
        if is_link and not is_within(os.path.realpath(entry.path), real_root):
            return None
        if entry.is_dir():
            return Entry(path, name, entry.path, True, is_link, None)
        if not entry.is_file():
            return None  # FIFOs, sockets, devices, dangling links: not files of a store
        result = entry.stat()
    except OSError as error:
        if error.errno in MISSING_ERRNOS:
            return None  # removed while we listed, or a link loop
        raise Call(path, operation).os_error(error) from error
    if not stat.S_ISREG(result.st_mode):
        return None
    return Entry(path, name, entry.path, False, is_link, result)


def scan(real: str, folder: str, real_root: str, operation: str) -> Iterator[Entry]:
    """Lazily yield the reportable entries of the real folder ``real`` (backend path ``folder``).

    Temporary files, names a ``RemotePath`` cannot hold and links leading outside the root are
    skipped. A missing folder (or a file) yields nothing.

    Raises:
        RemoteStoreError: an OS failure other than a missing folder, mapped.
    """
    call = Call(folder, operation)
    try:
        iterator = os.scandir(real)
    except OSError as error:
        if error.errno in MISSING_ERRNOS:
            return
        raise call.os_error(error) from error
    with iterator:
        while True:
            try:
                entry = next(iterator)
            except StopIteration:
                return
            except OSError as error:
                if error.errno in MISSING_ERRNOS:
                    return  # the folder was removed while we listed it
                raise call.os_error(error) from error
            found = _classify(entry, folder, real_root, operation)
            if found is not None:
                yield found


def walk_files(
    real: str, folder: str, real_root: str, operation: str, *, recursive: bool
) -> Iterator[FileInfo]:
    """Lazily yield the files in ``folder`` (and below it with ``recursive``).

    Only subfolder paths wait on the stack, never their contents, and only one folder is open
    at a time. Links to folders are not descended into: that keeps the walk finite (no cycles)
    and reports each file once, under its real folder.
    """
    stack = [(real, folder)]
    while stack:
        current_real, current = stack.pop()
        for entry in scan(current_real, current, real_root, operation):
            if entry.stat is not None:
                yield file_info(entry.path, entry.stat)
            elif recursive and not entry.is_link:
                stack.append((entry.real, entry.path))
