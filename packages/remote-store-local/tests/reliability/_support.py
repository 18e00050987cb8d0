"""Helpers of the reliability tests: budgets, self-checking content, sentinels, resource counts."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import re
import stat
import threading
from pathlib import Path
from typing import Any

FIGURES: dict[str, dict[str, Any]] = {}
"""Figures of each test (filled through the ``figures`` fixture), printed at the end of the run."""

TEMP_NAME = re.compile(r"\.~rs-[0-9a-f]{16}\.tmp")
"""The local backend's temporary file names (specs/local.md)."""

SENTINEL_MARK = b"SENTINEL-OUTSIDE-THE-ROOT"
"""Every sentinel file holds this: a read result containing it was read outside the root."""


def flag(name: str) -> bool:
    """True if the environment variable ``name`` is set to a true value (``1``, ``true``, ...)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def soak_enabled() -> bool:
    """True when the long variants are wanted (``REMOTE_STORE_SOAK=1``)."""
    return flag("REMOTE_STORE_SOAK")


def budget(ci: int, soak: int, env: str | None = None) -> int:
    """``soak`` under ``REMOTE_STORE_SOAK=1``, else ``ci``; the variable ``env`` overrides both."""
    if env and os.environ.get(env, "").strip():
        return int(os.environ[env])
    return soak if soak_enabled() else ci


# -- self-checking content -------------------------------------------------------------------

_MAGIC = b"RSCK"


def make_content(tag: str, seq: int, size: int, rng: random.Random) -> bytes:
    """``size`` random bytes wrapped with a header naming ``tag``/``seq`` and a SHA-256 of it all.

    ``parse_content`` accepts exactly what this returns: any truncation, mix or corruption fails.
    """
    header = f"{tag}:{seq}:{size}:".encode()
    payload = rng.randbytes(size)
    digest = hashlib.sha256(header + payload).hexdigest().encode()
    return _MAGIC + digest + header + payload


def parse_content(data: bytes) -> tuple[str, int] | None:
    """``(tag, seq)`` of content made by ``make_content``, or ``None`` if it is not whole."""
    if not data.startswith(_MAGIC) or len(data) < 68:
        return None
    digest, rest = data[4:68], data[68:]
    parts = rest.split(b":", 3)
    if len(parts) != 4:
        return None
    tag, seq, size, payload = parts
    try:
        expected = int(size)
        number = int(seq)
    except ValueError:
        return None
    if len(payload) != expected:
        return None
    header = b":".join((tag, seq, size)) + b":"
    if hashlib.sha256(header + payload).hexdigest().encode() != digest:
        return None
    return tag.decode(), number


# -- sentinels outside the root --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class EntryState:
    """What a sentinel entry looks like: type, size, times, inode, and its names or link target.

    No content digest and no ctime: reading a file to hash it changes its access time, and
    restoring that with ``os.utime`` changes its ctime. A write changes the size or mtime anyway.
    """

    kind: str
    size: int
    mtime_ns: int
    atime_ns: int
    inode: int
    detail: str


def tree_state(top: Path, *, atimes: bool) -> dict[str, EntryState]:
    """Every entry below ``top`` (``top`` itself included), links not followed."""
    states: dict[str, EntryState] = {}
    pending = [top]
    while pending:
        current = pending.pop()
        info = os.lstat(current)
        if stat.S_ISLNK(info.st_mode):
            kind, detail = "link", os.readlink(current)
        elif stat.S_ISDIR(info.st_mode):
            # Listing changes the folder's access time: put it back as it was.
            names = sorted(os.listdir(current))
            os.utime(current, ns=(info.st_atime_ns, info.st_mtime_ns))
            kind, detail = "dir", "\0".join(names)
            pending.extend(current / name for name in names)
        elif stat.S_ISREG(info.st_mode):
            kind, detail = "file", ""
        else:
            kind, detail = "other", ""
        states[str(current.relative_to(top.parent))] = EntryState(
            kind,
            info.st_size,
            info.st_mtime_ns,
            info.st_atime_ns if atimes else 0,
            info.st_ino,
            detail,
        )
    return states


def age_access_times(top: Path) -> None:
    """Set every access time below ``top`` well before its modification time.

    With ``relatime`` (Linux's default) the next read or listing then updates the access time,
    which ``tree_state`` sees: a read outside the root is detected, not only a write.
    """
    for current, folders, files in os.walk(top):
        for name in [*folders, *files]:
            path = os.path.join(current, name)
            info = os.lstat(path)
            if not stat.S_ISLNK(info.st_mode):
                os.utime(path, ns=(info.st_mtime_ns - 10**12, info.st_mtime_ns))
    info = os.lstat(top)
    os.utime(top, ns=(info.st_mtime_ns - 10**12, info.st_mtime_ns))


def access_times_work(folder: Path) -> bool:
    """True if reading a file in ``folder`` updates its (aged) access time on this file system."""
    probe = folder / ".atime-probe"
    probe.write_bytes(b"probe")
    age_access_times_file(probe)
    before = os.stat(probe).st_atime_ns
    probe.read_bytes()
    works = os.stat(probe).st_atime_ns != before
    probe.unlink()
    return works


def age_access_times_file(path: Path) -> None:
    """``age_access_times`` for one file."""
    info = os.lstat(path)
    os.utime(path, ns=(info.st_mtime_ns - 10**12, info.st_mtime_ns))


def diff_states(before: dict[str, EntryState], after: dict[str, EntryState]) -> list[str]:
    """Human-readable differences between two ``tree_state`` results (empty when equal)."""
    problems = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is None:
            problems.append(f"created outside the root: {name}")
        elif new is None:
            problems.append(f"deleted outside the root: {name}")
        elif old != new:
            changed = [
                field.name
                for field in dataclasses.fields(old)
                if getattr(old, field.name) != getattr(new, field.name)
            ]
            problems.append(f"changed outside the root: {name} ({', '.join(changed)})")
    return problems


# -- resources -------------------------------------------------------------------------------


def open_fds() -> dict[int, str]:
    """This process's open file descriptors and what they point to (Linux ``/proc/self/fd``)."""
    found: dict[int, str] = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            found[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the descriptor listdir itself used, closed by now
    return found


def thread_names() -> list[str]:
    """The names of the live threads."""
    return sorted(thread.name for thread in threading.enumerate())
