"""What a write accepts, and the helpers backends use to consume it with bounded memory."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, Protocol, runtime_checkable

from ._errors import InvalidContent

if TYPE_CHECKING:  # annotations only: _operation does not import this module either way
    from ._operation import OperationContext

__all__ = ["DEFAULT_CHUNK_SIZE", "Readable", "WriteContent", "check_content", "iter_chunks"]

DEFAULT_CHUNK_SIZE = 1024 * 1024
"""Chunk size used when copying streams: large enough for throughput, small for memory."""


@runtime_checkable
class Readable(Protocol):
    """Any object with a binary ``read(size)``: files, pipes, sockets' ``makefile("rb")``, ..."""

    def read(self, size: int = -1, /) -> bytes | None:
        """Up to ``size`` bytes (fewer is fine), ``b""`` at the end; ``None`` is rejected."""


WriteContent = bytes | bytearray | memoryview | BinaryIO | Readable
"""What ``write`` and ``write_atomic`` accept: a bytes-like object or a readable binary stream.

Streams are read forward only, in chunks, until ``read`` returns ``b""``; they need not be
seekable and may return fewer bytes than asked (pipes and sockets do). The stream is not closed.
"""


def check_content(
    content: object,
    path: str | None = None,
    *,
    operation: str | None = None,
    backend: str | None = None,
    context: OperationContext | None = None,
) -> None:
    """Reject what cannot be written before any I/O.

    ``path``, ``operation`` and ``backend`` are set on the error raised; a backend passes its
    call's ``context`` instead, which supplies all three (BACKEND-016).

    Raises:
        InvalidContent: for text streams, ``str`` and anything neither bytes-like nor readable.
    """
    if isinstance(content, (bytes, bytearray, memoryview)):
        return
    if isinstance(content, str):
        message = "content must be bytes or a binary stream, not str; encode it first"
    elif isinstance(content, io.TextIOBase):
        message = "content must be a binary stream, not a text stream"
    elif not callable(getattr(content, "read", None)):
        message = f"content must be bytes-like or a readable binary stream, not {type(content).__name__}"
    else:
        return
    if context is not None:
        raise context.error(InvalidContent, message)
    raise InvalidContent(message, path=path, operation=operation, backend=backend)


def _read_chunk(
    stream: Readable, size: int, path: str | None, operation: str | None = None, backend: str | None = None
) -> bytes:
    chunk = stream.read(size)
    if chunk is None:
        # A non-blocking stream with nothing ready: the contract is a blocking read.
        message = "content stream is non-blocking (read returned None)"
    elif not isinstance(chunk, (bytes, bytearray, memoryview)):
        message = f"content stream returned {type(chunk).__name__}, expected bytes"
    else:
        return bytes(chunk) if not isinstance(chunk, bytes) else chunk
    raise InvalidContent(message, path=path, operation=operation, backend=backend)


def iter_chunks(
    content: WriteContent,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    path: str | None = None,
    *,
    operation: str | None = None,
    backend: str | None = None,
    context: OperationContext | None = None,
) -> Iterator[bytes | memoryview]:
    """Yield the content in chunks of at most ``chunk_size`` bytes, never holding more than one.

    Bytes-like content is sliced without copying. Streams are read until ``b""``; short reads are
    passed on as they come. ``path``, ``operation`` and ``backend`` (or the call's ``context``,
    which supplies all three) are set on any error raised.

    Raises:
        InvalidContent: if the content is not writable content (see ``check_content``) or a stream
            yields something other than bytes.
    """
    if context is not None:
        path, operation, backend = context.path, context.operation.value, context.backend
    check_content(content, path, operation=operation, backend=backend)
    if isinstance(content, (bytes, bytearray, memoryview)):
        view = memoryview(content)
        if not view.c_contiguous:
            view = memoryview(view.tobytes())
        view = view.cast("B")
        for start in range(0, len(view), chunk_size):
            yield view[start : start + chunk_size]
        return
    while True:
        chunk = _read_chunk(content, chunk_size, path, operation, backend)
        if not chunk:
            return
        yield chunk
