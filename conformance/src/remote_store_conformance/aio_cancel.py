"""Cancelling an ``AsyncStore`` write at every await point, for the suite and backends' own tests.

``cancel_at_every_await_point`` drives one write many times, cancelling it at each step it
awaits, and calls back after each cancellation so a test can check what the storage holds
(AIO-010). Public so that a backend's tests can add their own checks (the S3 backend checks
for unfinished multipart uploads).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from remote_store.aio import AsyncStore

__all__ = ["ParkingSource", "cancel_at_every_await_point"]


class ParkingSource:
    """An async source of ``chunks`` that counts its steps and parks forever at step ``park_at``.

    Each ``__anext__`` is a step (the last one ends the iteration) and yields to the loop once.
    """

    def __init__(self, chunks: list[bytes], park_at: int = 0) -> None:
        self._chunks = list(chunks)
        self.park_at = park_at
        self.steps = 0
        self.parked = asyncio.Event()
        self.ended = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        self.steps += 1
        if self.steps == self.park_at:
            self.parked.set()
            await asyncio.Event().wait()
        await asyncio.sleep(0)
        if not self._chunks:
            self.ended = True
            raise StopAsyncIteration
        return self._chunks.pop(0)


async def cancel_at_every_await_point(
    store: AsyncStore,
    path: str,
    chunks: list[bytes],
    check: Callable[[bool], Awaitable[None]],
    *,
    atomic: bool = False,
    turns: int = 40,
    max_delay: float = 60.0,
    parked: Callable[[int], Awaitable[None]] | None = None,
) -> int:
    """Cancel a write of ``chunks`` to ``path`` at each await point; return how many cancellations.

    First at each step of the source (parked there: the write MUST leave nothing); then right
    after the source's end; then after 0, 1, ... ``turns`` turns of the event loop from the start,
    and after delays of 1, 2, 4, ... ms, until the write completes before the cancellation. Those
    cancelled after the source's end may have completed: the file is then whole. After each
    cancellation ``check(may_exist)`` is awaited; it asserts what the storage holds, and removes
    the file when ``may_exist``. ``parked(step)``, if given, is awaited while the write waits at
    that step of its source, before the cancellation.

    Raises:
        AssertionError: a cancelled write did not raise ``CancelledError``.
    """
    write = store.write_atomic if atomic else store.write
    counting = ParkingSource(chunks)
    await write(path, counting, overwrite=True)
    await store.delete(path)
    cancellations = 0
    for step in range(1, counting.steps + 1):
        source = ParkingSource(chunks, park_at=step)
        task = asyncio.ensure_future(write(path, source, overwrite=True))
        await asyncio.wait({asyncio.ensure_future(source.parked.wait()), task}, return_when="FIRST_COMPLETED")
        assert not task.done(), f"the write ended before step {step} of its source"
        if parked is not None:
            await parked(step)
        task.cancel()
        await _cancelled(task)
        cancellations += 1
        await check(False)
    source = ParkingSource(chunks)
    task = asyncio.ensure_future(write(path, source, overwrite=True))
    while not source.ended and not task.done():
        await asyncio.sleep(0)
    if not task.done():
        task.cancel()
        await _cancelled(task)
        cancellations += 1
    await check(True)
    for turn in range(turns):
        source = ParkingSource(chunks)
        task = asyncio.ensure_future(write(path, source, overwrite=True))
        for _ in range(turn):
            await asyncio.sleep(0)
        if task.done():
            await task
            await check(True)
            return cancellations
        task.cancel()
        await _cancelled(task)
        cancellations += 1
        await check(source.ended)
    delay = 0.001
    while delay < max_delay:
        source = ParkingSource(chunks)
        task = asyncio.ensure_future(write(path, source, overwrite=True))
        await asyncio.wait({task}, timeout=delay)
        if task.done():
            await task
            await check(True)
            return cancellations
        task.cancel()
        await _cancelled(task)
        cancellations += 1
        await check(source.ended)
        delay *= 2
    raise AssertionError(f"the write did not complete within {max_delay} s")


async def _cancelled(task: asyncio.Future[None]) -> None:
    try:
        await task
    except asyncio.CancelledError:
        return
    raise AssertionError("the cancelled write did not raise CancelledError")
