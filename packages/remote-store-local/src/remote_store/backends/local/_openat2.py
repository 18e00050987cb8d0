"""Linux ``openat2(2)``: a whole relative path opened in one call, the kernel keeping it beneath.

``open_beneath(folder, relative, flags)`` opens ``relative`` (segments joined by ``/``) below
the open folder ``folder`` with ``RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS``:
the kernel refuses any ``..`` that would leave ``folder``, any symbolic link on the way (the
last segment included) and any ``/proc`` magic link, also while other processes rename or swap
entries during the call (LOCAL-026). A link on the way is not an error for the sandbox, only
for this fast path: the caller then walks the path one segment at a time (``_tree``), which
resolves links itself.

Python's ``os`` has no ``openat2``; it is reached through ``ctypes`` and ``syscall(2)``, where
the system number is known (x86_64 and aarch64: 437). Where it is missing (another system or
architecture, a kernel before 5.6: ``ENOSYS``, a seccomp filter: ``EPERM``), ``open_beneath``
returns ``None`` and the caller walks (LOCAL-027). ``disable()`` forces that fallback for the
rest of the process (tests run the sandbox checks both ways); the environment variable
``REMOTE_STORE_LOCAL_NO_OPENAT2=1`` does the same from the start.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import sys
from collections.abc import Callable

__all__ = ["available", "disable", "enable", "open_beneath"]

# include/uapi/linux/openat2.h
_RESOLVE_NO_MAGICLINKS = 0x02
_RESOLVE_NO_SYMLINKS = 0x04
_RESOLVE_BENEATH = 0x08
_RESOLVE = _RESOLVE_BENEATH | _RESOLVE_NO_SYMLINKS | _RESOLVE_NO_MAGICLINKS

# The system call number of openat2 where it is the same on every kernel of the architecture.
_SYSCALL_NUMBERS = {"x86_64": 437, "amd64": 437, "aarch64": 437, "arm64": 437}

# ENOSYS: no such call (a kernel before 5.6, or a seccomp filter that answers so): stop trying.
# EPERM (a seccomp filter or a security module), E2BIG and EINVAL (a kernel that does not know
# these flags): this call walks instead; the walk reports what the path itself is refused.
_WALK = frozenset({errno.EPERM, errno.E2BIG, errno.EINVAL})


class _OpenHow(ctypes.Structure):
    """``struct open_how``."""

    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


_HOW_SIZE = ctypes.sizeof(_OpenHow)
_HOWS: dict[int, _OpenHow] = {}

_Syscall = Callable[..., int]


def _load() -> tuple[_Syscall, int] | None:
    """``syscall(2)`` of the C library and openat2's number, or ``None`` where unknown."""
    if not sys.platform.startswith("linux") or os.environ.get("REMOTE_STORE_LOCAL_NO_OPENAT2") == "1":
        return None
    number = _SYSCALL_NUMBERS.get(platform.machine().lower())
    if number is None:
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syscall = libc.syscall
    except (OSError, AttributeError):
        return None
    syscall.restype = ctypes.c_long
    return syscall, number


_loaded = _load()
_state: dict[str, tuple[_Syscall, int] | None] = {"call": _loaded}


def available() -> bool:
    """True while ``open_beneath`` uses openat2 (it has not been found missing nor disabled)."""
    return _state["call"] is not None


def disable() -> None:
    """Use the descriptor walk from now on, as where openat2 is missing (tests, troubleshooting)."""
    _state["call"] = None


def enable() -> None:
    """Use openat2 again where this system has it (undoes ``disable``)."""
    _state["call"] = _loaded


def open_beneath(folder: int, relative: str, flags: int) -> int | None:
    """Open ``relative`` below the open folder ``folder`` with ``flags``; its descriptor, or ``None``.

    ``None`` means openat2 is not available here (or was disabled): walk instead. ``O_CLOEXEC``
    is always added.

    Raises:
        OSError: the open failed; ``ELOOP`` for a symbolic link on the way, ``EXDEV`` for a
            path leaving ``folder``, ``ENOENT``/``ENOTDIR`` as for ``open(2)``.
    """
    call = _state["call"]
    if call is None:
        return None
    syscall, number = call
    how = _HOWS.get(flags)
    if how is None:
        how = _HOWS[flags] = _OpenHow(flags | os.O_CLOEXEC, 0, _RESOLVE)  # read only once built
    result = syscall(number, folder, os.fsencode(relative), ctypes.byref(how), _HOW_SIZE)
    if result >= 0:
        return int(result)
    code = ctypes.get_errno()
    if code == errno.ENOSYS:
        _state["call"] = None
        return None
    if code in _WALK:
        return None
    raise OSError(code, os.strerror(code), relative)
