"""``SFTPReader``: the stream ``read`` returns, with one block read ahead (SFTP-011)."""

from __future__ import annotations

import concurrent.futures
import io
from collections.abc import Callable
from typing import Any

from remote_store.backend_tools import OperationContext

__all__ = ["BLOCK_SIZE", "SFTPReader", "read_to_end"]

BLOCK_SIZE = 1024 * 1024
"""Bytes asked for per read request; asyncssh splits one into parallel SFTP reads of the
server's limit (255 KiB on OpenSSH)."""


async def read_to_end(handle: Any, size: int) -> bytes:
    """All of the open remote file ``handle``, whose size was ``size`` when it was looked up.

    One request of ``size + 1`` bytes (asyncssh splits it where it exceeds the server's limit);
    an answer of exactly ``size`` bytes is the whole file. Otherwise (it grew or shrank) reads
    on until the server reports the end.
    """
    first = bytes(await handle.read(size + 1, 0))
    if len(first) == size:
        return first
    parts = [first]
    offset = len(first)
    while chunk := await handle.read(BLOCK_SIZE, offset):
        parts.append(bytes(chunk))
        offset += len(chunk)
    return b"".join(parts)


def _discard(future: concurrent.futures.Future[Any]) -> None:
    """Let a read-ahead nobody wants finish on its own, its outcome taken and dropped.

    Cancelling it would abandon asyncssh's parallel sub-reads mid-flight: those past the end of
    the file then fail with ``SFTPEOFError`` that no one retrieves, which asyncio logs from the
    loop thread ("Task exception was never retrieved").
    """
    future.add_done_callback(_drop_outcome)


def _drop_outcome(future: concurrent.futures.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


class SFTPReader(io.RawIOBase):
    """A forward and seekable binary stream over one open remote file.

    At most two blocks are held: the one being consumed and the next, requested as soon as the
    current one arrives, so that the network is busy while the caller works. ``close()`` closes
    the remote file and gives the connection back.
    """

    def __init__(
        self,
        handle: Any,
        size: int,
        context: OperationContext,
        submit: Callable[[Any], concurrent.futures.Future[Any]],
        wait: Callable[[OperationContext, concurrent.futures.Future[Any]], Any],
        release: Callable[[], None],
        name: str,
    ) -> None:
        super().__init__()
        self._handle = handle
        self._size = size
        self._context = context
        self._submit = submit
        self._wait = wait
        self._release: Callable[[], None] | None = release
        self.name = name
        self._position = 0
        self._block = b""
        self._block_start = 0
        self._ahead: tuple[int, int, concurrent.futures.Future[Any]] | None = None
        self._end: int | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check()
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _check(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def _fetch(self, offset: int) -> tuple[int, concurrent.futures.Future[Any]]:
        """Request the block at ``offset``: ``(bytes asked for, future of the bytes)``.

        Before the size known at opening, one byte more than is left is asked for, so that a
        small file takes one request (asyncssh splits a large one into parallel requests, which
        costs milliseconds for a file of a few KiB) and a short answer shows the end.
        """
        wanted = BLOCK_SIZE if offset >= self._size else min(BLOCK_SIZE, self._size - offset + 1)
        return wanted, self._submit(self._handle.read(wanted, offset))

    def _load(self) -> bool:
        """Make the block holding ``_position`` current; False at the end of the file."""
        start = self._position
        if self._end is not None and start >= self._end:
            return False
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == start:
            wanted, future = ahead[1], ahead[2]
        else:
            if ahead is not None:
                _discard(ahead[2])
            wanted, future = self._fetch(start)
        block = self._wait(self._context, future)
        self._block, self._block_start = block or b"", start
        end = start + len(self._block)
        if self._block and end == self._size and len(self._block) < wanted:
            # Short exactly where the size known at opening ends: the end of the file, without
            # one more request to hear it (a file that grew would have filled the request).
            self._end = end
        elif self._block:
            self._ahead = (end, *self._fetch(end))
        return bool(self._block)

    def readinto(self, buffer: Any) -> int:
        self._check()
        view = memoryview(buffer).cast("B")
        if not view.nbytes:
            return 0
        offset = self._position - self._block_start
        if not 0 <= offset < len(self._block):
            if not self._load():
                return 0
            offset = 0
        count = min(view.nbytes, len(self._block) - offset)
        view[:count] = self._block[offset : offset + count]
        self._position += count
        return count

    def readall(self) -> bytes:
        parts: list[bytes] = []
        while True:
            chunk = self.read(BLOCK_SIZE)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)

    def close(self) -> None:
        """Close the remote file and give the connection back; idempotent.

        Raises:
            RemoteStoreError: the server failed to close the file (the stream is closed anyway).
        """
        if self.closed:
            return
        ahead, self._ahead = self._ahead, None
        release, self._release = self._release, None
        try:
            if ahead is not None:
                _discard(ahead[2])
            # A failed close surfaces, as a failed close() of a local file does (BACKEND-013).
            self._wait(self._context, self._submit(self._handle.close()))
        finally:
            self._block = b""
            if release is not None:
                release()
            super().close()
