"""``ReadAhead``: the chunks an ``AsyncReader`` reads on a worker before the caller asks for them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
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
    """Reads ``chunk_size`` chunks of a sync stream on a worker, at most ``depth`` ahead of the caller.

    One worker call (the pump) reads chunk after chunk while fewer than ``depth`` chunks wait
    for the caller, handing each to the event loop as it lands; it ends when that many wait,
    and a ``take`` that makes room starts it again. So the chunks held (waiting, plus the one
    being read) never exceed ``depth``, and a fast caller is not left waiting for a thread
    hand-over between two reads. An error of the stream is kept in place, after the chunks
    read before it, and raised once by the ``take`` that reaches it. Its methods are called on
    the event loop; every one but ``take`` leaves the stream idle (no worker read in flight).
    """

    def __init__(self, stream: BinaryIO, runner: Runner, *, chunk_size: int, depth: int) -> None:
        self._stream = stream
        self._runner = runner
        self._chunk_size = chunk_size
        self._depth = depth
        self._loop = asyncio.get_running_loop()
        # Shared with the pump's thread: chunks read and not wholly taken, and a stop request.
        self._lock = threading.Lock()
        self._unread = 0
        self._stopping = False
        # Event loop only.
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._error: BaseException | None = None
        self._ended = False
        self._held = False
        self._stopped = False
        self._work: concurrent.futures.Future[None] | None = None
        self._pump: asyncio.Future[None] | None = None
        self._arrival: asyncio.Future[None] | None = None

    @property
    def buffered(self) -> int:
        """Bytes read from the stream that the caller has not taken yet."""
        return self._buffered

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
            self._arrival = self._loop.create_future()
            try:
                await self._arrival
            finally:
                self._arrival = None
        data = self._pop(size, line=False)
        self._start()
        return data

    async def fill(self, size: int) -> bytes:
        """``size`` bytes, fewer only at the end or where the stream failed; ``b""`` at the end.

        So ``read(n)`` gives the same bytes whatever the worker had read ahead when it was called.

        Raises:
            Exception: what the stream's ``read`` raised, when no bytes come before it; after some
                bytes the error is kept for the next call, which raises it.
        """
        parts: list[bytes] = []
        wanted = size
        while wanted > 0:
            try:
                data = await self.take(wanted)
            except Exception as error:
                if not parts:
                    raise
                self._error = error
                break
            if not data:
                break
            parts.append(data)
            wanted -= len(data)
        return b"".join(parts)

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
        return self._pop(limit, line=line)

    async def settle(self) -> None:
        """Wait for the worker reading ahead, if any, and start none until the next ``take``."""
        self._held = True
        with self._lock:
            self._stopping = True
        while self._pump is not None:
            await asyncio.wait({self._pump})
        with self._lock:
            self._stopping = False

    def drain(self) -> tuple[bytes, bool]:
        """The bytes read ahead (call after ``settle``) and whether the stream has nothing after them.

        Raises:
            Exception: the stream's error, when no bytes come before it.
        """
        data = b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        with self._lock:
            self._unread = 0
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
        with self._lock:
            self._unread = 0

    async def stop(self) -> None:
        """Start no more reads; drop a pump not started or wait for the running one; forget the chunks."""
        self._held = self._stopped = True
        with self._lock:
            self._stopping = True
        work = self._work
        if work is not None and not work.cancel():
            await outlast_cancellation(work)
        self.discard()

    def _pop(self, limit: int, *, line: bool) -> bytes:
        pieces: list[bytes] = []
        taken = whole = 0
        while self._chunks and taken < limit:
            chunk = self._chunks.popleft()
            cut = min(len(chunk), limit - taken)
            if line and (newline := chunk.find(b"\n", 0, cut)) >= 0:
                cut = newline + 1
            if cut < len(chunk):
                self._chunks.appendleft(chunk[cut:])
            else:
                whole += 1
            pieces.append(chunk[:cut] if cut < len(chunk) else chunk)
            taken += cut
            if line and pieces[-1].endswith(b"\n"):
                break
        self._buffered -= taken
        with self._lock:
            self._unread -= whole
        return b"".join(pieces)

    def _start(self) -> None:
        if self._pump is not None or self._held or self._ended or self._error is not None:
            return
        with self._lock:
            if self._unread >= self._depth:
                return
        self._work = self._runner.submit(self._read_chunks)
        self._pump = awaitable(self._work)
        self._pump.add_done_callback(self._pump_ended)

    def _read_chunks(self) -> None:
        """The pump, on a worker: read chunks until ``depth`` wait, the end, an error or a stop."""
        stream, size = self._stream, self._chunk_size
        while True:
            try:
                data = stream.read(size)
            except Exception as error:  # noqa: BLE001 - raised by the take that reaches it
                self._hand_over(b"", error)
                return
            if not data:
                self._hand_over(b"", None)
                return
            with self._lock:
                self._unread += 1
                go_on = not self._stopping and self._unread < self._depth
            self._hand_over(bytes(data), None)
            if not go_on:
                return

    def _hand_over(self, data: bytes, error: BaseException | None) -> None:
        # The loop may be gone (the program ended without closing the reader): nobody to tell.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._landed, data, error)

    def _landed(self, data: bytes, error: BaseException | None) -> None:
        if self._stopped:
            return
        if error is not None:
            self._error = error
        elif not data:
            self._ended = True
        else:
            self._chunks.append(data)
            self._buffered += len(data)
        self._wake()

    def _pump_ended(self, future: asyncio.Future[None]) -> None:
        self._pump = None
        self._work = None
        if not future.cancelled() and (error := future.exception()) is not None and self._error is None:
            self._error = error
        self._wake()
        if not self._stopped:
            # The store's workers may be shut down: the caller's next take says so.
            with contextlib.suppress(RuntimeError):
                self._start()

    def _wake(self) -> None:
        if self._arrival is not None and not self._arrival.done():
            self._arrival.set_result(None)
