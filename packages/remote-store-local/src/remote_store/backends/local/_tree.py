"""The sandbox: backend paths walked one folder descriptor at a time, never leaving the root.

Each segment is opened relative to the descriptor of the folder before it, with ``O_NOFOLLOW``:
a symbolic link is never followed by the operating system, so a folder swapped for a link to
somewhere else while a call runs is seen as a link, not walked through. Links are resolved here
instead: their target becomes a list of segments below the real root (or the call is refused
with ``PermissionDenied``), and the walk starts again from the root. Every action then names its
entry relative to an open folder descriptor (``openat``, ``unlinkat``, ``renameat``, ...), so
what was checked is what is acted on.

The root itself is trusted configuration: entries directly in it are named by path
(``<root>/<name>``, the kernel following links in the root's own path only), which saves
opening the root on every context.
"""

from __future__ import annotations

import errno
import os
import stat
from types import TracebackType

from remote_store import ConfigError, InvalidPath, NotFound, PermissionDenied
from remote_store.backend_tools import OperationContext

from . import _openat2
from ._filetype import MISSING_ERRNOS

__all__ = [
    "DIR_FLAGS",
    "NOT_A_FOLDER",
    "ROOT_FLAGS",
    "Created",
    "Place",
    "locate",
    "locate_target",
    "lstat_at",
    "open_folder",
    "remove_folders",
]

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_S_ISLNK = stat.S_ISLNK

DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_NOFOLLOW | _CLOEXEC
"""Flags opening a folder that is not a link (``ELOOP`` or ``ENOTDIR`` otherwise)."""

ROOT_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC
"""Flags opening the root by its path (trusted configuration: links in it are followed)."""

# The most links one resolution follows, as Linux's own path walk (MAXSYMLINKS): a loop of
# links ends here, as "nothing there".
_MAX_LINKS = 40

NOT_A_FOLDER = frozenset({errno.ELOOP, errno.ENOTDIR, errno.EMLINK})
"""What open(2) with ``DIR_FLAGS`` gives when the entry is a link or a file (FreeBSD: EMLINK for a link)."""

# Why the direct resolution gives way to the walk: something on the way is missing, not a folder
# or a link (ELOOP from RESOLVE_NO_SYMLINKS), or openat2 saw a path leave its folder (EXDEV,
# EAGAIN). The walk then finds out which, and resolves links itself.
_WALK_INSTEAD = NOT_A_FOLDER | MISSING_ERRNOS | {errno.EXDEV, errno.EAGAIN}

# Folders opened below the first one in one openat2 call (links refused by RESOLVE_NO_SYMLINKS).
_BENEATH_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_NOFOLLOW

Created = list[tuple["int | None", str]]
"""Folders made by one context, outermost first: ``(folder descriptor or None, entry)``."""


class Place:
    """Where one backend path is: its folder and its name there.

    ``folder`` is an open descriptor of the folder holding the entry, or ``None`` when that
    folder is the root; ``entry(name)`` is what to pass with ``dir_fd=folder`` to act on
    ``name`` there (the bare name, or ``<root>/<name>`` for the root), and ``at`` is that for
    the place's own name. ``name`` is ``""`` when the place is the root itself. ``stat`` is the
    entry's ``lstat`` when the place was located with ``follow=True`` (never a link then), or
    ``None`` if nothing is there. The place owns the descriptors it opened: use it as a context
    manager, or call ``close()``.
    """

    __slots__ = ("_fds", "_prefix", "at", "folder", "name", "segments", "stat")

    def __init__(
        self,
        prefix: str,
        fds: list[int],
        folder: int | None,
        name: str,
        segments: list[str],
        result: os.stat_result | None,
    ) -> None:
        self._prefix = prefix
        self._fds = fds
        self.folder = folder
        self.name = name
        self.at = name if folder is not None else prefix + name
        self.segments = segments
        self.stat = result

    @property
    def is_root(self) -> bool:
        """True if the place is the root folder itself."""
        return not self.segments

    def entry(self, name: str | None = None) -> str:
        """The path argument naming ``name`` (default: this place's own name) in its folder."""
        if name is None:
            return self.at
        if self.folder is None:
            return self._prefix + name if name else self._prefix
        return name

    def close(self) -> None:
        """Close every descriptor the place holds; idempotent."""
        fds, self._fds = self._fds, []
        for fd in reversed(fds):
            os.close(fd)

    def __enter__(self) -> Place:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _prefix(root: str) -> str:
    return root if root.endswith(os.sep) else root + os.sep


def remove_folders(created: Created) -> None:
    """Remove the folders in ``created`` (made by ``locate``), deepest first, while empty.

    Never raises (used while cleaning up after a failure).
    """
    for fd, entry in reversed(created):
        try:
            os.rmdir(entry, dir_fd=fd)
        except OSError:
            return


def lstat_at(folder: int | None, entry: str) -> os.stat_result | None:
    """The ``lstat`` of ``entry`` in ``folder``, or ``None`` if nothing usable is there."""
    try:
        return os.stat(entry, dir_fd=folder, follow_symlinks=False)
    except OSError as error:
        if error.errno in MISSING_ERRNOS:
            return None
        raise


