"""``SFTPReader``: the stream ``read`` returns, with a bounded window of blocks read ahead (SFTP-011)."""

from __future__ import annotations

import collections
import concurrent.futures
import io
from collections.abc import Callable
from typing import Any

from remote_store.backend_tools import OperationContext

__all__ = ["BLOCK_SIZE", "READ_AHEAD", "SFTPReader", "read_to_end"]

BLOCK_SIZE = 1024 * 1024
"""Bytes asked for per read request; asyncssh splits one into parallel SFTP reads of the
server's limit (255 KiB on OpenSSH)."""

READ_AHEAD = 3
"""Blocks a stream keeps requested ahead of the one being consumed: 3 MiB, 12 or 13 SFTP reads
in flight on OpenSSH (its own client keeps 64 x 32 KiB = 2 MiB). One block ahead left the
connection idle while the caller took each block, and again while the next was requested."""


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

    At most ``1 + READ_AHEAD`` blocks are held: the one being consumed and those requested
    ahead of it, topped up as each block is taken, so that the network is busy while the caller
    works. Nothing is requested past the size known at opening (the block holding the end asks
    for one byte more, to see it). ``close()`` closes the remote file and gives the connection
    back.
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
        # (offset, bytes asked for, future of the bytes), contiguous from the first's offset.
        self._ahead: collections.deque[tuple[int, int, concurrent.futures.Future[Any]]] = collections.deque()
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

    def _fetch(self, offset: int) -> tuple[int, int, concurrent.futures.Future[Any]]:
        """Request the block at ``offset``: ``(offset, bytes asked for, future of the bytes)``.

        Before the size known at opening, one byte more than is left is asked for, so that a
        small file takes one request (asyncssh splits a large one into parallel requests, which
        costs milliseconds for a file of a few KiB) and a short answer shows the end.
        """
        wanted = BLOCK_SIZE if offset >= self._size else min(BLOCK_SIZE, self._size - offset + 1)
        return offset, wanted, self._submit(self._handle.read(wanted, offset))

    def _drop_ahead(self) -> None:
        while self._ahead:
            _discard(self._ahead.popleft()[2])

    def _top_up(self, offset: int) -> None:
        """Keep ``READ_AHEAD`` blocks requested from ``offset`` on, none past the known size."""
        if self._ahead:
            last_offset, last_wanted, _ = self._ahead[-1]
            offset = last_offset + last_wanted
        while len(self._ahead) < READ_AHEAD and offset < self._size:
            self._ahead.append(self._fetch(offset))
            offset = self._ahead[-1][0] + self._ahead[-1][1]

    def _load(self) -> bool:
        """Make the block holding ``_position`` current; False at the end of the file."""
        start = self._position
        if self._end is not None and start >= self._end:
            return False
        if self._ahead and self._ahead[0][0] == start:
            _, wanted, future = self._ahead.popleft()
        else:
            self._drop_ahead()  # a seek elsewhere: what was read ahead is not wanted
            _, wanted, future = self._fetch(start)
        block = self._wait(self._context, future)
        self._block, self._block_start = block or b"", start
        end = start + len(self._block)
        if self._block and end == self._size and len(self._block) < wanted:
            # Short exactly where the size known at opening ends: the end of the file, without
            # one more request to hear it (a file that grew would have filled the request).
            self._end = end
            self._drop_ahead()
        elif self._block:
            if len(self._block) < wanted:
                self._drop_ahead()  # a short block mid-file: the blocks ahead do not follow on
            self._top_up(end)
            if not self._ahead:  # past the known size (the file grew): one block at a time
                self._ahead.append(self._fetch(end))
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
        release, self._release = self._release, None
        try:
            self._drop_ahead()
            # A failed close surfaces, as a failed close() of a local file does (BACKEND-013).
            self._wait(self._context, self._submit(self._handle.close()))
        finally:
            self._block = b""
            if release is not None:
                release()
            super().close()
