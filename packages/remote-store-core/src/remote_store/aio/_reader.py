"""``AsyncReader``: the async binary stream ``AsyncStore.read`` returns."""

from __future__ import annotations

import asyncio
import io
from types import TracebackType
from typing import Any, BinaryIO

from ._runner import Runner

__all__ = ["AsyncReader"]


class AsyncReader:
    """An async binary stream over a file, reading on the store's workers as it is awaited.

    ``await f.read(n)`` returns between 1 and ``n`` bytes while content remains and ``b""`` at
    the end (``read()`` returns the rest); ``async for chunk in f`` yields chunks of at most
    ``chunk_size`` bytes; ``await f.readline()`` reads by lines. Nothing is read ahead of the
    caller: memory holds at most the chunk being returned. Close it with ``await f.close()`` or
    ``async with``; a cancelled read closes it too (the underlying stream, its file handle or
    connection, is released). Where the sync stream can, ``seek``, ``tell`` and ``readinto``
    work as on it; elsewhere ``seekable()`` is false and they raise ``io.UnsupportedOperation``.
    Reads of one reader are served one at a time, in the order they were awaited.

    Errors are those of the sync stream ``Store.read`` returns (``RemoteStoreError``
    subclasses); a read after ``close`` raises ``ValueError`` as a closed file does.
    """

    def __init__(self, stream: BinaryIO, runner: Runner, *, chunk_size: int) -> None:
        self._stream = stream
        self._runner = runner
        self._chunk_size = chunk_size
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once the stream is closed."""
        return self._closed

    async def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that remain if ``size`` is negative); ``b""`` at the end.

        Raises:
            ValueError: the reader is closed.
            RemoteStoreError: the backend failed (the error the sync stream raises).
        """
        # A cancelled read closes the stream (_call): the worker has finished the read it was
        # doing (Runner.run waits for it), what it read is lost to the caller, so the stream
        # cannot go on; it is released at once.
        data: bytes = await self._call("read", size)
        return data

    async def readline(self, size: int = -1) -> bytes:
        """The next line, its newline included (at most ``size`` bytes if ``size`` >= 0); ``b""`` at the end.

        Raises:
            ValueError: the reader is closed.
            io.UnsupportedOperation: the stream has no ``readline``.
            RemoteStoreError: the backend failed.
        """
        line: bytes = await self._call("readline", size)
        return line

    async def readinto(self, buffer: bytearray | memoryview) -> int:
        """Fill ``buffer`` from the position; the count of bytes read (0 at the end).

        Raises:
            ValueError: the reader is closed.
            io.UnsupportedOperation: the stream has no ``readinto``.
            RemoteStoreError: the backend failed.
        """
        count: int = await self._call("readinto", buffer)
        return count

    def seekable(self) -> bool:
        """True if ``seek`` and ``tell`` work (the backend declares ``SEEKABLE_READ``)."""
        seekable = getattr(self._stream, "seekable", None)
        return bool(seekable()) if seekable is not None else False

    async def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` (from the start, the position or the end, as ``whence`` says).

        Returns the new position.

        Raises:
            ValueError: the reader is closed, or the position would be negative.
            io.UnsupportedOperation: the stream is not seekable.
        """
        position: int = await self._call("seek", offset, whence)
        return position

    async def tell(self) -> int:
        """The position in the file.

        Raises:
            ValueError: the reader is closed.
            io.UnsupportedOperation: the stream is not seekable.
        """
        position: int = await self._call("tell")
        return position

    async def close(self) -> None:
        """Close the stream, releasing its file handle or connection; idempotent."""
        async with self._lock:
            await self._close_stream()

    def __aiter__(self) -> AsyncReader:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self.read(self._chunk_size)
        if not chunk:
            raise StopAsyncIteration
        return chunk

    async def __aenter__(self) -> AsyncReader:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"AsyncReader({self._stream!r}, {state})"

    async def _call(self, name: str, *args: object) -> Any:
        async with self._lock:
            self._check_open()
            method = getattr(self._stream, name, None)
            if method is None:
                raise io.UnsupportedOperation(f"the stream of this backend has no {name}()")
            try:
                return await self._runner.run(lambda: method(*args))
            except asyncio.CancelledError:
                await self._close_stream()
                raise

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("read of a closed AsyncReader")

    async def _close_stream(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._runner.run(self._stream.close)
