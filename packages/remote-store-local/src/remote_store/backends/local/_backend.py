"""``LocalBackend``: a folder of the local file system, sandboxed, with atomic race-free writes."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import BinaryIO, ClassVar

from remote_store import (
    AlreadyExists,
    Backend,
    Capability,
    CapabilitySet,
    ConfigError,
    DirectoryNotEmpty,
    FileInfo,
    FolderInfo,
    InvalidPath,
    NotFound,
    RemotePath,
    RemoteStoreError,
    WriteContent,
)
from remote_store.backend_tools import (
    DEFAULT_CHUNK_SIZE,
    Operation,
    OperationContext,
    canonical_path,
    check_content,
    check_write_options,
    iter_chunks,
)

from ._filetype import is_folder, is_regular, missing
from ._listing import file_info, scan, walk_files
from ._litter import remove_stale_temps
from ._names import TEMP_PREFIX, has_temp_segment, is_temp_name
from ._tree import DIR_FLAGS, NOT_A_FOLDER, Place, locate, locate_target, lstat_at, remove_folders
from ._write import create_small, discard, name_new, open_temp, publish

__all__ = ["LocalBackend"]


_CAPABILITIES = CapabilitySet.all() - {
    Capability.CONTENT_TYPE,
    Capability.USER_METADATA,
    Capability.CONDITIONAL_WRITE,
    Capability.PRESIGNED_URL,
}
"""No URLs (no HTTP endpoint to sign for), and not the stored attributes: a file system keeps no
content type or user metadata, and cannot compare-and-swap a file against other programs (no
``if_match``)."""

# O_NONBLOCK keeps open(2) of a FIFO from hanging; the descriptor is made blocking again once
# fstat has shown a regular file. O_NOFOLLOW: the place was resolved; a link there now is a swap.
_OPEN_READ = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)

_BYTES_LIKE = (bytes, bytearray, memoryview)
_S_ISREG = stat.S_ISREG

# A folder this call just created can be removed by a concurrent failing writer (it cleans up
# the folders it made) before our temporary file lands in it: walk and make it again, a few times.
_FOLDER_ATTEMPTS = 3


def _open_regular(place: Place, *, blocking: bool) -> tuple[int, os.stat_result]:
    fd = os.open(place.entry(), _OPEN_READ, dir_fd=place.folder)
    try:
        result = os.fstat(fd)
        if stat.S_ISDIR(result.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", place.name)
        if not stat.S_ISREG(result.st_mode):
            raise FileNotFoundError(errno.ENOENT, "not a regular file", place.name)
        if blocking:
            # Regular files ignore O_NONBLOCK; the flag is cleared only where the caller sees it.
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, result


def _read_at(fd: int, start: int, end: int) -> bytes:
    # pread at the offset: one system call for the whole range unless the file is shorter.
    parts: list[bytes] = []
    offset = start
    while offset < end:
        chunk = os.pread(fd, end - offset, offset)
        if not chunk:
            break
        parts.append(chunk)
        offset += len(chunk)
    return b"".join(parts)


def _read_all(fd: int, size: int) -> bytes:
    # One read of the size fstat gave (plus one byte, to see a file that grew), then to the end.
    parts: list[bytes] = []
    want = size + 1
    while True:
        chunk = os.read(fd, want)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        want = DEFAULT_CHUNK_SIZE


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
                f"option 'root' must be a str or os.PathLike[str], not {type(root).__name__}",
                backend=self.type_name,
            )
        if not root:
            raise ConfigError("option 'root' must not be empty", backend=self.type_name)
        if "\0" in root:
            raise ConfigError("option 'root' must not contain a NUL character", backend=self.type_name)
        self._root = os.path.abspath(root)
        self._closed = False

    @property
    def root(self) -> str:
        """The absolute path of the root folder, as configured (symbolic links not resolved)."""
        return self._root

    @property
    def capabilities(self) -> CapabilitySet:
        """Every capability but the stored file attributes and ``PRESIGNED_URL`` (no HTTP endpoint)."""
        return _CAPABILITIES

    # -- resolving paths --------------------------------------------------------------------

    def _begin(self, operation: Operation, path: str, *, creating: bool = False) -> OperationContext:
        """Validate ``path`` and return the context of this call, which builds its errors.

        Raises:
            StoreClosed: the backend is closed.
            InvalidPath: ``path`` is not canonical, or (``creating``) names a temporary file.
            NotFound: ``path`` names a temporary file (these never exist for users).
        """
        if self._closed:
            raise self.context(operation, path).closed()
        try:
            text = canonical_path(path)
        except InvalidPath as error:
            self.context(operation).claim(error)
            raise
        context = self.context(operation, text)
        if TEMP_PREFIX in text and has_temp_segment(text):
            if creating:
                raise context.error(InvalidPath, "name is reserved for temporary files of the local backend")
            raise context.error(NotFound, "no such file or folder")
        return context

    def _place(self, context: OperationContext) -> Place | None:
        """The place of ``context.path``, links followed, or ``None`` if a folder on the way is missing.

        Raises:
            PermissionDenied: the path resolves outside the root.
        """
        return locate(context, self._root)

    # -- queries ----------------------------------------------------------------------------

    def _query(self, path: str, operation: Operation) -> tuple[str, os.stat_result | None]:
        try:
            context = self._begin(operation, path)
        except NotFound:
            return path, None
        place = self._place(context)
        text = context.path or ""
        if place is None:
            return text, None
        with place:
            return text, place.stat

    def is_file(self, path: str) -> bool:
        return is_regular(self._query(path, Operation.IS_FILE)[1])

    def is_folder(self, path: str) -> bool:
        # The root is a folder even before the first write creates it.
        text, result = self._query(path, Operation.IS_FOLDER)
        return not text or is_folder(result)

    def exists(self, path: str) -> bool:
        text, result = self._query(path, Operation.EXISTS)
        return not text or is_regular(result) or is_folder(result)

    # -- writes -----------------------------------------------------------------------------

    def write(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        if content_type is not None or metadata is not None or if_match is not None:
            self._refuse_options(Operation.WRITE, path, overwrite, content_type, metadata, if_match)
        self._write(Operation.WRITE, path, content, overwrite=overwrite, durable=False)

    def write_atomic(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        if content_type is not None or metadata is not None or if_match is not None:
            self._refuse_options(Operation.WRITE_ATOMIC, path, overwrite, content_type, metadata, if_match)
        self._write(Operation.WRITE_ATOMIC, path, content, overwrite=overwrite, durable=True)

    def _refuse_options(
        self,
        operation: Operation,
        path: str,
        overwrite: bool,
        content_type: str | None,
        metadata: Mapping[str, str] | None,
        if_match: str | None,
    ) -> None:
        """Refuse the write options given, before any I/O: none is declared here (BACKEND-022).

        Raises:
            CapabilityNotSupported: an option is given (the message names it).
            InvalidArgument: as ``check_write_options`` raises it for the options' values.
        """
        check_write_options(
            self.context(operation, path),
            self.capabilities,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )

    def _write(
        self, operation: Operation, path: str, content: WriteContent, *, overwrite: bool, durable: bool
    ) -> None:
        context = self._begin(operation, path, creating=True)
        if not isinstance(content, _BYTES_LIKE):
            # Before anything else: invalid content wins over an existing file (BACKEND-016).
            check_content(content, context=context)
        elif not overwrite and not durable:
            # Bytes in hand: nothing to consume, so no need to look at the target first (LOCAL-028).
            place = locate(context, self._root, follow=False)
            if place is not None:
                try:
                    if create_small(context, place, content):
                        return
                finally:
                    place.close()

        def fill(stream: io.BufferedWriter) -> None:
            for chunk in iter_chunks(content, context=context):
                stream.write(chunk)

        self._create(context, fill, overwrite=overwrite, durable=durable)

    def _create(
        self,
        context: OperationContext,
        fill: Callable[[io.BufferedWriter], None],
        *,
        overwrite: bool,
        durable: bool,
    ) -> None:
        for _ in range(_FOLDER_ATTEMPTS):
            place, created = locate_target(context, self._root)
            with place:
                try:
                    # Fails early, before any content is consumed; publishing re-checks atomically.
                    self._check_target(context, place, overwrite)
                    # A create needs no name until it is linked into place: a crash leaves nothing.
                    temp = open_temp(context, place, unnamed=not overwrite)
                    if temp is not None:
                        publish(context, place, temp, fill, overwrite=overwrite, durable=durable)
                        return
                except BaseException:
                    remove_folders(created)
                    raise
        raise context.error(NotFound, "its folder was removed while the file was being created")

    def _check_target(self, context: OperationContext, place: Place, overwrite: bool) -> None:
        if place.is_root or is_folder(place.stat):
            raise context.error(InvalidPath, "path is a folder, not a file")
        if not overwrite and place.stat is not None:
            raise context.error(AlreadyExists, "file already exists")

    # -- reads ------------------------------------------------------------------------------

    def read(self, path: str) -> BinaryIO:
        return self._open(self._begin(Operation.READ, path))

    def _open(self, context: OperationContext) -> BinaryIO:
        fd, _, where = self._open_file(context, blocking=True)
        # ``name`` is the file's location on disk, as for a file opened by path (LOCAL-011).
        location = os.path.join(self._root, *where)
        return open(location, "rb", opener=lambda _location, _flags: fd)  # the caller closes it

    def _open_file(
        self, context: OperationContext, *, blocking: bool = False
    ) -> tuple[int, os.stat_result, list[str]]:
        """An open descriptor of the regular file at ``context.path``, and where it is on disk.

        Raises:
            NotFound: nothing, a folder or a special file is there.
            PermissionDenied: the path leads outside the root.
            RemoteStoreError: any other OS failure, mapped.
        """
        # The last segment is opened without following a link (one system call when it is a
        # plain file); only when it is a link is it resolved, and what it leads to opened.
        for follow in (False, True):
            place = locate(context, self._root, follow=follow)
            if place is None:
                raise missing(context)
            with place:
                if place.is_root or is_folder(place.stat):
                    raise context.error(NotFound, "path is a folder, not a file")
                try:
                    fd, result = _open_regular(place, blocking=blocking)
                    return fd, result, place.segments
                except IsADirectoryError as error:
                    raise context.error(NotFound, "path is a folder, not a file") from error
                except OSError as error:
                    if follow or error.errno not in (errno.ELOOP, errno.EMLINK):
                        raise context.os_error(error) from error
        raise context.error(NotFound, "no such file")  # pragma: no cover - the loop returns or raises

    def read_bytes(self, path: str) -> bytes:
        context = self._begin(Operation.READ_BYTES, path)
        fd, result, _ = self._open_file(context)
        try:
            return _read_all(fd, result.st_size)
        except OSError as error:
            raise context.os_error(error) from error
        finally:
            os.close(fd)

    def read_range(self, path: str, start: int, end: int) -> bytes:
        context = self._begin(Operation.READ_RANGE, path)
        fd, _, _ = self._open_file(context)
        try:
            return _read_at(fd, start, end)
        except OSError as error:
            raise context.os_error(error) from error
        finally:
            os.close(fd)

    # -- deletes ----------------------------------------------------------------------------

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        try:
            context = self._begin(Operation.DELETE, path)
        except NotFound:
            if missing_ok:
                return
            raise
        place = locate(context, self._root)
        if place is None:
            if missing_ok:
                return
            raise missing(context)
        try:
            result = place.stat
            # A regular file (never the root, which is a folder or misconfigured): the common case.
            if result is None or not _S_ISREG(result.st_mode) or place.is_root:
                if place.is_root or is_folder(result):
                    raise context.error(InvalidPath, "path is a folder; use delete_folder")
                if missing_ok:
                    return
                raise context.error(NotFound, "no such file")
            try:
                os.unlink(place.at, dir_fd=place.folder)
            except OSError as error:
                if error.errno in (errno.ENOENT, errno.ENOTDIR) and missing_ok:
                    return
                if is_folder(lstat_at(place.folder, place.at)):
                    raise context.error(InvalidPath, "path is a folder; use delete_folder") from error
                raise context.os_error(error) from error
        finally:
            place.close()

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        try:
            context = self._begin(Operation.DELETE_FOLDER, path)
        except NotFound:
            if missing_ok:
                return
            raise
        place = self._place(context)
        if place is None:
            if missing_ok:
                return
            raise missing(context)
        with place:
            if place.is_root:
                raise context.error(InvalidPath, "refusing to delete the backend root")
            if place.stat is not None and not is_folder(place.stat):
                raise context.error(InvalidPath, "path is a file, not a folder; use delete")
            if place.stat is None:
                if missing_ok:
                    return
                raise context.error(NotFound, "no such folder")
            try:
                if recursive:
                    _remove_tree(place.folder, place.entry())
                else:
                    self._remove_empty(context, place)
            except RemoteStoreError:
                raise
            except FileNotFoundError as error:
                if not missing_ok:
                    raise context.error(NotFound, "no such folder") from error
            except OSError as error:
                raise context.os_error(error) from error

    def _remove_empty(self, context: OperationContext, place: Place) -> None:
        # Leftover temporary files (from a writer killed mid-write) must not make a folder that
        # lists as empty undeletable; anything else means "not empty", and nothing is deleted.
        fd = os.open(place.entry(), DIR_FLAGS, dir_fd=place.folder)
        try:
            temps: list[str] = []
            with os.scandir(fd) as entries:
                for entry in entries:
                    if not is_temp_name(entry.name):
                        raise context.error(DirectoryNotEmpty, "folder is not empty")
                    temps.append(entry.name)
            for temp in temps:
                discard(fd, temp)
        finally:
            os.close(fd)
        os.rmdir(place.entry(), dir_fd=place.folder)

    # -- move and copy ----------------------------------------------------------------------

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        source = self._begin(Operation.MOVE, src)
        target = self._begin(Operation.MOVE, dst, creating=True)
        origin = self._place(source)
        if origin is None:
            raise source.error(NotFound, "no such file")
        with origin:
            if not is_regular(origin.stat):
                raise source.error(NotFound, "no such file")
            place, created = locate_target(target, self._root)
            with place:
                try:
                    self._check_target(target, place, overwrite)
                    self._rename(source, origin, target, place, overwrite)
                except BaseException:
                    remove_folders(created)
                    raise

    def _rename(
        self, source: OperationContext, origin: Place, target: OperationContext, place: Place, overwrite: bool
    ) -> None:
        try:
            if overwrite:
                os.replace(origin.entry(), place.entry(), src_dir_fd=origin.folder, dst_dir_fd=place.folder)
            elif name_new(target, (origin.folder, origin.entry()), place):
                self._unlink_moved(source, origin, place)
        except RemoteStoreError:
            raise
        except FileNotFoundError as error:
            raise source.error(NotFound, "no such file") from error
        except OSError as error:
            raise target.os_error(error) from error

    def _unlink_moved(self, source: OperationContext, origin: Place, place: Place) -> None:
        try:
            os.unlink(origin.entry(), dir_fd=origin.folder)
        except FileNotFoundError as error:
            # A concurrent move took the source first: undo our copy of it, that move won.
            discard(place.folder, place.entry())
            raise source.error(NotFound, "no such file") from error
        except OSError as error:
            discard(place.folder, place.entry())
            raise source.os_error(error) from error

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        source = self._begin(Operation.COPY, src)
        target = self._begin(Operation.COPY, dst, creating=True)
        with self._open(source) as reader:

            def fill(stream: io.BufferedWriter) -> None:
                while True:
                    try:
                        chunk = reader.read(DEFAULT_CHUNK_SIZE)
                    except OSError as error:
                        raise source.os_error(error) from error
                    if not chunk:
                        return
                    stream.write(chunk)

            self._create(target, fill, overwrite=overwrite, durable=False)

    # -- listing and metadata ---------------------------------------------------------------

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        try:
            context = self._begin(Operation.LIST_FILES, path)
        except NotFound:
            return
        yield from walk_files(context, self._root, recursive=recursive)

    def list_folders(self, path: str) -> Iterator[str]:
        try:
            context = self._begin(Operation.LIST_FOLDERS, path)
        except NotFound:
            return
        segments = context.path.split("/") if context.path else []
        for entry in scan(context, self._root, segments, follow=True):
            if entry.is_folder:
                yield entry.path

    def get_file_info(self, path: str) -> FileInfo:
        context = self._begin(Operation.GET_FILE_INFO, path)
        place = self._place(context)
        result = None
        if place is not None:
            with place:
                result = None if place.is_root else place.stat
        if result is None or not is_regular(result):
            raise context.error(
                NotFound, "path is a folder, not a file" if is_folder(result) else "no such file"
            )
        return file_info(context.path or "", result)

    def get_folder_info(self, path: str) -> FolderInfo:
        context = self._begin(Operation.GET_FOLDER_INFO, path)
        if context.path:
            place = self._place(context)
            if place is None:
                raise missing(context)
            with place:
                if not (place.is_root or is_folder(place.stat)):
                    raise context.error(NotFound, "no such folder")
        count = 0
        total = 0
        newest: datetime | None = None
        for info in walk_files(context, self._root, recursive=True):
            count += 1
            total += info.size
            if newest is None or info.modified_at > newest:
                newest = info.modified_at
        return FolderInfo(
            path=RemotePath(context.path or ""), file_count=count, total_size=total, modified_at=newest
        )

    # -- housekeeping -----------------------------------------------------------------------

    def remove_temp_files(self, *, older_than: float = 3600.0) -> int:
        """Delete the temporary files that writers killed mid-write left below the root.

        A write interrupted by ``SIGKILL`` or a power cut cannot remove its hidden temporary
        file (``.~rs-*.tmp``). Such files are never listed nor counted, and ``delete_folder``
        removes them with their folder, but a long-lived store should sweep them now and then.
        Only temporary files not modified for ``older_than`` seconds are removed, so writes in
        progress (which keep writing to theirs) are left alone; links are not followed.
        Returns how many files were removed. See LOCAL-024.

        Raises:
            ConfigError: ``older_than`` is not a non-negative number.
            StoreClosed: the backend is closed.
            RemoteStoreError: an OS failure while walking the folders, mapped.
        """
        if isinstance(older_than, bool) or not isinstance(older_than, (int, float)) or not older_than >= 0:
            raise ConfigError(
                f"option 'older_than' must be a non-negative number of seconds, not {older_than!r}",
                backend=self.type_name,
            )
        return remove_stale_temps(self._begin(Operation.REMOVE_TEMP_FILES, ""), self._root, float(older_than))

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Mark the backend closed (it holds no open resources); later calls raise ``StoreClosed``."""
        self._closed = True

    def __repr__(self) -> str:
        # type(self): a subclass is named as itself (BACKEND-001).
        return f"<{type(self).__name__} type={self.type_name!r} root={self._root!r}>"


