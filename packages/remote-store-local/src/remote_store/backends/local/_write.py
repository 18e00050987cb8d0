"""Creating files: a temporary file in the destination folder, then linked or renamed into place.

A file only ever appears under its name complete: the content goes to a hidden temporary file
next to the target, and ``rename(2)`` (replace) or ``link(2)`` (create, which fails atomically
with ``EEXIST`` if the name is taken) publishes it. Every step names its entry relative to the
destination folder's open descriptor (see ``_tree``). Anything that fails on the way, a
``KeyboardInterrupt`` included, removes the temporary file; the caller removes the folders it
created.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
from collections.abc import Callable

from remote_store import AlreadyExists, InvalidPath, RemoteStoreError

from ._call import Call
from ._names import new_temp_name
from ._tree import Place

__all__ = ["discard", "name_new", "open_temp", "publish"]

# link(2) fails with these where the file system has no hard links (FAT, some FUSE and network
# file systems); an exclusive create of the target then reserves the name instead.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})

# fsync(2) of a folder is refused by some file systems; the file itself is already synced.
_FOLDER_SYNC_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP})

_OPEN_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | os.O_NOFOLLOW

_TEMP_NAME_ATTEMPTS = 16


def discard(folder: int, name: str) -> None:
    """Remove the file ``name`` in ``folder`` if possible; never raises (used while cleaning up)."""
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=folder)


def open_temp(call: Call, folder: int) -> tuple[int, str] | None:
    """A new temporary file in ``folder``: its open descriptor and name.

    Returns ``None`` if ``folder`` was removed meanwhile (by a concurrent writer cleaning up the
    folders it made): the caller walks its path again.

    Raises:
        RemoteStoreError: any other OS failure, mapped.
    """
    for _ in range(_TEMP_NAME_ATTEMPTS):
        name = new_temp_name()
        try:
            return os.open(name, _OPEN_NEW, 0o666, dir_fd=folder), name
        except FileExistsError:
            continue
        except FileNotFoundError:
            return None
        except OSError as error:
            raise call.os_error(error) from error
    raise call.os_error(FileExistsError(errno.EEXIST, "no free temporary file name"))


def _taken(call: Call, folder: int, name: str) -> RemoteStoreError:
    try:
        is_folder = stat.S_ISDIR(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        is_folder = False
    if is_folder:
        return call.error(InvalidPath, "path is a folder, not a file")
    return call.error(AlreadyExists, "file already exists")


def name_new(call: Call, source: Place, target: Place) -> bool:
    """Give the file at ``source`` the new name ``target``, atomically failing if it exists.

    Uses ``link(2)``, so of concurrent callers exactly one wins. Returns ``True`` when ``source``
    still exists too (a hard link was made; the caller removes ``source``), ``False`` when the
    file system has no hard links and ``source`` was renamed onto a reserved ``target``.

    Raises:
        AlreadyExists: a file exists at ``target``.
        InvalidPath: a folder exists at ``target``.
        OSError: any other failure, for the caller to map.
    """
    try:
        os.link(source.name, target.name, src_dir_fd=source.folder, dst_dir_fd=target.folder)
    except FileExistsError as error:
        raise _taken(call, target.folder, target.name) from error
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
    else:
        return True
    # No hard links here: reserve the name with an exclusive create (still one winner), then
    # rename over the placeholder. Readers may briefly see an empty file at ``target``.
    try:
        fd = os.open(target.name, _OPEN_NEW, 0o666, dir_fd=target.folder)
    except FileExistsError as error:
        raise _taken(call, target.folder, target.name) from error
    os.close(fd)
    try:
        os.replace(source.name, target.name, src_dir_fd=source.folder, dst_dir_fd=target.folder)
    except BaseException:
        discard(target.folder, target.name)
        raise
    return False


def _sync_folder(folder: int) -> None:
    try:
        os.fsync(folder)
    except OSError as error:
        if error.errno not in _FOLDER_SYNC_UNSUPPORTED:
            raise


def publish(
    call: Call,
    target: Place,
    temp: tuple[int, str],
    fill: Callable[[io.BufferedWriter], None],
    *,
    overwrite: bool,
    durable: bool,
) -> None:
    """Fill the temporary file ``temp`` (from ``open_temp``) and publish it at ``target``.

    ``fill`` writes the content into the stream it is given. With ``durable`` the file is
    fsynced before it is published and its folder after. On any failure the temporary file is
    removed.

    Raises:
        AlreadyExists: ``overwrite`` is false and a file exists at ``target``.
        InvalidPath: a folder is at ``target``.
        RemoteStoreError: any OS failure, mapped; exceptions from ``fill`` pass unchanged
            except ``OSError``, which is mapped too.
    """
    fd, name = temp
    pending = True
    try:
        try:
            with open(fd, "wb") as stream:
                fill(stream)
                if durable:
                    stream.flush()
                    os.fsync(stream.fileno())
            temp_place = Place([], target.folder, name, [], None)
            if overwrite:
                os.replace(name, target.name, src_dir_fd=target.folder, dst_dir_fd=target.folder)
            elif name_new(call, temp_place, target):
                discard(target.folder, name)
            pending = False
            if durable:
                _sync_folder(target.folder)
        except RemoteStoreError:
            raise
        except OSError as error:
            raise call.os_error(error) from error
    finally:
        if pending:
            discard(target.folder, name)
