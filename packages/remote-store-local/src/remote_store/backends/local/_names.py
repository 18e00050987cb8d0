"""Names on disk: the reserved temporary-file names, and which names a listing may report."""

from __future__ import annotations

import os
import re

__all__ = [
    "TEMP_PREFIX",
    "TEMP_SUFFIX",
    "has_temp_segment",
    "is_reportable_name",
    "is_temp_name",
    "new_temp_name",
]

TEMP_PREFIX = ".~rs-"
"""Start of every temporary file name: hidden (leading dot) and recognisable by people and tools."""

TEMP_SUFFIX = ".tmp"
"""End of every temporary file name."""

# Only the exact shape new_temp_name() produces is reserved, so that user files such as
# ".~rs-notes.tmp" stay ordinary files.
_TEMP_NAME = re.compile(r"\.~rs-[0-9a-f]{16}\.tmp")

# What RemotePath refuses in a segment (PATH-005, PATH-006, PATH-012): such names on disk, made
# by other programs, cannot be addressed through a Store, so listings leave them out. Bytes that
# are not UTF-8 reach Python as lone surrogates (surrogateescape).
_UNREPORTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\\\ud800-\udfff]")


def new_temp_name() -> str:
    """A fresh random temporary file name (64 random bits, so concurrent writers do not collide)."""
    # os.urandom, not secrets: the same kernel randomness without importing OpenSSL (~3 ms).
    return f"{TEMP_PREFIX}{os.urandom(8).hex()}{TEMP_SUFFIX}"


def is_temp_name(name: str) -> bool:
    """True if ``name`` (one segment) has the shape of a temporary file of this backend."""
    return name.startswith(TEMP_PREFIX) and _TEMP_NAME.fullmatch(name) is not None


def has_temp_segment(path: str) -> bool:
    """True if any segment of the canonical ``path`` is a temporary file name."""
    return TEMP_PREFIX in path and any(is_temp_name(segment) for segment in path.split("/"))


def is_reportable_name(name: str) -> bool:
    """True if a listing may report the entry ``name``: not temporary, and a valid path segment."""
    return not is_temp_name(name) and _UNREPORTABLE.search(name) is None
