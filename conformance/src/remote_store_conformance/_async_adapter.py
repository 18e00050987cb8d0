"""``AsyncBackedStore``: the ``Store`` API run through ``AsyncStore``, so the suite checks both.

Each call runs the matching ``AsyncStore`` coroutine on a private event loop (one thread per
process, started on first use) and waits for it. Every suite test written against ``Store`` thus
runs unchanged through ``AsyncStore`` (CONF-013): validation, capability gates, errors, path
translation, streaming reads and writes, lazy listings and closing all go through the async
layer, its worker pool and its listing batches.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from datetime import timedelta
from types import TracebackType
from typing import Any, TypeVar

from remote_store import (
    Backend,
    Behaviour,
    Capability,
    CapabilitySet,
    FileInfo,
    FolderInfo,
    PathLike,
    RemotePath,
)
from remote_store.aio import AsyncListing, AsyncReader, AsyncStore, AsyncWriteContent

__all__ = ["AsyncBackedStore", "SyncReader"]

T = TypeVar("T")

_LOCK = threading.Lock()
_LOOP: asyncio.AbstractEventLoop | None = None


def _loop() -> asyncio.AbstractEventLoop:
    global _LOOP  # one private loop per process, started on first use
    with _LOCK:
        if _LOOP is None:
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="remote-store-conformance-loop", daemon=True
            ).start()
            _LOOP = loop
        return _LOOP


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run_coroutine_threadsafe(coroutine, _loop()).result()


class SyncReader:
    """A sync binary stream over an ``AsyncReader``: what ``AsyncBackedStore.read`` returns."""

    def __init__(self, reader: AsyncReader) -> None:
        self._reader = reader

    @property
    def closed(self) -> bool:
        """True once closed."""
        return self._reader.closed

    def readable(self) -> bool:
        """Always true."""
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        """``await reader.read(size)``; ``None`` reads everything, as for a file."""
        return _run(self._reader.read(-1 if size is None else size))

    def readline(self, size: int | None = -1, /) -> bytes:
        """``await reader.readline(size)``."""
        return _run(self._reader.readline(-1 if size is None else size))

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """``await reader.readinto(buffer)``."""
        return _run(self._reader.readinto(buffer))

    def seekable(self) -> bool:
        """``reader.seekable()``."""
        return self._reader.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        """``await reader.seek(offset, whence)``."""
        return _run(self._reader.seek(offset, whence))

    def tell(self) -> int:
        """``await reader.tell()``."""
        return _run(self._reader.tell())

    def __iter__(self) -> Iterator[bytes]:
        """The lines, as a file's iteration gives them."""
        while line := self.readline():
            yield line

    def close(self) -> None:
        """``await reader.close()``."""
        _run(self._reader.close())

    def __enter__(self) -> SyncReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SyncReader({self._reader!r})"


def _entries(listing: AsyncListing[T]) -> Iterator[T]:
    try:
        while True:
            try:
                yield _run(listing.__anext__())
            except StopAsyncIteration:
                return
    finally:
        _run(listing.aclose())


