"""``Backend``: the adapter contract every backend package implements."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, BinaryIO, ClassVar

from ._behaviour import Behaviour
from ._capabilities import Capability, CapabilitySet
from ._content import WriteContent
from ._errors import NotFound, RemoteStoreError
from ._models import FileInfo, FolderInfo
from ._operation import Operation, OperationContext
from ._path import RemotePath

if TYPE_CHECKING:  # annotations only: datetime is not imported with the package (CONFIG-018)
    from datetime import datetime, timedelta

__all__ = ["Backend"]

_STRICT = Behaviour()


class Backend(abc.ABC):
    """The contract between ``Store`` and a storage system (specs/backend.md).

    A backend implements the operations its ``capabilities`` declare. Operations it does not
    declare keep the default implementation here, which raises ``CapabilityNotSupported``;
    ``Store`` checks capabilities before delegating, so those defaults are a second line.

    Paths given to a backend are canonical ``RemotePath`` text relative to the backend's own root
    (``""`` is that root), already validated by ``Store``. Errors a backend raises carry that same
    backend-relative path in ``path``; ``Store`` rewrites it to the store-relative path. Results
    (``FileInfo.path``, folder paths) are backend-relative too.

    Rules every backend follows (specs/backend.md):

    - raise only ``RemoteStoreError`` subclasses, with the lower-level exception as ``__cause__``,
      each built by the call's ``self.context(Operation.X, path)`` (``OperationContext``);
    - declare in ``behaviour`` where the storage departs from the strict, file-system answers;
    - a failed call changes nothing (no partial file, no stray temporary object);
    - one instance is safe to share between threads;
    - ``close()`` is idempotent and releases every resource the backend holds;
    - construction does no I/O and no network call; options are the keyword arguments of
      ``__init__`` (the registry validates names against its signature) and ``SECRET_OPTIONS``
      names those that must never be shown.

    Backend types register under the entry-point group ``remote_store.backends``.
    """

    type_name: ClassVar[str] = "backend"
    """The backend type name used in configuration (``"local"``, ``"s3"``, ...)."""

    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset()
    """Options whose values are secrets: masked in every repr, log line and error."""

    @property
    @abc.abstractmethod
    def capabilities(self) -> CapabilitySet:
        """The capabilities this backend instance supports; constant for its lifetime."""

    @property
    def behaviour(self) -> Behaviour:
        """Facts about how this backend behaves (``Behaviour``); constant for its lifetime.

        The default is the strict, file-system behaviour; backends override it to declare theirs.
        """
        return _STRICT

    def context(self, operation: Operation, path: str | None = None) -> OperationContext:
        """The ``OperationContext`` of one call of ``operation`` on ``path``: it builds the call's errors."""
        return OperationContext(operation, self.type_name, path)

    # -- queries that every backend answers -------------------------------------------------

    @abc.abstractmethod
    def is_file(self, path: str) -> bool:
        """True if a file exists at ``path``; never raises ``NotFound``."""

    @abc.abstractmethod
    def is_folder(self, path: str) -> bool:
        """True if ``path`` is a folder holding at least one entry, or is the root (``""``).

        Backends with real folders (local) also report empty folders. Never raises ``NotFound``.
        """

    def exists(self, path: str) -> bool:
        """True if ``path`` is a file or a folder; never raises ``NotFound``."""
        try:
            return self.is_file(path) or self.is_folder(path)
        except RemoteStoreError as error:
            self.context(Operation.EXISTS, path).claim(error)  # a default names its own operation
            raise

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
        """Write ``content`` to the file at ``path``, creating parent folders as needed.

        Guarantees: memory stays bounded whatever the size of a streamed ``content``; with
        ``overwrite=False`` the create is race-free (of concurrent creators exactly one wins); a
        failed write leaves no partial file.

        ``content_type``, ``metadata`` and ``if_match`` come only when given, and ``Store`` gives
        each only to a backend declaring its capability (``CONTENT_TYPE``, ``USER_METADATA``,
        ``CONDITIONAL_WRITE``), validated by ``backend_tools.check_write_options`` (BACKEND-022).
        A backend validates them with that same function when called directly.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path`` (unchanged).
            PreconditionFailed: ``if_match`` is not the file's current ETag (unchanged).
            NotFound: ``if_match`` is given and there is no file at ``path`` (nothing created).
            InvalidPath: ``path`` is a folder, or a parent is a file.
            CapabilityNotSupported: the backend does not declare ``WRITE``.
        """
        raise self.context(Operation.WRITE, path).unsupported(Capability.WRITE)

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
        """Like ``write``, and readers see the old file or the whole new one, never a part.

        Takes the options of ``write``.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path`` (unchanged).
            PreconditionFailed: ``if_match`` is not the file's current ETag (unchanged).
            CapabilityNotSupported: the backend does not declare ``ATOMIC_WRITE``.
        """
        raise self.context(Operation.WRITE_ATOMIC, path).unsupported(Capability.ATOMIC_WRITE)

    # -- reads ------------------------------------------------------------------------------

    def read(self, path: str) -> BinaryIO:
        """Open the file at ``path`` for streaming reads; the caller closes the stream.

        Raises:
            NotFound: no file at ``path`` (a folder is not a file).
            CapabilityNotSupported: the backend does not declare ``READ``.
        """
        raise self.context(Operation.READ, path).unsupported(Capability.READ)

    def read_bytes(self, path: str) -> bytes:
        """The whole content of the file at ``path``.

        Raises:
            NotFound: no file at ``path``.
        """
        try:
            with self.read(path) as stream:
                return stream.read()
        except RemoteStoreError as error:
            self.context(Operation.READ_BYTES, path).claim(error)  # a default names its own operation
            raise

    def read_range(self, path: str, start: int, end: int) -> bytes:
        """The bytes ``start`` to ``end`` (excluded) of the file at ``path``, like ``data[start:end]``.

        ``Store`` has checked ``0 <= start <= end``; a range past the end of the file gives what
        exists (``b""`` when ``start`` is past it). Backends override this to fetch the range in one
        request; the default seeks the stream of ``read``.

        Raises:
            NotFound: no file at ``path``.
            CapabilityNotSupported: the backend does not declare ``SEEKABLE_READ``.
        """
        context = self.context(Operation.READ_RANGE, path)
        if Capability.SEEKABLE_READ not in self.capabilities:
            raise context.unsupported(Capability.SEEKABLE_READ)
        try:
            with self.read(path) as stream:
                stream.seek(start)
                parts: list[bytes] = []
                wanted = end - start
                while wanted > 0:
                    chunk = stream.read(wanted)
                    if not chunk:
                        break
                    parts.append(chunk)
                    wanted -= len(chunk)
                return b"".join(parts)
        except RemoteStoreError as error:
            context.claim(error)  # a default built on another operation names its own
            raise
        except OSError as error:
            raise context.os_error(error) from error

    # -- deletes ----------------------------------------------------------------------------

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        """Delete the file at ``path``.

        Raises:
            NotFound: no file at ``path`` and ``missing_ok`` is false.
            InvalidPath: ``path`` is a folder (use ``delete_folder``).
        """
        raise self.context(Operation.DELETE, path).unsupported(Capability.DELETE)

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        """Delete the folder at ``path`` (and, with ``recursive=True``, everything below it).

        Raises:
            DirectoryNotEmpty: the folder has entries and ``recursive`` is false; nothing deleted.
            NotFound: no folder at ``path`` and ``missing_ok`` is false.
            InvalidPath: ``path`` is the root or a file.
        """
        raise self.context(Operation.DELETE_FOLDER, path).unsupported(Capability.DELETE)

    # -- move and copy ----------------------------------------------------------------------

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        """Move the file ``src`` to ``dst``; atomic only if ``ATOMIC_MOVE`` is declared.

        Raises:
            NotFound: no file at ``src``.
            AlreadyExists: ``overwrite=False`` and a file exists at ``dst``; nothing changed.
        """
        raise self.context(Operation.MOVE, src).unsupported(Capability.MOVE)

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        """Copy the file ``src`` to ``dst``, with its content type and user metadata where stored.

        Raises:
            NotFound: no file at ``src``.
            AlreadyExists: ``overwrite=False`` and a file exists at ``dst``; nothing changed.
        """
        raise self.context(Operation.COPY, src).unsupported(Capability.COPY)

    # -- listing and metadata ---------------------------------------------------------------

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        """Lazily yield the files directly in folder ``path`` (all below it if ``recursive``).

        Order is not guaranteed. A missing folder yields nothing. Paths are backend-relative.
        """
        raise self.context(Operation.LIST_FILES, path).unsupported(Capability.LIST)

    def list_folders(self, path: str) -> Iterator[str]:
        """Lazily yield the backend-relative paths of the folders directly in folder ``path``.

        (``Store.list_folders`` hands its callers the folders' names: the last segment.)
        """
        raise self.context(Operation.LIST_FOLDERS, path).unsupported(Capability.LIST)

    def get_file_info(self, path: str) -> FileInfo:
        """Metadata of the file at ``path``.

        Raises:
            NotFound: no file at ``path``.
        """
        raise self.context(Operation.GET_FILE_INFO, path).unsupported(Capability.METADATA)

    def get_folder_info(self, path: str) -> FolderInfo:
        """File count, total size and newest modification time of everything below ``path``.

        The default walks ``list_files(path, recursive=True)``.

        Raises:
            NotFound: ``path`` is not a folder.
            CapabilityNotSupported: the backend does not declare ``METADATA``.
        """
        context = self.context(Operation.GET_FOLDER_INFO, path)
        if Capability.METADATA not in self.capabilities:
            raise context.unsupported(Capability.METADATA)
        count = 0
        total = 0
        newest: datetime | None = None
        try:
            if not self.is_folder(path):
                raise context.error(NotFound, "no such folder")
            for info in self.list_files(path, recursive=True):
                count += 1
                total += info.size
                if newest is None or info.modified_at > newest:
                    newest = info.modified_at
        except RemoteStoreError as error:
            context.claim(error)  # a default built on other operations names its own
            raise
        return FolderInfo(path=RemotePath(path), file_count=count, total_size=total, modified_at=newest)

    # -- shareable URLs ---------------------------------------------------------------------

    def url(self, path: str, *, expires_in: timedelta, method: str = "GET") -> str:
        """A URL that lets a plain HTTP client GET (or PUT) the file at ``path`` for ``expires_in``.

        ``Store`` has checked the arguments: ``method`` is ``"GET"`` or ``"PUT"`` and ``expires_in``
        whole seconds, at least one (specs/urls.md). A backend checks its own longest
        ``expires_in`` first (``backend_tools.check_url_limit``), then signs; it does not check
        that the file exists.

        Raises:
            ValueError: ``expires_in`` is longer than the storage allows, naming ``expires_in``.
            CapabilityNotSupported: the backend does not declare ``PRESIGNED_URL``.
        """
        raise self.context(Operation.URL, path).unsupported(Capability.PRESIGNED_URL)

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:  # noqa: B027 - a no-op default is the contract for resource-free backends
        """Release every resource the backend holds; idempotent. The default does nothing."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} type={self.type_name!r}>"
