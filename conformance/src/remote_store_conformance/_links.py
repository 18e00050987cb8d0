"""Symbolic links on demand: how the suite checks a backend whose storage can hold links.

File systems (local folders, SFTP servers, some WebDAV servers) can hold symbolic links that
other programs made. A backend over such storage must follow the links that stay inside its
root and refuse the ones that lead out (BACKEND-015). The suite cannot make links through the
``Backend`` API, so a backend's tests that want these checks return a ``LinkMaker`` from a
fixture named ``conformance_links`` (CONF-010).
"""

from __future__ import annotations

import abc
import os
from pathlib import Path

__all__ = ["LinkMaker", "OsLinks"]


class LinkMaker(abc.ABC):
    """Makes symbolic links in the storage under one backend, and a sentinel area outside it.

    Paths are backend-relative (``"a/b"``); a link's target is given as a backend path too, and
    the maker writes it the way links are written on that storage (``relative`` chooses between
    a relative and an absolute target). ``outside`` names a folder of the sentinel area, which
    holds a file ``secret.txt`` (content ``SENTINEL``), a folder ``folder`` with ``deep.txt`` and
    nothing else; ``outside_state()`` describes it so that the suite can tell it was not touched.
    """

    SENTINEL = b"SENTINEL-OUTSIDE-THE-BACKEND-ROOT"
    """The content of the files in the sentinel area."""

    @abc.abstractmethod
    def link(self, path: str, target: str, *, relative: bool = True) -> None:
        """Make a symbolic link at ``path`` leading to the backend path ``target`` (may be missing)."""

    @abc.abstractmethod
    def link_outside(self, path: str, target: str) -> None:
        """Make a symbolic link at ``path`` leading to ``target`` in the sentinel area outside.

        ``target`` is ``""`` for the area itself, ``"secret.txt"``, ``"folder"``, or a name that
        does not exist there (a dangling link).
        """

    @abc.abstractmethod
    def outside_state(self) -> object:
        """A comparable description of the sentinel area: names, contents, modification times."""


class OsLinks(LinkMaker):
    """A ``LinkMaker`` for a backend storing ``<root>/<path>`` on the local file system.

    Args:
        root: the folder that backend paths are relative to (it need not exist yet).
        outside: a folder outside ``root`` for the sentinel area; created with its contents.
    """

    def __init__(self, root: str | os.PathLike[str], outside: str | os.PathLike[str]) -> None:
        self._root = Path(root)
        self._outside = Path(outside)
        (self._outside / "folder").mkdir(parents=True, exist_ok=True)
        (self._outside / "secret.txt").write_bytes(self.SENTINEL)
        (self._outside / "folder" / "deep.txt").write_bytes(self.SENTINEL)

    def _place(self, path: str) -> Path:
        place = self._root.joinpath(*path.split("/"))
        place.parent.mkdir(parents=True, exist_ok=True)
        return place

    def link(self, path: str, target: str, *, relative: bool = True) -> None:
        """Make ``<root>/<path>`` a link to ``<root>/<target>``, relative or absolute."""
        place = self._place(path)
        destination = self._root.joinpath(*target.split("/")) if target else self._root
        if relative:
            os.symlink(os.path.relpath(destination, place.parent), place)
        else:
            os.symlink(os.path.abspath(destination), place)

    def link_outside(self, path: str, target: str) -> None:
        """Make ``<root>/<path>`` a link into the sentinel area, with a relative target."""
        place = self._place(path)
        destination = self._outside / target if target else self._outside
        os.symlink(os.path.relpath(destination, place.parent), place)

    def outside_state(self) -> object:
        """Every entry of the sentinel area with its content (files) and modification time."""
        state = []
        for folder, folders, files in os.walk(self._outside):
            for name in sorted(folders + files):
                full = os.path.join(folder, name)
                info = os.lstat(full)
                content = Path(full).read_bytes() if name in files else None
                state.append((os.path.relpath(full, self._outside), content, info.st_mtime_ns))
        return sorted(state, key=lambda item: item[0])
