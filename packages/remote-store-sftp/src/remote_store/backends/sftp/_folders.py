"""``KnownFolders``: server folders a backend has seen exist below the real root (SFTP-019)."""

from __future__ import annotations

import collections

__all__ = ["KnownFolders"]


class KnownFolders:
    """A bounded set of real folder paths found to exist, be folders and lie below the real root.

    A create into a known folder skips the walk that finds (or makes) its folders: it sends the
    open of its temporary file with a ``realpath`` of the folder in one round trip, and falls back
    to the walk where the answers disagree with this record (the folder was removed, replaced or
    swapped for a link meanwhile). It is a hint, never a guarantee: every error forgets the
    folder. Used on the backend's event-loop thread only, so it needs no lock.

    Args:
        limit: folders kept at most; the least recently used go first.
    """

    def __init__(self, limit: int = 1024) -> None:
        self._limit = limit
        self._folders: collections.OrderedDict[str, None] = collections.OrderedDict()

    def __contains__(self, real: object) -> bool:
        if real in self._folders:
            self._folders.move_to_end(real)  # type: ignore[arg-type]  # a key found is a str
            return True
        return False

    def __len__(self) -> int:
        return len(self._folders)

    def add(self, real: str) -> None:
        """Record that folder ``real`` exists (a real path: no link on the way)."""
        self._folders[real] = None
        self._folders.move_to_end(real)
        while len(self._folders) > self._limit:
            self._folders.popitem(last=False)

    def forget(self, real: str) -> None:
        """Forget folder ``real`` and every folder below it (it was removed, or may have changed)."""
        below = real.rstrip("/") + "/"
        for folder in [each for each in self._folders if each == real or each.startswith(below)]:
            del self._folders[folder]

    def clear(self) -> None:
        """Forget every folder."""
        self._folders.clear()
