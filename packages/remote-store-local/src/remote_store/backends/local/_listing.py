"""Lazy listings over ``os.scandir`` of folder descriptors: one folder open at a time."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import NamedTuple

from remote_store import FileInfo, PermissionDenied, RemotePath
from remote_store.backend_tools import OperationContext, is_segment, listed_file

from ._filetype import MISSING_ERRNOS, is_folder
from ._names import TEMP_PREFIX, is_reportable_name, is_temp_name
from ._tree import locate, open_folder

_S_ISREG = stat.S_ISREG  # module-level names: one lookup less per listed file
_fromtimestamp = datetime.fromtimestamp
_UTC = timezone.utc

__all__ = ["Entry", "file_info", "scan", "walk_files"]


class Entry(NamedTuple):
    """One reportable file or folder found by ``scan`` (a tuple: listings make many)."""

    path: str
    """Backend-relative path, as the caller named the folder listed."""
    segments: list[str] | None
    """Where a folder is on disk, below the real root (a link's target, when ``is_link``);
    ``None`` for files, which are never walked into."""
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


def _classify_link(context: OperationContext, root: str, segments: list[str]) -> Entry | None:
    # A link leading out of the sandbox is not ours to show, not even its size.
    path = context.path or ""
    try:
        place = locate(context, root, "/".join(segments))
    except PermissionDenied:
        return None
    if place is None:
        return None  # dangling, or a loop
    with place:
        if place.is_root or is_folder(place.stat):
            return Entry(path, place.segments, True, True, None)
        if place.stat is None or not stat.S_ISREG(place.stat.st_mode):
            return None
        return Entry(path, None, False, True, place.stat)


def _classify(
    context: OperationContext, root: str, entry: os.DirEntry[str], where: list[str]
) -> Entry | None:
    name = entry.name
    if not is_reportable_name(name):
        return None
    folder = context.path
    path = f"{folder}/{name}" if folder else name
    try:
        if entry.is_dir(follow_symlinks=False):
            return Entry(path, [*where, name], True, False, None)
        if entry.is_file(follow_symlinks=False):
            result = entry.stat(follow_symlinks=False)
            return Entry(path, None, False, False, result) if stat.S_ISREG(result.st_mode) else None
        if entry.is_symlink():
            return _classify_link(context.at(path), root, [*where, name])
    except OSError as error:
        if error.errno in MISSING_ERRNOS:
            return None  # removed while we listed
        raise context.os_error(error, path=path) from error
    return None  # FIFOs, sockets, devices: not files of a store


def scan(context: OperationContext, root: str, segments: list[str], *, follow: bool) -> Iterator[Entry]:
    """Lazily yield the reportable entries of the folder at ``segments`` (backend path ``context.path``).

    With ``follow``, a link at ``segments`` is followed (a folder the caller named); without,
    a link there yields nothing (a subfolder of a recursive walk swapped for a link). Temporary
    files, names a ``RemotePath`` cannot hold and links leading outside the root are skipped.
    A missing folder (or a file) yields nothing.

    Raises:
        PermissionDenied: (``follow``) the folder itself lies outside the root through a link.
        RemoteStoreError: an OS failure other than a missing folder, mapped.
    """
    opened = _open(context, root, segments, follow=follow)
    if opened is None:
        return
    fd, where = opened
    try:
        yield from _entries(context, root, fd, where)
    finally:
        os.close(fd)


def _open(
    context: OperationContext, root: str, segments: list[str], *, follow: bool
) -> tuple[int, list[str]] | None:
    """A new descriptor of the folder at ``segments`` and where it is on disk, or ``None`` (see ``scan``)."""
    place = locate(context, root, "/".join(segments), follow=follow)
    if place is None:
        return None
    with place:
        if follow and not (place.is_root or is_folder(place.stat)):
            return None
        try:
            fd = open_folder(place)
        except OSError as error:
            raise context.os_error(error) from error
        return None if fd is None else (fd, place.segments)


def _entries(context: OperationContext, root: str, fd: int, where: list[str]) -> Iterator[Entry]:
    for entry in _raw_entries(context, fd):
        found = _classify(context, root, entry, where)
        if found is not None:
            yield found


def _raw_entries(context: OperationContext, fd: int) -> Iterator[os.DirEntry[str]]:
    """Every entry of the folder ``fd``, read lazily; nothing once the folder is removed."""
    try:
        iterator = os.scandir(fd)
    except OSError as error:
        if error.errno in MISSING_ERRNOS:
            return
        raise context.os_error(error) from error
    with iterator:
        while True:
            try:
                entry = next(iterator)
            except StopIteration:
                return
            except OSError as error:
                if error.errno in MISSING_ERRNOS:
                    return  # the folder was removed while we listed it
                raise context.os_error(error) from error
            yield entry


def walk_files(context: OperationContext, root: str, *, recursive: bool) -> Iterator[FileInfo]:
    """Lazily yield the files in the folder ``context.path`` (and below it with ``recursive``).

    Only subfolder locations wait on the stack, never their contents, and only one folder is
    open at a time. Links to folders are not descended into: that keeps the walk finite (no
    cycles) and reports each file once, under its real folder.

    The common entry costs one system call, the ``lstat`` its size and time need: the type
    comes with the folder entry (``d_type``), the name is checked as one path segment
    (``is_segment``) rather than the whole path again, and path and ``FileInfo`` are built in
    one step (``listed_file``) (LOCAL-029). Folders, links and the rest go through
    ``_classify`` as in ``scan``. Each folder is read here rather than through
    ``_raw_entries``: one generator less per file.
    """
    start = context.path or ""
    stack: list[tuple[list[str], str, bool]] = [(start.split("/") if start else [], start, True)]
    while stack:
        segments, folder, follow = stack.pop()
        here = context.at(folder)
        opened = _open(here, root, segments, follow=follow)
        if opened is None:
            continue
        fd, where = opened
        try:
            try:
                iterator = os.scandir(fd)
            except OSError as error:
                if error.errno in MISSING_ERRNOS:
                    continue
                raise here.os_error(error) from error
            with iterator:
                try:
                    for entry in iterator:
                        name = entry.name
                        if name.startswith(TEMP_PREFIX) and is_temp_name(name):
                            continue
                        try:
                            if entry.is_file(follow_symlinks=False):
                                if not is_segment(name):
                                    continue  # a name no RemotePath can hold (LOCAL-013)
                                result = entry.stat(follow_symlinks=False)
                                if _S_ISREG(result.st_mode):
                                    modified = _fromtimestamp(result.st_mtime, _UTC)
                                    yield listed_file(folder, name, result.st_size, modified)
                                continue
                        except OSError as error:
                            if error.errno in MISSING_ERRNOS:
                                continue  # removed while we listed
                            raise here.os_error(error, path=f"{folder}/{name}" if folder else name) from error
                        found = _classify(here, root, entry, where)
                        if found is None:
                            continue
                        if found.stat is not None:
                            yield file_info(found.path, found.stat)
                        elif recursive and not found.is_link and found.segments is not None:
                            stack.append((found.segments, found.path, False))
                except OSError as error:
                    # Only reading the folder gets here: the body maps its own failures.
                    if error.errno in MISSING_ERRNOS:
                        continue  # the folder was removed while we listed it
                    raise here.os_error(error) from error
        finally:
            os.close(fd)
