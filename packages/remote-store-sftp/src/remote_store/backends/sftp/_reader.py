"""``SFTPReader``: the stream ``read`` returns, with one block read ahead (SFTP-011)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import io
from collections.abc import Callable
from typing import Any

from remote_store.backend_tools import OperationContext

__all__ = ["BLOCK_SIZE", "SFTPReader"]

BLOCK_SIZE = 1024 * 1024
"""Bytes asked for per read request; asyncssh splits one into parallel SFTP reads of the
server's limit (255 KiB on OpenSSH)."""


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
        self._ahead: tuple[int, concurrent.futures.Future[Any]] | None = None

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

    def _fetch(self, offset: int) -> concurrent.futures.Future[Any]:
        return self._submit(self._handle.read(BLOCK_SIZE, offset))

    def _load(self) -> bool:
        """Make the block holding ``_position`` current; False at the end of the file."""
        start = self._position
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == start:
            future = ahead[1]
        else:
            if ahead is not None:
                ahead[1].cancel()
            future = self._fetch(start)
        block = self._wait(self._context, future)
        self._block, self._block_start = block or b"", start
        if self._block:
            self._ahead = (start + len(self._block), self._fetch(start + len(self._block)))
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
        if self.closed:
            return
        ahead, self._ahead = self._ahead, None
        release, self._release = self._release, None
        try:
            if ahead is not None:
                ahead[1].cancel()
            with contextlib.suppress(Exception):  # closing a stream never fails the caller
                self._wait(self._context, self._submit(self._handle.close()))
        finally:
            self._block = b""
            if release is not None:
                release()
            super().close()
