"""``Runner``: the bounded worker pool an ``AsyncStore`` runs blocking calls on."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

__all__ = ["DEFAULT_MAX_WORKERS", "Runner", "outlast_cancellation"]

T = TypeVar("T")

DEFAULT_MAX_WORKERS = 8
"""Worker threads of an ``AsyncStore`` unless ``max_workers`` says otherwise."""


async def outlast_cancellation(work: concurrent.futures.Future[T]) -> None:
    """Wait until the worker's ``work`` is done, whatever cancellations arrive; ignore its outcome.

    A worker thread cannot be interrupted: a cancelled call waits for it so that no work of the
    call outlives it (and cleans up what it returns). A cancellation arriving during the wait is
    not lost: the caller re-raises the ``CancelledError`` it is handling.
    """
    future = asyncio.wrap_future(work)
    while not future.done():
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            continue
        except BaseException:  # noqa: BLE001 - the outcome is the caller's to read, or to ignore
            return


class Runner:
    """Runs blocking calls on at most ``max_workers`` threads, created on demand.

    Raises:
        ValueError: ``max_workers`` is not a positive ``int``.
    """

    def __init__(self, max_workers: int = DEFAULT_MAX_WORKERS) -> None:
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(f"max_workers must be a positive int, not {max_workers!r}")
        self.max_workers = max_workers
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="remote-store-aio"
        )

    def submit(self, call: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Start ``call`` on a worker (queued while every worker is busy)."""
        return self._executor.submit(call)

    async def run(self, call: Callable[[], T], cleanup: Callable[[T], object] | None = None) -> T:
        """``call()`` on a worker, awaited. If the caller is cancelled, the call is not abandoned.

        A call not yet started is dropped; a running one is waited for, ``cleanup`` is applied to
        its result (on a worker: it may block), and then ``CancelledError`` is re-raised.
        """
        work = self.submit(call)
        try:
            return await asyncio.shield(asyncio.wrap_future(work))
        except asyncio.CancelledError:
            if not work.cancel():  # True: no worker had taken it, nothing ran
                await outlast_cancellation(work)
                if cleanup is not None and work.exception() is None:
                    result = work.result()
                    await outlast_cancellation(self.submit(lambda: cleanup(result)))
            raise

    def shutdown(self) -> None:
        """Let the workers end once their calls are done; queued calls not started are dropped."""
        self._executor.shutdown(wait=False, cancel_futures=True)
