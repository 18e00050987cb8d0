"""``AsyncReader``: the async binary stream ``AsyncStore.read`` returns."""

from __future__ import annotations

import asyncio
import io
from types import TracebackType
from typing import Any, BinaryIO

from ._read_ahead import DEFAULT_READ_AHEAD, ReadAhead
from ._runner import Runner

__all__ = ["AsyncReader"]


class AsyncReader:
    """An async binary stream over a file, reading on the store's workers as it is awaited.

    ``await f.read(n)`` returns between 1 and ``n`` bytes while content remains and ``b""`` at
    the end (``read()`` returns the rest); ``async for chunk in f`` yields chunks of at most
    ``chunk_size`` bytes; ``await f.readline()`` reads by lines. Once ``read(n)`` or ``async for``
    has started, the next chunks of ``chunk_size`` bytes are read on a worker while the caller
    works, at most ``read_ahead`` chunks ahead (read, or being read): memory holds at most
    ``read_ahead`` chunks beyond the one being returned (``read_ahead=0``: nothing is read ahead).
    Close it with ``await f.close()`` or ``async with``, which stops the read-ahead (a read
    running on a worker is waited for); a cancelled read closes it too (the underlying stream, its
    file handle or connection, is released). Where the sync stream can, ``seek``, ``tell`` and
    ``readinto`` work as on it (a seek drops what was read ahead); elsewhere ``seekable()`` is
    false and they raise ``io.UnsupportedOperation``. Reads of one reader are served one at a
    time, in the order they were awaited.

    Errors are those of the sync stream ``Store.read`` returns (``RemoteStoreError``
    subclasses), raised by the read that reaches them: the bytes read ahead before an error are
    returned first. A read after ``close`` raises ``ValueError`` as a closed file does.
    """

    def __init__(
        self, stream: BinaryIO, runner: Runner, *, chunk_size: int, read_ahead: int = DEFAULT_READ_AHEAD
    ) -> None:
        self._stream = stream
        self._runner = runner
        self._chunk_size = chunk_size
        self._ahead = (
            ReadAhead(stream, runner, chunk_size=chunk_size, depth=read_ahead) if read_ahead > 0 else None
        )
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
        # A cancelled read closes the stream (_call, _take): the worker has finished the read it
        # was doing (Runner.run waits for it), what it read is lost to the caller, so the stream
        # cannot go on; it is released at once.
        if self._ahead is None:
            data: bytes = await self._call("read", size)
            return data
        if size is None or size < 0:
            return await self._read_rest(self._ahead)
        if size == 0:
            self._check_open()
            return b""
        return await self._take(self._ahead, size)

    async def readline(self, size: int = -1) -> bytes:
        """The next line, its newline included (at most ``size`` bytes if ``size`` >= 0); ``b""`` at the end.

        Raises:
            ValueError: the reader is closed.
            io.UnsupportedOperation: the stream has no ``readline``.
            RemoteStoreError: the backend failed.
        """
        async with self._lock:
            head = await self._settled_head(size, line=True)
            if head.endswith(b"\n") or (size is not None and 0 <= size <= len(head)):
                return head
            if head and self._ahead is not None and self._ahead.exhausted:
                return head
            rest = size - len(head) if size is not None and size >= 0 else -1
            line: bytes = await self._call_unlocked("readline", rest)
            return head + line

    async def readinto(self, buffer: bytearray | memoryview) -> int:
        """Fill ``buffer`` from the position; the count of bytes read (0 at the end).

        Raises:
            ValueError: the reader is closed.
            io.UnsupportedOperation: the stream has no ``readinto``.
            RemoteStoreError: the backend failed.
        """
        async with self._lock:
            head = await self._settled_head(len(buffer), line=False)
            if head:
                memoryview(buffer).cast("B")[: len(head)] = head
                return len(head)
            count: int = await self._call_unlocked("readinto", buffer)
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
        async with self._lock:
            if self._ahead is not None:
                self._check_open()
                await self._settle(self._ahead)
                if whence == io.SEEK_CUR:
                    # The caller stands before the bytes read ahead.
                    offset -= self._ahead.buffered
                if self.seekable():
                    self._ahead.discard()
            position: int = await self._call_unlocked("seek", offset, whence)
            return position

    async def tell(self) -> int:
        """The position in the file.

        Raises:
            ValueError: the reader is closed.
            io.UnsupportedOperation: the stream is not seekable.
        """
        async with self._lock:
            if self._ahead is not None:
                self._check_open()
                await self._settle(self._ahead)
            position: int = await self._call_unlocked("tell")
            return position - (self._ahead.buffered if self._ahead is not None else 0)

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
            return await self._call_unlocked(name, *args)

    async def _call_unlocked(self, name: str, *args: object) -> Any:
        self._check_open()
        method = getattr(self._stream, name, None)
        if method is None:
            raise io.UnsupportedOperation(f"the stream of this backend has no {name}()")
        try:
            return await self._runner.run(lambda: method(*args))
        except asyncio.CancelledError:
            await self._close_stream()
            raise

    async def _take(self, ahead: ReadAhead, size: int) -> bytes:
        async with self._lock:
            self._check_open()
            try:
                return await ahead.fill(size)
            except asyncio.CancelledError:
                await self._close_stream()
                raise

    async def _read_rest(self, ahead: ReadAhead) -> bytes:
        async with self._lock:
            self._check_open()
            await self._settle(ahead)
            head, ended = ahead.drain()
            if ended:
                return head
            rest: bytes = await self._call_unlocked("read", -1)
            return head + rest

    async def _settle(self, ahead: ReadAhead) -> None:
        try:
            await ahead.settle()
        except asyncio.CancelledError:
            await self._close_stream()
            raise

    async def _settled_head(self, size: int | None, *, line: bool) -> bytes:
        """Up to ``size`` bytes (all if negative) of what was read ahead; with ``line``, to a newline."""
        self._check_open()
        if self._ahead is None:
            return b""
        await self._settle(self._ahead)
        limit = self._ahead.buffered if size is None or size < 0 else size
        return self._ahead.take_buffered(limit, line=line)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("read of a closed AsyncReader")

    async def _close_stream(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._ahead is not None:
            await self._ahead.stop()
        await self._runner.run(self._stream.close)
