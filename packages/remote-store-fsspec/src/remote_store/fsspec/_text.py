"""Text-mode files whose ``with`` block publishes nothing when left by an exception."""

from __future__ import annotations

import io
from types import TracebackType

__all__ = ["DiscardingTextWrapper"]


class DiscardingTextWrapper(io.TextIOWrapper):
    """``io.TextIOWrapper`` over a ``StoreFile``: an exception in the ``with`` block discards.

    The plain wrapper closes (so publishes) whatever way its block is left.
    """

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
            return
        discard = getattr(self.buffer, "discard")  # noqa: B009 - a StoreFile, typed as a plain buffer
        discard()
