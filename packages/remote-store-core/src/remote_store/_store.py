"""``Store``: the typed, path-validating, capability-gated view of one folder of a backend."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import BinaryIO, TypeVar, cast

from ._backend import Backend
from ._behaviour import Behaviour
from ._capabilities import Capability, CapabilitySet
from ._content import WriteContent, check_content
from ._errors import InvalidPath, NotFound, RemoteStoreError, StoreClosed
from ._models import FileInfo, FolderInfo
from ._operation import Operation
from ._path import PathLike, RemotePath, canonical_path
from ._reader import StoreReader

__all__ = ["Store"]

T = TypeVar("T")


class Store:
    """One folder (``root_path``) of a ``Backend``, with validated paths and declared capabilities.

    Every path argument is a store-relative ``str`` or ``RemotePath`` (specs/paths.md); ``""`` is
    the store's root. Every path in a result or an error is store-relative and round-trips as input.
    ``Store`` adds no I/O of its own: it validates, checks capabilities, delegates, and translates
    paths (specs/store.md).

    Thread safety: a ``Store`` is as thread-safe as its backend, and every backend in this project
    is safe to share between threads.

    Args:
        backend: the backend to delegate to.
        root_path: the folder of the backend this store is scoped to (``""`` for the whole backend).
        owns_backend: whether ``close()`` closes the backend too. A ``Registry`` shares one backend
            between stores and passes ``False``.

    Raises:
        InvalidPath: if ``root_path`` breaks a path rule.
    """

    def __init__(self, backend: Backend, root_path: PathLike = "", *, owns_backend: bool = True) -> None:
        self._backend = backend
        self._root = RemotePath(root_path)
        self._prefix = str(self._root)
        self._owns_backend = owns_backend
        self._closed = False

    # -- properties -------------------------------------------------------------------------

    @property
    def backend(self) -> Backend:
        """The backend this store delegates to."""
        return self._backend

    @property
    def root_path(self) -> RemotePath:
        """The folder of the backend this store is scoped to."""
        return self._root

    @property
    def capabilities(self) -> CapabilitySet:
        """The capabilities the backend declares."""
        return self._backend.capabilities

    @property
    def behaviour(self) -> Behaviour:
        """Facts about how the backend behaves (``Behaviour``: real empty folders, ...)."""
        return self._backend.behaviour

    def supports(self, capability: Capability) -> bool:
        """True if the backend declares ``capability``."""
        return capability in self._backend.capabilities

    # -- writes -----------------------------------------------------------------------------

    def write(self, path: PathLike, content: WriteContent, *, overwrite: bool = False) -> None:
        """Write ``content`` (bytes-like or a readable binary stream) to the file at ``path``.

        Parent folders are created as needed. Streams are read forward in chunks and need not be
        seekable; memory stays bounded. With ``overwrite=False`` the create is race-free.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path``; it is left unchanged.
            InvalidPath: ``path`` is invalid, empty, or names a folder.
            InvalidContent: ``content`` is neither bytes-like nor a binary stream.
            CapabilityNotSupported: the backend does not declare ``WRITE``.
        """
        target = self._file_path(path, Operation.WRITE)
        self._require(Capability.WRITE, Operation.WRITE, target)
        check_content(content, self._relative(target), operation=Operation.WRITE.value)
        self._call(Operation.WRITE, lambda: self._backend.write(target, content, overwrite=overwrite))

    def write_atomic(self, path: PathLike, content: WriteContent, *, overwrite: bool = False) -> None:
        """Like ``write``, and readers see either the old file or the whole new one, never a part.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path``; it is left unchanged.
            InvalidPath: ``path`` is invalid, empty, or names a folder.
            InvalidContent: ``content`` is neither bytes-like nor a binary stream.
            CapabilityNotSupported: the backend does not declare ``ATOMIC_WRITE``.
        """
        target = self._file_path(path, Operation.WRITE_ATOMIC)
        self._require(Capability.ATOMIC_WRITE, Operation.WRITE_ATOMIC, target)
        check_content(content, self._relative(target), operation=Operation.WRITE_ATOMIC.value)
        self._call(
            Operation.WRITE_ATOMIC, lambda: self._backend.write_atomic(target, content, overwrite=overwrite)
        )

    # -- reads ------------------------------------------------------------------------------

    def read(self, path: PathLike) -> BinaryIO:
        """Open the file at ``path`` for streaming reads.

        The result is a binary file object and a context manager; ``read(n)`` streams. Close it
        (or use ``with``) to release the file handle or connection. An error raised while
        reading it is a ``RemoteStoreError`` with the store-relative path, operation ``read``
        and the backend, as the call's own errors are (STORE-032).

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``READ``.
        """
        target = self._file_path(path, Operation.READ)
        self._require(Capability.READ, Operation.READ, target)
        stream = self._call(Operation.READ, lambda: self._backend.read(target))
        return cast(BinaryIO, StoreReader(stream, lambda error: self._read_error(target, error)))

    def read_bytes(self, path: PathLike) -> bytes:
        """The whole content of the file at ``path``.

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``READ``.
        """
        target = self._file_path(path, Operation.READ_BYTES)
        self._require(Capability.READ, Operation.READ_BYTES, target)
        return self._call(Operation.READ_BYTES, lambda: self._backend.read_bytes(target))

    # -- queries ----------------------------------------------------------------------------

    def exists(self, path: PathLike = "") -> bool:
        """True if ``path`` is a file or a folder; ``""`` (the root) always exists.

        Raises:
            InvalidPath: ``path`` is invalid (a missing path is ``False``, never ``NotFound``).
        """
        target = self._any_path(path, Operation.EXISTS)
        if target == self._prefix:
            self._check_open(Operation.EXISTS)
            return True
        return self._call(Operation.EXISTS, lambda: self._backend.exists(target))

    def is_file(self, path: PathLike) -> bool:
        """True if a file exists at ``path``.

        Raises:
            InvalidPath: ``path`` is invalid (a missing path is ``False``).
        """
        target = self._any_path(path, Operation.IS_FILE)
        if target == self._prefix:
            self._check_open(Operation.IS_FILE)
            return False
        return self._call(Operation.IS_FILE, lambda: self._backend.is_file(target))

    def is_folder(self, path: PathLike = "") -> bool:
        """True if ``path`` is a folder; ``""`` (the root) is always a folder.

        Raises:
            InvalidPath: ``path`` is invalid (a missing path is ``False``).
        """
        target = self._any_path(path, Operation.IS_FOLDER)
        if target == self._prefix:
            # The store root is a folder by definition, even before anything is written to it.
            self._check_open(Operation.IS_FOLDER)
            return True
        return self._call(Operation.IS_FOLDER, lambda: self._backend.is_folder(target))

    # -- deletes ----------------------------------------------------------------------------

    def delete(self, path: PathLike, *, missing_ok: bool = False) -> None:
        """Delete the file at ``path``.

        Raises:
            NotFound: no file at ``path`` and ``missing_ok`` is false.
            InvalidPath: ``path`` is invalid, empty, or a folder.
            CapabilityNotSupported: the backend does not declare ``DELETE``.
        """
        target = self._file_path(path, Operation.DELETE)
        self._require(Capability.DELETE, Operation.DELETE, target)
        self._call(Operation.DELETE, lambda: self._backend.delete(target, missing_ok=missing_ok))

    def delete_folder(self, path: PathLike, *, recursive: bool = False, missing_ok: bool = False) -> None:
        """Delete the folder at ``path``; with ``recursive=True`` everything below it too.

        Raises:
            DirectoryNotEmpty: the folder is not empty and ``recursive`` is false; nothing deleted.
            NotFound: no folder at ``path`` and ``missing_ok`` is false.
            InvalidPath: ``path`` is invalid, the store root (``""``), or a file.
            CapabilityNotSupported: the backend does not declare ``DELETE``.
        """
        target = self._any_path(path, Operation.DELETE_FOLDER)
        if target == self._prefix:
            raise InvalidPath(
                "refusing to delete the store root", path="", operation=Operation.DELETE_FOLDER.value
            )
        self._require(Capability.DELETE, Operation.DELETE_FOLDER, target)
        self._call(
            Operation.DELETE_FOLDER,
            lambda: self._backend.delete_folder(target, recursive=recursive, missing_ok=missing_ok),
        )

    # -- move and copy ----------------------------------------------------------------------

    def move(self, src: PathLike, dst: PathLike, *, overwrite: bool = False) -> None:
        """Move the file ``src`` to ``dst``. Atomic only where ``ATOMIC_MOVE`` is declared.

        Raises:
            NotFound: no file at ``src``.
            AlreadyExists: ``overwrite=False`` and a file exists at ``dst``; nothing changed.
            InvalidPath: a path is invalid or empty, or ``src`` and ``dst`` are the same.
            CapabilityNotSupported: the backend does not declare ``MOVE``.
        """
        source, target = self._pair(src, dst, Operation.MOVE)
        self._require(Capability.MOVE, Operation.MOVE, source)
        self._call(Operation.MOVE, lambda: self._backend.move(source, target, overwrite=overwrite))

    def copy(self, src: PathLike, dst: PathLike, *, overwrite: bool = False) -> None:
        """Copy the file ``src`` to ``dst``.

        Raises:
            NotFound: no file at ``src``.
            AlreadyExists: ``overwrite=False`` and a file exists at ``dst``; nothing changed.
            InvalidPath: a path is invalid or empty, or ``src`` and ``dst`` are the same.
            CapabilityNotSupported: the backend does not declare ``COPY``.
        """
        source, target = self._pair(src, dst, Operation.COPY)
        self._require(Capability.COPY, Operation.COPY, source)
        self._call(Operation.COPY, lambda: self._backend.copy(source, target, overwrite=overwrite))

    # -- listing and metadata ---------------------------------------------------------------

    def list_files(self, path: PathLike = "", *, recursive: bool = False) -> Iterator[FileInfo]:
        """Lazily yield ``FileInfo`` for the files in folder ``path`` (all below it if ``recursive``).

        Order is not guaranteed. A missing folder yields nothing. Paths are store-relative.

        Raises:
            InvalidPath: ``path`` is invalid (raised at the call, not at the first ``next``).
            CapabilityNotSupported: the backend does not declare ``LIST`` (raised at the call).
        """
        target = self._any_path(path, Operation.LIST_FILES)
        self._require(Capability.LIST, Operation.LIST_FILES, target)
        self._check_open(Operation.LIST_FILES)
        source = self._call(
            Operation.LIST_FILES, lambda: self._backend.list_files(target, recursive=recursive)
        )
        return self._iterate(Operation.LIST_FILES, source, self._file_info)

    def list_folders(self, path: PathLike = "") -> Iterator[str]:
        """Lazily yield the store-relative paths of the folders directly in folder ``path``.

        Raises:
            InvalidPath: ``path`` is invalid (raised at the call).
            CapabilityNotSupported: the backend does not declare ``LIST`` (raised at the call).
        """
        target = self._any_path(path, Operation.LIST_FOLDERS)
        self._require(Capability.LIST, Operation.LIST_FOLDERS, target)
        self._check_open(Operation.LIST_FOLDERS)
        source = self._call(Operation.LIST_FOLDERS, lambda: self._backend.list_folders(target))
        return self._iterate(Operation.LIST_FOLDERS, source, self._relative)

    def get_file_info(self, path: PathLike) -> FileInfo:
        """Metadata of the file at ``path``.

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``METADATA``.
        """
        target = self._file_path(path, Operation.GET_FILE_INFO)
        self._require(Capability.METADATA, Operation.GET_FILE_INFO, target)
        return self._file_info(
            self._call(Operation.GET_FILE_INFO, lambda: self._backend.get_file_info(target))
        )

    def get_folder_info(self, path: PathLike = "") -> FolderInfo:
        """File count, total size and newest modification time of everything below folder ``path``.

        Raises:
            NotFound: ``path`` is not a folder.
            InvalidPath: ``path`` is invalid.
            CapabilityNotSupported: the backend does not declare ``METADATA``.
        """
        target = self._any_path(path, Operation.GET_FOLDER_INFO)
        self._require(Capability.METADATA, Operation.GET_FOLDER_INFO, target)
        try:
            info = self._call(Operation.GET_FOLDER_INFO, lambda: self._backend.get_folder_info(target))
        except NotFound:
            if target != self._prefix:
                raise
            # The store root always exists; before any write it is simply empty.
            return FolderInfo(path=RemotePath(""), file_count=0, total_size=0, modified_at=None)
        return dataclasses.replace(info, path=RemotePath(self._relative(str(info.path))))

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the store (and the backend, if the store owns it); idempotent.

        Any later call raises ``StoreClosed``.
        """
        if self._closed:
            return
        self._closed = True
        if self._owns_backend:
            self._backend.close()

    @property
    def closed(self) -> bool:
        """True once ``close()`` has been called."""
        return self._closed

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store(backend={self._backend!r}, root_path={self._prefix!r})"

    # -- internals --------------------------------------------------------------------------

    def _any_path(self, path: PathLike, operation: Operation) -> str:
        try:
            relative = canonical_path(path)
        except InvalidPath as error:
            error.operation = operation.value
            raise
        if not self._prefix:
            return relative
        if not relative:
            return self._prefix
        return f"{self._prefix}/{relative}"

    def _file_path(self, path: PathLike, operation: Operation) -> str:
        target = self._any_path(path, operation)
        if target == self._prefix:
            raise InvalidPath("a file path must not be empty", path=str(path), operation=operation.value)
        return target

    def _pair(self, src: PathLike, dst: PathLike, operation: Operation) -> tuple[str, str]:
        source = self._file_path(src, operation)
        target = self._file_path(dst, operation)
        if source == target:
            raise InvalidPath(
                "source and destination are the same file", path=str(dst), operation=operation.value
            )
        return source, target

    def _require(self, capability: Capability, operation: Operation, target: str) -> None:
        if capability not in self._backend.capabilities:
            raise self._backend.context(operation, self._relative(target)).unsupported(capability)

    def _check_open(self, operation: Operation) -> None:
        if self._closed:
            raise self._backend.context(operation).error(StoreClosed, "store is closed")

    def _relative(self, backend_path: str) -> str:
        prefix = self._prefix
        if not prefix:
            return backend_path
        if backend_path == prefix:
            return ""
        if backend_path.startswith(prefix + "/"):
            return backend_path[len(prefix) + 1 :]
        return backend_path

    def _file_info(self, info: FileInfo) -> FileInfo:
        if not self._prefix:
            return info
        return dataclasses.replace(info, path=RemotePath(self._relative(str(info.path))))

    def _call(self, operation: Operation, action: Callable[[], T]) -> T:
        self._check_open(operation)
        try:
            return action()
        except RemoteStoreError as error:
            self._translate(error, operation)
            raise
        except OSError as error:
            raise self._translate(self._backend.context(operation).os_error(error), operation) from error

    def _iterate(self, operation: Operation, source: Iterator[T], convert: Callable[[T], T]) -> Iterator[T]:
        try:
            for item in source:
                yield convert(item)
        except RemoteStoreError as error:
            self._translate(error, operation)
            raise
        except OSError as error:
            raise self._translate(self._backend.context(operation).os_error(error), operation) from error
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def _read_error(self, target: str, error: BaseException) -> RemoteStoreError:
        """The error of a read from the stream of ``read(target)``, as the store reports it."""
        if not isinstance(error, RemoteStoreError):
            # An OSError from the backend's stream (the others are not translated at all).
            mapped = self._backend.context(Operation.READ, target).os_error(cast(OSError, error))
            return self._translate(mapped, Operation.READ)
        # A copy, raised from the backend's error: a broken stream may raise the same error object
        # again on every later read (S3's does), and it must stay the backend's to translate anew.
        own = copy.copy(error)
        if own.path is None:
            own.path = target  # the stream reads one file: that is the path at fault
        return self._translate(own, Operation.READ)

    def _translate(self, error: RemoteStoreError, operation: Operation) -> RemoteStoreError:
        if error.path is not None:
            error.path = self._relative(error.path)
        # The caller called this Store method; a backend may have named an internal step instead
        # (Backend.read_bytes delegates to read), so the Store's name wins (STORE-028).
        error.operation = operation.value
        if error.backend is None:
            error.backend = self._backend.type_name
        return error
