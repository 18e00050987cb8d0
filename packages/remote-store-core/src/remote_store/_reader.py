"""``StoreReader``: the stream ``Store.read`` returns, whose errors speak the store's language.

A backend's stream raises errors naming the backend-relative path (or a bare ``OSError``); every
other ``Store`` call rewrites those (STORE-028). The stream outlives the call that opened it, so
it carries the rewriting with it: each read that fails raises the error with the store-relative
path, operation ``read`` and the backend (STORE-032). It is a pass-through, not a buffer: every
call goes straight to the backend's stream, whose bytes come back as they are (no copy).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, NoReturn

from ._errors import RemoteStoreError

__all__ = ["StoreReader"]

Translate = Callable[[BaseException], RemoteStoreError]
"""Turns an error of the backend's stream (ours or an ``OSError``) into the store's error."""


def _translated(error: BaseException) -> bool:
    # io.UnsupportedOperation is also an OSError: it answers "this stream cannot do that"
    # (seek on a forward-only stream), which callers such as TextIOWrapper test for as it is.
    return isinstance(error, RemoteStoreError) or (
        isinstance(error, OSError) and not isinstance(error, io.UnsupportedOperation)
    )


class StoreReader(io.BufferedIOBase):
    """A readable binary stream over a backend's stream, with the errors a ``Store`` raises.

    Reads, ``readinto``, iteration, ``seek``/``tell`` (where the backend's stream is seekable) and
    ``close`` are passed to the backend's stream as they are; an error they raise comes out as a
    ``RemoteStoreError`` with the store-relative path, operation ``read`` and the backend (an
    ``OSError`` is mapped first, ``io.UnsupportedOperation`` excepted). Attributes this class does
    not define (``name``, ``peek``, ...) are the backend stream's own. A context manager, an
    iterator of lines, and usable under ``io.TextIOWrapper``.

    Raises:
        RemoteStoreError: from any read, seek or close whose backend call failed (see above).
        ValueError: an operation on the closed stream.
    """

    def __init__(self, stream: BinaryIO, translate: Translate) -> None:
        super().__init__()
        self._stream = stream
        self._translate = translate

    def _reraise(self, error: RemoteStoreError | OSError) -> NoReturn:
        """Raise the store's error ``from`` ``error`` where it is one to translate, else ``error``."""
        if _translated(error):
            raise self._translate(error) from error
        raise error

    def _call(self, action: Callable[..., Any], *args: Any) -> Any:
        try:
            return action(*args)
        except (RemoteStoreError, OSError) as error:
            self._reraise(error)

    # -- reads: the hot paths call the backend's stream directly (no helper frame per call) --

    def read(self, size: int | None = -1, /) -> bytes:
        """Up to ``size`` bytes (all the rest with ``-1`` or ``None``); ``b""`` at the end."""
        try:
            return self._stream.read(-1 if size is None else size)
        except (RemoteStoreError, OSError) as error:
            self._reraise(error)

    def readinto(self, buffer: Any, /) -> int:
        """Read into ``buffer`` (the backend stream's own ``readinto`` where it has one)."""
        readinto = getattr(self._stream, "readinto", None)
        if readinto is None:
            return super().readinto(buffer)  # through read()
        try:
            count: int = readinto(buffer)
        except (RemoteStoreError, OSError) as error:
            self._reraise(error)
        return count

    def read1(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes with at most one read of the backend (``read`` where it has no ``read1``)."""
        read1 = getattr(self._stream, "read1", None)
        if read1 is None:
            return self.read(size)
        result: bytes = self._call(read1, size)
        return result

    def readinto1(self, buffer: Any, /) -> int:
        """Like ``readinto``, with at most one read of the backend where it can tell."""
        readinto1 = getattr(self._stream, "readinto1", None)
        if readinto1 is None:
            return self.readinto(buffer)
        count: int = self._call(readinto1, buffer)
        return count

    def readline(self, size: int | None = -1, /) -> bytes:
        """The next line, its newline included (at most ``size`` bytes); ``b""`` at the end."""
        line: bytes = self._call(self._stream.readline, -1 if size is None else size)
        return line

    def __iter__(self) -> Iterator[bytes]:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        return self._lines()

    def _lines(self) -> Iterator[bytes]:
        # The lines of the backend's stream itself, delegated by ``yield from`` (no Python call
        # per line, which a loop over ``__next__`` costs), with its errors translated.
        try:
            yield from self._stream
        except (RemoteStoreError, OSError) as error:
            self._reraise(error)

    def __next__(self) -> bytes:
        try:
            line: bytes = next(self._stream)
        except (RemoteStoreError, OSError) as error:
            self._reraise(error)
        return line

    def readlines(self, hint: int | None = -1, /) -> list[bytes]:
        """The remaining lines (stopping once ``hint`` bytes are read, if ``hint`` > 0)."""
        lines: list[bytes] = self._call(self._stream.readlines, -1 if hint is None else hint)
        return lines

    # -- position ---------------------------------------------------------------------------

    def readable(self) -> bool:
        """True while the stream is open."""
        return bool(self._call(self._stream.readable))

    def seekable(self) -> bool:
        """Whether the backend's stream can ``seek`` (a forward-only stream cannot)."""
        return bool(self._call(self._stream.seekable))

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        """Move to ``offset`` (the backend's stream must be seekable); the new position."""
        position: int = self._call(self._stream.seek, offset, whence)
        return position

    def tell(self) -> int:
        """The current position, as the backend's stream reports it."""
        position: int = self._call(self._stream.tell)
        return position

    def fileno(self) -> int:
        """The backend stream's file descriptor, where it has one (``io.UnsupportedOperation`` if not)."""
        fileno: int = self._call(self._stream.fileno)
        return fileno

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once the stream (the backend's stream) is closed."""
        return bool(self._stream.closed)

    def close(self) -> None:
        """Close the backend's stream, releasing its file handle or connection; idempotent."""
        # Not IOBase.close: ``closed`` is the backend stream's, so there is no state of our own
        # to set (and IOBase's would look up a missing attribute on every close).
        self._call(self._stream.close)

    def __getattr__(self, name: str) -> Any:
        # Only for what this class does not define: ``name``, ``mode``, ``peek``, ...
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._stream, name)

    def __repr__(self) -> str:
        return f"<StoreReader of {self._stream!r}>"
