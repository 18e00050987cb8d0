"""``BlobReader``: the stream ``read`` returns, over ranged GETs pinned to the blob's ETag.

Read in order (AZURE-014), the first chunk (``max_chunk_get_size``) comes with the Get Blob that
opened the read; later ones are ranged GETs with ``If-Match`` on the first answer's ETag, sent
when the caller's reads reach them, one at a time (the SDK's downloader fetches the chunks of a
sized read one after another) into a read-ahead window (``window``: one chunk).

After a seek (AZURE-027) the stream reads at the caller's position: a position inside what the
window holds, or up to 256 KiB ahead of it, is served by reading on in order; any other position
drops the downloader, and from then on each read beyond the block the stream holds is one ranged
Get Blob (``fetch_range``) pinned to the same ETag, for the bytes asked plus a readahead that
starts at 64 KiB and doubles, up to 8 MiB, while the reads go on in order.

Either way a blob replaced meanwhile fails the read (``BackendUnavailable``, "the file changed
while it was read") instead of mixing two versions.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from remote_store import BackendUnavailable, RemoteStoreError
from remote_store.backend_tools import OperationContext

from ._requests import BlobRequests

if TYPE_CHECKING:
    from azure.storage.blob import StorageStreamDownloader

__all__ = ["BlobReader", "FetchRange"]

FetchRange = Callable[[int, int, str], bytes]
"""``fetch_range(offset, length, etag)``: ranged Get Blob(s) with ``If-Match: etag``, or our error."""

_READAHEAD = 64 * 1024
"""Bytes fetched beyond a read's own size after a seek: small, so that a seek costs little."""

_MAX_READAHEAD = 8 * 1024 * 1024
"""The readahead doubles while reads after a seek go on in order, up to this."""

_SKIP = 256 * 1024
"""A seek this far ahead of the window, or less, reads on in order instead of a new request."""


class BlobReader(io.RawIOBase):
    """A read-only, seekable binary stream over one blob; reads fetch only what is asked."""

    def __init__(
        self,
        requests: BlobRequests,
        ctx: OperationContext,
        downloader: StorageStreamDownloader[bytes],
        *,
        chunk: int,
        window: int,
        fetch_range: FetchRange,
    ) -> None:
        super().__init__()
        self._requests = requests
        self._ctx = ctx
        self._downloader: StorageStreamDownloader[bytes] | None = downloader
        self._size = int(downloader.size)
        etag = downloader.properties.etag
        self._etag = etag or None
        self._fetch_range = fetch_range
        self._open = True
        self._buffer = memoryview(b"")
        self._streamed = 0  # bytes the downloader has delivered
        self._fill = chunk  # the first fill takes what the opening GET brought, nothing more
        self._window = window
        self._position = 0
        self._block = b""  # after a seek: the bytes of the last ranged answer
        self._block_start = 0
        self._readahead = _READAHEAD
        self._broken: RemoteStoreError | None = None

    @property
    def size(self) -> int:
        """The blob's size in bytes, as the first answer gave it."""
        self._check_open()
        return self._size

    def _check_open(self) -> None:
        if not self._open:
            raise ValueError("I/O operation on closed blob stream")

    def readable(self) -> bool:
        """Always true (``ValueError`` once closed)."""
        self._check_open()
        return True

    def seekable(self) -> bool:
        """Always true (``ValueError`` once closed)."""
        self._check_open()
        return True

    def tell(self) -> int:
        """The position of the next byte to read (``ValueError`` once closed)."""
        self._check_open()
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        """Move to ``offset`` from the start (``whence=0``), the position (1) or the end (2); no I/O.

        Raises:
            ValueError: the stream is closed, ``whence`` is unknown or the position would be
                negative (the position is then unchanged).
        """
        self._check_open()
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._position + offset
        elif whence == io.SEEK_END:
            target = self._size + offset
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        self._position = target
        return target

    # -- reads ------------------------------------------------------------------------------

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes from the position (all the rest for ``-1`` or ``None``); ``b""`` at the end.

        Raises:
            BackendUnavailable: the blob changed since the read began, or the service failed.
            NotFound: the blob was deleted meanwhile.
            ValueError: the stream is closed.
        """
        self._check_open()
        if self._broken is not None:
            raise self._broken
        left = self._size - self._position
        if left <= 0:
            return b""
        wanted = left if size is None or size < 0 else min(size, left)
        if wanted == 0:
            return b""
        try:
            data = self._read_in_order(wanted) if self._in_order() else self._read_at(wanted)
        except RemoteStoreError as failure:
            self._broken = failure
            raise
        self._position += len(data)
        return data

    def _in_order(self) -> bool:
        """True when the position can be served by the downloader (reading on to it if just ahead)."""
        downloader = self._downloader
        if downloader is None:
            return False
        start = self._streamed - len(self._buffer)  # the position of the buffer's first byte
        gap = self._position - start
        if gap == 0:
            return True
        if 0 < gap <= len(self._buffer):
            self._buffer = self._buffer[gap:]
            return True
        gap -= len(self._buffer)
        if 0 < gap <= _SKIP:
            self._buffer = memoryview(b"")
            skipped = self._requests.read_chunk(self._ctx, downloader, gap)
            self._streamed += len(skipped)
            if len(skipped) == gap:
                return True
        # Abandoned: the downloader holds no open connection between reads, only its bytes.
        self._downloader = None
        self._buffer = memoryview(b"")
        return False

    def _read_in_order(self, wanted: int) -> bytes:
        downloader = self._downloader
        assert downloader is not None
        if not self._buffer:
            if wanted >= self._window:
                data = self._requests.read_chunk(self._ctx, downloader, wanted)
                self._streamed += len(data)
                return data
            fill = self._requests.read_chunk(self._ctx, downloader, self._fill)
            self._streamed += len(fill)
            self._buffer = memoryview(fill)
            self._fill = self._window
        if len(self._buffer) >= wanted:
            piece = bytes(self._buffer[:wanted])
            self._buffer = self._buffer[wanted:]
            return piece
        rest = bytes(self._buffer)
        self._buffer = memoryview(b"")
        more = self._requests.read_chunk(self._ctx, downloader, wanted - len(rest))
        self._streamed += len(more)
        return rest + more

    def _read_at(self, wanted: int) -> bytes:
        parts: list[bytes] = []
        offset = self._position - self._block_start
        if 0 <= offset < len(self._block):
            part = self._block[offset : offset + wanted]
            parts.append(part)
            wanted -= len(part)
        if wanted:
            first = self._position + sum(map(len, parts))
            in_order = first == self._block_start + len(self._block)
            self._readahead = min(self._readahead * 2, _MAX_READAHEAD) if in_order else _READAHEAD
            length = min(self._size - first, wanted + self._readahead)
            self._block = self._fetch(first, length)
            self._block_start = first
            parts.append(self._block[:wanted])
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _fetch(self, first: int, length: int) -> bytes:
        if self._etag is None:
            raise self._ctx.error(
                BackendUnavailable, "Azure gave no ETag: the file cannot be read out of order safely"
            )
        data = self._fetch_range(first, length, self._etag)
        if len(data) != length:
            raise self._ctx.error(
                BackendUnavailable, f"Azure answered {len(data)} bytes for a range of {length}; read it again"
            )
        return data

    def readall(self) -> bytes:
        """Everything from the position to the end."""
        return self.read(-1)

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Read into ``buffer`` from the position; the number of bytes read (0 at the end)."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Drop the downloader and the bytes held (no connection stays open); idempotent."""
        self._open = False
        self._downloader = None
        self._buffer = memoryview(b"")
        self._block = b""
        super().close()
