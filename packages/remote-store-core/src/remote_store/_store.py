"""``Store``: the typed, path-validating, capability-gated view of one folder of a backend."""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import BinaryIO, TypeVar

from ._backend import Backend
from ._behaviour import Behaviour
from ._capabilities import Capability, CapabilitySet
from ._content import WriteContent, check_content
from ._errors import (
    CapabilityNotSupported,
    InvalidContent,
    InvalidPath,
    InvalidRange,
    NotFound,
    RemoteStoreError,
    StoreClosed,
)
from ._glob import compile_glob
from ._models import FileInfo, FolderInfo
from ._operation import Operation
from ._oserror import map_os_error
from ._path import PathLike, RemotePath, canonical_path

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
        target = self._file_path(path, "write")
        self._require(Capability.WRITE, "write", target)
        check_content(content, self._relative(target), operation="write")
        self._call("write", lambda: self._backend.write(target, content, overwrite=overwrite))

    def write_atomic(self, path: PathLike, content: WriteContent, *, overwrite: bool = False) -> None:
        """Like ``write``, and readers see either the old file or the whole new one, never a part.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path``; it is left unchanged.
            InvalidPath: ``path`` is invalid, empty, or names a folder.
            InvalidContent: ``content`` is neither bytes-like nor a binary stream.
            CapabilityNotSupported: the backend does not declare ``ATOMIC_WRITE``.
        """
        target = self._file_path(path, "write_atomic")
        self._require(Capability.ATOMIC_WRITE, "write_atomic", target)
        check_content(content, self._relative(target), operation="write_atomic")
        self._call("write_atomic", lambda: self._backend.write_atomic(target, content, overwrite=overwrite))

    # -- reads ------------------------------------------------------------------------------

    def read(self, path: PathLike) -> BinaryIO:
        """Open the file at ``path`` for streaming reads.

        The result is a binary file object and a context manager; ``read(n)`` streams. Close it
        (or use ``with``) to release the file handle or connection. Where the backend declares
        ``SEEKABLE_READ`` the stream also has ``seek``, ``tell`` and ``readinto`` and reads only
        what is asked (Parquet, zip and HDF5 readers can take it as it is); elsewhere it reads
        forward only.

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``READ``.
        """
        target = self._file_path(path, "read")
        self._require(Capability.READ, "read", target)
        return self._call("read", lambda: self._backend.read(target))

    def read_bytes(self, path: PathLike) -> bytes:
        """The whole content of the file at ``path``.

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``READ``.
        """
        target = self._file_path(path, "read_bytes")
        self._require(Capability.READ, "read_bytes", target)
        return self._call("read_bytes", lambda: self._backend.read_bytes(target))

    def read_range(self, path: PathLike, start: int, end: int) -> bytes:
        """The bytes ``start`` to ``end`` (excluded) of the file at ``path``, in one request.

        Like ``data[start:end]``: a range reaching past the end of the file gives what exists,
        ``b""`` when ``start`` is at or past the end or ``start == end``.

        Raises:
            InvalidRange: ``start`` or ``end`` is not an ``int``, is negative, or ``end < start``
                (checked before any I/O).
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``SEEKABLE_READ`` (before any I/O).
        """
        operation = Operation.READ_RANGE.value
        target = self._file_path(path, operation)
        _check_range(start, end, self._relative(target))
        self._require(Capability.SEEKABLE_READ, operation, target)
        return self._call(operation, lambda: self._backend.read_range(target, start, end))

    def read_text(self, path: PathLike, encoding: str = "utf-8", errors: str = "strict") -> str:
        """The content of the file at ``path``, decoded as ``bytes.decode(encoding, errors)`` does.

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``READ``.
            LookupError: ``encoding`` names no codec (before any I/O).
            UnicodeDecodeError: the content is not text in ``encoding`` (with ``errors="strict"``);
                its reason names the path.
        """
        operation = Operation.READ_TEXT.value
        target = self._file_path(path, operation)
        codecs.lookup(encoding)
        self._require(Capability.READ, operation, target)
        data = self._call(operation, lambda: self._backend.read_bytes(target))
        try:
            return data.decode(encoding, errors)
        except UnicodeDecodeError as error:
            reason = f"{error.reason} in {self._relative(target)!r}"
            raise UnicodeDecodeError(error.encoding, error.object, error.start, error.end, reason) from None

    def write_text(
        self, path: PathLike, text: str, encoding: str = "utf-8", *, overwrite: bool = False
    ) -> None:
        """Write ``text`` encoded with ``encoding`` to the file at ``path``, as ``write`` does.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path``; it is left unchanged.
            InvalidPath: ``path`` is invalid, empty, or names a folder.
            InvalidContent: ``text`` is not a ``str`` (bytes go to ``write``).
            CapabilityNotSupported: the backend does not declare ``WRITE``.
            LookupError: ``encoding`` names no codec (before any I/O).
            UnicodeEncodeError: ``text`` cannot be encoded in ``encoding``; its reason names the path.
        """
        operation = Operation.WRITE_TEXT.value
        target = self._file_path(path, operation)
        if not isinstance(text, str):
            raise InvalidContent(
                f"text must be a str, not {type(text).__name__}; write bytes with write()",
                path=self._relative(target),
                operation=operation,
            )
        self._require(Capability.WRITE, operation, target)
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError as error:
            reason = f"{error.reason} for {self._relative(target)!r}"
            raise UnicodeEncodeError(error.encoding, error.object, error.start, error.end, reason) from None
        self._call(operation, lambda: self._backend.write(target, data, overwrite=overwrite))

    # -- queries ----------------------------------------------------------------------------

    def exists(self, path: PathLike = "") -> bool:
        """True if ``path`` is a file or a folder; ``""`` (the root) always exists.

        Raises:
            InvalidPath: ``path`` is invalid (a missing path is ``False``, never ``NotFound``).
        """
        target = self._any_path(path, "exists")
        if target == self._prefix:
            self._check_open("exists")
            return True
        return self._call("exists", lambda: self._backend.exists(target))

    def is_file(self, path: PathLike) -> bool:
        """True if a file exists at ``path``.

        Raises:
            InvalidPath: ``path`` is invalid (a missing path is ``False``).
        """
        target = self._any_path(path, "is_file")
        if target == self._prefix:
            self._check_open("is_file")
            return False
        return self._call("is_file", lambda: self._backend.is_file(target))

    def is_folder(self, path: PathLike = "") -> bool:
        """True if ``path`` is a folder; ``""`` (the root) is always a folder.

        Raises:
            InvalidPath: ``path`` is invalid (a missing path is ``False``).
        """
        target = self._any_path(path, "is_folder")
        if target == self._prefix:
            # The store root is a folder by definition, even before anything is written to it.
            self._check_open("is_folder")
            return True
        return self._call("is_folder", lambda: self._backend.is_folder(target))

    # -- deletes ----------------------------------------------------------------------------

    def delete(self, path: PathLike, *, missing_ok: bool = False) -> None:
        """Delete the file at ``path``.

        Raises:
            NotFound: no file at ``path`` and ``missing_ok`` is false.
            InvalidPath: ``path`` is invalid, empty, or a folder.
            CapabilityNotSupported: the backend does not declare ``DELETE``.
        """
        target = self._file_path(path, "delete")
        self._require(Capability.DELETE, "delete", target)
        self._call("delete", lambda: self._backend.delete(target, missing_ok=missing_ok))

    def delete_folder(self, path: PathLike, *, recursive: bool = False, missing_ok: bool = False) -> None:
        """Delete the folder at ``path``; with ``recursive=True`` everything below it too.

        Raises:
            DirectoryNotEmpty: the folder is not empty and ``recursive`` is false; nothing deleted.
            NotFound: no folder at ``path`` and ``missing_ok`` is false.
            InvalidPath: ``path`` is invalid, the store root (``""``), or a file.
            CapabilityNotSupported: the backend does not declare ``DELETE``.
        """
        target = self._any_path(path, "delete_folder")
        if target == self._prefix:
            raise InvalidPath("refusing to delete the store root", path="", operation="delete_folder")
        self._require(Capability.DELETE, "delete_folder", target)
        self._call(
            "delete_folder",
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
        source, target = self._pair(src, dst, "move")
        self._require(Capability.MOVE, "move", source)
        self._call("move", lambda: self._backend.move(source, target, overwrite=overwrite))

    def copy(self, src: PathLike, dst: PathLike, *, overwrite: bool = False) -> None:
        """Copy the file ``src`` to ``dst``.

        Raises:
            NotFound: no file at ``src``.
            AlreadyExists: ``overwrite=False`` and a file exists at ``dst``; nothing changed.
            InvalidPath: a path is invalid or empty, or ``src`` and ``dst`` are the same.
            CapabilityNotSupported: the backend does not declare ``COPY``.
        """
        source, target = self._pair(src, dst, "copy")
        self._require(Capability.COPY, "copy", source)
        self._call("copy", lambda: self._backend.copy(source, target, overwrite=overwrite))

    # -- listing and metadata ---------------------------------------------------------------

    def list_files(self, path: PathLike = "", *, recursive: bool = False) -> Iterator[FileInfo]:
        """Lazily yield ``FileInfo`` for the files in folder ``path`` (all below it if ``recursive``).

        Order is not guaranteed. A missing folder yields nothing. Paths are store-relative.

        Raises:
            InvalidPath: ``path`` is invalid (raised at the call, not at the first ``next``).
            CapabilityNotSupported: the backend does not declare ``LIST`` (raised at the call).
        """
        target = self._any_path(path, "list_files")
        self._require(Capability.LIST, "list_files", target)
        self._check_open("list_files")
        source = self._call("list_files", lambda: self._backend.list_files(target, recursive=recursive))
        return self._iterate("list_files", source, self._file_info)

    def list_folders(self, path: PathLike = "") -> Iterator[str]:
        """Lazily yield the names of the folders directly in folder ``path`` (their last segment).

        ``path`` joined with a name (``RemotePath(path) / name``) is that folder's store-relative
        path. Order is not guaranteed. A missing folder yields nothing.

        Raises:
            InvalidPath: ``path`` is invalid (raised at the call).
            CapabilityNotSupported: the backend does not declare ``LIST`` (raised at the call).
        """
        target = self._any_path(path, "list_folders")
        self._require(Capability.LIST, "list_folders", target)
        self._check_open("list_folders")
        source = self._call("list_folders", lambda: self._backend.list_folders(target))
        return self._iterate("list_folders", source, _last_segment)

    def glob(self, pattern: str) -> Iterator[FileInfo]:
        """Lazily yield ``FileInfo`` for the files whose store-relative path matches ``pattern``.

        ``*`` matches any run of characters within a segment, ``?`` one character, ``[abc]`` one
        of a set (``[!abc]`` one outside it), and a segment that is exactly ``**`` zero or more
        whole segments: ``reports/2024/**/*.csv``. Names starting with a dot match like any other;
        folders are not yielded. Only the pattern's literal prefix (``reports/2024``) is listed,
        once, recursively only when the pattern can match deeper than directly in it. Order is
        not guaranteed.

        Raises:
            InvalidPath: ``pattern`` is not a valid pattern, naming it (raised at the call).
            CapabilityNotSupported: the backend does not declare ``LIST`` (raised at the call).
        """
        operation = Operation.GLOB.value
        compiled = compile_glob(pattern, operation=operation)
        target = self._any_path(compiled.prefix, operation)
        self._require(Capability.LIST, operation, target)
        self._check_open(operation)
        source = self._call(operation, lambda: self._backend.list_files(target, recursive=compiled.recursive))
        listing = self._iterate(operation, source, self._file_info)
        return _matching(listing, compiled.matches)

    def get_file_info(self, path: PathLike) -> FileInfo:
        """Metadata of the file at ``path``.

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``METADATA``.
        """
        target = self._file_path(path, "get_file_info")
        self._require(Capability.METADATA, "get_file_info", target)
        return self._file_info(self._call("get_file_info", lambda: self._backend.get_file_info(target)))

    def get_folder_info(self, path: PathLike = "") -> FolderInfo:
        """File count, total size and newest modification time of everything below folder ``path``.

        Raises:
            NotFound: ``path`` is not a folder.
            InvalidPath: ``path`` is invalid.
            CapabilityNotSupported: the backend does not declare ``METADATA``.
        """
        target = self._any_path(path, "get_folder_info")
        self._require(Capability.METADATA, "get_folder_info", target)
        try:
            info = self._call("get_folder_info", lambda: self._backend.get_folder_info(target))
        except NotFound:
            if target != self._prefix:
                raise
            # The store root always exists; before any write it is simply empty.
            return FolderInfo(path=RemotePath(""), file_count=0, total_size=0, modified_at=None)
        return dataclasses.replace(info, path=RemotePath(self._relative(str(info.path))))

    # -- derived stores ---------------------------------------------------------------------

    def child(self, subpath: PathLike) -> Store:
        """A ``Store`` on the same backend for the folder ``subpath`` of this store.

        The child does not own the backend: closing it leaves this store (and the backend) open,
        and closing this store's backend makes the child's calls raise ``StoreClosed``. No I/O.

        Raises:
            InvalidPath: ``subpath`` is invalid.
            StoreClosed: this store is closed.
        """
        target = self._any_path(subpath, Operation.CHILD.value)
        self._check_open(Operation.CHILD.value)
        return Store(self._backend, target, owns_backend=False)

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

    def _any_path(self, path: PathLike, operation: str) -> str:
        try:
            relative = canonical_path(path)
        except InvalidPath as error:
            error.operation = operation
            raise
        if not self._prefix:
            return relative
        if not relative:
            return self._prefix
        return f"{self._prefix}/{relative}"

    def _file_path(self, path: PathLike, operation: str) -> str:
        target = self._any_path(path, operation)
        if target == self._prefix:
            raise InvalidPath("a file path must not be empty", path=str(path), operation=operation)
        return target

    def _pair(self, src: PathLike, dst: PathLike, operation: str) -> tuple[str, str]:
        source = self._file_path(src, operation)
        target = self._file_path(dst, operation)
        if source == target:
            raise InvalidPath("source and destination are the same file", path=str(dst), operation=operation)
        return source, target

    def _require(self, capability: Capability, operation: str, target: str) -> None:
        if capability not in self._backend.capabilities:
            raise CapabilityNotSupported(
                f"backend {self._backend.type_name!r} does not support {capability.value!r}",
                capability=capability.value,
                path=self._relative(target),
                operation=operation,
                backend=self._backend.type_name,
            )

    def _check_open(self, operation: str) -> None:
        if self._closed:
            raise StoreClosed("store is closed", operation=operation, backend=self._backend.type_name)

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

    def _call(self, operation: str, action: Callable[[], T]) -> T:
        self._check_open(operation)
        try:
            return action()
        except RemoteStoreError as error:
            self._translate(error, operation)
            raise
        except OSError as error:
            raise self._translate(
                map_os_error(error, path=None, operation=operation, backend=self._backend.type_name),
                operation,
            ) from error

    def _iterate(self, operation: str, source: Iterator[T], convert: Callable[[T], T]) -> Iterator[T]:
        try:
            for item in source:
                yield convert(item)
        except RemoteStoreError as error:
            self._translate(error, operation)
            raise
        except OSError as error:
            raise self._translate(
                map_os_error(error, path=None, operation=operation, backend=self._backend.type_name),
                operation,
            ) from error
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def _translate(self, error: RemoteStoreError, operation: str) -> RemoteStoreError:
        if error.path is not None:
            error.path = self._relative(error.path)
        # The caller called this Store method; a backend may have named an internal step instead
        # (Backend.read_bytes delegates to read), so the Store's name wins (STORE-028).
        error.operation = operation
        if error.backend is None:
            error.backend = self._backend.type_name
        return error


def _last_segment(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _matching(listing: Iterator[FileInfo], matches: Callable[[str], bool]) -> Iterator[FileInfo]:
    try:
        for info in listing:
            if matches(str(info.path)):
                yield info
    finally:
        close = getattr(listing, "close", None)
        if close is not None:
            close()


def _check_range(start: int, end: int, path: str) -> None:
    operation = Operation.READ_RANGE.value
    for name, bound in (("start", start), ("end", end)):
        if not isinstance(bound, int) or isinstance(bound, bool):
            message = f"{name} must be an int, not {type(bound).__name__}"
            raise InvalidRange(message, path=path, operation=operation)
        if bound < 0:
            raise InvalidRange(f"{name} must not be negative (got {bound})", path=path, operation=operation)
    if end < start:
        raise InvalidRange(f"end ({end}) must not be before start ({start})", path=path, operation=operation)
