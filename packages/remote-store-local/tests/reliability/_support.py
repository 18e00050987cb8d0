"""Helpers of the local reliability tests: temporary names, sentinels outside the root.

What any backend can use (budgets, figures, self-checking content, the mixed workload, resource
counts, the secrets scan) is in ``remote_store_conformance.reliability``, ``.workload`` and
``.secrets_scan``; what is here is about a file system.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from pathlib import Path

TEMP_NAME = re.compile(r"\.~rs-[0-9a-f]{16}\.tmp")
"""The local backend's temporary file names (specs/local.md)."""

SENTINEL_MARK = b"SENTINEL-OUTSIDE-THE-ROOT"
"""Every sentinel file holds this: a read result containing it was read outside the root."""


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
