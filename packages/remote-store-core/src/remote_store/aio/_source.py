"""Write content from async code: async sources bridged to the sync reader a backend consumes."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable
from typing import Protocol, runtime_checkable

from .._content import Readable, WriteContent, check_content

__all__ = [
    "DEFAULT_QUEUE_CHUNKS",
    "AsyncReadable",
    "AsyncWriteContent",
    "CancellableReader",
    "SourceBridge",
    "WriteCancelled",
    "async_chunks",
    "is_async_source",
]

DEFAULT_QUEUE_CHUNKS = 4
"""Chunks of an async source held between the event loop and the writing worker, at most."""


@runtime_checkable
class AsyncReadable(Protocol):
    """Any object with a coroutine ``read(size)`` returning bytes, ``b""`` at the end (aiofiles, ...)."""

    async def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes, ``b""`` at the end."""


AsyncWriteContent = WriteContent | AsyncIterable[bytes] | AsyncReadable
"""What ``AsyncStore.write`` and ``write_atomic`` accept: what ``Store.write`` accepts, an async
iterable of bytes (an async generator, Starlette's ``request.stream()``, ...) or an object with a
coroutine ``read(size)``."""


class WriteCancelled(BaseException):
    """Raised from the content's ``read`` inside a backend's write when the writing task is cancelled.

    A ``BaseException``, like ``KeyboardInterrupt``, so that a backend aborts the write exactly as
    it does for an interrupt in the sync API (no partial file, no orphan upload) and no
    ``except Exception`` on the way swallows it. Never reaches the caller: the cancelled write
    raises ``CancelledError``.
    """


def is_async_source(content: object) -> bool:
    """True if ``content`` is an async iterable or has a coroutine ``read``."""
    if isinstance(content, (bytes, bytearray, memoryview, str)):
        return False
    if hasattr(content, "__aiter__"):
        return True
    return inspect.iscoroutinefunction(getattr(content, "read", None))


async def async_chunks(content: object, chunk_size: int) -> AsyncGenerator[object, None]:
    """The chunks of an async source (``is_async_source(content)``), as the source gives them."""
    if isinstance(content, AsyncIterable):
        async for chunk in content:
            yield chunk
        return
    read = content.read  # type: ignore[attr-defined]
    while True:
        chunk = await read(chunk_size)
        if isinstance(chunk, (bytes, bytearray, memoryview)) and not len(chunk):
            return
        yield chunk
        if chunk is None:
            return


class SourceBridge:
    """A sync ``Readable`` a backend's write consumes on a worker, fed by the event loop.

    The loop ``put``s the source's chunks into a queue of at most ``depth`` chunks, waiting for
    room; the worker's ``read(size)`` takes from it, blocking until a chunk, the end, or a
    failure arrives. ``fail(error)`` makes every later ``read`` raise ``error`` (the source's own
    exception, or ``WriteCancelled``): the backend sees it as its content failing and aborts.
    A chunk that is not bytes is handed to ``read`` as it is, so the backend rejects it with
    ``InvalidContent`` as it does for a sync stream.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, depth: int = DEFAULT_QUEUE_CHUNKS) -> None:
        self._loop = loop
        self._depth = depth
        self._chunks: deque[object] = deque()
        self._ended = False
        self._error: BaseException | None = None
        self._released = False
        self._condition = threading.Condition()
        self._room = asyncio.Event()

    # -- loop side --------------------------------------------------------------------------

    async def put(self, chunk: object) -> None:
        """Queue ``chunk``, waiting while the queue is full; dropped once the reader is released."""
        while True:
            with self._condition:
                if self._released:
                    return
                if len(self._chunks) < self._depth:
                    self._chunks.append(chunk)
                    self._condition.notify()
                    return
                self._room.clear()
            await self._room.wait()

    def end(self) -> None:
        """The source is exhausted: ``read`` returns ``b""`` once the queue is drained."""
        with self._condition:
            self._ended = True
            self._condition.notify()

    def fail(self, error: BaseException) -> None:
        """Make every later ``read`` raise ``error``; queued chunks are dropped."""
        with self._condition:
            self._error = error
            self._chunks.clear()
            self._condition.notify()

    def release(self) -> None:
        """The writing worker is done: a waiting or later ``put`` returns at once."""
        with self._condition:
            self._released = True
        self._room.set()

    # -- worker side ------------------------------------------------------------------------

    def read(self, size: int = -1, /) -> object:
        """Up to ``size`` bytes of the source (the next chunk, or part of it); ``b""`` at the end.

        Raises:
            BaseException: what ``fail`` was given.
        """
        with self._condition:
            while not self._chunks and not self._ended and self._error is None:
                self._condition.wait()
            if self._error is not None:
                raise self._error
            if not self._chunks:
                return b""
            chunk = self._chunks[0]
            if isinstance(chunk, (bytes, bytearray, memoryview)) and 0 <= size < len(chunk):
                view = memoryview(chunk)
                self._chunks[0] = view[size:]
                return bytes(view[:size])
            self._chunks.popleft()
        self._loop.call_soon_threadsafe(self._room.set)
        return bytes(chunk) if isinstance(chunk, (bytearray, memoryview)) else chunk


class CancellableReader:
    """A sync stream's ``read``, refused with ``WriteCancelled`` once ``cancel()`` was called.

    Lets a cancelled write of a sync stream abort at its next read instead of running to its end.
    """

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        self._cancelled = False

    def cancel(self) -> None:
        """Make every later ``read`` raise ``WriteCancelled``."""
        self._cancelled = True

    def read(self, size: int = -1, /) -> bytes | None:
        """The stream's ``read(size)``.

        Raises:
            WriteCancelled: ``cancel()`` was called.
        """
        if self._cancelled:
            raise WriteCancelled
        return self._stream.read(size)


def plain_stream(content: object) -> bool:
    """True if ``content`` is a valid sync stream (``check_content`` accepts it, not bytes-like)."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        return False
    try:
        check_content(content)
    except Exception:  # noqa: BLE001 - the Store raises it, in its own order of checks
        return False
    return True
