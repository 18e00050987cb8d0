"""``Store``: the typed, path-validating, capability-gated view of one folder of a backend."""

from __future__ import annotations

import codecs
import copy
import dataclasses
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

from ._backend import Backend
from ._behaviour import Behaviour
from ._capabilities import Capability, CapabilitySet
from ._content import WriteContent, check_content
from ._errors import InvalidContent, InvalidPath, InvalidRange, NotFound, RemoteStoreError, StoreClosed
from ._glob import compile_glob
from ._models import FileInfo, FolderInfo
from ._operation import Operation, OperationContext
from ._path import PathLike, RemotePath, canonical_path
from ._progress import Progress, ProgressReader, check_progress
from ._reader import StoreReader
from ._url import check_url_expiry, check_url_method
from ._write_options import check_write_options

if TYPE_CHECKING:  # annotations only: datetime is not imported with the package (CONFIG-018)
    from datetime import timedelta

__all__ = ["Store"]

T = TypeVar("T")

_BYTES_LIKE = (bytes, bytearray, memoryview)


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

    def write(
        self,
        path: PathLike,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Write ``content`` (bytes-like or a readable binary stream) to the file at ``path``.

        Parent folders are created as needed. Streams are read forward in chunks and need not be
        seekable; memory stays bounded. With ``overwrite=False`` the create is race-free.

        Args:
            path: the file to write.
            content: the bytes, or a binary stream read to its end (not closed).
            overwrite: replace an existing file; without it an existing file is an error.
            content_type: the MIME type to store with the file (``FileInfo.content_type``);
                needs ``CONTENT_TYPE``.
            metadata: string pairs to store with the file (``FileInfo.metadata``); keys are
                stored lower-case; needs ``USER_METADATA``.
            if_match: replace the file only if its ETag (``FileInfo.etag``) is still this one,
                atomically; needs ``overwrite=True`` and ``CONDITIONAL_WRITE``.
            progress: called with the bytes read from ``content`` so far, as the backend reads
                them: strictly increasing, the last call (after success) equal to the size.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path``; it is left unchanged.
            PreconditionFailed: ``if_match`` is not the file's ETag any more; nothing changed.
            NotFound: ``if_match`` is given and no file exists at ``path``; nothing is created.
            InvalidPath: ``path`` is invalid, empty, or names a folder.
            InvalidContent: ``content`` is neither bytes-like nor a binary stream.
            InvalidArgument: ``content_type``, a ``metadata`` key or value, ``if_match`` or
                ``progress`` is invalid, or ``if_match`` comes without ``overwrite=True`` (before
                any I/O; the message names it).
            CapabilityNotSupported: the backend does not declare ``WRITE``, or the capability an
                option needs (before any I/O; the message names the option).
        """
        if content_type is None and metadata is None and if_match is None and progress is None:
            self._write_plain(Operation.WRITE, Capability.WRITE, path, content, overwrite)
            return
        self._write(
            Operation.WRITE,
            Capability.WRITE,
            path,
            content,
            overwrite=overwrite,
            options=(content_type, metadata, if_match),
            progress=progress,
        )

    def write_atomic(
        self,
        path: PathLike,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Like ``write``, and readers see either the old file or the whole new one, never a part.

        Takes the options of ``write``, with the same meaning and capabilities.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path``; it is left unchanged.
            PreconditionFailed: ``if_match`` is not the file's ETag any more; nothing changed.
            NotFound: ``if_match`` is given and no file exists at ``path``; nothing is created.
            InvalidPath: ``path`` is invalid, empty, or names a folder.
            InvalidContent: ``content`` is neither bytes-like nor a binary stream.
            InvalidArgument: an option is invalid (before any I/O; the message names it).
            CapabilityNotSupported: the backend does not declare ``ATOMIC_WRITE``, or the
                capability an option needs (before any I/O).
        """
        if content_type is None and metadata is None and if_match is None and progress is None:
            self._write_plain(Operation.WRITE_ATOMIC, Capability.ATOMIC_WRITE, path, content, overwrite)
            return
        self._write(
            Operation.WRITE_ATOMIC,
            Capability.ATOMIC_WRITE,
            path,
            content,
            overwrite=overwrite,
            options=(content_type, metadata, if_match),
            progress=progress,
        )

    def _write_plain(
        self,
        operation: Operation,
        capability: Capability,
        path: PathLike,
        content: WriteContent,
        overwrite: bool,
    ) -> None:
        """A write without options: the checks of ``_write`` that can fail, in its order."""
        target = self._file_path(path, operation)
        if capability not in self._backend.capabilities:
            raise self._backend.context(operation, self._relative(target)).unsupported(capability)
        if not isinstance(content, _BYTES_LIKE):
            check_content(content, self._relative(target), operation=operation.value)
        if self._closed:
            raise self._closed_error(operation)
        backend = self._backend
        write = backend.write if operation is Operation.WRITE else backend.write_atomic
        try:
            write(target, content, overwrite=overwrite)
        except RemoteStoreError as error:
            self._translate(error, operation)
            raise
        except OSError as error:
            raise self._translate(backend.context(operation).os_error(error), operation) from error

    def _write(
        self,
        operation: Operation,
        capability: Capability,
        path: PathLike,
        content: WriteContent,
        *,
        overwrite: bool,
        options: tuple[str | None, Mapping[str, str] | None, str | None],
        progress: Progress | None,
    ) -> None:
        target = self._file_path(path, operation)
        self._require(capability, operation, target)
        check_content(content, self._relative(target), operation=operation.value)
        context = self._backend.context(operation, self._relative(target))
        content_type, metadata, if_match = options
        checked = check_write_options(
            context,
            self._backend.capabilities,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        check_progress(progress, context)
        # Only the options given reach the backend: one that declares none of their capabilities
        # keeps working with the write signature it was written for (BACKEND-022).
        extra: dict[str, Any] = {}
        for field in dataclasses.fields(checked):
            value = getattr(checked, field.name)
            if value is not None:
                extra[field.name] = value
        counted = None if progress is None else ProgressReader(content, progress)
        source: WriteContent = content if counted is None else counted
        write = self._backend.write if operation is Operation.WRITE else self._backend.write_atomic
        self._call(operation, lambda: write(target, source, overwrite=overwrite, **extra))
        if counted is not None:
            counted.finish()

    # -- reads ------------------------------------------------------------------------------

    def read(self, path: PathLike) -> BinaryIO:
        """Open the file at ``path`` for streaming reads.

        The result is a binary file object and a context manager; ``read(n)`` streams. Close it
        (or use ``with``) to release the file handle or connection. An error raised while
        reading it is a ``RemoteStoreError`` with the store-relative path, operation ``read``
        and the backend, as the call's own errors are (STORE-032). Where the backend declares
        ``SEEKABLE_READ`` the stream also has ``seek``, ``tell`` and ``readinto`` and reads only
        what is asked (Parquet, zip and HDF5 readers can take it as it is); elsewhere it may read
        forward only.

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
        target = self._file_path(path, Operation.READ_RANGE)
        _check_range(start, end, self._backend.context(Operation.READ_RANGE, self._relative(target)))
        self._require(Capability.SEEKABLE_READ, Operation.READ_RANGE, target)
        return self._call(Operation.READ_RANGE, lambda: self._backend.read_range(target, start, end))

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
        target = self._file_path(path, Operation.READ_TEXT)
        codecs.lookup(encoding)
        self._require(Capability.READ, Operation.READ_TEXT, target)
        data = self._call(Operation.READ_TEXT, lambda: self._backend.read_bytes(target))
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
        target = self._file_path(path, Operation.WRITE_TEXT)
        if not isinstance(text, str):
            message = f"text must be a str, not {type(text).__name__}; write bytes with write()"
            raise self._backend.context(Operation.WRITE_TEXT, self._relative(target)).error(
                InvalidContent, message
            )
        self._require(Capability.WRITE, Operation.WRITE_TEXT, target)
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError as error:
            reason = f"{error.reason} for {self._relative(target)!r}"
            raise UnicodeEncodeError(error.encoding, error.object, error.start, error.end, reason) from None
        self._call(Operation.WRITE_TEXT, lambda: self._backend.write(target, data, overwrite=overwrite))

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
        backend = self._backend
        if Capability.DELETE not in backend.capabilities:
            raise backend.context(Operation.DELETE, self._relative(target)).unsupported(Capability.DELETE)
        if self._closed:
            raise self._closed_error(Operation.DELETE)
        # The body of _call, without a closure per call.
        try:
            backend.delete(target, missing_ok=missing_ok)
        except RemoteStoreError as error:
            self._translate(error, Operation.DELETE)
            raise
        except OSError as error:
            raise self._translate(
                backend.context(Operation.DELETE).os_error(error), Operation.DELETE
            ) from error

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

    def copy(
        self, src: PathLike, dst: PathLike, *, overwrite: bool = False, progress: Progress | None = None
    ) -> None:
        """Copy the file ``src`` to ``dst``, keeping its content type and metadata where stored.

        With ``progress``, the copy (done inside the storage, no bytes pass through this process)
        is reported by one call with the size of the file copied, after it succeeded; learning that
        size costs one ``get_file_info`` of ``dst``.

        Raises:
            NotFound: no file at ``src``.
            AlreadyExists: ``overwrite=False`` and a file exists at ``dst``; nothing changed.
            InvalidPath: a path is invalid or empty, or ``src`` and ``dst`` are the same.
            InvalidArgument: ``progress`` is not callable (before any I/O).
            CapabilityNotSupported: the backend does not declare ``COPY`` (or, with ``progress``,
                ``METADATA``), before any I/O.
        """
        source, target = self._pair(src, dst, Operation.COPY)
        self._require(Capability.COPY, Operation.COPY, source)
        if progress is not None:
            context = self._backend.context(Operation.COPY, self._relative(source))
            check_progress(progress, context)
            if Capability.METADATA not in self._backend.capabilities:
                raise context.unsupported(Capability.METADATA, argument="progress")
        self._call(Operation.COPY, lambda: self._backend.copy(source, target, overwrite=overwrite))
        if progress is not None:
            info = self._call(Operation.COPY, lambda: self._backend.get_file_info(target))
            progress(info.size)

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
        return self._iterate(Operation.LIST_FILES, source, self._file_info if self._prefix else None)

    def list_folders(self, path: PathLike = "") -> Iterator[str]:
        """Lazily yield the names of the folders directly in folder ``path`` (their last segment).

        ``path`` joined with a name (``RemotePath(path) / name``) is that folder's store-relative
        path. Order is not guaranteed. A missing folder yields nothing.

        Raises:
            InvalidPath: ``path`` is invalid (raised at the call).
            CapabilityNotSupported: the backend does not declare ``LIST`` (raised at the call).
        """
        target = self._any_path(path, Operation.LIST_FOLDERS)
        self._require(Capability.LIST, Operation.LIST_FOLDERS, target)
        self._check_open(Operation.LIST_FOLDERS)
        source = self._call(Operation.LIST_FOLDERS, lambda: self._backend.list_folders(target))
        return self._iterate(Operation.LIST_FOLDERS, source, _last_segment)

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
        compiled = compile_glob(pattern, operation=Operation.GLOB.value)
        target = self._any_path(compiled.prefix, Operation.GLOB)
        self._require(Capability.LIST, Operation.GLOB, target)
        self._check_open(Operation.GLOB)
        source = self._call(
            Operation.GLOB, lambda: self._backend.list_files(target, recursive=compiled.recursive)
        )
        listing = self._iterate(Operation.GLOB, source, self._file_info)
        return _matching(listing, compiled.matches)

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

    # -- shareable URLs ---------------------------------------------------------------------

    def url(self, path: PathLike, *, expires_in: timedelta, method: str = "GET") -> str:
        """A time-limited URL with which a plain HTTP client GETs (or PUTs) the file at ``path``.

        The URL needs no credentials: anyone holding it can download the file (``method="GET"``)
        or upload one there (``"PUT"``, replacing what is there) until ``expires_in`` has passed,
        counted in whole seconds. No existence check is made: a GET URL of a missing file answers
        404 when fetched. Where the backend signs locally (S3, Azure with an account key) no
        request is sent. What each backend's URLs need and allow: specs/urls.md.

        Raises:
            InvalidPath: ``path`` is invalid or empty.
            ValueError: ``method`` is not ``"GET"`` or ``"PUT"``, or ``expires_in`` is shorter
                than one second or longer than the storage allows; the message names it.
            TypeError: ``expires_in`` is not a ``datetime.timedelta``.
            CapabilityNotSupported: the backend does not declare ``PRESIGNED_URL`` (before any I/O).
        """
        target = self._file_path(path, Operation.URL)
        verb = check_url_method(method)
        lifetime = check_url_expiry(expires_in)
        self._require(Capability.PRESIGNED_URL, Operation.URL, target)
        return self._call(Operation.URL, lambda: self._backend.url(target, expires_in=lifetime, method=verb))

    # -- derived stores ---------------------------------------------------------------------

    def child(self, subpath: PathLike) -> Store:
        """A ``Store`` on the same backend for the folder ``subpath`` of this store.

        The child does not own the backend: closing it leaves this store (and the backend) open,
        and closing this store's backend makes the child's calls raise ``StoreClosed``. No I/O.

        Raises:
            InvalidPath: ``subpath`` is invalid.
            StoreClosed: this store is closed.
        """
        target = self._any_path(subpath, Operation.CHILD)
        self._check_open(Operation.CHILD)
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
        try:
            relative = canonical_path(path)
        except InvalidPath as error:
            error.operation = operation.value
            raise
        if not relative:
            raise InvalidPath("a file path must not be empty", path=str(path), operation=operation.value)
        prefix = self._prefix
        return f"{prefix}/{relative}" if prefix else relative

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
            raise self._closed_error(operation)

    def _closed_error(self, operation: Operation) -> StoreClosed:
        return self._backend.context(operation).error(StoreClosed, "store is closed")

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

    def _iterate(
        self, operation: Operation, source: Iterator[T], convert: Callable[[T], T] | None
    ) -> Iterator[T]:
        try:
            if convert is None:  # nothing to change: the items pass through (not delegated:
                for item in source:  # a throw() into this iterator stays here, as with convert)
                    yield item
            else:
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


def _check_range(start: int, end: int, context: OperationContext) -> None:
    for name, bound in (("start", start), ("end", end)):
        if not isinstance(bound, int) or isinstance(bound, bool):
            raise context.error(InvalidRange, f"{name} must be an int, not {type(bound).__name__}")
        if bound < 0:
            raise context.error(InvalidRange, f"{name} must not be negative (got {bound})")
    if end < start:
        raise context.error(InvalidRange, f"end ({end}) must not be before start ({start})")
