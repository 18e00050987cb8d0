"""Reading byte ranges of a store file: in one request where the backend can, forward otherwise."""

from __future__ import annotations

from typing import BinaryIO

from remote_store import Capability, Store

__all__ = ["RangeReader", "supports_ranges"]


def supports_ranges(store: Store) -> bool:
    """True when ``store`` reads a byte range in one request (``Capability.SEEKABLE_READ``)."""
    return store.supports(Capability.SEEKABLE_READ)


class RangeReader:
    """Reads ``[start, end)`` of one file, reusing one forward stream when ranges cannot be asked.

    Without ranged reads a range at or after the stream's position is reached by reading forward;
    one before it reopens the file. Sequential reads (CSV, JSON lines) thus cost one stream.
    """

    def __init__(self, store: Store, path: str) -> None:
        self._store = store
        self._path = path
        self.ranged = supports_ranges(store)
        """True when each range is one ``Store.read_range`` request."""
        self._stream: BinaryIO | None = None
        self._position = 0

    def read(self, start: int, end: int) -> bytes:
        """The bytes ``start`` to ``end`` (excluded), fewer at the end of the file.

        Raises:
            FileNotFoundError: (our ``NotFound``) the file is gone.
        """
        if end <= start:
            return b""
        if self.ranged:
            return self._store.read_range(self._path, start, end)
        if self._stream is None or start < self._position:
            self.close()
            self._stream = self._store.read(self._path)
            self._position = 0
        self._skip(start - self._position)
        return self._take(end - start)

    def close(self) -> None:
        """Release the forward stream, if one is open."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    def _skip(self, count: int) -> None:
        while count > 0:
            chunk = self._take(min(count, 1 << 20))
            if not chunk:
                return
            count -= len(chunk)

    def _take(self, count: int) -> bytes:
        assert self._stream is not None
        parts: list[bytes] = []
        wanted = count
        while wanted > 0:
            chunk = self._stream.read(min(wanted, 1 << 20))
            if not chunk:
                break
            parts.append(chunk)
            wanted -= len(chunk)
        data = b"".join(parts)
        self._position += len(data)
        return data