def _remove_tree(parent: int | None, name: str) -> None:
    """Remove the folder ``name`` in ``parent`` and everything below it, never following a link.

    Each folder is opened with ``O_NOFOLLOW`` relative to its parent's descriptor, so a folder
    swapped for a link meanwhile is unlinked (the link itself), not entered. Entries removed by
    someone else meanwhile are already gone: fine. Iterative, so depth is bounded by descriptors,
    not by Python's recursion limit.
    """
    stack: list[tuple[int | None, str, int, list[str]]] = []

    def enter(parent: int | None, name: str) -> None:
        fd = _open_subfolder(parent, name)
        if fd is not None:
            subfolders: list[str] = []
            stack.append((parent, name, fd, subfolders))  # on the stack before anything can fail
            subfolders += _clear_files(fd)

    try:
        enter(parent, name)
        while stack:
            parent, name, fd, subfolders = stack[-1]
            if subfolders:
                enter(fd, subfolders.pop())
                continue
            stack.pop()
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.rmdir(name, dir_fd=parent)
    finally:
        for _, _, fd, _ in stack:
            os.close(fd)


def _open_subfolder(parent: int | None, name: str) -> int | None:
    """Open the folder ``name`` in ``parent``; a link or file there is unlinked instead (``None``)."""
    try:
        return os.open(name, DIR_FLAGS, dir_fd=parent)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno not in NOT_A_FOLDER:
            raise
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name, dir_fd=parent)
    return None


def _clear_files(fd: int) -> list[str]:
    """Unlink every entry of folder ``fd`` but its subfolders, and return their names."""
    subfolders: list[str] = []
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(entry.name)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.name, dir_fd=fd)
    return subfolders
