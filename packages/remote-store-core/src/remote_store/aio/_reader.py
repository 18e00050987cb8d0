"""``AsyncReader``: the async binary stream ``AsyncStore.read`` returns."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import BinaryIO

from ._runner import Runner

__all__ = ["AsyncReader"]


class AsyncReader:
    """An async binary stream over a file, reading on the store's workers as it is awaited.

    ``await f.read(n)`` returns between 1 and ``n`` bytes while content remains and ``b""`` at
    the end (``read()`` returns the rest); ``async for chunk in f`` yields chunks of at most
    ``chunk_size`` bytes. Nothing is read ahead of the caller: memory holds at most the chunk
    being returned. Close it with ``await f.close()`` or ``async with``; a cancelled ``read``
    closes it too (the underlying stream, its file handle or connection, is released).
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
        async with self._lock:
            self._check_open()
            stream = self._stream
            try:
                return await self._runner.run(lambda: stream.read(size))
            except asyncio.CancelledError:
                # The worker has finished the read it was doing (Runner.run waits for it): what
                # it read is lost to the caller, so the stream cannot go on; release it now.
                await self._close_stream()
                raise

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

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("read of a closed AsyncReader")

    async def _close_stream(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._runner.run(self._stream.close)
