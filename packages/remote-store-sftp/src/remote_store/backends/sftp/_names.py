"""Names on the server: the reserved temporary-file names, and which names a listing may report."""

from __future__ import annotations

import os
import re

__all__ = ["TEMP_PREFIX", "has_temp_segment", "is_reportable_name", "is_temp_name", "new_temp_name"]

TEMP_PREFIX = ".~rs-"
"""Start of every temporary file name: hidden (leading dot) and recognisable by people and tools."""

# Only the exact shape new_temp_name() produces is reserved: ".~rs-notes.tmp" stays a user file.
_TEMP_NAME = re.compile(r"\.~rs-[0-9a-f]{16}\.tmp")

# What RemotePath refuses in a segment (backslashes, control characters); names that are not
# UTF-8 arrive as lone surrogates (the client decodes with surrogateescape).
_UNREPORTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\\\ud800-\udfff]")


def new_temp_name() -> str:
    """A fresh random temporary file name (64 random bits: concurrent writers do not collide)."""
    return f"{TEMP_PREFIX}{os.urandom(8).hex()}.tmp"


def is_temp_name(name: str) -> bool:
    """True if ``name`` (one segment) has the shape of a temporary file of this backend."""
    return name.startswith(TEMP_PREFIX) and _TEMP_NAME.fullmatch(name) is not None


def has_temp_segment(path: str) -> bool:
    """True if any segment of the canonical ``path`` is a temporary file name."""
    return TEMP_PREFIX in path and any(is_temp_name(segment) for segment in path.split("/"))


def is_reportable_name(name: str) -> bool:
    """True if a listing may report ``name``: a ``RemotePath`` can hold it and it is not temporary."""
    return name not in (".", "..") and not is_temp_name(name) and _UNREPORTABLE.search(name) is None
