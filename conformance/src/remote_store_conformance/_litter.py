"""The litter of interrupted writes on demand: how the suite checks a backend's cleanup of it.

A writer killed mid-write (SIGKILL, power cut, a lost connection) can leave something behind
that no later call of its own removes: a temporary file, an unfinished multipart upload. A
backend MUST keep such litter out of every answer and, if it offers a way to sweep it, MUST
sweep exactly the litter that is old enough and nothing else (BACKEND-017). The suite cannot
kill a writer at a chosen moment on every storage, so a backend's tests that want these checks
return a ``LitterMaker`` from a fixture named ``conformance_litter`` (CONF-011).
"""

from __future__ import annotations

import abc

__all__ = ["LitterMaker"]


class LitterMaker(abc.ABC):
    """Leaves the litter an interrupted write leaves in one backend's storage, and sweeps it.

    Paths are backend-relative folder paths (``""`` for the backend's root).
    """

    @abc.abstractmethod
    def leave(self, folder: str, *, age: float) -> str | None:
        """Leave what one write into ``folder``, interrupted ``age`` seconds ago, leaves behind.

        Exactly what a killed writer of this backend leaves (same names, same place), last
        touched ``age`` seconds ago; ``folder`` is made first if it does not exist.

        Returns the backend path the litter sits at if the backend reserves such paths (no file
        can be made there, like the local backend's temporary names), else ``None`` (an unfinished
        upload to a path that stays an ordinary path).
        """

    @abc.abstractmethod
    def count(self) -> int:
        """How many pieces of litter the storage holds, counted directly (not through the backend)."""

    @abc.abstractmethod
    def sweep(self, older_than: float) -> int:
        """Call the backend's own cleanup for litter idle more than ``older_than`` seconds.

        Returns what the cleanup reports it removed; its errors pass unchanged.
        """
