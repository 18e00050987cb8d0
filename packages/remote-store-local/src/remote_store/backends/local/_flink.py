"""Naming an unnamed file in one call: ``linkat(2)`` with ``AT_EMPTY_PATH`` (LOCAL-030).

An ``O_TMPFILE`` file gets its name with ``linkat(fd, "", folder, name, AT_EMPTY_PATH)``, the
descriptor itself as the source. Python's ``os.link`` cannot pass that flag, so the portable way
links the file's ``/proc/self/fd/N`` entry instead, which costs the kernel a walk through
``/proc`` (about twice the time of the whole call on tmpfs). ``link_unnamed`` tries the direct
call through ``ctypes`` first and links the ``/proc`` entry where it is refused.

Linux allows ``AT_EMPTY_PATH`` to a process with ``CAP_DAC_READ_SEARCH`` and, since 6.10, to the
process that opened the file; elsewhere it answers ``ENOENT``. ``ENOENT`` also means the folder
was removed, so the folder is looked at once: if it is still there, the call is refused for this
process and ``link_unnamed`` stops trying. ``disable()`` forces the ``/proc`` link (tests that
replace ``os.link`` to simulate file systems without hard links).
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Callable

__all__ = ["available", "disable", "enable", "link_unnamed"]

_AT_FDCWD = -100
_AT_EMPTY_PATH = 0x1000

_Linkat = Callable[[int, bytes, int, bytes, int], int]


def _load() -> _Linkat | None:
    """``linkat(2)`` of the C library, or ``None`` where this is not Linux or it is missing."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        linkat = ctypes.CDLL(None, use_errno=True).linkat
    except (OSError, AttributeError):
        return None
    # No argtypes: ctypes then passes the ints and bytes given as C int and char * by its
    # default conversions, which costs less per call than checking against declared types
    # (about 0.7 us of 4 on tmpfs). Every argument is built here: ints and NUL-free bytes.
    linkat.restype = ctypes.c_int
    call: _Linkat = linkat
    return call


_loaded = _load()
_state: dict[str, _Linkat | None] = {"call": _loaded}


def available() -> bool:
    """True while ``link_unnamed`` tries ``AT_EMPTY_PATH`` (not found refused nor disabled)."""
    return _state["call"] is not None


def disable() -> None:
    """Link the ``/proc/self/fd`` entry from now on, as where ``AT_EMPTY_PATH`` is refused."""
    _state["call"] = None


def enable() -> None:
    """Try ``AT_EMPTY_PATH`` again where this system has ``linkat`` (undoes ``disable``)."""
    _state["call"] = _loaded


def link_unnamed(fd: int, folder: int | None, entry: str) -> None:
    """Give the open unnamed file ``fd`` the name ``entry`` in the open folder ``folder``.

    ``folder`` ``None`` means ``entry`` is a path of its own (the root's files), as for
    ``os.link``'s ``dst_dir_fd``.

    Raises:
        OSError: as ``os.link`` raises it: ``FileExistsError`` when the name is taken,
            ``EPERM``/``ENOTSUP`` where the file system has no hard links, ``ENOENT`` when the
            folder was removed, and so on.
    """
    call = _state["call"]
    if call is not None:
        where = _AT_FDCWD if folder is None else folder
        if call(fd, b"", where, os.fsencode(entry), _AT_EMPTY_PATH) == 0:
            return
        code = ctypes.get_errno()
        if code != errno.ENOENT:
            raise OSError(code, os.strerror(code), entry)
        if not _folder_removed(folder):
            disable()  # refused to this process: the /proc link below says whether it works
    # A descriptor argument makes Python call linkat(2) with AT_SYMLINK_FOLLOW rather than
    # link(2), which would not follow the /proc link (the path is absolute: the descriptor is
    # ignored).
    os.link(f"/proc/self/fd/{fd}", entry, src_dir_fd=fd, dst_dir_fd=folder, follow_symlinks=True)


def _folder_removed(folder: int | None) -> bool:
    """True if the open folder ``folder`` has been removed (no link to it is left)."""
    if folder is None:
        return False
    try:
        return os.fstat(folder).st_nlink == 0
    except OSError:
        return True
