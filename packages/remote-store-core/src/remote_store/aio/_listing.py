"""``AsyncListing``: the lazy async iterator of ``AsyncStore.list_files`` and ``list_folders``."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Generic, TypeVar

from ._runner import Runner

__all__ = ["MAX_LISTING_BATCH", "AsyncListing"]

T = TypeVar("T")

MAX_LISTING_BATCH = 256
"""The most entries one worker call takes from a sync listing."""


class AsyncListing(Generic[T]):
    """Yields a sync ``Store`` listing's entries, taken on the store's workers in growing batches.

    Nothing is taken before the first ``__anext__``; the first worker call opens the listing and
    takes 1 entry, each next one twice as many as the last, up to ``MAX_LISTING_BATCH``: the
    listing runs at most one batch ahead of the caller, and a long listing costs one thread hop
    per 256 entries. ``aclose()`` (or leaving an ``async for`` early through ``aclose``) closes
    the sync listing; it never raises.

    The errors the sync call raises at the call (``InvalidPath``, ``CapabilityNotSupported``,
    ``StoreClosed``) are raised by ``prepare()`` or else by the first ``__anext__``.
    """

    def __init__(
        self, open_listing: Callable[[], Iterator[T]], runner: Runner, *, inline: bool = False
    ) -> None:
        self._open_listing: Callable[[], Iterator[T]] | None = open_listing
        self._inline = inline
        self._runner = runner
        self._source: Iterator[T] | None = None
        self._batch = 1
        self._ready: deque[T] = deque()
        self._exhausted = False
        self._lock = asyncio.Lock()

    async def prepare(self) -> None:
        """Make the listing call now, taking no entry; idempotent.

        Raises:
            InvalidPath, CapabilityNotSupported, StoreClosed: as the sync call raises them.
        """
        async with self._lock:
            await self._prepare()

    def __aiter__(self) -> AsyncListing[T]:
        return self

    async def __anext__(self) -> T:
        async with self._lock:
            if not self._ready and not self._exhausted:
                await self._prepare()
                source = self._source
                assert source is not None
                batch = self._batch
                try:
                    entries = await self._runner.run(lambda: list(islice(source, batch)))
                except BaseException:
                    # Cancelled (the entries the worker took are lost) or failed: either way the
                    # listing cannot go on; release the sync one.
                    await self._finish()
                    raise
                self._batch = min(batch * 2, MAX_LISTING_BATCH)
                self._ready.extend(entries)
                if len(entries) < batch:
                    await self._finish()
            if not self._ready:
                raise StopAsyncIteration
            return self._ready.popleft()

    async def aclose(self) -> None:
        """Close the sync listing and drop what was taken; idempotent, never raises."""
        async with self._lock:
            self._ready.clear()
            self._open_listing = None
            await self._finish()

    async def _prepare(self) -> None:
        if self._source is not None or self._exhausted:
            return
        open_listing = self._open_listing
        if open_listing is None:
            self._exhausted = True
            return
        if self._inline:
            # A closed store's listing: the call raises StoreClosed before any I/O.
            self._source = open_listing()
            return
        self._source = await self._runner.run(open_listing, cleanup=_close)

    async def _finish(self) -> None:
        self._exhausted = True
        source, self._source = self._source, None
        if source is not None:
            await self._runner.run(lambda: _close(source))


def _close(source: object) -> None:
    close = getattr(source, "close", None)
    if close is not None:
        close()
