"""The stream ``read`` returns: a GetObject body whose failures are ours (S3-016, S3-017)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from remote_store import RemoteStoreError

__all__ = ["ObjectReader", "open_reader"]

_BUFFER_SIZE = 256 * 1024


class ObjectReader(io.RawIOBase):
    """A raw, forward-only stream over one GetObject response body.

    Any failure while reading (a timeout, a dropped connection, a short body) becomes the
    ``RemoteStoreError`` that ``map_failure`` returns (``BackendUnavailable`` with the path),
    raised from the original error. ``close()`` closes the HTTP response, which releases its
    connection.
    """

    def __init__(self, body: Any, map_failure: Callable[[BaseException], RemoteStoreError]) -> None:
        super().__init__()
        self._body = body
        self._map_failure = map_failure

    def readable(self) -> bool:
        """Always true."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read up to ``len(buffer)`` bytes into ``buffer``; 0 at the end of the object.

        Raises:
            BackendUnavailable: the connection failed or the body ended early.
            ValueError: the stream is closed.
        """
        if self.closed:
            raise ValueError("I/O operation on closed file")
        view = memoryview(buffer).cast("B")
        if not len(view):
            return 0
        try:
            data = self._body.read(len(view))
        except Exception as error:
            raise self._map_failure(error) from error
        size = len(data)
        view[:size] = data
        return size

    def readall(self) -> bytes:
        """The rest of the object, in one read of the body.

        Raises:
            BackendUnavailable: the connection failed or the body ended early.
        """
        if self.closed:
            raise ValueError("I/O operation on closed file")
        try:
            data: bytes = self._body.read()
        except Exception as error:
            raise self._map_failure(error) from error
        return data

    def close(self) -> None:
        """Close the response body (releasing its connection); idempotent."""
        if not self.closed:
            try:
                self._body.close()
            except Exception:  # noqa: BLE001 - closing a broken connection must not raise
                pass
            finally:
                super().close()


def open_reader(body: Any, map_failure: Callable[[BaseException], RemoteStoreError]) -> io.BufferedReader:
    """A buffered binary stream over ``body`` (see ``ObjectReader``)."""
    return io.BufferedReader(ObjectReader(body, map_failure), buffer_size=_BUFFER_SIZE)