def open_folder(place: Place) -> int | None:
    """A new descriptor of the folder at ``place`` (not following a link), or ``None``.

    Raises:
        OSError: any failure but the entry missing or not being a folder.
    """
    # The root itself is trusted configuration: links in its own path are followed.
    return _open_folder_at(place.folder, place.entry(), ROOT_FLAGS if place.is_root else DIR_FLAGS)


def locate(
    context: OperationContext,
    root: str,
    path: str | None = None,
    *,
    follow: bool = True,
    created: Created | None = None,
) -> Place | None:
    """Walk the canonical backend ``path`` (default: ``context.path``) from ``root``; its place or ``None``.

    Links on the way are resolved (LOCAL-019); with ``follow`` the last segment is too, and
    the place's ``stat`` tells what is there. ``None`` means a folder on the way is missing or
    is not a folder, or the links loop. With ``created`` (a list to fill), missing folders on
    the way, the root included, are made instead and recorded for ``remove_folders``.

    Raises:
        PermissionDenied: a link leads outside the root.
        InvalidPath: (``created`` given) a folder on the way is a file.
        ConfigError: (``created`` given) the root is not a folder or lies below a file.
        RemoteStoreError: any other OS failure, mapped.
    """
    if path is None:
        path = context.path or ""
    segments = path.split("/") if path else []
    prefix = root if root.endswith(os.sep) else root + os.sep  # _prefix, without a call per path
    fds: list[int] = []
    try:
        try:
            place = _direct(prefix, fds, segments, follow, created)
            if place is None:
                place = _walk(context, root, fds, segments, follow, created)
        except OSError as error:
            raise context.os_error(error) from error
    except BaseException:
        if created is not None:
            remove_folders(created)  # while their parents' descriptors are still open
        _close_all(fds)
        raise
    if place is None:
        _close_all(fds)
    return place


def locate_target(context: OperationContext, root: str) -> tuple[Place, Created]:
    """The place of ``context.path`` for a new file, its missing folders made, and those folders.

    The caller removes the folders with ``remove_folders`` if its write fails, before closing
    the place. Raises as ``locate`` with ``created``.
    """
    created: Created = []
    place = locate(context, root, created=created)
    if place is None:  # pragma: no cover - with ``created``, what is missing is made instead
        raise context.error(NotFound, "no such folder")
    return place, created


def _close_all(fds: list[int]) -> None:
    for fd in reversed(fds):
        os.close(fd)


def _root_not_a_folder(context: OperationContext, root: str) -> ConfigError:
    return context.error(ConfigError, f"the backend root {root!r} is not a folder (or lies below a file)")


def _make_root(context: OperationContext, root: str, created: Created) -> None:
    """Make the root and its missing ancestors (by path: the root is trusted configuration).

    Raises:
        ConfigError: the root is not a folder, or lies below a file.
    """
    missing: list[str] = []
    current = root
    while True:
        try:
            is_dir = stat.S_ISDIR(os.stat(current).st_mode)
        except FileNotFoundError:
            missing.append(current)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
            continue
        except NotADirectoryError:
            is_dir = False
        if not is_dir:
            raise _root_not_a_folder(context, root)
        break
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue  # made by a concurrent writer meanwhile
        except NotADirectoryError as error:
            raise _root_not_a_folder(context, root) from error
        created.append((None, folder))


def _outside(context: OperationContext) -> PermissionDenied:
    return context.error(PermissionDenied, "path leads outside the backend root through a symbolic link")


def _link_segments(
    context: OperationContext, root: str, folder: int | None, entry: str, walked: list[str]
) -> list[str]:
    """The segments below the real root that the link ``entry`` (in ``walked``) points to.

    Raises:
        PermissionDenied: the target lies outside the root.
    """
    target = os.readlink(entry, dir_fd=folder)
    if os.path.isabs(target):
        # An absolute target is resolved by path only to turn it into segments; the walk that
        # follows still goes from the root, one O_NOFOLLOW step at a time.
        real_root = os.path.realpath(root)
        real = os.path.realpath(target)
        if real == real_root:
            return []
        prefix = real_root.rstrip(os.sep) + os.sep
        if not real.startswith(prefix):
            raise _outside(context)
        return real[len(prefix) :].split(os.sep)
    segments = list(walked)
    for part in target.split("/"):
        if part == "..":
            if not segments:
                raise _outside(context)
            segments.pop()
        elif part and part != ".":
            segments.append(part)
    return segments


