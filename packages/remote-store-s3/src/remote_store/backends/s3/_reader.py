"""The stream ``read`` returns: a GetObject body, resumed where it broke (specs/s3.md)."""

from __future__ import annotations

import contextlib
import http.client
import io
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from remote_store import BackendUnavailable, RemoteStoreError
from remote_store.backend_tools import OperationContext

__all__ = ["CHANGED", "ObjectReader"]

logger = logging.getLogger("remote_store.s3")

CHANGED = "the file changed while it was read; read it again"
"""Message of the ``BackendUnavailable`` raised when a resume finds another version of the object."""

_CHUNK = 64 * 1024
"""Body bytes taken at a time by ``readline``, ``peek`` and ``read1()`` without a size."""

_WHOLE = 32 * 1024 * 1024
"""``read()`` takes up to this many bytes in one body read (no copy); more in pieces of this size."""

_FIRST_PAUSE = 0.1
_MAX_PAUSE = 1.0

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")

Fetch = Callable[[int, str], Mapping[str, Any]]
"""``fetch(offset, etag)``: a GetObject of ``bytes=offset-`` with ``If-Match: etag``, or our error."""


class ObjectReader(io.BufferedIOBase):
    """A forward-only binary stream over a GetObject answer, resumed after a broken connection.

    ``read(n)`` returns the body's own ``read(n)`` result (no copy through a buffer); ``read()``,
    ``read1``, ``readinto``, ``readline``, ``peek`` and iteration work as on ``io.BufferedReader``.
    Nothing is fetched before it is asked for.

    When the body fails (a dropped or reset connection, a read timeout, a body shorter than its
    Content-Length), the stream calls ``fetch(offset, etag)`` for the rest of the same version of
    the object and goes on, at most ``resumes`` times in its life (S3-031). It raises instead:
    ``BackendUnavailable`` when the resumes are spent, when the object changed since the first
    answer, or when the server did not answer with exactly the missing range; ``NotFound`` when
    the object is gone; the error ``map_failure`` makes of any other failure. Every error is that
    of the read's ``context`` (its path, operation and backend). Bytes returned before an error
    are always a true prefix of the object.

    ``close()`` closes the HTTP response, which releases its connection.
    """

    def __init__(
        self,
        response: Mapping[str, Any],
        *,
        context: OperationContext,
        fetch: Fetch,
        map_failure: Callable[[BaseException], RemoteStoreError],
        resumes: int,
    ) -> None:
        super().__init__()
        self._body: Any = response["Body"]
        size = response.get("ContentLength")
        self._size: int | None = None if size is None else int(size)
        self._etag: str | None = response.get("ETag") or None
        self._context = context
        self._fetch = fetch
        self._map_failure = map_failure
        self._resumes = max(0, resumes)
        self._resumed = 0
        self._offset = 0  # object offset of the next byte the body yields
        self._buffer = b""  # bytes taken from the body ahead of the caller (readline, peek)
        self._pos = 0
        self._broken: RemoteStoreError | None = None  # raised again by every later read

    # -- the body, resumed ------------------------------------------------------------------

    def _take(self, amount: int) -> bytes:
        """Up to ``amount`` bytes (``-1``: the rest) of the body; ``b""`` at the end of the object."""
        if self._broken is not None:
            raise self._broken
        while True:
            try:
                data: bytes = self._body.read(amount) if amount >= 0 else self._body.read()
                if not data and self._size is not None and self._offset < self._size:
                    # botocore checks the length too; this also covers bodies it does not wrap.
                    raise http.client.IncompleteRead(b"", self._size - self._offset)
            except Exception as error:  # noqa: BLE001 - resumed, or mapped and raised, below
                try:
                    self._resume(error)
                except RemoteStoreError as failure:
                    self._broken = failure
                    raise
                continue
            self._offset += len(data)
            return data

    def _resume(self, error: Exception) -> None:
        """Replace the broken body by the rest of the same object, or raise our error."""
        failure = self._map_failure(error)
        with contextlib.suppress(Exception):
            self._body.close()  # a broken connection must not go back to the pool
        if not isinstance(failure, BackendUnavailable) or self._etag is None or self._size is None:
            raise failure from error
        if self._offset >= self._size:
            self._body = io.BytesIO()  # every byte arrived; the failure came after the last one
            return
        if self._resumed >= self._resumes:
            raise failure from error
        self._resumed += 1
        logger.info(
            "resuming the read of key %r at byte %d of %d after %s (resume %d of %d)",
            self._context.path,
            self._offset,
            self._size,
            type(error).__name__,
            self._resumed,
            self._resumes,
        )
        _pause(self._resumed)
        response = self._fetch(self._offset, self._etag)
        body = response["Body"]
        problem = self._mismatch(response)
        if problem is not None:
            with contextlib.suppress(Exception):
                body.close()
            raise self._context.error(BackendUnavailable, problem) from error
        self._body = body

    def _mismatch(self, response: Mapping[str, Any]) -> str | None:
        """Why the answer to a resume cannot continue this read, or ``None`` when it can."""
        if _bare(response.get("ETag")) != _bare(self._etag):
            return CHANGED  # a server that ignores If-Match
        match = _CONTENT_RANGE.fullmatch(str(response.get("ContentRange") or "").strip())
        if (
            match is None
            or int(match[1]) != self._offset
            or int(match[2]) != (self._size or 0) - 1
            or (match[3] != "*" and int(match[3]) != self._size)
        ):
            return "the server did not answer with the rest of the file; cannot resume the read"
        return None

    def _unread(self, parts: list[bytes]) -> None:
        """Put bytes taken for a call that then failed back in front of the buffer."""
        if parts:
            self._buffer, self._pos = b"".join([*parts, self._buffer[self._pos :]]), 0

    def _buffered(self, limit: int) -> bytes:
        """Up to ``limit`` bytes (``-1``: all) of those taken ahead by ``readline``/``peek``."""
        end = len(self._buffer) if limit < 0 else min(len(self._buffer), self._pos + limit)
        data = self._buffer[self._pos : end]
        self._pos = end
        if self._pos >= len(self._buffer):
            self._buffer, self._pos = b"", 0
        return data

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    # -- the stream -------------------------------------------------------------------------

    def readable(self) -> bool:
        """True while the stream is open.

        Raises:
            ValueError: the stream is closed.
        """
        self._check_open()
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        """Up to ``size`` bytes (fewer only at the end of the object); all the rest without a size.

        Raises:
            BackendUnavailable: the connection failed and could not be resumed (S3-031).
            NotFound: the object was deleted before a resume could fetch the rest.
            ValueError: the stream is closed.
        """
        self._check_open()
        if size is None or size < 0:
            return self._read_rest()
        if size == 0:
            return b""
        if self._buffer:
            head = self._buffered(size)
            if len(head) == size:
                return head
            return self._fill([head], len(head), size)
        data = self._take(size)
        if len(data) == size or not data or self._offset == self._size:
            return data
        return self._fill([data], len(data), size)

    def _fill(self, parts: list[bytes], got: int, size: int) -> bytes:
        try:
            while got < size:
                data = self._take(size - got)
                if not data:
                    break
                parts.append(data)
                got += len(data)
        except BaseException:
            self._unread(parts)
            raise
        return b"".join(parts)

    def _read_rest(self) -> bytes:
        parts = [self._buffered(-1)] if self._buffer else []
        try:
            while True:
                if self._size is None:
                    data = self._take(-1)
                else:
                    left = self._size - self._offset
                    if left <= 0:
                        break
                    data = self._take(-1 if left <= _WHOLE else _WHOLE)
                if not data:
                    break
                parts.append(data)
        except BaseException:
            self._unread(parts)
            raise
        if len(parts) == 1:
            return parts[0]
        return b"".join(parts)

    def read1(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes with at most one read of the body (64 KiB without a size).

        Raises:
            BackendUnavailable: the connection failed and could not be resumed (S3-031).
            NotFound: the object was deleted before a resume could fetch the rest.
            ValueError: the stream is closed.
        """
        self._check_open()
        if self._buffer:
            return self._buffered(size)
        if size == 0:
            return b""
        return self._take(size if size > 0 else _CHUNK)

    def peek(self, size: int = 0, /) -> bytes:
        """The next bytes without consuming them (at least one unless at the end; maybe more).

        Raises:
            BackendUnavailable: the connection failed and could not be resumed (S3-031).
            NotFound: the object was deleted before a resume could fetch the rest.
            ValueError: the stream is closed.
        """
        self._check_open()
        if not self._buffer:
            self._buffer, self._pos = self._take(max(size, _CHUNK)), 0
        return self._buffer[self._pos :]

    def readline(self, size: int | None = -1, /) -> bytes:
        """The next line, its newline included (at most ``size`` bytes); ``b""`` at the end.

        Raises:
            BackendUnavailable: the connection failed and could not be resumed (S3-031).
            NotFound: the object was deleted before a resume could fetch the rest.
            ValueError: the stream is closed.
        """
        self._check_open()
        limit = -1 if size is None or size < 0 else size
        parts: list[bytes] = []
        got = 0
        while limit < 0 or got < limit:
            if not self._buffer:
                try:
                    chunk = self._take(_CHUNK)
                except BaseException:
                    self._unread(parts)
                    raise
                if not chunk:
                    break
                self._buffer, self._pos = chunk, 0
            end = len(self._buffer) if limit < 0 else min(len(self._buffer), self._pos + limit - got)
            newline = self._buffer.find(b"\n", self._pos, end)
            part = self._buffered((end if newline < 0 else newline + 1) - self._pos)
            parts.append(part)
            got += len(part)
            if newline >= 0:
                break
        return b"".join(parts)

    def close(self) -> None:
        """Close the HTTP response (releasing its connection); idempotent."""
        if self.closed:
            return
        try:
            body = getattr(self, "_body", None)
            if body is not None:
                body.close()
        except Exception:  # noqa: BLE001 - closing a broken connection must not raise
            pass
        finally:
            self._buffer = b""
            super().close()


def _bare(etag: Any) -> str:
    """An ETag without its quotes and weak prefix, for comparing values from different answers."""
    text = str(etag or "")
    if text.startswith("W/"):
        text = text[2:]
    return text.strip('"')


def _pause(resume: int) -> None:
    """Wait before resume number ``resume`` (the first goes at once).

    Later ones wait up to 0.1 s, 0.2 s, 0.4 s, ... (1 s at most), at random, so that readers
    broken together spread out.
    """
    if resume > 1:
        time.sleep(random.uniform(0, min(_MAX_PAUSE, _FIRST_PAUSE * 2 ** (resume - 2))))
