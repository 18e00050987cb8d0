"""``LocalBackend``: a folder of the local file system, sandboxed, with atomic race-free writes."""

from __future__ import annotations

import errno
import io
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO, ClassVar

from remote_store import (
    AlreadyExists,
    Backend,
    CapabilitySet,
    ConfigError,
    DirectoryNotEmpty,
    FileInfo,
    FolderInfo,
    InvalidContent,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RemotePath,
    RemoteStoreError,
    StoreClosed,
    WriteContent,
)
from remote_store.backend_tools import DEFAULT_CHUNK_SIZE, check_content, iter_chunks

from ._call import BACKEND, Call, is_folder, is_regular
from ._listing import file_info, scan, walk_files
from ._names import has_temp_segment, is_temp_name
from ._sandbox import real_path
from ._write import discard, make_folders, name_new, remove_folders, write_file

__all__ = ["LocalBackend"]

# O_NONBLOCK keeps open(2) of a FIFO from hanging; the descriptor is made blocking again once
# fstat has shown a regular file.
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _open_regular(path: str, flags: int) -> int:
    fd = os.open(path, flags | _O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", path)
        if not stat.S_ISREG(mode):
            raise FileNotFoundError(errno.ENOENT, "not a regular file", path)
        if _O_NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


class LocalBackend(Backend):
    """The files below one folder (``root``) of the local file system, with every capability.

    Paths map to ``root``/segments; nothing outside ``root`` is ever read, written or deleted:
    a path whose resolution (symbolic links followed) leaves ``root`` raises
    ``PermissionDenied``. Links that stay inside ``root`` are followed. Folders are real: empty
    ones exist and are listed. Every write goes to a hidden temporary file (``.~rs-*.tmp``, never
    listed) in the destination folder and is published with ``rename(2)`` (``overwrite=True``) or
    ``link(2)`` (``overwrite=False``, race-free), so a file never appears partly written; a
    failed write leaves nothing behind. ``write_atomic`` also fsyncs the file and its folder.
    Safe to share between threads; construction does no I/O. See specs/local.md.

    Args:
        root: the folder holding the store's files. Relative paths are made absolute against the
            current directory when the backend is built. It need not exist: the first write
            creates it.

    Raises:
        ConfigError: ``root`` is empty or not a ``str``/``os.PathLike[str]``.
    """

    type_name: ClassVar[str] = "local"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        if isinstance(root, os.PathLike):
            root = os.fspath(root)
        if not isinstance(root, str):
            raise ConfigError(
                f"option 'root' must be a str or os.PathLike[str], not {type(root).__name__}", backend=BACKEND
            )
        if not root:
            raise ConfigError("option 'root' must not be empty", backend=BACKEND)
        if "\0" in root:
            raise ConfigError("option 'root' must not contain a NUL character", backend=BACKEND)
        self._root = os.path.abspath(root)
        self._closed = False

    @property
    def root(self) -> str:
        """The absolute path of the root folder, as configured (symbolic links not resolved)."""
        return self._root

    @property
    def capabilities(self) -> CapabilitySet:
        """Every capability, ``ATOMIC_WRITE`` and ``ATOMIC_MOVE`` included."""
        return CapabilitySet.all()

    # -- resolving paths --------------------------------------------------------------------

    def _locate(self, path: str, operation: str, *, creating: bool = False) -> tuple[Call, str, str]:
        """Validate ``path`` and return the call context, its real location and the real root.

        Raises:
            StoreClosed: the backend is closed.
            InvalidPath: ``path`` is not canonical, or (``creating``) names a temporary file.
            NotFound: ``path`` names a temporary file (these never exist for users).
            PermissionDenied: ``path`` resolves outside the root.
        """
        if self._closed:
            raise StoreClosed("backend is closed", operation=operation, backend=BACKEND)
        try:
            text = str(RemotePath(path))
        except InvalidPath as error:
            error.operation = operation
            error.backend = BACKEND
            raise
        call = Call(text, operation)
        if has_temp_segment(text):
            if creating:
                raise call.error(InvalidPath, "name is reserved for temporary files of the local backend")
            raise call.error(NotFound, "no such file or folder")
        real_root = os.path.realpath(self._root)
        real = real_path(real_root, text)
        if real is None:
            raise call.error(PermissionDenied, "path leads outside the backend root through a symbolic link")
        return call, real, real_root

    # -- queries ----------------------------------------------------------------------------

    def _query(self, path: str, operation: str) -> tuple[str, os.stat_result | None]:
        try:
            call, real, _ = self._locate(path, operation)
        except NotFound:
            return path, None
        return call.path, call.stat(real)

    def is_file(self, path: str) -> bool:
        return is_regular(self._query(path, "is_file")[1])

    def is_folder(self, path: str) -> bool:
        # The root is a folder even before the first write creates it.
        text, result = self._query(path, "is_folder")
        return not text or is_folder(result)

    def exists(self, path: str) -> bool:
        text, result = self._query(path, "exists")
        return not text or is_regular(result) or is_folder(result)

    # -- writes -----------------------------------------------------------------------------

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._write("write", path, content, overwrite=overwrite, durable=False)

    def write_atomic(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._write("write_atomic", path, content, overwrite=overwrite, durable=True)

    def _write(
        self, operation: str, path: str, content: WriteContent, *, overwrite: bool, durable: bool
    ) -> None:
        call, real, real_root = self._locate(path, operation, creating=True)

        def fill(stream: io.BufferedWriter) -> None:
            for chunk in iter_chunks(content, path=call.path):
                stream.write(chunk)

        try:
            check_content(content, call.path)
            self._check_target(call, real, real_root, overwrite)
            write_file(call, real, real_root, fill, overwrite=overwrite, durable=durable)
        except InvalidContent as error:
            # Raised by the core helpers, which know the path but not the call.
            error.operation = error.operation or operation
            error.backend = error.backend or BACKEND
            raise

    def _check_target(self, call: Call, real: str, real_root: str, overwrite: bool) -> None:
        # Fails early, before any content is consumed; the publishing step re-checks atomically.
        if real == real_root or os.path.isdir(real):
            raise call.error(InvalidPath, "path is a folder, not a file")
        if not overwrite and os.path.lexists(real):
            raise call.error(AlreadyExists, "file already exists")

    # -- reads ------------------------------------------------------------------------------

    def read(self, path: str) -> BinaryIO:
        call, real, _ = self._locate(path, "read")
        return self._open(call, real)

    def _open(self, call: Call, real: str) -> BinaryIO:
        try:
            return open(real, "rb", opener=_open_regular)  # the caller closes it
        except IsADirectoryError as error:
            raise call.error(NotFound, "path is a folder, not a file") from error
        except OSError as error:
            raise call.os_error(error) from error

    def read_bytes(self, path: str) -> bytes:
        call, real, _ = self._locate(path, "read_bytes")
        with self._open(call, real) as stream:
            try:
                return stream.read()
            except OSError as error:
                raise call.os_error(error) from error

    # -- deletes ----------------------------------------------------------------------------

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        try:
            call, real, _ = self._locate(path, "delete")
        except NotFound:
            if missing_ok:
                return
            raise
        result = call.stat(real)
        if is_folder(result):
            raise call.error(InvalidPath, "path is a folder; use delete_folder")
        if not is_regular(result):
            if missing_ok:
                return
            raise call.error(NotFound, "no such file")
        try:
            os.unlink(real)
        except OSError as error:
            if error.errno in (errno.ENOENT, errno.ENOTDIR) and missing_ok:
                return
            if os.path.isdir(real):
                raise call.error(InvalidPath, "path is a folder; use delete_folder") from error
            raise call.os_error(error) from error

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        try:
            call, real, real_root = self._locate(path, "delete_folder")
        except NotFound:
            if missing_ok:
                return
            raise
        if real == real_root:
            raise call.error(InvalidPath, "refusing to delete the backend root")
        result = call.stat(real)
        if result is not None and not is_folder(result):
            raise call.error(InvalidPath, "path is a file, not a folder; use delete")
        if result is None:
            if missing_ok:
                return
            raise call.error(NotFound, "no such folder")
        try:
            if recursive:
                _remove_tree(real)
            else:
                self._remove_empty(call, real)
        except RemoteStoreError:
            raise
        except FileNotFoundError as error:
            if not missing_ok:
                raise call.error(NotFound, "no such folder") from error
        except OSError as error:
            raise call.os_error(error) from error

    def _remove_empty(self, call: Call, real: str) -> None:
        # Leftover temporary files (from a writer killed mid-write) must not make a folder that
        # lists as empty undeletable; anything else means "not empty", and nothing is deleted.
        temps: list[str] = []
        with os.scandir(real) as entries:
            for entry in entries:
                if not is_temp_name(entry.name):
                    raise call.error(DirectoryNotEmpty, "folder is not empty")
                temps.append(entry.path)
        for temp in temps:
            discard(temp)
        os.rmdir(real)

    # -- move and copy ----------------------------------------------------------------------

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        source, source_real, real_root = self._locate(src, "move")
        target, target_real, _ = self._locate(dst, "move", creating=True)
        if not is_regular(source.stat(source_real)):
            raise source.error(NotFound, "no such file")
        self._check_target(target, target_real, real_root, overwrite)
        created = make_folders(target, os.path.dirname(target_real), real_root)
        try:
            try:
                if overwrite:
                    os.replace(source_real, target_real)
                elif name_new(target, source_real, target_real):
                    self._unlink_moved(source, source_real, target_real)
            except RemoteStoreError:
                raise
            except FileNotFoundError as error:
                raise source.error(NotFound, "no such file") from error
            except OSError as error:
                raise target.os_error(error) from error
        except BaseException:
            remove_folders(created)
            raise

    def _unlink_moved(self, source: Call, source_real: str, target_real: str) -> None:
        try:
            os.unlink(source_real)
        except FileNotFoundError as error:
            # A concurrent move took the source first: undo our copy of it, that move won.
            discard(target_real)
            raise source.error(NotFound, "no such file") from error
        except OSError as error:
            discard(target_real)
            raise source.os_error(error) from error

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        source, source_real, real_root = self._locate(src, "copy")
        target, target_real, _ = self._locate(dst, "copy", creating=True)
        with self._open(source, source_real) as reader:
            self._check_target(target, target_real, real_root, overwrite)

            def fill(stream: io.BufferedWriter) -> None:
                while True:
                    try:
                        chunk = reader.read(DEFAULT_CHUNK_SIZE)
                    except OSError as error:
                        raise source.os_error(error) from error
                    if not chunk:
                        return
                    stream.write(chunk)

            write_file(target, target_real, real_root, fill, overwrite=overwrite, durable=False)

    # -- listing and metadata ---------------------------------------------------------------

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        try:
            call, real, real_root = self._locate(path, "list_files")
        except NotFound:
            return
        yield from walk_files(real, call.path, real_root, "list_files", recursive=recursive)

    def list_folders(self, path: str) -> Iterator[str]:
        try:
            call, real, real_root = self._locate(path, "list_folders")
        except NotFound:
            return
        for entry in scan(real, call.path, real_root, "list_folders"):
            if entry.is_folder:
                yield entry.path

    def get_file_info(self, path: str) -> FileInfo:
        call, real, _ = self._locate(path, "get_file_info")
        result = call.stat(real)
        if result is None or not is_regular(result):
            raise call.error(
                NotFound, "path is a folder, not a file" if is_folder(result) else "no such file"
            )
        return file_info(call.path, result)

    def get_folder_info(self, path: str) -> FolderInfo:
        call, real, real_root = self._locate(path, "get_folder_info")
        if call.path and not is_folder(call.stat(real)):
            raise call.error(NotFound, "no such folder")
        count = 0
        total = 0
        newest: datetime | None = None
        for info in walk_files(real, call.path, real_root, "get_folder_info", recursive=True):
            count += 1
            total += info.size
            if newest is None or info.modified_at > newest:
                newest = info.modified_at
        return FolderInfo(path=RemotePath(call.path), file_count=count, total_size=total, modified_at=newest)

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Mark the backend closed (it holds no open resources); later calls raise ``StoreClosed``."""
        self._closed = True

    def __repr__(self) -> str:
        return f"<LocalBackend type='local' root={self._root!r}>"


def _ignore_missing(error: BaseException) -> None:
    # Entries removed by someone else while the tree is deleted are already gone: fine.
    if not isinstance(error, FileNotFoundError):
        raise error


def _remove_tree(real: str) -> None:
    # shutil.rmtree removes links themselves and never follows them (on Linux it works on
    # file descriptors, safe against links swapped in meanwhile): nothing outside is touched.
    if sys.version_info >= (3, 12):
        shutil.rmtree(real, onexc=lambda _function, _path, error: _ignore_missing(error))
    else:
        shutil.rmtree(real, onerror=lambda _function, _path, info: _ignore_missing(info[1]))