def _direct(
    prefix: str, fds: list[int], segments: list[str], follow: bool, created: Created | None
) -> Place | None:
    """The place of ``segments`` in a few system calls when no link is on the way; ``None``: walk.

    The first folder is opened by path (``prefix``, the root's, joined with its name) with
    ``O_NOFOLLOW`` (as the walk does), every folder below it in one ``openat2`` call that
    refuses links and leaving it (LOCAL-026); where openat2 is missing, the walk does the rest
    (LOCAL-027). With ``follow`` the last segment's ``lstat`` must show no link. Anything else
    (a link, something missing or not a folder) is left to the walk, which knows what to do
    about it: ``fds`` is then empty again. With ``created``, only paths below a folder of the
    root go this way (the walk makes the root).

    Raises:
        OSError: a failure the walk would meet too (``EACCES``, ``EIO``, ...); descriptors opened
            so far are in ``fds``, for the caller to close.
    """
    depth = len(segments)
    name = segments[-1] if depth else ""
    if depth == 1:
        if created is not None:
            return None
        folder: int | None = None
        entry = prefix + name
    elif depth == 0:
        return None
    else:
        try:
            folder = os.open(prefix + segments[0], DIR_FLAGS)
            fds.append(folder)
            if depth > 2:
                deep = _openat2.open_beneath(folder, "/".join(segments[1:-1]), _BENEATH_FLAGS)
                if deep is None:
                    return _give_way(fds)
                fds.append(deep)
                folder = deep
        except OSError as error:
            if error.errno in _WALK_INSTEAD:
                return _give_way(fds)
            raise
        entry = name
    if not follow:
        return Place(prefix, fds, folder, name, segments, None)
    try:
        result = os.stat(entry, dir_fd=folder, follow_symlinks=False)
    except OSError as error:
        if error.errno not in MISSING_ERRNOS:
            raise
        return Place(prefix, fds, folder, name, segments, None)
    if _S_ISLNK(result.st_mode):
        return _give_way(fds)
    return Place(prefix, fds, folder, name, segments, result)


def _give_way(fds: list[int]) -> Place | None:
    """Close what ``_direct`` opened, so that the walk starts afresh; ``None`` (walk)."""
    _close_all(fds)
    fds.clear()
    return None


def _walk(
    context: OperationContext,
    root: str,
    fds: list[int],
    todo: list[str],
    follow: bool,
    created: Created | None,
) -> Place | None:
    walked: list[str] = []
    folder: int | None = None
    prefix = _prefix(root)
    links = 0
    index = 0
    while index < len(todo):
        name = todo[index]
        last = index == len(todo) - 1
        if last and not follow:
            return Place(prefix, fds, folder, name, [*walked, name], None)
        entry = name if folder is not None else prefix + name
        sub = None if last else _open_folder_at(folder, entry)
        if sub is None:
            result = lstat_at(folder, entry)
            if result is None and folder is None and created is not None:
                # Something is to be made in the root: the root must exist first (LOCAL-003).
                _make_root(context, root, created)
            if result is not None and stat.S_ISLNK(result.st_mode):
                links += 1
                if links > _MAX_LINKS:
                    if created is not None:
                        raise OSError(errno.ELOOP, "too many levels of symbolic links")
                    return None
                # Start again from the root, with the target's segments in place of the link.
                todo = _link_segments(context, root, folder, entry, walked) + todo[index + 1 :]
                index = 0
                walked = []
                folder = None
                continue
            if last:
                return Place(prefix, fds, folder, name, [*walked, name], result)
            sub = _enter(context, folder, entry, result, created)
            if sub is None:
                return None
        fds.append(sub)
        folder = sub
        walked.append(name)
        index += 1
    # No segment left (the root, or links leading back to it): the place is the root.
    try:
        result = os.stat(root)
    except OSError as error:
        if error.errno not in MISSING_ERRNOS:
            raise
        result = None
    return Place(prefix, fds, None, "", [], result)


def _open_folder_at(folder: int | None, entry: str, flags: int = DIR_FLAGS) -> int | None:
    """Open ``entry`` in ``folder`` if it is a folder (not a link, with ``DIR_FLAGS``); else ``None``.

    The common case costs one system call; a caller that needs to know what is there instead
    looks closer (``lstat``) on ``None``.

    Raises:
        OSError: any failure but the entry missing or not being a folder.
    """
    try:
        return os.open(entry, flags, dir_fd=folder)
    except OSError as error:
        if error.errno in NOT_A_FOLDER or error.errno in MISSING_ERRNOS:
            return None
        raise


def _enter(
    context: OperationContext,
    folder: int | None,
    entry: str,
    result: os.stat_result | None,
    created: Created | None,
) -> int | None:
    """Open the folder ``entry`` in ``folder`` (making it, with ``created``), or ``None``."""
    if result is None:
        if created is None:
            return None
        try:
            os.mkdir(entry, dir_fd=folder)
        except FileExistsError:
            pass  # made by a concurrent writer meanwhile
        else:
            created.append((folder, entry))
    elif not stat.S_ISDIR(result.st_mode):
        if created is None:
            return None
        raise context.error(InvalidPath, "a parent of the path is a file, not a folder")
    try:
        return os.open(entry, DIR_FLAGS, dir_fd=folder)
    except OSError as error:
        if error.errno not in NOT_A_FOLDER and error.errno != errno.ENOENT:
            raise
        # Swapped for a link or a file, or removed, since the lstat: treat it as not there.
        if created is None:
            return None
        raise context.error(InvalidPath, "a parent of the path changed while it was walked") from error
