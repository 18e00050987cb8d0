"""The sandbox: backend paths walked one folder descriptor at a time, never leaving the root.

Each segment is opened relative to the descriptor of the folder before it, with ``O_NOFOLLOW``:
a symbolic link is never followed by the operating system, so a folder swapped for a link to
somewhere else while a call runs is seen as a link, not walked through. Links are resolved here
instead: their target becomes a list of segments below the real root (or the call is refused
with ``PermissionDenied``), and the walk starts again from the root's descriptor. Every action
then names its entry relative to an open folder descriptor (``openat``, ``unlinkat``,
``renameat``, ...), so what was checked is what is acted on.
"""

from __future__ import annotations

import errno
import os
import stat
from types import TracebackType

from remote_store import ConfigError, InvalidPath, NotFound, PermissionDenied

from ._call import MISSING_ERRNOS, Call

__all__ = [
    "DIR_FLAGS",
    "Created",
    "Place",
    "locate",
    "locate_target",
    "lstat_at",
    "open_folder",
    "remove_folders",
]

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_NOFOLLOW | _CLOEXEC
"""Flags opening a folder that is not a link (``ELOOP`` or ``ENOTDIR`` otherwise)."""

_ROOT_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC

# The most links one resolution follows, as Linux's own path walk (MAXSYMLINKS): a loop of
# links ends here, as "nothing there".
_MAX_LINKS = 40

# What open(2) of a folder with O_NOFOLLOW | O_DIRECTORY gives when the entry is a link or a
# file (FreeBSD says EMLINK for a link).
_NOT_A_FOLDER = frozenset({errno.ELOOP, errno.ENOTDIR, errno.EMLINK})

Created = list[tuple["int | None", str]]
"""Folders made by one call, outermost first: ``(folder descriptor or None, name)``."""


class Place:
    """Where one backend path is: an open descriptor of its folder and its name in that folder.

    ``name`` is ``""`` when the place is the root itself (``folder`` is then the root's
    descriptor). ``stat`` is the entry's ``lstat`` when the place was located with
    ``follow=True`` (never a link then), or ``None`` if nothing is there. The place owns the
    descriptors it opened: use it as a context manager, or call ``close()``.
    """

    __slots__ = ("_fds", "folder", "name", "segments", "stat")

    def __init__(
        self, fds: list[int], folder: int, name: str, segments: list[str], result: os.stat_result | None
    ) -> None:
        self._fds = fds
        self.folder = folder
        self.name = name
        self.segments = segments
        self.stat = result

    @property
    def is_root(self) -> bool:
        """True if the place is the root folder itself."""
        return not self.name

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


def remove_folders(created: Created) -> None:
    """Remove the folders in ``created`` (made by ``locate``), deepest first, while empty.

    Never raises (used while cleaning up after a failure).
    """
    for fd, name in reversed(created):
        try:
            os.rmdir(name, dir_fd=fd)
        except OSError:
            return


def _outside(call: Call) -> PermissionDenied:
    return call.error(  # type: ignore[return-value]
        PermissionDenied, "path leads outside the backend root through a symbolic link"
    )


def _open_root(call: Call, root: str, created: Created | None) -> int | None:
    """The root's descriptor; ``None`` if it is missing (or not a folder) and not ``created``."""
    try:
        return os.open(root, _ROOT_FLAGS)
    except (FileNotFoundError, NotADirectoryError) as error:
        if created is None:
            return None
        if isinstance(error, NotADirectoryError):
            raise _root_not_a_folder(call, root) from error
    # The root (a trusted, configured path) and its missing ancestors are made by path.
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
            raise _root_not_a_folder(call, root)
        break
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue  # made by a concurrent writer meanwhile
        except OSError as error:
            remove_folders(created)
            if error.errno == errno.ENOTDIR:
                raise _root_not_a_folder(call, root) from error
            raise call.os_error(error) from error
        created.append((None, folder))
    try:
        return os.open(root, _ROOT_FLAGS)
    except OSError as error:
        remove_folders(created)
        raise call.os_error(error) from error


def _root_not_a_folder(call: Call, root: str) -> ConfigError:
    return call.error(  # type: ignore[return-value]
        ConfigError, f"the backend root {root!r} is not a folder (or lies below a file)"
    )


def _link_segments(call: Call, root: str, folder: int, name: str, walked: list[str]) -> list[str]:
    """The segments below the real root that the link ``name`` (in ``walked``) points to.

    Raises:
        PermissionDenied: the target lies outside the root.
    """
    target = os.readlink(name, dir_fd=folder)
    if os.path.isabs(target):
        # An absolute target is resolved by path only to turn it into segments; the walk that
        # follows still goes from the root descriptor, one O_NOFOLLOW step at a time.
        real_root = os.path.realpath(root)
        real = os.path.realpath(target)
        if real == real_root:
            return []
        prefix = real_root.rstrip(os.sep) + os.sep
        if not real.startswith(prefix):
            raise _outside(call)
        return real[len(prefix) :].split(os.sep)
    segments = list(walked)
    for part in target.split("/"):
        if part == "..":
            if not segments:
                raise _outside(call)
            segments.pop()
        elif part and part != ".":
            segments.append(part)
    return segments


