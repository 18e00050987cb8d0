"""``SlowSource``: content handed out in many short reads, looking at the store between them."""

from __future__ import annotations

import io
from collections.abc import Callable

__all__ = ["SlowSource"]


class SlowSource(io.RawIOBase):
    """A non-seekable stream over ``data`` that gives at most ``piece`` bytes per read.

    Before every read after the first, ``probe(received)`` is called with the number of bytes
    handed out so far: a test looks at the store there, from another call, while the backend is
    in the middle of a write (ATOMIC-002, ATOMIC-004, ATOMIC-005). ``probes`` counts those calls,
    so that a test can assert that it did observe the transfer at several points.
    """

    def __init__(self, data: bytes, *, piece: int, probe: Callable[[int], None]) -> None:
        super().__init__()
        self._view = memoryview(data)
        self._position = 0
        self._piece = piece
        self._probe = probe
        self.probes = 0

    def readable(self) -> bool:
        """Always true."""
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Call the probe (after the first read), then fill at most ``piece`` bytes of ``buffer``."""
        if 0 < self._position < len(self._view):
            self.probes += 1
            self._probe(self._position)
        count = min(len(buffer), self._piece, len(self._view) - self._position)
        buffer[:count] = self._view[self._position : self._position + count]
        self._position += count
        return count
