"""``BlobReader``: the stream ``read`` returns, over ranged GETs pinned to the blob's ETag (AZURE-011).

The first chunk (``max_chunk_get_size``) comes with the Get Blob that opened the read; later ones
are ranged GETs with ``If-Match`` on the first answer's ETag, sent when the caller's reads reach
them, ``max_concurrency`` chunks at a time (the SDK's downloader fetches them in parallel) into a
read-ahead window of ``max_concurrency x max_chunk_get_size`` bytes. A blob replaced meanwhile fails
the read (``BackendUnavailable``, "the file changed while it was read") instead of mixing two
versions.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from remote_store.backend_tools import OperationContext

from ._requests import BlobRequests

if TYPE_CHECKING:
    from azure.storage.blob import StorageStreamDownloader

__all__ = ["BlobReader"]


class BlobReader(io.RawIOBase):
    """A read-only, non-seekable binary stream over one blob; ``read(n)`` fetches ranges as needed."""

    def __init__(
        self,
        requests: BlobRequests,
        ctx: OperationContext,
        downloader: StorageStreamDownloader[bytes],
        *,
        chunk: int,
        window: int,
    ) -> None:
        super().__init__()
        self._requests = requests
        self._ctx = ctx
        self._downloader: StorageStreamDownloader[bytes] | None = downloader
        self._buffer = memoryview(b"")
        self._fill = chunk  # the first fill takes what the opening GET brought, nothing more
        self._window = window

    @property
    def size(self) -> int:
        """The blob's size in bytes, as the first answer gave it."""
        return self._open().size

    def _open(self) -> StorageStreamDownloader[bytes]:
        if self._downloader is None:
            raise ValueError("I/O operation on closed blob stream")
        return self._downloader

    def readable(self) -> bool:
        """Always true (``ValueError`` once closed)."""
        self._open()
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all the rest for ``-1`` or ``None``); ``b""`` at the end.

        Raises:
            BackendUnavailable: the blob changed since the read began, or the service failed.
            NotFound: the blob was deleted meanwhile.
            ValueError: the stream is closed.
        """
        downloader = self._open()
        if size is None or size < 0:
            rest = bytes(self._buffer)
            self._buffer = memoryview(b"")
            everything = self._requests.read_chunk(self._ctx, downloader, -1)
            return rest + everything if rest else everything
        if not self._buffer:
            if size >= self._window:
                return self._requests.read_chunk(self._ctx, downloader, size)
            self._buffer = memoryview(self._requests.read_chunk(self._ctx, downloader, self._fill))
            self._fill = self._window
        piece = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return bytes(piece)

    def readall(self) -> bytes:
        """Everything left."""
        return self.read(-1)

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Read into ``buffer``; the number of bytes read (0 at the end)."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Drop the downloader (it holds no open connection between reads); idempotent."""
        self._downloader = None
        self._buffer = memoryview(b"")
        super().close()
