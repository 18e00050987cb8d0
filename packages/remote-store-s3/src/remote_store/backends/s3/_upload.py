"""Bounded-memory multipart machinery: part buffers, request bodies, parallel part uploads.

Memory held by one multipart write: the part being filled plus at most ``max_concurrency`` parts
in flight (S3-010). Parts are filled from any readable stream, non-seekable and short-reading
ones included; each part is a seekable buffer because botocore must hash, sign and (on retry)
resend the body.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from remote_store import InvalidContent, RemoteStoreError
from remote_store.backend_tools import OperationContext, Readable

__all__ = [
    "MAX_PARTS",
    "MAX_READ",
    "PartBody",
    "PartJob",
    "PartJobs",
    "as_view",
    "fill",
    "iter_parts",
    "read_first",
    "run_parts",
]

MAX_PARTS = 10_000
"""S3's largest number of parts in one multipart upload."""

MAX_READ = 8 * 1024 * 1024
"""The largest size asked of the content stream in one ``read``/``readinto`` call (STREAM-005)."""

_FIRST_PIECE = 64 * 1024

PartJob = Callable[[int], str]
"""Uploads one part given its number (1-based) and returns the part's ETag."""

PartJobs = Callable[[str], Iterable[PartJob]]
"""Given the upload id, the jobs that upload (or copy) the parts of one multipart upload."""


class PartBody(io.RawIOBase):
    """A seekable, read-only file over a ``memoryview``, without copying it.

    botocore reads it to hash and sign the payload, rewinds it, and rewinds it again to retry.
    """

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view
        self._position = 0

    def __len__(self) -> int:
        return len(self._view)

    def readable(self) -> bool:
        """Always true."""
        return True

    def seekable(self) -> bool:
        """Always true."""
        return True

    def tell(self) -> int:
        """The current position."""
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` (relative to ``whence``); return the new position.

        Raises:
            ValueError: for a negative resulting position or an unknown ``whence``.
        """
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = len(self._view) + offset
        else:
            raise ValueError(f"invalid whence: {whence}")
        if position < 0:
            raise ValueError("negative seek position")
        self._position = position
        return position

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Copy the next bytes into ``buffer``; 0 at the end."""
        target = memoryview(buffer).cast("B")
        chunk = self._view[self._position : self._position + len(target)]
        size = len(chunk)
        target[:size] = chunk
        self._position += size
        return size

    def read(self, size: int | None = -1) -> bytes:
        """The next ``size`` bytes (all that remain if ``size`` is negative or None)."""
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        end = max(end, start)
        self._position = end
        return self._view[start:end].tobytes()

    def readall(self) -> bytes:
        """Everything that remains."""
        return self.read(-1)


def as_view(content: bytes | bytearray | memoryview) -> memoryview:
    """A flat byte view of bytes-like ``content``, copying only if it is not contiguous."""
    view = memoryview(content)
    if not view.c_contiguous:
        view = memoryview(view.tobytes())
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


def fill(stream: Readable, target: memoryview, path: str | None) -> int:
    """Fill ``target`` from ``stream``, looping over short reads; return the count (< len at EOF).

    io streams are read with ``readinto`` straight into the buffer; other readables with ``read``.

    Raises:
        InvalidContent: the stream is non-blocking or yields something other than bytes.
    """
    total = 0
    wanted = len(target)
    readinto = stream.readinto if isinstance(stream, (io.RawIOBase, io.BufferedIOBase)) else None
    while total < wanted:
        if readinto is not None:
            count = readinto(target[total : total + MAX_READ])
            if count is None:
                raise InvalidContent("content stream is non-blocking (readinto returned None)", path=path)
        else:
            chunk = stream.read(min(wanted - total, MAX_READ))
            if chunk is None:
                raise InvalidContent("content stream is non-blocking (read returned None)", path=path)
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                kind = type(chunk).__name__
                raise InvalidContent(f"content stream returned {kind}, expected bytes", path=path)
            count = len(chunk)
            target[total : total + count] = chunk
        if not count:
            break
        total += count
    return total


def read_first(stream: Readable, limit: int, path: str | None) -> memoryview:
    """Read up to ``limit`` bytes from ``stream`` (fewer only at its end), as one flat view.

    The buffer grows from 64 KiB by doubling, so a small object costs small buffers whatever
    ``limit`` is; several pieces are joined once at the end.

    Raises:
        InvalidContent: the stream is non-blocking or yields something other than bytes.
    """
    pieces: list[bytearray] = []
    total = 0
    size = _FIRST_PIECE
    while total < limit:
        wanted = min(size, limit - total)
        piece = bytearray(wanted)
        count = fill(stream, memoryview(piece), path)
        if count < wanted:
            del piece[count:]
        if count:
            pieces.append(piece)
            total += count
        if count < wanted:
            break
        size = min(size * 2, MAX_READ)
    if len(pieces) == 1:
        return memoryview(pieces[0])
    return memoryview(b"".join(pieces))


def iter_parts(
    first: memoryview, stream: Readable | None, chunksize: int, path: str | None
) -> Iterator[memoryview]:
    """Yield the parts of an upload: ``first`` (what was already read) and then the rest of ``stream``.

    Every part but the last is exactly ``chunksize`` bytes. Parts cut from ``first`` share its
    memory; each later part is a new buffer filled from ``stream``, so a part's memory is freed
    as soon as its upload drops it.
    """
    position = 0
    while len(first) - position >= chunksize:
        yield first[position : position + chunksize]
        position += chunksize
    carry = first[position:]
    del first
    if stream is None:
        if len(carry):
            yield carry
        return
    while True:
        buffer = bytearray(chunksize)
        view = memoryview(buffer)
        size = len(carry)
        view[:size] = carry
        carry = memoryview(b"")
        size += fill(stream, view[size:], path)
        if not size:
            return
        yield view[:size]
        if size < chunksize:
            return
        del buffer, view


def run_parts(jobs: Iterable[PartJob], max_concurrency: int, context: OperationContext) -> list[str]:
    """Run the part jobs with at most ``max_concurrency`` in flight; return the ETags in part order.

    The next job is taken from ``jobs`` only when it can start or is the single one waiting, so a
    lazy ``jobs`` (reading a stream) holds at most ``max_concurrency + 1`` parts. On any failure,
    ``KeyboardInterrupt`` included, jobs not started are cancelled, running ones are waited for,
    and the first error is raised: the caller then aborts the upload. ``context`` is the call's.

    Raises:
        RemoteStoreError: a part failed (as the job raised it), or there are more than
            ``MAX_PARTS`` parts.
    """
    limit = MAX_PARTS
    etags: dict[int, str] = {}
    pending: set[Future[tuple[int, str]]] = set()
    executor = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="remote-store-s3")
    try:
        for number, job in enumerate(jobs, start=1):
            if number > limit:
                raise context.error(
                    RemoteStoreError,
                    f"object needs more than {limit} parts: raise multipart_chunksize "
                    f"(largest streamed object = multipart_chunksize x {limit})",
                )
            while len(pending) >= max_concurrency:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                _collect(done, etags)
            pending.add(executor.submit(_numbered, job, number))
        done, pending = wait(pending)
        _collect(done, etags)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return [etags[number] for number in sorted(etags)]


def _numbered(job: PartJob, number: int) -> tuple[int, str]:
    return number, job(number)


def _collect(done: set[Future[tuple[int, str]]], etags: dict[int, str]) -> None:
    for future in done:
        number, etag = future.result()
        etags[number] = etag
