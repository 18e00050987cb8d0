"""Transfer progress: the write content, counted as the backend reads it (STORE-043)."""

from __future__ import annotations

from collections.abc import Callable

from ._content import WriteContent
from ._errors import InvalidArgument
from ._operation import OperationContext

__all__ = ["PROGRESS_STEP", "Progress", "ProgressReader", "check_progress"]

PROGRESS_STEP = 1024 * 1024
"""The most bytes one read through a ``ProgressReader`` returns: progress moves at least per MiB.

Backends ask for blocks of up to 64 MiB (STREAM-005) and accept short reads (STREAM-003), so
capping each read keeps a progress bar moving within one block at the cost of joining pieces.
"""

Progress = Callable[[int], object]
"""A callback given the bytes transferred so far (``progress(done)``); its result is ignored."""


def check_progress(progress: object, context: OperationContext) -> None:
    """Refuse a ``progress`` that is neither ``None`` nor callable, before any I/O.

    Raises:
        InvalidArgument: ``progress`` is not callable.
    """
    if progress is not None and not callable(progress):
        error = context.error(InvalidArgument, f"progress must be callable, not {type(progress).__name__}")
        error.argument = "progress"
        raise error


class ProgressReader:
    """A readable over the write content that reports the bytes read so far to ``progress``.

    Bytes-like content becomes a stream read in the backend's chunks; a stream is read as the
    backend asks, and whatever it returns is passed on unchanged (so a stream returning text or
    ``None`` is refused by the backend as before). Every read that returns bytes calls
    ``progress`` with the new running total: calls strictly increase. It offers neither
    ``seek`` nor ``fileno``: the backend must consume it forward, as the count assumes. A read
    returns at most ``PROGRESS_STEP`` bytes (a short read, which every backend accepts).
    """

    def __init__(self, content: WriteContent, progress: Progress) -> None:
        self._view: memoryview | None = None
        self._stream = None
        if isinstance(content, (bytes, bytearray, memoryview)):
            view = memoryview(content)
            self._view = (view if view.c_contiguous else memoryview(view.tobytes())).cast("B")
        else:
            self._stream = content
        self._progress = progress
        self._position = 0
        self.done = 0
        """The bytes read so far."""
        self._reported = False

    def read(self, size: int = -1, /) -> bytes | None:
        """Up to ``size`` bytes of the content, at most ``PROGRESS_STEP`` (all that is left for ``-1``).

        ``b""`` at the end.
        """
        if size is not None and size > PROGRESS_STEP:
            size = PROGRESS_STEP
        if self._view is not None:
            end = len(self._view) if size is None or size < 0 else min(len(self._view), self._position + size)
            chunk: object = self._view[self._position : end].tobytes()
            self._position = end
        else:
            chunk = self._stream.read(size)  # type: ignore[union-attr]
        count = 0
        if isinstance(chunk, memoryview):
            count = chunk.nbytes
        elif isinstance(chunk, (bytes, bytearray)):
            count = len(chunk)
        if count:
            self.done += count
            self._reported = True
            self._progress(self.done)
        return chunk  # type: ignore[return-value]

    def finish(self) -> None:
        """After a successful write: report ``0`` for empty content, which no read reported."""
        if not self._reported:
            self._reported = True
            self._progress(self.done)
