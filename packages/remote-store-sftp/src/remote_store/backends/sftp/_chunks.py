"""``whole_chunks``: a write's content regrouped into requests of one size (SFTP-011)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["whole_chunks"]


def whole_chunks(chunks: Iterable[bytes | memoryview], size: int) -> Iterator[memoryview]:
    """The bytes of ``chunks`` in pieces of exactly ``size`` bytes, the last one shorter.

    Streams hand their content over in whatever pieces their reads return (64 KiB for many
    sockets and pipes); written as they come, a window of 2 requests would hold 128 KiB in flight
    instead of 2 MiB, and the connection would wait on every reply. Pieces are gathered into one
    buffer of at most ``size`` bytes; a piece that is already whole passes through without being
    gathered. Views are yielded, not copies (asyncssh cuts its requests from them without
    copying): a gathered buffer is never written to once yielded, and the caller's own bytes are
    only viewed while the write they were given to runs.
    """
    buffer = bytearray()
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        while len(view):
            if not buffer and len(view) >= size:
                yield view[:size]
                view = view[size:]
                continue
            taken = min(size - len(buffer), len(view))
            buffer += view[:taken]
            view = view[taken:]
            if len(buffer) == size:
                yield memoryview(buffer)
                buffer = bytearray()
    if buffer:
        yield memoryview(buffer)
