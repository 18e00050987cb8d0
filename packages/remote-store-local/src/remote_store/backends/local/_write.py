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
import shutil
import stat
from collections.abc import Callable

from remote_store import AlreadyExists, InvalidPath, RemoteStoreError
from remote_store.backend_tools import OperationContext

from ._flink import link_unnamed
from ._names import new_temp_name
from ._tree import ROOT_FLAGS, Place

__all__ = ["create_small", "discard", "name_new", "open_temp", "publish"]

# link(2) fails with these where the file system has no hard links (FAT, some FUSE and network
# file systems); an exclusive create of the target then reserves the name instead.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})

# fsync(2) of a folder is refused by some file systems; the file itself is already synced.
_FOLDER_SYNC_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP})

_OPEN_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | os.O_NOFOLLOW

_TEMP_NAME_ATTEMPTS = 16

# An unnamed file (O_TMPFILE) is published by linkat(2) of its descriptor (_flink); read
# and write, so that it can be copied into a named file where linking turns out impossible.
_OPEN_UNNAMED = os.O_RDWR | getattr(os, "O_TMPFILE", 0) | getattr(os, "O_CLOEXEC", 0)
_UNNAMED = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")

# open(2) says these mean "this file system has no O_TMPFILE": fall back to a named file.
_NO_TMPFILE = frozenset({errno.EOPNOTSUPP, errno.ENOTSUP, errno.EISDIR, errno.EINVAL})


def discard(folder: int | None, entry: str) -> None:
    """Remove the file ``entry`` in ``folder`` if possible; never raises (used while cleaning up)."""
    with contextlib.suppress(OSError):
        os.unlink(entry, dir_fd=folder)


def open_temp(
    context: OperationContext, place: Place, *, unnamed: bool = False
) -> tuple[int, str | None] | None:
    """A new temporary file in the folder of ``place``: its open descriptor and entry.

    With ``unnamed``, where the system can (Linux ``O_TMPFILE``), the file has no name at all
    (entry ``None``) until ``publish`` links it: a crash then leaves nothing behind. Returns
    ``None`` if the folder was removed meanwhile (by a concurrent writer cleaning up the folders
    it made): the caller walks its path again.

    Raises:
        RemoteStoreError: any other OS failure, mapped.
    """
    if unnamed and _UNNAMED:
        try:
            return os.open(place.entry("."), _OPEN_UNNAMED, 0o666, dir_fd=place.folder), None
        except FileNotFoundError:
            return None
        except OSError as error:
            if error.errno not in _NO_TMPFILE:
                raise context.os_error(error) from error
    for _ in range(_TEMP_NAME_ATTEMPTS):
        entry = place.entry(new_temp_name())
        try:
            return os.open(entry, _OPEN_NEW, 0o666, dir_fd=place.folder), entry
        except FileExistsError:
            continue
        except FileNotFoundError:
            return None
        except OSError as error:
            raise context.os_error(error) from error
    raise context.os_error(FileExistsError(errno.EEXIST, "no free temporary file name"))


# Why create_small gives way to the general path, which handles each case: the name is taken
# (a file, a folder, a link to follow), the folder went away, or the file system has no hard links.
_GENERAL_PATH = _NO_HARD_LINKS | {errno.EEXIST, errno.ENOENT, errno.ENOTDIR}


def create_small(context: OperationContext, place: Place, data: bytes | bytearray | memoryview) -> bool:
    """Create the file ``place`` names, holding ``data``, if nothing is there; ``True`` once done.

    The fast path of a create with bytes in hand (LOCAL-028): an unnamed temporary file in the
    folder of ``place``, written with ``write(2)`` and linked into place (LOCAL-005, LOCAL-030), without
    looking at the target first: ``linkat(2)`` fails with ``EEXIST`` if anything is there.
    ``False`` means nothing was created and nothing is left: the caller takes the general path
    (the name is taken, the folder went away, no ``O_TMPFILE`` or no hard links here).

    Raises:
        RemoteStoreError: any other OS failure, mapped.
    """
    if not _UNNAMED:
        return False
    try:
        folder = place.folder
        fd = os.open("." if folder is not None else place.entry("."), _OPEN_UNNAMED, 0o666, dir_fd=folder)
    except OSError as error:
        if error.errno in _NO_TMPFILE or error.errno in _GENERAL_PATH:
            return False
        raise context.os_error(error) from error
    try:
        if type(data) is not bytes:
            view = memoryview(data)  # counted in bytes, whatever its format (as iter_chunks does)
            data = (view if view.c_contiguous else memoryview(view.tobytes())).cast("B")
        written = os.write(fd, data)
        if written < len(data):  # a short write (rare on a regular file): write the rest
            rest = memoryview(data)[written:]
            while rest:
                rest = rest[os.write(fd, rest) :]
        link_unnamed(fd, folder, place.at)
    except OSError as error:
        if error.errno in _GENERAL_PATH:
            return False
        raise context.os_error(error) from error
    finally:
        os.close(fd)  # an unnamed file not linked vanishes with its descriptor
    return True


