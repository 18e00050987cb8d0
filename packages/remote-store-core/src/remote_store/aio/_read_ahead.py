"""``ReadAhead``: the chunks an ``AsyncReader`` reads on a worker before the caller asks for them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections import deque
from typing import BinaryIO

from ._runner import Runner, awaitable, outlast_cancellation

__all__ = ["DEFAULT_READ_AHEAD", "ReadAhead", "check_read_ahead"]

DEFAULT_READ_AHEAD = 2
"""Chunks an ``AsyncReader`` holds ahead of its caller (read or being read), at most."""


def check_read_ahead(value: object) -> int:
    """``value``, checked to be an ``int`` >= 0 (not a ``bool``).

    Raises:
        ValueError: it is not; the message names ``read_ahead``.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"read_ahead must be an int >= 0, not {value!r}")
    return value


class ReadAhead:
    """Reads ``chunk_size`` chunks of a sync stream on the runner's workers, ``depth`` at most ahead.

    One worker read at a time (the stream is sequential); a landed chunk starts the next read
    while fewer than ``depth`` chunks wait for the caller, so the chunks held (waiting, plus the
    one being read) never exceed ``depth``. An error of the stream is kept in place, after the
    chunks read before it, and raised once by the ``take`` that reaches it. Used on the event
    loop only; every method but ``take`` leaves the stream idle (no worker read in flight).
    """

    def __init__(self, stream: BinaryIO, runner: Runner, *, chunk_size: int, depth: int) -> None:
        self._stream = stream
        self._runner = runner
        self._chunk_size = chunk_size
        self._depth = depth
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._error: BaseException | None = None
        self._ended = False
        self._held = False
        self._work: concurrent.futures.Future[bytes] | None = None
        self._in_flight: asyncio.Future[bytes] | None = None

    @property
    def buffered(self) -> int:
        """Bytes read from the stream that the caller has not taken yet."""
        return self._buffered

    @property
    def chunks_held(self) -> int:
        """Chunks waiting for the caller plus the one being read."""
        return len(self._chunks) + (self._in_flight is not None)

    @property
    def exhausted(self) -> bool:
        """True if the stream reached its end or failed after the bytes read ahead."""
        return self._ended or self._error is not None

    async def take(self, size: int) -> bytes:
        """Between 1 and ``size`` bytes, waiting for a chunk if none is read yet; ``b""`` at the end.

        Raises:
            Exception: what the stream's ``read`` raised, once reached; the next ``take`` reads
                the stream again, as a sync caller's next ``read`` would.
        """
        self._held = False
        while not self._chunks:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._ended:
                return b""
            self._start()
            if self._in_flight is not None:
                await asyncio.wait({self._in_flight})
        pieces: list[bytes] = []
        taken = 0
        while self._chunks and taken < size:
            chunk = self._chunks.popleft()
            if len(chunk) > size - taken:
                self._chunks.appendleft(chunk[size - taken :])
                chunk = chunk[: size - taken]
            pieces.append(chunk)
            taken += len(chunk)
        self._buffered -= taken
        self._start()
        return b"".join(pieces)

    def take_buffered(self, limit: int, *, line: bool = False) -> bytes:
        """Up to ``limit`` bytes of those read ahead (call after ``settle``); with ``line``, up to a newline.

        Starts no read: the caller goes on on the stream itself when this is not enough.

        Raises:
            Exception: the stream's error, when no bytes come before it.
        """
        if not self._chunks:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            return b""
        pieces: list[bytes] = []
        taken = 0
        while self._chunks and taken < limit:
            chunk = self._chunks.popleft()
            cut = min(len(chunk), limit - taken)
            if line and (newline := chunk.find(b"\n", 0, cut)) >= 0:
                cut = newline + 1
            if cut < len(chunk):
                self._chunks.appendleft(chunk[cut:])
            pieces.append(chunk[:cut])
            taken += cut
            if line and pieces[-1].endswith(b"\n"):
                break
        self._buffered -= taken
        return b"".join(pieces)

    async def settle(self) -> None:
        """Wait for the worker read in flight, if any, and start no other until the next ``take``."""
        self._held = True
        while self._in_flight is not None:
            await asyncio.wait({self._in_flight})

    def drain(self) -> tuple[bytes, bool]:
        """The bytes read ahead (call after ``settle``) and whether the stream has nothing after them.

        Raises:
            Exception: the stream's error, when no bytes come before it.
        """
        data = b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        if self._error is not None and not data:
            error, self._error = self._error, None
            raise error
        return data, self._ended or self._error is not None

    def discard(self) -> None:
        """Forget what was read ahead, error and end included (call after ``settle``): a seek."""
        self._chunks.clear()
        self._buffered = 0
        self._error = None
        self._ended = False

    async def stop(self) -> None:
        """Start no more reads; drop a queued one or wait for the running one; forget the chunks."""
        self._held = True
        self._depth = 0
        work = self._work
        if work is not None and not work.cancel():
            await outlast_cancellation(work)
        self.discard()

    def _start(self) -> None:
        if self._in_flight is not None or self._held or self._ended or self._error is not None:
            return
        # The caller's own wait counts: with no chunk waiting, a read starts even at depth 0.
        if self._chunks and len(self._chunks) >= self._depth:
            return
        stream, size = self._stream, self._chunk_size
        self._work = self._runner.submit(lambda: stream.read(size))
        self._in_flight = awaitable(self._work)
        self._in_flight.add_done_callback(self._landed)

    def _landed(self, future: asyncio.Future[bytes]) -> None:
        self._in_flight = None
        self._work = None
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            self._error = error
            return
        data = future.result()
        if not data:
            self._ended = True
            return
        self._chunks.append(bytes(data))
        self._buffered += len(data)
        # The store's workers may be shut down: the caller's next take says so.
        with contextlib.suppress(RuntimeError):
            self._start()
