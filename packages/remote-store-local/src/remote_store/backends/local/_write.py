"""Creating files: a temporary file in the destination folder, then linked or renamed into place.

A file only ever appears under its name complete: the content goes to a hidden temporary file
next to the target, and ``rename(2)`` (replace) or ``link(2)`` (create, which fails atomically
with ``EEXIST`` if the name is taken) publishes it. Anything that fails on the way, a
``KeyboardInterrupt`` included, removes the temporary file and the folders this call created.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
from collections.abc import Callable

from remote_store import AlreadyExists, ConfigError, InvalidPath, RemoteStoreError

from ._call import Call
from ._names import new_temp_name
from ._sandbox import is_within

__all__ = ["discard", "make_folders", "name_new", "remove_folders", "write_file"]

# link(2) fails with these where the file system has no hard links (FAT, some FUSE and network
# file systems); an exclusive create of the target then reserves the name instead.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})

# fsync(2) of a folder is refused by some file systems; the file itself is already synced.
_FOLDER_SYNC_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF})

_OPEN_NEW = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)

# A folder this call just created can be removed by a concurrent failing writer (it cleans up
# the folders it made) before our temporary file lands in it: make it again, a few times.
_FOLDER_ATTEMPTS = 3
_TEMP_NAME_ATTEMPTS = 16


def discard(path: str) -> None:
    """Remove the file ``path`` if possible; never raises (used while cleaning up)."""
    with contextlib.suppress(OSError):
        os.unlink(path)


def remove_folders(created: list[str]) -> None:
    """Remove the folders in ``created`` (parents first, as ``make_folders`` returns them).

    Deepest first, and only while they are empty; never raises (used while cleaning up).
    """
    for folder in reversed(created):
        try:
            os.rmdir(folder)
        except OSError:
            return


def _not_a_folder(call: Call, where: str, real_root: str) -> RemoteStoreError:
    if where != real_root and is_within(where, real_root):
        return call.error(InvalidPath, "a parent of the path is a file, not a folder")
    return call.error(ConfigError, f"the backend root {real_root!r} is not a folder (or lies below a file)")


def make_folders(call: Call, folder: str, real_root: str) -> list[str]:
    """Create the real folder ``folder`` and its missing parents (the root too, if missing).

    Returns the folders created, outermost first, for ``remove_folders`` to undo.

    Raises:
        InvalidPath: a parent inside the root is a file.
        ConfigError: the root itself is a file, or lies below one.
        RemoteStoreError: any other OS failure, mapped (``PermissionDenied``, ...).
    """
    missing: list[str] = []
    current = folder
    while True:
        try:
            if stat.S_ISDIR(os.stat(current).st_mode):
                break
        except (FileNotFoundError, NotADirectoryError):
            missing.append(current)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
            continue
        except OSError as error:
            raise call.os_error(error) from error
        raise _not_a_folder(call, current, real_root)
    created: list[str] = []
    for path in reversed(missing):
        try:
            os.mkdir(path)
        except FileExistsError as error:
            if os.path.isdir(path):
                continue  # made by a concurrent writer meanwhile
            remove_folders(created)
            raise _not_a_folder(call, path, real_root) from error
        except OSError as error:
            remove_folders(created)
            if error.errno == errno.ENOTDIR:
                raise _not_a_folder(call, path, real_root) from error
            raise call.os_error(error) from error
        created.append(path)
    return created


def _create_temp(folder: str) -> tuple[int, str]:
    for _ in range(_TEMP_NAME_ATTEMPTS):
        temp = os.path.join(folder, new_temp_name())
        try:
            return os.open(temp, _OPEN_NEW, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", folder)


def _create_temp_in(call: Call, folder: str, real_root: str, created: list[str]) -> tuple[int, str]:
    for _ in range(_FOLDER_ATTEMPTS - 1):
        created += make_folders(call, folder, real_root)
        try:
            return _create_temp(folder)
        except FileNotFoundError:
            continue
    created += make_folders(call, folder, real_root)
    return _create_temp(folder)


def _taken(call: Call, real: str) -> RemoteStoreError:
    if os.path.isdir(real):
        return call.error(InvalidPath, "path is a folder, not a file")
    return call.error(AlreadyExists, "file already exists")


def name_new(call: Call, source: str, target: str) -> bool:
    """Give the file ``source`` the new name ``target``, atomically failing if ``target`` exists.

    Uses ``link(2)``, so of concurrent callers exactly one wins. Returns ``True`` when ``source``
    still exists too (a hard link was made; the caller removes ``source``), ``False`` when the
    file system has no hard links and ``source`` was renamed onto a reserved ``target``.

    Raises:
        AlreadyExists: a file exists at ``target``.
        InvalidPath: a folder exists at ``target``.
        OSError: any other failure, for the caller to map.
    """
    try:
        os.link(source, target)
    except FileExistsError as error:
        raise _taken(call, target) from error
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
    else:
        return True
    # No hard links here: reserve the name with an exclusive create (still one winner), then
    # rename over the placeholder. Readers may briefly see an empty file at ``target``.
    try:
        fd = os.open(target, _OPEN_NEW, 0o666)
    except FileExistsError as error:
        raise _taken(call, target) from error
    os.close(fd)
    try:
        os.replace(source, target)
    except BaseException:
        discard(target)
        raise
    return False


def _sync_folder(folder: str) -> None:
    if os.name != "posix":
        return  # folders cannot be opened for fsync on Windows; NTFS journals the rename
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in _FOLDER_SYNC_UNSUPPORTED:
            raise
    finally:
        os.close(fd)


def write_file(
    call: Call,
    real: str,
    real_root: str,
    fill: Callable[[io.BufferedWriter], None],
    *,
    overwrite: bool,
    durable: bool,
) -> None:
    """Create or replace the file at the real path ``real`` with what ``fill`` writes.

    ``fill`` writes the content into the temporary file it is given. With ``durable`` the file
    is fsynced before it is published and its folder after. On any failure nothing is left:
    neither the temporary file nor the folders created for it.

    Raises:
        AlreadyExists: ``overwrite`` is false and a file exists at ``real``.
        InvalidPath: a folder is at ``real``, or a parent is a file.
        RemoteStoreError: any OS failure, mapped; exceptions from ``fill`` pass unchanged
            except ``OSError``, which is mapped too.
    """
    folder = os.path.dirname(real)
    created: list[str] = []
    temp: str | None = None
    try:
        try:
            fd, temp = _create_temp_in(call, folder, real_root, created)
            with open(fd, "wb") as stream:
                fill(stream)
                if durable:
                    stream.flush()
                    os.fsync(stream.fileno())
            if overwrite:
                os.replace(temp, real)
            elif name_new(call, temp, real):
                discard(temp)
            temp = None
            if durable:
                _sync_folder(folder)
        except RemoteStoreError:
            raise
        except OSError as error:
            raise call.os_error(error) from error
    except BaseException:
        if temp is not None:
            discard(temp)
        remove_folders(created)
        raise