def _taken(context: OperationContext, target: Place) -> RemoteStoreError:
    try:
        is_folder = stat.S_ISDIR(os.stat(target.entry(), dir_fd=target.folder, follow_symlinks=False).st_mode)
    except OSError:
        is_folder = False
    if is_folder:
        return context.error(InvalidPath, "path is a folder, not a file")
    return context.error(AlreadyExists, "file already exists")


def _link(
    context: OperationContext, source: str, source_folder: int | None, target: Place, *, follow: bool
) -> bool:
    """``link(2)`` ``source`` (in ``source_folder``) to ``target``; ``False`` where there are no hard links.

    Raises:
        AlreadyExists: a file exists at ``target``.
        InvalidPath: a folder exists at ``target``.
        OSError: any other failure, for the caller to map.
    """
    try:
        os.link(
            source, target.entry(), src_dir_fd=source_folder, dst_dir_fd=target.folder, follow_symlinks=follow
        )
    except FileExistsError as error:
        raise _taken(context, target) from error
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        return False
    return True


def name_new(context: OperationContext, source: tuple[int | None, str], target: Place) -> bool:
    """Give the file ``source`` (folder, entry) the new name ``target``, failing if it exists.

    Uses ``link(2)``, so of concurrent callers exactly one wins. Returns ``True`` when ``source``
    still exists too (a hard link was made; the caller removes ``source``), ``False`` when the
    file system has no hard links and ``source`` was renamed onto a reserved ``target``.

    Raises:
        AlreadyExists: a file exists at ``target``.
        InvalidPath: a folder exists at ``target``.
        OSError: any other failure, for the caller to map.
    """
    if _link(context, source[1], source[0], target, follow=False):
        return True
    # No hard links here: reserve the name with an exclusive create (still one winner), then
    # rename over the placeholder. Readers may briefly see an empty file at ``target``.
    try:
        fd = os.open(target.entry(), _OPEN_NEW, 0o666, dir_fd=target.folder)
    except FileExistsError as error:
        raise _taken(context, target) from error
    os.close(fd)
    try:
        os.replace(source[1], target.entry(), src_dir_fd=source[0], dst_dir_fd=target.folder)
    except BaseException:
        discard(target.folder, target.entry())
        raise
    return False


def _sync_folder(place: Place) -> None:
    fd = place.folder
    if fd is None:
        fd = os.open(place.entry(""), ROOT_FLAGS)
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in _FOLDER_SYNC_UNSUPPORTED:
            raise
    finally:
        if fd != place.folder:
            os.close(fd)


def _link_unnamed(context: OperationContext, target: Place, fd: int, *, durable: bool) -> str | None:
    """Give the unnamed file ``fd`` the name ``target``; ``None`` once done.

    Where the file system refuses hard links after all, the content is copied into a named
    temporary file, whose entry is returned for the caller to publish instead.

    Raises:
        AlreadyExists: a file exists at ``target``.
        InvalidPath: a folder exists at ``target``.
        OSError: any other failure, for the caller to map.
    """
    try:
        link_unnamed(fd, target.folder, target.entry())
        return None
    except FileExistsError as error:
        raise _taken(context, target) from error
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
    named = open_temp(context, target)
    if named is None:
        raise FileNotFoundError(errno.ENOENT, "the folder was removed meanwhile")
    copy_fd, entry = named
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        with open(fd, "rb", closefd=False) as source, open(copy_fd, "wb") as copy:
            shutil.copyfileobj(source, copy)
            if durable:
                copy.flush()
                os.fsync(copy.fileno())
    except BaseException:
        if entry is not None:
            discard(target.folder, entry)
        raise
    return entry


def publish(
    context: OperationContext,
    target: Place,
    temp: tuple[int, str | None],
    fill: Callable[[io.BufferedWriter], None],
    *,
    overwrite: bool,
    durable: bool,
) -> None:
    """Fill the temporary file ``temp`` (from ``open_temp``) and publish it at ``target``.

    ``fill`` writes the content into the stream it is given. With ``durable`` the file is
    fsynced before it is published and its folder after. On any failure the temporary file is
    removed. An unnamed temporary file is only published with ``overwrite=False``.

    Raises:
        AlreadyExists: ``overwrite`` is false and a file exists at ``target``.
        InvalidPath: a folder is at ``target``.
        RemoteStoreError: any OS failure, mapped; exceptions from ``fill`` pass unchanged
            except ``OSError``, which is mapped too.
    """
    fd, entry = temp
    try:
        try:
            with open(fd, "wb", closefd=False) as stream:
                fill(stream)
                if durable:
                    stream.flush()
                    os.fsync(fd)
            if entry is None:
                entry = _link_unnamed(context, target, fd, durable=durable)
            if entry is not None:
                if overwrite:
                    os.replace(entry, target.entry(), src_dir_fd=target.folder, dst_dir_fd=target.folder)
                elif name_new(context, (target.folder, entry), target):
                    discard(target.folder, entry)
                entry = None
            if durable:
                _sync_folder(target)
        except RemoteStoreError:
            raise
        except OSError as error:
            raise context.os_error(error) from error
    finally:
        os.close(fd)
        if entry is not None:
            discard(target.folder, entry)
