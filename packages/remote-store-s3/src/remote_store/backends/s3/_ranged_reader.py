"""The seekable stream ``read`` returns: the GetObject body while read in order, ranged GETs after a seek.

``SeekableObjectReader`` is an ``ObjectReader`` (``_reader.py``) until the caller reads at another
position than the body's: then the body is closed and every read beyond what the stream holds is
one ranged GetObject pinned to the ETag of the first answer (specs/s3.md).
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from remote_store import BackendUnavailable, NotFound, RemoteStoreError

from ._errors import error_code
from ._reader import CHANGED, ObjectReader, _bare, _pause

if TYPE_CHECKING:
    from remote_store.backend_tools import OperationContext

    from ._client import BucketClient

__all__ = ["FetchRange", "SeekableObjectReader", "read_range"]

FetchRange = Callable[[int, int, str], Mapping[str, Any]]
"""``fetch_range(first, last, etag)``: GetObject of ``bytes=first-last``, ``If-Match: etag``; or our error."""

_READAHEAD = 64 * 1024
"""Bytes fetched beyond a read's own size after a seek: small, so that a seek costs little."""

_MAX_READAHEAD = 8 * 1024 * 1024
"""The readahead doubles while reads after a seek go on in order, up to this."""

_SKIP = 256 * 1024
"""A seek this far ahead of the body, or less, reads on through the body instead of a new request."""

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


