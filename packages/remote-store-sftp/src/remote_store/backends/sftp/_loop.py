"""``LoopThread``: the one asyncio event loop a backend runs all its SSH work on."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")

logger = logging.getLogger("remote_store.sftp")


def _unretrieved(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # asyncssh splits a large read or write into parallel requests in tasks of its own; when the
    # connection drops, the call fails with the first error (and raises it to the caller) and the
    # other tasks' identical errors are never retrieved. They are logged here at DEBUG instead of
    # asyncio's ERROR "Task exception was never retrieved": the failure was already reported.
    error = context.get("exception")
    lost = isinstance(error, (OSError, EOFError)) or type(error).__module__.startswith("asyncssh")
    if "future" in context and lost:
        logger.debug("sftp event loop: %s", context.get("message"), exc_info=error)
    else:
        loop.default_exception_handler(context)


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


class LoopThread:
    """An event loop running in a daemon thread of its own, started on first use.

    Any thread may hand it work (``submit``, ``run``); the loop serialises the work of all of
    them, which is what makes one asyncssh client safe to share.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                loop.set_exception_handler(_unretrieved)
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    @property
    def running(self) -> bool:
        """True once the loop has been started and until ``stop``."""
        return self._loop is not None

    def submit(self, awaitable: Awaitable[T]) -> concurrent.futures.Future[T]:
        """Schedule ``awaitable`` on the loop; its future is the caller's to wait on."""
        coroutine: Coroutine[Any, Any, T] = _await(awaitable)
        return asyncio.run_coroutine_threadsafe(coroutine, self._started())

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` on the loop and return its result (or raise its exception)."""
        return self.submit(awaitable).result()

    def call_soon(self, callback: Any, *args: Any) -> None:
        """Call ``callback(*args)`` on the loop thread, if the loop runs."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(callback, *args)

    def stop(self) -> None:
        """Stop the loop and join its thread; idempotent. Call after the work on it is finished."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        # The default executor's threads (asyncio resolves host names in them) end with the loop.
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(loop.shutdown_default_executor(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