class AsyncBackedStore:
    """A ``Store`` look-alike whose every method runs the ``AsyncStore`` coroutine of the same name.

    Takes ``Store``'s arguments. Listings make the listing call at the call (``prepare()``) and
    take entries as they are consumed, as ``Store``'s do.

    Raises:
        InvalidPath: ``root_path`` breaks a path rule.
    """

    def __init__(self, backend: Backend, root_path: PathLike = "", *, owns_backend: bool = True) -> None:
        self.async_store = AsyncStore(backend, root_path, owns_backend=owns_backend)

    @property
    def backend(self) -> Backend:
        """``AsyncStore.backend``."""
        return self.async_store.backend

    @property
    def root_path(self) -> RemotePath:
        """``AsyncStore.root_path``."""
        return self.async_store.root_path

    @property
    def capabilities(self) -> CapabilitySet:
        """``AsyncStore.capabilities``."""
        return self.async_store.capabilities

    @property
    def behaviour(self) -> Behaviour:
        """``AsyncStore.behaviour``."""
        return self.async_store.behaviour

    @property
    def closed(self) -> bool:
        """``AsyncStore.closed``."""
        return self.async_store.closed

    def supports(self, capability: Capability) -> bool:
        """``AsyncStore.supports``."""
        return self.async_store.supports(capability)

    def write(
        self, path: PathLike, content: AsyncWriteContent, *, overwrite: bool = False, **options: Any
    ) -> None:
        """``AsyncStore.write``; ``options`` are its keyword options (``content_type``, ...)."""
        _run(self.async_store.write(path, content, overwrite=overwrite, **options))

    def write_atomic(
        self, path: PathLike, content: AsyncWriteContent, *, overwrite: bool = False, **options: Any
    ) -> None:
        """``AsyncStore.write_atomic``; ``options`` are its keyword options."""
        _run(self.async_store.write_atomic(path, content, overwrite=overwrite, **options))

    def read(self, path: PathLike) -> SyncReader:
        """``AsyncStore.read``, as a sync stream."""
        return SyncReader(_run(self.async_store.read(path)))

    def read_bytes(self, path: PathLike) -> bytes:
        """``AsyncStore.read_bytes``."""
        return _run(self.async_store.read_bytes(path))

    def exists(self, path: PathLike = "") -> bool:
        """``AsyncStore.exists``."""
        return _run(self.async_store.exists(path))

    def is_file(self, path: PathLike) -> bool:
        """``AsyncStore.is_file``."""
        return _run(self.async_store.is_file(path))

    def is_folder(self, path: PathLike = "") -> bool:
        """``AsyncStore.is_folder``."""
        return _run(self.async_store.is_folder(path))

    def delete(self, path: PathLike, *, missing_ok: bool = False) -> None:
        """``AsyncStore.delete``."""
        _run(self.async_store.delete(path, missing_ok=missing_ok))

    def delete_folder(self, path: PathLike, *, recursive: bool = False, missing_ok: bool = False) -> None:
        """``AsyncStore.delete_folder``."""
        _run(self.async_store.delete_folder(path, recursive=recursive, missing_ok=missing_ok))

    def move(self, src: PathLike, dst: PathLike, *, overwrite: bool = False) -> None:
        """``AsyncStore.move``."""
        _run(self.async_store.move(src, dst, overwrite=overwrite))

    def copy(
        self,
        src: PathLike,
        dst: PathLike,
        *,
        overwrite: bool = False,
        progress: Callable[[int], object] | None = None,
    ) -> None:
        """``AsyncStore.copy``."""
        _run(self.async_store.copy(src, dst, overwrite=overwrite, progress=progress))

    def list_files(self, path: PathLike = "", *, recursive: bool = False) -> Iterator[FileInfo]:
        """``AsyncStore.list_files``, its listing call made now, its entries taken as consumed."""
        listing = self.async_store.list_files(path, recursive=recursive)
        _run(listing.prepare())
        return _entries(listing)

    def list_folders(self, path: PathLike = "") -> Iterator[str]:
        """``AsyncStore.list_folders``, its listing call made now, its entries taken as consumed."""
        listing = self.async_store.list_folders(path)
        _run(listing.prepare())
        return _entries(listing)

    def read_range(self, path: PathLike, start: int, end: int) -> bytes:
        """``AsyncStore.read_range``."""
        return _run(self.async_store.read_range(path, start, end))

    def read_text(self, path: PathLike, encoding: str = "utf-8", errors: str = "strict") -> str:
        """``AsyncStore.read_text``."""
        return _run(self.async_store.read_text(path, encoding, errors))

    def write_text(
        self, path: PathLike, text: str, encoding: str = "utf-8", *, overwrite: bool = False
    ) -> None:
        """``AsyncStore.write_text``."""
        _run(self.async_store.write_text(path, text, encoding, overwrite=overwrite))

    def glob(self, pattern: str) -> Iterator[FileInfo]:
        """``AsyncStore.glob``, its listing call made now, its entries taken as consumed."""
        listing = self.async_store.glob(pattern)
        _run(listing.prepare())
        return _entries(listing)

    def child(self, subpath: PathLike) -> AsyncBackedStore:
        """``AsyncStore.child``, behind another ``AsyncBackedStore``."""
        return AsyncBackedStore._over(self.async_store.child(subpath))

    @classmethod
    def _over(cls, async_store: AsyncStore) -> AsyncBackedStore:
        adapter = cls.__new__(cls)
        adapter.async_store = async_store
        return adapter

    def get_file_info(self, path: PathLike) -> FileInfo:
        """``AsyncStore.get_file_info``."""
        return _run(self.async_store.get_file_info(path))

    def get_folder_info(self, path: PathLike = "") -> FolderInfo:
        """``AsyncStore.get_folder_info``."""
        return _run(self.async_store.get_folder_info(path))

    def url(self, path: PathLike, *, expires_in: timedelta, method: str = "GET") -> str:
        """``AsyncStore.url``."""
        return _run(self.async_store.url(path, expires_in=expires_in, method=method))

    def close(self) -> None:
        """``AsyncStore.close``."""
        _run(self.async_store.close())

    def __enter__(self) -> AsyncBackedStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self.async_store)