class SeekableObjectReader(ObjectReader):
    """An ``ObjectReader`` that also seeks, fetching only what is read (STREAM-012).

    Read in order from the start, it is exactly an ``ObjectReader``: one GetObject streamed as
    consumed, resumed where it breaks (S3-015, S3-031). ``seek`` only moves the position; the first
    read at a position other than the body's (more than 256 KiB ahead of it, or behind it) closes
    the body, and from then on each read beyond the block the stream holds sends one GetObject with
    ``Range: bytes=first-last`` and ``If-Match`` the ETag of the first answer, for the bytes asked
    plus a readahead (64 KiB, doubling up to 8 MiB while reads go on in order). ``read(n)`` returns
    ``n`` bytes unless the object ends first.

    Raises (from reads after a seek):
        BackendUnavailable: the object was replaced since the first answer (``If-Match`` failed,
            or the answer carries another ETag), the server ignored ``Range``, the first answer
            had no ETag (no version to pin), or the connection failed more often than allowed.
        NotFound: the object was deleted since the first answer.
    """

    def __init__(self, response: Mapping[str, Any], *, fetch_range: FetchRange, **reader: Any) -> None:
        super().__init__(response, **reader)
        self._fetch_range = fetch_range
        self._cursor: int | None = None  # the caller's position once it left the body's; None before
        self._ranged = False  # the body is closed: every read goes through ranged GETs
        self._block = b""  # the bytes of the last ranged answer
        self._block_start = 0
        self._readahead = _READAHEAD

    # -- position ---------------------------------------------------------------------------

    def seekable(self) -> bool:
        """True while the stream is open.

        Raises:
            ValueError: the stream is closed.
        """
        self._check_open()
        return True

    def _body_position(self) -> int:
        return self._offset - (len(self._buffer) - self._pos)

    def tell(self) -> int:
        """The position of the next byte to read.

        Raises:
            ValueError: the stream is closed.
        """
        self._check_open()
        return self._body_position() if self._cursor is None else self._cursor

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        """Move to ``offset`` from the start (``whence=0``), the position (1) or the end (2); no I/O.

        Raises:
            ValueError: the stream is closed, ``whence`` is unknown or the position would be negative.
            io.UnsupportedOperation: ``whence=2`` and the first answer gave no length.
        """
        self._check_open()
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self.tell() + offset
        elif whence == io.SEEK_END:
            if self._size is None:
                raise io.UnsupportedOperation("the length of the file is unknown: cannot seek from its end")
            target = self._size + offset
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        self._cursor = None if not self._ranged and target == self._body_position() else target
        return target

    def _in_order(self) -> bool:
        """True when the next read can come from the body (reading on to a position just ahead)."""
        if self._cursor is None:
            return True
        if self._ranged:
            return False
        gap = self._cursor - self._body_position()
        if 0 <= gap <= _SKIP:
            skipped = super().read(gap)
            if len(skipped) == gap:
                self._cursor = None
                return True
        self._ranged = True
        with contextlib.suppress(Exception):
            self._body.close()  # abandoned: its connection must not go back to the pool mid-body
        self._buffer, self._pos = b"", 0
        return False

    # -- reads ------------------------------------------------------------------------------

    def read(self, size: int | None = -1, /) -> bytes:
        """Up to ``size`` bytes from the position (fewer only at the end); all the rest without a size.

        Raises:
            BackendUnavailable: see the class; or the connection failed and could not be resumed.
            NotFound: the object was deleted before the bytes could be fetched.
            ValueError: the stream is closed.
        """
        self._check_open()
        if self._in_order():
            return super().read(size)
        return self._read_at(size)

    def read1(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes with at most one request (64 KiB without a size).

        Raises:
            BackendUnavailable: see the class; or the connection failed and could not be resumed.
            NotFound: the object was deleted before the bytes could be fetched.
            ValueError: the stream is closed.
        """
        self._check_open()
        if self._in_order():
            return super().read1(size)
        return self._read_at(size if size >= 0 else _READAHEAD)

    def peek(self, size: int = 0, /) -> bytes:
        """The next bytes without consuming them (at least one unless at the end; maybe more).

        Raises:
            BackendUnavailable: see the class; or the connection failed and could not be resumed.
            NotFound: the object was deleted before the bytes could be fetched.
            ValueError: the stream is closed.
        """
        self._check_open()
        if self._in_order():
            return super().peek(size)
        return self._held(max(size, 1))

    def readline(self, size: int | None = -1, /) -> bytes:
        """The next line, its newline included (at most ``size`` bytes); ``b""`` at the end.

        Raises:
            BackendUnavailable: see the class; or the connection failed and could not be resumed.
            NotFound: the object was deleted before the bytes could be fetched.
            ValueError: the stream is closed.
        """
        self._check_open()
        if self._in_order():
            return super().readline(size)
        limit = -1 if size is None or size < 0 else size
        parts: list[bytes] = []
        got = 0
        while limit < 0 or got < limit:
            held = self._held(1)
            if not held:
                break
            end = len(held) if limit < 0 else min(len(held), limit - got)
            newline = held.find(b"\n", 0, end)
            part = held[: end if newline < 0 else newline + 1]
            assert self._cursor is not None
            self._cursor += len(part)
            parts.append(part)
            got += len(part)
            if newline >= 0:
                break
        return b"".join(parts)

    def _read_at(self, size: int | None) -> bytes:
        assert self._cursor is not None
        total = self._size if self._size is not None else 0
        left = max(total - self._cursor, 0)
        wanted = left if size is None or size < 0 else min(size, left)
        if wanted == 0:
            return b""
        parts: list[bytes] = []
        offset = self._cursor - self._block_start
        if 0 <= offset < len(self._block):
            part = self._block[offset : offset + wanted]
            parts.append(part)
            self._cursor += len(part)
            wanted -= len(part)
        if wanted:
            self._fetch_block(wanted)
            part = self._block[:wanted]
            parts.append(part)
            self._cursor += len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _held(self, least: int) -> bytes:
        """The block's bytes from the position on, fetching at least ``least`` bytes when it holds none."""
        assert self._cursor is not None
        offset = self._cursor - self._block_start
        if not 0 <= offset < len(self._block):
            if self._size is None or self._cursor >= self._size:
                return b""
            self._fetch_block(min(least, self._size - self._cursor))
            offset = 0
        return self._block[offset:]

    def _fetch_block(self, wanted: int) -> None:
        """Make the block the bytes from the position on: ``wanted`` plus the readahead."""
        assert self._cursor is not None and self._size is not None
        if self._broken is not None:
            raise self._broken
        in_order = self._cursor == self._block_start + len(self._block)
        self._readahead = min(self._readahead * 2, _MAX_READAHEAD) if in_order else _READAHEAD
        first = self._cursor
        last = min(self._size, first + max(wanted, self._readahead)) - 1
        try:
            self._block = self._get_range(first, last)
        except RemoteStoreError as failure:
            self._broken = failure
            raise
        self._block_start = first

    def _get_range(self, first: int, last: int) -> bytes:
        """Bytes ``first`` to ``last`` of the version first read: one ranged GetObject, retried on failure."""
        if self._etag is None:
            raise self._context.error(
                BackendUnavailable, "the server gave no ETag: the file cannot be read out of order safely"
            )
        while True:
            response = self._fetch_range(first, last, self._etag)
            body = response["Body"]
            try:
                problem = self._range_mismatch(response, first, last)
                if problem is not None:
                    raise self._context.error(BackendUnavailable, problem)
                data: bytes = body.read()
                if len(data) != last - first + 1:
                    raise EOFError(f"{len(data)} of {last - first + 1} bytes arrived")
                return data
            except RemoteStoreError:
                raise
            except Exception as error:  # retried, or mapped and raised, below
                failure = self._map_failure(error)
                if not isinstance(failure, BackendUnavailable) or self._resumed >= self._resumes:
                    raise failure from error
                self._resumed += 1
                _pause(self._resumed)
            finally:
                with contextlib.suppress(Exception):
                    body.close()

    def _range_mismatch(self, response: Mapping[str, Any], first: int, last: int) -> str | None:
        """Why a ranged answer is not bytes ``first`` to ``last`` of the version first read, or ``None``."""
        if _bare(response.get("ETag")) != _bare(self._etag):
            return CHANGED  # a server that ignores If-Match
        match = _CONTENT_RANGE.fullmatch(str(response.get("ContentRange") or "").strip())
        if (
            match is None
            or int(match[1]) != first
            or int(match[2]) != last
            or (match[3] != "*" and int(match[3]) != self._size)
        ):
            return "the server did not answer with the range asked for; cannot read out of order"
        return None

    def close(self) -> None:
        """Close the HTTP response of the body, if still open, and drop the block; idempotent."""
        self._block = b""
        super().close()


def read_range(requests: BucketClient, context: OperationContext, start: int, end: int) -> bytes:
    """Bytes ``start`` to ``end`` (excluded) of the context's object in one request, like slicing.

    One GetObject with ``Range: bytes=start-(end-1)``; a range starting past the end of the object
    (416 InvalidRange) gives ``b""``. An empty range is one HeadObject, which tells whether the
    object is there.

    Raises:
        NotFound: no object at the context's path.
        BackendUnavailable: the server answered with other bytes than the range asked for.
    """
    if start == end:
        if requests.head(context) is None:
            raise context.error(NotFound, "no such file")
        return b""
    client = requests.client(context)
    try:
        response = client.get_object(
            Bucket=requests.bucket, Key=str(context.path), Range=f"bytes={start}-{end - 1}"
        )
    except Exception as error:
        code, status = error_code(error)
        if status == 416 or code == "InvalidRange":
            return b""
        raise requests.failure(context, error) from error
    body = response["Body"]
    with requests.mapped(context):
        try:
            match = _CONTENT_RANGE.fullmatch(str(response.get("ContentRange") or "").strip())
            if match is None or int(match[1]) != start:
                if response.get("ContentRange"):
                    raise context.error(
                        BackendUnavailable, "the server did not answer with the range asked for"
                    )
                # A server that ignores Range sends the whole object: take what the range covers.
                return bytes(body.read(end))[start:end]
            return bytes(body.read())
        finally:
            with contextlib.suppress(Exception):
                body.close()
