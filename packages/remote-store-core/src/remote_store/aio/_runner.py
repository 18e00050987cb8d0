"""``Runner``: the bounded worker pool an ``AsyncStore`` runs blocking calls on."""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DEFAULT_MAX_WORKERS", "Runner", "awaitable", "check_positive", "outlast_cancellation"]

T = TypeVar("T")

DEFAULT_MAX_WORKERS = 8
"""Worker threads of an ``AsyncStore`` unless ``max_workers`` says otherwise."""


def awaitable(work: concurrent.futures.Future[T]) -> asyncio.Future[T]:
    """``work`` as a future of the running loop whose failure is never reported as unretrieved.

    A cancelled caller stops awaiting it; what the abandoned call raised is then nobody's to see.
    """
    future = asyncio.wrap_future(work)
    future.add_done_callback(_retrieve)
    return future


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def check_positive(name: str, value: object) -> int:
    """``value``, checked to be a positive ``int`` (not a ``bool``).

    Raises:
        ValueError: it is not; the message names ``name``.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, not {value!r}")
    return value


async def outlast_cancellation(work: concurrent.futures.Future[T]) -> None:
    """Wait until the worker's ``work`` is done, whatever cancellations arrive; ignore its outcome.

    A worker thread cannot be interrupted: a cancelled call waits for it so that no work of the
    call outlives it (and cleans up what it returns). A cancellation arriving during the wait is
    not lost: the caller re-raises the ``CancelledError`` it is handling.
    """
    future = awaitable(work)
    while not future.done():
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            continue
        except BaseException:  # noqa: BLE001 - the outcome is the caller's to read, or to ignore
            return


class _Pool:
    """At most ``size`` threads, one started only when a call finds every thread busy.

    ``concurrent.futures.ThreadPoolExecutor`` marks a worker idle only after the caller has seen
    its result, so sequential awaited calls keep starting threads up to its limit; here a worker
    counts as idle before it hands the result over, so a program making one call at a time runs
    on one thread.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._calls: queue.SimpleQueue[tuple[concurrent.futures.Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        self._queued = 0
        self._shut = False

    def submit(self, call: Callable[[], T]) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._shut:
                raise RuntimeError("the AsyncStore's workers are shut down")
            self._queued += 1
            self._calls.put((future, call))
            if self._queued > self._idle and self._threads < self._size:
                self._threads += 1
                threading.Thread(target=self._work, name="remote-store-aio", daemon=True).start()
        return future

    def shutdown(self) -> None:
        with self._lock:
            if self._shut:
                return
            self._shut = True
            threads = self._threads
        while True:
            try:
                item = self._calls.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in range(threads):
            self._calls.put(None)

    def _work(self) -> None:
        counted_idle = False
        while True:
            item = self._calls.get()
            if item is None:
                return
            future, call = item
            with self._lock:
                self._queued -= 1
                if counted_idle:
                    self._idle -= 1
            if not future.set_running_or_notify_cancel():
                self._ready()
                counted_idle = True
                continue
            try:
                result = call()
            except BaseException as error:  # noqa: BLE001 - handed to the awaiting coroutine
                self._ready()
                future.set_exception(error)
            else:
                self._ready()
                future.set_result(result)
            counted_idle = True
            del item, future, call

    def _ready(self) -> None:
        # Idle before the result is handed over: the caller's next call then finds this thread.
        with self._lock:
            self._idle += 1


class Runner:
    """Runs blocking calls on at most ``max_workers`` threads, created on demand.

    Raises:
        ValueError: ``max_workers`` is not a positive ``int``.
    """

    def __init__(self, max_workers: int = DEFAULT_MAX_WORKERS) -> None:
        self.max_workers = check_positive("max_workers", max_workers)
        self._executor = _Pool(max_workers)
        # An AsyncStore dropped without close() still lets its idle threads end.
        weakref.finalize(self, self._executor.shutdown)

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
            return await asyncio.shield(awaitable(work))
        except asyncio.CancelledError:
            if not work.cancel():  # True: no worker had taken it, nothing ran
                await outlast_cancellation(work)
                if cleanup is not None and work.exception() is None:
                    result = work.result()
                    await outlast_cancellation(self.submit(lambda: cleanup(result)))
            raise

    def shutdown(self) -> None:
        """Let the workers end once their calls are done; queued calls not started are dropped."""
        self._executor.shutdown()
