"""Storage faults on demand: how the suite makes a backend's storage fail at each call in turn.

Crash-consistency testing in the manner of SQLite's I/O error tests: an operation runs with its
first storage call failing, then its second, and so on until it completes without meeting the
fault; after each failure the suite checks that the backend raised one of our errors and left
every file whole (BACKEND-013). A backend's tests switch this on by returning a
``FaultInjector`` from a fixture named ``conformance_faults`` (CONF-009).
"""

from __future__ import annotations

import abc
import errno
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from ._support import error_chain

__all__ = ["FaultInjector", "OsCallFaults"]


class FaultInjector(abc.ABC):
    """Makes the storage under one backend fail once, at a chosen call.

    ``arm(skip)`` lets the next ``skip`` storage calls succeed and makes the one after fail, once,
    the way the storage fails for real (an ``OSError`` from the file system, an error response or
    a dropped connection from a server); ``disarm()`` stops it and says whether the fault fired.
    "Storage call" is the injector's to define: every system call of a file-system backend, every
    HTTP request of an object-store client. The suite only needs the count to be deterministic
    for one operation on one state.
    """

    absorbable: bool = True
    """Whether a backend that retries (``Behaviour.retries_storage_faults``) may absorb the fault.

    ``True`` for a failure a retry can get past (a server error, a dropped connection). Set it
    ``False`` for a fault no retry absorbs (a refusal such as HTTP 403): the suite then requires
    every fault that fired to raise, even from a backend that retries.
    """

    @abc.abstractmethod
    def arm(self, skip: int) -> None:
        """Let ``skip`` storage calls succeed from now on, then fail the next one (only that one)."""

    @abc.abstractmethod
    def disarm(self) -> bool:
        """Stop injecting (idempotent); ``True`` if the fault fired since the last ``arm``."""

    def reported_by(self, error: BaseException) -> bool:
        """True if ``error`` reports the fault that fired: it is in its ``__cause__`` chain.

        The suite asks after each failed call, so that a backend cannot answer a storage failure
        with an unrelated error (BACKEND-005). The default answers ``True``: for injectors that
        cannot recognise their fault (it surfaces as a client library's own error).
        """
        return True


class OsCallFaults(FaultInjector):
    """A ``FaultInjector`` for backends built on the ``os`` module (file systems).

    While armed, the functions of ``os`` named in ``functions`` are replaced by wrappers that
    count calls (from any module, in the arming thread only) and raise
    ``OSError(error_number, "injected fault")`` for the one call chosen. Each entry a
    ``scandir`` iterator reads counts as a call too (reading a folder is I/O that can fail
    midway). Functions of the built-in ``open()`` and of ``io`` file objects are C code that
    these wrappers cannot reach.

    Args:
        functions: the ``os`` functions to fail; by default those a file-system backend uses to
            open, stat, read, create, link, rename, remove, list and sync.
        error_number: the ``errno`` of the injected failure (``EIO``: an input/output error).
    """

    DEFAULT_FUNCTIONS: tuple[str, ...] = (
        "open",
        "stat",
        "lstat",
        "fstat",
        "read",
        "write",
        "lseek",
        "fsync",
        "link",
        "rename",
        "replace",
        "unlink",
        "remove",
        "mkdir",
        "rmdir",
        "scandir",
        "listdir",
        "readlink",
    )

    def __init__(self, functions: Iterable[str] = DEFAULT_FUNCTIONS, error_number: int = errno.EIO) -> None:
        self._names = tuple(name for name in functions if hasattr(os, name))
        self._error_number = error_number
        self._originals: dict[str, Callable[..., Any]] = {}
        self._left = 0
        self._fired: OSError | None = None
        self._thread: int | None = None

    def arm(self, skip: int) -> None:
        """Fail the ``skip + 1``-th call to one of the functions made by this thread from now on."""
        self.disarm()
        self._left = skip
        self._fired = None
        self._thread = threading.get_ident()
        for name in self._names:
            original = getattr(os, name)
            self._originals[name] = original
            setattr(os, name, self._wrap(original, entries=name == "scandir"))

    def _tick(self) -> None:
        """Count one call; raise the fault if it is the chosen one."""
        if self._fired is None and threading.get_ident() == self._thread:
            if self._left == 0:
                self._fired = OSError(self._error_number, "injected fault")
                raise self._fired
            self._left -= 1

    def _wrap(self, original: Callable[..., Any], *, entries: bool) -> Callable[..., Any]:
        def failing(*args: Any, **kwargs: Any) -> Any:
            self._tick()
            result = original(*args, **kwargs)
            return _Entries(result, self._tick) if entries else result

        return failing

    def reported_by(self, error: BaseException) -> bool:
        """True if the ``OSError`` this injector raised is ``error`` or in its cause/context chain."""
        return any(link is self._fired for link in error_chain(error))

    def disarm(self) -> bool:
        """Put the original functions back; ``True`` if the fault fired."""
        for name, original in self._originals.items():
            setattr(os, name, original)
        self._originals.clear()
        self._thread = None
        return self._fired is not None


class _Entries:
    """A ``scandir`` iterator whose every step counts as a storage call (and can fail)."""

    def __init__(self, inner: Any, tick: Callable[[], None]) -> None:
        self._inner = inner
        self._tick = tick

    def __iter__(self) -> _Entries:
        return self

    def __next__(self) -> Any:
        self._tick()
        return next(self._inner)

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> _Entries:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._inner.close()