def lstat_at(folder: int, name: str) -> os.stat_result | None:
    """The ``lstat`` of ``name`` in ``folder``, or ``None`` if nothing is there."""
    try:
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    except OSError as error:
        if error.errno in MISSING_ERRNOS:
            return None
        raise


def locate(
    call: Call, root: str, path: str, *, follow: bool = True, created: Created | None = None
) -> Place | None:
    """Walk the canonical backend ``path`` from ``root`` and return its place, or ``None``.

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
    try:
        root_fd = _open_root(call, root, created)
    except OSError as error:
        raise call.os_error(error) from error
    if root_fd is None:
        return None
    fds = [root_fd]
    try:
        try:
            place = _walk(call, root, fds, path.split("/") if path else [], follow, created)
        except OSError as error:
            raise call.os_error(error) from error
    except BaseException:
        if created is not None:
            remove_folders(created)  # while their parents' descriptors are still open
        _close_all(fds)
        raise
    if place is None:
        _close_all(fds)
    return place


def locate_target(call: Call, root: str) -> tuple[Place, Created]:
    """The place of ``call.path`` for a new file, its missing folders made, and those folders.

    The caller removes the folders with ``remove_folders`` if its write fails, before closing
    the place. Raises as ``locate`` with ``created``.
    """
    created: Created = []
    place = locate(call, root, call.path, created=created)
    if place is None:  # pragma: no cover - with ``created``, what is missing is made instead
        raise call.error(NotFound, "no such folder")
    return place, created


def _close_all(fds: list[int]) -> None:
    for fd in reversed(fds):
        os.close(fd)


def _walk(
    call: Call, root: str, fds: list[int], todo: list[str], follow: bool, created: Created | None
) -> Place | None:
    walked: list[str] = []
    folder = fds[0]
    links = 0
    index = 0
    while index < len(todo):
        name = todo[index]
        last = index == len(todo) - 1
        if last and not follow:
            return Place(fds, folder, name, [*walked, name], None)
        result = lstat_at(folder, name)
        if result is not None and stat.S_ISLNK(result.st_mode):
            links += 1
            if links > _MAX_LINKS:
                if created is not None:
                    raise OSError(errno.ELOOP, "too many levels of symbolic links")
                return None
            # Start again from the root, with the target's segments in place of the link.
            todo = _link_segments(call, root, folder, name, walked) + todo[index + 1 :]
            index = 0
            walked = []
            folder = fds[0]
            continue
        if last:
            return Place(fds, folder, name, [*walked, name], result)
        sub = _enter(call, folder, name, result, created)
        if sub is None:
            return None
        fds.append(sub)
        folder = sub
        walked.append(name)
        index += 1
    # No segment left (the root, or links leading back to it): the place is the root.
    return Place(fds, fds[0], "", [], os.fstat(fds[0]))


def _enter(
    call: Call, folder: int, name: str, result: os.stat_result | None, created: Created | None
) -> int | None:
    """Open the folder ``name`` in ``folder`` (making it, with ``created``), or ``None``."""
    if result is None:
        if created is None:
            return None
        try:
            os.mkdir(name, dir_fd=folder)
        except FileExistsError:
            pass  # made by a concurrent writer meanwhile
        else:
            created.append((folder, name))
    elif not stat.S_ISDIR(result.st_mode):
        if created is None:
            return None
        raise call.error(InvalidPath, "a parent of the path is a file, not a folder")
    try:
        return os.open(name, DIR_FLAGS, dir_fd=folder)
    except OSError as error:
        if error.errno not in _NOT_A_FOLDER and error.errno != errno.ENOENT:
            raise
        # Swapped for a link or a file, or removed, since the lstat: treat it as not there.
        if created is None:
            return None
        raise call.error(InvalidPath, "a parent of the path changed while it was walked") from error


def open_folder(place: Place) -> int | None:
    """A new descriptor of the folder at ``place`` (not following a link), or ``None``.

    Raises:
        OSError: any failure but the entry missing or not being a folder.
    """
    try:
        if place.is_root:
            return os.dup(place.folder)
        return os.open(place.name, DIR_FLAGS, dir_fd=place.folder)
    except OSError as error:
        if error.errno in _NOT_A_FOLDER or error.errno == errno.ENOENT:
            return None
        raise
