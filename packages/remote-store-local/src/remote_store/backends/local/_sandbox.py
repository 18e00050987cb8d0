"""The sandbox: map backend paths to real paths and refuse any that resolve outside the root."""

from __future__ import annotations

import os

__all__ = ["is_within", "real_path"]


def is_within(real: str, real_root: str) -> bool:
    """True if the fully resolved ``real`` is ``real_root`` or lies below it."""
    if real == real_root:
        return True
    prefix = real_root if real_root.endswith(os.sep) else real_root + os.sep
    return real.startswith(prefix)


def real_path(real_root: str, path: str) -> str | None:
    """The resolved location of the canonical backend ``path`` below ``real_root``.

    Every symbolic link on the way, the last segment included, is resolved
    (``os.path.realpath``, which leaves missing parts as they are). Returns ``None`` if the
    result is not ``real_root`` or below it: the path leaves the sandbox through a link.
    """
    if not path:
        return real_root
    real = os.path.realpath(os.path.join(real_root, *path.split("/")))
    return real if is_within(real, real_root) else None
