"""``AsyncStore``: the ``Store`` API for asyncio programs, over any backend."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from .._backend import Backend
from .._behaviour import Behaviour
from .._capabilities import Capability, CapabilitySet
from .._content import DEFAULT_CHUNK_SIZE
from .._models import FileInfo, FolderInfo
from .._path import PathLike, RemotePath
from .._progress import Progress
from .._store import Store
from ._listing import AsyncListing
from ._read_ahead import DEFAULT_READ_AHEAD, check_read_ahead
from ._reader import AsyncReader
from ._runner import DEFAULT_MAX_WORKERS, Runner, awaitable, check_positive, outlast_cancellation
from ._source import (
    DEFAULT_QUEUE_CHUNKS,
    AsyncWriteContent,
    CancellableReader,
    SourceBridge,
    WriteCancelled,
    async_chunks,
    is_async_source,
    plain_stream,
)

if TYPE_CHECKING:  # annotations only: datetime is not imported with the package (CONFIG-018)
    from datetime import timedelta

__all__ = ["AsyncStore"]

T = TypeVar("T")


class AsyncStore:
    """The ``Store`` API as coroutines: one folder (``root_path``) of a ``Backend``, for asyncio code.

    Every ``Store`` method is here under the same name, with the same arguments, results, errors
    and capability gates, as a coroutine (``await store.write(...)``); the listings are lazy
    async iterators (``async for info in store.list_files(path)``) and ``read`` gives an
    ``AsyncReader``. Writes also accept async sources (``AsyncWriteContent``), streamed in bounded
    memory. The behaviour is the sync ``Store``'s, because each call runs a ``Store`` method:
    blocking calls run on a pool of at most ``max_workers`` threads that the store owns, so the
    event loop never blocks. ``await store.close()`` (or ``async with``) closes the pool and, if
    the store owns it, the backend.

    Cancelling a call is safe: a cancelled write leaves no partial file and no unfinished upload
    (the backend's write sees its content fail, as with ``KeyboardInterrupt`` in the sync API);
    a cancelled read releases its stream. The cancelled coroutine returns only once the worker
    thread is done, then raises ``CancelledError``.

    The properties, ``supports`` and ``closed`` do no I/O and stay plain attributes.

    Args:
        backend: the backend to delegate to.
        root_path: the folder of the backend this store is scoped to (``""`` for the whole backend).
        owns_backend: whether ``close()`` closes the backend too (a ``Registry`` passes ``False``).
        max_workers: the most threads running this store's blocking calls at once (1 whatever
            is asked if the backend's ``behaviour.thread_safe`` is false).
        chunk_size: the size of the chunks ``async for`` over a reader yields and an async
            stream's ``read`` is asked for.
        queue_chunks: the most chunks of an async source held between the loop and the writing
            thread.
        read_ahead: the most chunks of ``chunk_size`` bytes a reader holds ahead of its caller
            (read, or being read, on a worker); 0 reads nothing ahead.

    Raises:
        InvalidPath: ``root_path`` breaks a path rule.
        ValueError: ``max_workers``, ``chunk_size`` or ``queue_chunks`` is not a positive ``int``,
            or ``read_ahead`` is not an ``int`` >= 0.
    """

    def __init__(
        self,
        backend: Backend,
        root_path: PathLike = "",
        *,
        owns_backend: bool = True,
        max_workers: int = DEFAULT_MAX_WORKERS,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        queue_chunks: int = DEFAULT_QUEUE_CHUNKS,
        read_ahead: int = DEFAULT_READ_AHEAD,
    ) -> None:
        for name, value in (
            ("max_workers", max_workers),
            ("chunk_size", chunk_size),
            ("queue_chunks", queue_chunks),
        ):
            check_positive(name, value)
        check_read_ahead(read_ahead)
        self._store = Store(backend, root_path, owns_backend=owns_backend)
        self._max_workers_asked = max_workers
        # A backend that must not be shared between threads gets one call at a time.
        self._runner = Runner(max_workers if backend.behaviour.thread_safe else 1)
        self._chunk_size = chunk_size
        self._queue_chunks = queue_chunks
        self._read_ahead = read_ahead
        self._closed = False

    # -- properties -------------------------------------------------------------------------

    @property
    def backend(self) -> Backend:
        """The backend this store delegates to."""
        return self._store.backend

    @property
    def root_path(self) -> RemotePath:
        """The folder of the backend this store is scoped to."""
        return self._store.root_path

    @property
    def capabilities(self) -> CapabilitySet:
        """The capabilities the backend declares."""
        return self._store.capabilities

    @property
    def behaviour(self) -> Behaviour:
        """Facts about how the backend behaves (``Behaviour``)."""
        return self._store.behaviour

    @property
    def max_workers(self) -> int:
        """The most threads running this store's blocking calls at once."""
        return self._runner.max_workers

    def supports(self, capability: Capability) -> bool:
        """True if the backend declares ``capability``."""
        return self._store.supports(capability)

    # -- writes -----------------------------------------------------------------------------

    async def write(
        self,
        path: PathLike,
        content: AsyncWriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Write ``content`` to the file at ``path``: ``Store.write`` for async code.

        ``content`` is bytes-like, a sync readable binary stream (read on a worker), an async
        iterable of bytes, or an object with a coroutine ``read(size)``; streams are consumed in
        bounded memory (at most ``queue_chunks`` chunks between the loop and the worker).
        ``content_type``, ``metadata`` and ``if_match`` are ``Store.write``'s. ``progress`` is
        called on the event loop's thread, in order, and its last call comes before the write
        returns; an exception it raises goes to the loop's exception handler (AIO-015).

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path``; it is left unchanged.
            PreconditionFailed: ``if_match`` is not the file's ETag any more; nothing changed.
            NotFound: ``if_match`` is given and no file exists at ``path``.
            InvalidPath: ``path`` is invalid, empty, or names a folder.
            InvalidContent: ``content`` is not writable content, or a stream yields non-bytes.
            InvalidArgument: an option is invalid (before any I/O).
            CapabilityNotSupported: the backend does not declare ``WRITE`` or an option's capability.
            StoreClosed: the store is closed.
        """
        options = _options(content_type, metadata, if_match, progress)
        await self._write(self._store.write, path, content, overwrite, options)

    async def write_atomic(
        self,
        path: PathLike,
        content: AsyncWriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Like ``write``; readers see the old file or the whole new one: ``Store.write_atomic``.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path``; it is left unchanged.
            PreconditionFailed: ``if_match`` is not the file's ETag any more; nothing changed.
            InvalidPath: ``path`` is invalid, empty, or names a folder.
            InvalidContent: ``content`` is not writable content, or a stream yields non-bytes.
            InvalidArgument: an option is invalid (before any I/O).
            CapabilityNotSupported: the backend does not declare ``ATOMIC_WRITE`` or an option's
                capability.
            StoreClosed: the store is closed.
        """
        options = _options(content_type, metadata, if_match, progress)
        await self._write(self._store.write_atomic, path, content, overwrite, options)

    # -- reads ------------------------------------------------------------------------------

    async def read(self, path: PathLike) -> AsyncReader:
        """Open the file at ``path`` as an ``AsyncReader`` (close it, or use ``async with``).

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``READ``.
            StoreClosed: the store is closed.
        """
        stream: BinaryIO = await self._run(lambda store: store.read(path), cleanup=_close_stream)
        return AsyncReader(stream, self._runner, chunk_size=self._chunk_size, read_ahead=self._read_ahead)

    async def read_bytes(self, path: PathLike) -> bytes:
        """The whole content of the file at ``path``.

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``READ``.
            StoreClosed: the store is closed.
        """
        return await self._run(lambda store: store.read_bytes(path))

    async def read_range(self, path: PathLike, start: int, end: int) -> bytes:
        """The bytes ``start`` to ``end`` (excluded) of the file at ``path``: ``Store.read_range``.

        Raises:
            InvalidRange: ``start`` or ``end`` is not an ``int``, is negative, or ``end < start``.
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``SEEKABLE_READ``.
            StoreClosed: the store is closed.
        """
        return await self._run(lambda store: store.read_range(path, start, end))

    async def read_text(self, path: PathLike, encoding: str = "utf-8", errors: str = "strict") -> str:
        """The content of the file at ``path``, decoded: ``Store.read_text``.

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``READ``.
            LookupError: ``encoding`` names no codec.
            UnicodeDecodeError: the content is not text in ``encoding`` (with ``errors="strict"``).
            StoreClosed: the store is closed.
        """
        return await self._run(lambda store: store.read_text(path, encoding, errors))

    async def write_text(
        self, path: PathLike, text: str, encoding: str = "utf-8", *, overwrite: bool = False
    ) -> None:
        """Write ``text`` encoded with ``encoding`` to the file at ``path``: ``Store.write_text``.

        Raises:
            AlreadyExists: ``overwrite=False`` and a file exists at ``path``; it is left unchanged.
            InvalidPath: ``path`` is invalid, empty, or names a folder.
            InvalidContent: ``text`` is not a ``str``.
            CapabilityNotSupported: the backend does not declare ``WRITE``.
            LookupError: ``encoding`` names no codec.
            UnicodeEncodeError: ``text`` cannot be encoded in ``encoding``.
            StoreClosed: the store is closed.
        """
        await self._run(lambda store: store.write_text(path, text, encoding, overwrite=overwrite))

    # -- queries ----------------------------------------------------------------------------

    async def exists(self, path: PathLike = "") -> bool:
        """True if ``path`` is a file or a folder; ``""`` (the root) always exists.

        Raises:
            InvalidPath: ``path`` is invalid.
            StoreClosed: the store is closed.
        """
        return await self._run(lambda store: store.exists(path))

    async def is_file(self, path: PathLike) -> bool:
        """True if a file exists at ``path``.

        Raises:
            InvalidPath: ``path`` is invalid.
            StoreClosed: the store is closed.
        """
        return await self._run(lambda store: store.is_file(path))

    async def is_folder(self, path: PathLike = "") -> bool:
        """True if ``path`` is a folder; ``""`` (the root) is always a folder.

        Raises:
            InvalidPath: ``path`` is invalid.
            StoreClosed: the store is closed.
        """
        return await self._run(lambda store: store.is_folder(path))

    # -- deletes ----------------------------------------------------------------------------

    async def delete(self, path: PathLike, *, missing_ok: bool = False) -> None:
        """Delete the file at ``path``.

        Raises:
            NotFound: no file at ``path`` and ``missing_ok`` is false.
            InvalidPath: ``path`` is invalid, empty, or a folder.
            CapabilityNotSupported: the backend does not declare ``DELETE``.
            StoreClosed: the store is closed.
        """
        await self._run(lambda store: store.delete(path, missing_ok=missing_ok))

    async def delete_folder(
        self, path: PathLike, *, recursive: bool = False, missing_ok: bool = False
    ) -> None:
        """Delete the folder at ``path``; with ``recursive=True`` everything below it too.

        Raises:
            DirectoryNotEmpty: the folder is not empty and ``recursive`` is false; nothing deleted.
            NotFound: no folder at ``path`` and ``missing_ok`` is false.
            InvalidPath: ``path`` is invalid, the store root (``""``), or a file.
            CapabilityNotSupported: the backend does not declare ``DELETE``.
            StoreClosed: the store is closed.
        """
        await self._run(lambda store: store.delete_folder(path, recursive=recursive, missing_ok=missing_ok))

    # -- move and copy ----------------------------------------------------------------------

    async def move(self, src: PathLike, dst: PathLike, *, overwrite: bool = False) -> None:
        """Move the file ``src`` to ``dst``. Atomic only where ``ATOMIC_MOVE`` is declared.

        Raises:
            NotFound: no file at ``src``.
            AlreadyExists: ``overwrite=False`` and a file exists at ``dst``; nothing changed.
            InvalidPath: a path is invalid or empty, or ``src`` and ``dst`` are the same.
            CapabilityNotSupported: the backend does not declare ``MOVE``.
            StoreClosed: the store is closed.
        """
        await self._run(lambda store: store.move(src, dst, overwrite=overwrite))

    async def copy(
        self, src: PathLike, dst: PathLike, *, overwrite: bool = False, progress: Progress | None = None
    ) -> None:
        """Copy the file ``src`` to ``dst``: ``Store.copy``; ``progress`` is called on the loop's thread.

        Raises:
            NotFound: no file at ``src``.
            AlreadyExists: ``overwrite=False`` and a file exists at ``dst``; nothing changed.
            InvalidPath: a path is invalid or empty, or ``src`` and ``dst`` are the same.
            CapabilityNotSupported: the backend does not declare ``COPY``.
            StoreClosed: the store is closed.
        """
        on_loop = _on_loop(progress)
        await self._run(lambda store: store.copy(src, dst, overwrite=overwrite, progress=on_loop))

    # -- listing and metadata ---------------------------------------------------------------

    def list_files(self, path: PathLike = "", *, recursive: bool = False) -> AsyncListing[FileInfo]:
        """Lazily yield ``FileInfo`` for the files in folder ``path`` (all below it if ``recursive``).

        Not a coroutine: ``async for info in store.list_files(path)``. Order is not guaranteed; a
        missing folder yields nothing.

        Raises:
            InvalidPath: ``path`` is invalid (raised by ``prepare()`` or the first ``__anext__``).
            CapabilityNotSupported: the backend does not declare ``LIST`` (likewise).
            StoreClosed: the store is closed (likewise).
        """
        return self._listing(lambda store: store.list_files(path, recursive=recursive))

    def list_folders(self, path: PathLike = "") -> AsyncListing[str]:
        """Lazily yield the store-relative paths of the folders directly in folder ``path``.

        Raises:
            InvalidPath: ``path`` is invalid (raised by ``prepare()`` or the first ``__anext__``).
            CapabilityNotSupported: the backend does not declare ``LIST`` (likewise).
            StoreClosed: the store is closed (likewise).
        """
        return self._listing(lambda store: store.list_folders(path))

    def glob(self, pattern: str) -> AsyncListing[FileInfo]:
        """Lazily yield ``FileInfo`` for the files whose store-relative path matches ``pattern``.

        ``Store.glob``'s patterns (``*``, ``?``, ``[abc]``, ``**``); not a coroutine:
        ``async for info in store.glob("reports/**/*.csv")``.

        Raises:
            InvalidPath: ``pattern`` is not a valid pattern (raised by ``prepare()`` or the first
                ``__anext__``).
            CapabilityNotSupported: the backend does not declare ``LIST`` (likewise).
            StoreClosed: the store is closed (likewise).
        """
        return self._listing(lambda store: store.glob(pattern))

    async def get_file_info(self, path: PathLike) -> FileInfo:
        """Metadata of the file at ``path``.

        Raises:
            NotFound: no file at ``path``.
            InvalidPath: ``path`` is invalid or empty.
            CapabilityNotSupported: the backend does not declare ``METADATA``.
            StoreClosed: the store is closed.
        """
        return await self._run(lambda store: store.get_file_info(path))

    async def get_folder_info(self, path: PathLike = "") -> FolderInfo:
        """File count, total size and newest modification time of everything below folder ``path``.

        Raises:
            NotFound: ``path`` is not a folder.
            InvalidPath: ``path`` is invalid.
            CapabilityNotSupported: the backend does not declare ``METADATA``.
            StoreClosed: the store is closed.
        """
        return await self._run(lambda store: store.get_folder_info(path))

    # -- shareable URLs ---------------------------------------------------------------------

    async def url(self, path: PathLike, *, expires_in: timedelta, method: str = "GET") -> str:
        """A time-limited URL with which a plain HTTP client GETs (or PUTs) the file at ``path``.

        Like ``Store.url`` (specs/urls.md); minting may resolve credentials or send a request, so
        it runs on the store's workers.

        Raises:
            InvalidPath: ``path`` is invalid or empty.
            ValueError: ``method`` is not ``"GET"`` or ``"PUT"``, or ``expires_in`` is out of the
                storage's limits; the message names it.
            TypeError: ``expires_in`` is not a ``datetime.timedelta``.
            CapabilityNotSupported: the backend does not declare ``PRESIGNED_URL`` (before any I/O).
            StoreClosed: the store is closed.
        """
        return await self._run(lambda store: store.url(path, expires_in=expires_in, method=method))

    # -- derived stores ---------------------------------------------------------------------

    def child(self, subpath: PathLike) -> AsyncStore:
        """An ``AsyncStore`` on the same backend for the folder ``subpath`` of this store: no I/O.

        Like ``Store.child``: the child does not own the backend. It has workers of its own (as
        many at most, started on demand), so closing either store leaves the other usable.

        Raises:
            InvalidPath: ``subpath`` is invalid.
            StoreClosed: this store is closed.
        """
        view = self._closed_view() if self._closed else self._store
        scoped = view.child(subpath)
        return AsyncStore(
            scoped.backend,
            scoped.root_path,
            owns_backend=False,
            max_workers=self._max_workers_asked,
            chunk_size=self._chunk_size,
            queue_chunks=self._queue_chunks,
            read_ahead=self._read_ahead,
        )

    # -- lifecycle --------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the store (and the backend, if the store owns it) and its workers; idempotent.

        Any later call raises ``StoreClosed``; calls already running finish first.
        """
        if self._closed:
            return
        self._closed = True
        try:
            await self._runner.run(self._store.close)
        finally:
            self._runner.shutdown()

    def _close_now(self) -> None:
        # Registry.close, which is sync: the store does not own its backend (the registry closes
        # it), so closing the Store is no I/O; the workers end once their calls are done.
        self._closed = True
        self._store.close()
        self._runner.shutdown()

    @property
    def closed(self) -> bool:
        """True once ``close()`` has been called."""
        return self._closed

    async def __aenter__(self) -> AsyncStore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncStore(backend={self.backend!r}, root_path={str(self.root_path)!r})"

    # -- internals --------------------------------------------------------------------------

    def _closed_view(self) -> Store:
        # A closed Store over the same backend raises StoreClosed for every call, after the same
        # path checks, without any I/O: the errors of a closed AsyncStore are the Store's own.
        view = Store(self._store.backend, self._store.root_path, owns_backend=False)
        view.close()
        return view

    async def _run(self, call: Callable[[Store], T], cleanup: Callable[[T], object] | None = None) -> T:
        if self._closed:
            return call(self._closed_view())
        store = self._store
        return await self._runner.run(lambda: call(store), cleanup)

    def _listing(self, call: Callable[[Store], Iterator[T]]) -> AsyncListing[T]:
        store = self._closed_view() if self._closed else self._store
        return AsyncListing(lambda: call(store), self._runner, inline=self._closed)

    async def _write(
        self,
        write: Callable[..., None],
        path: PathLike,
        content: AsyncWriteContent,
        overwrite: bool,
        options: dict[str, Any],
    ) -> None:
        if self._closed:
            view = self._closed_view()
            getattr(view, write.__name__)(
                path, b"" if is_async_source(content) else content, overwrite=overwrite, **options
            )
            return
        if is_async_source(content):
            await self._write_source(write, path, content, overwrite, options)
            return
        if not plain_stream(content):
            # Bytes, or content the Store rejects (in its own order of checks): one call, which a
            # worker runs to its end even if the caller is cancelled (a whole file or none).
            await self._runner.run(lambda: write(path, content, overwrite=overwrite, **options))
            return
        reader = CancellableReader(content)  # type: ignore[arg-type]
        work = self._runner.submit(lambda: write(path, reader, overwrite=overwrite, **options))
        try:
            await asyncio.shield(awaitable(work))
        except asyncio.CancelledError:
            reader.cancel()
            await outlast_cancellation(work)
            raise

    async def _write_source(
        self,
        write: Callable[..., None],
        path: PathLike,
        content: object,
        overwrite: bool,
        options: dict[str, Any],
    ) -> None:
        bridge = SourceBridge(asyncio.get_running_loop(), self._queue_chunks)
        work = self._runner.submit(lambda: write(path, bridge, overwrite=overwrite, **options))
        done = awaitable(work)
        done.add_done_callback(lambda _: bridge.release())
        chunks = async_chunks(content, self._chunk_size)
        try:
            async for chunk in chunks:
                if isinstance(chunk, (bytes, bytearray, memoryview)) and not len(chunk):
                    continue  # b"" would read as the end
                await bridge.put(chunk)
                if done.done():
                    break  # the write ended without the rest (it failed): its error is raised below
            await chunks.aclose()  # the source itself is the caller's: it is not closed
            bridge.end()
            await asyncio.shield(done)
        except asyncio.CancelledError:
            bridge.fail(WriteCancelled())
            await outlast_cancellation(work)
            raise
        except BaseException as error:
            if done.done():
                raise
            # The source failed: the backend's write sees the failure from read() and aborts;
            # its error (the source's own, or one chaining it: STREAM-008) is the call's.
            bridge.fail(error)
            await outlast_cancellation(work)
            failure = work.exception()
            if failure is not None:
                raise failure  # noqa: B904 - it chains the source's error itself, or is it
            raise


def _options(
    content_type: str | None, metadata: Mapping[str, str] | None, if_match: str | None, progress: object
) -> dict[str, Any]:
    """The keyword options of a ``Store`` write, ``progress`` moved to the running loop's thread."""
    return {
        "content_type": content_type,
        "metadata": metadata,
        "if_match": if_match,
        "progress": _on_loop(progress),
    }


def _on_loop(progress: Any) -> Any:
    """``progress`` called on the running loop's thread, or ``progress`` itself (``None``, not callable).

    The worker's calls are queued in order with ``call_soon_threadsafe``, before the write's own
    completion wakes the caller: the caller sees the last call before the write returns.
    """
    if progress is None or not callable(progress):
        return progress  # the Store refuses what is not callable, as it does for sync callers
    loop = asyncio.get_running_loop()
    return lambda done: loop.call_soon_threadsafe(progress, done)


def _close_stream(stream: BinaryIO) -> None:
    stream.close()
