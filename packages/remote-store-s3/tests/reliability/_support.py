"""Helpers of the S3 reliability tests: budgets, self-checking content, resource counts."""

from __future__ import annotations

import hashlib
import os
import random
import threading
from typing import Any

FIGURES: dict[str, dict[str, Any]] = {}
"""Figures of each test (filled through the ``figures`` fixture), printed at the end of the run."""

MIB = 1024 * 1024


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


_MAGIC = b"RSCK"


def make_content(tag: str, seq: int, size: int, rng: random.Random) -> bytes:
    """``size`` random bytes wrapped with a header and a SHA-256 of it all (see ``parse_content``)."""
    header = f"{tag}:{seq}:{size}:".encode()
    payload = rng.randbytes(size)
    return _MAGIC + hashlib.sha256(header + payload).hexdigest().encode() + header + payload


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
        expected, number = int(size), int(seq)
    except ValueError:
        return None
    header = b":".join((tag, seq, size)) + b":"
    if len(payload) != expected or hashlib.sha256(header + payload).hexdigest().encode() != digest:
        return None
    return tag.decode(), number


def open_fds() -> dict[int, str]:
    """This process's open file descriptors and what they point to (Linux ``/proc/self/fd``)."""
    found: dict[int, str] = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            found[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
    return found


def socket_count() -> int:
    """How many sockets this process has open."""
    return sum(1 for target in open_fds().values() if target.startswith("socket:"))


def sockets_to(port: int) -> int:
    """How many of this process's TCP sockets are connected to ``port`` (client side).

    Read from ``/proc/self/net/tcp*``, so that the proxy's own sockets (in this process too)
    are not counted: theirs have ``port`` as the local port.
    """
    inodes = {target[8:-1] for target in open_fds().values() if target.startswith("socket:[")}
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                lines = handle.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in inodes:
                count += 1
    return count


def thread_names() -> list[str]:
    """The names of the live threads."""
    return sorted(thread.name for thread in threading.enumerate())
