"""The version policy the built wheels must follow: one version for all, exact pins in the meta-distribution.

See docs/development/versioning.md; ``packaging`` applies it to the wheels it builds.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from .dists import META

__all__ = ["PINNED_BY_META", "check_lockstep", "wheel_metadata"]

PINNED_BY_META = ("remote-store-core", "remote-store-local", "remote-store-s3")
"""Distributions the meta-distribution must require (with an exact pin)."""


def wheel_metadata(wheel: Path) -> dict[str, list[str]]:
    """The header fields of a wheel's METADATA file, each with every value it has."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(item for item in archive.namelist() if item.endswith(".dist-info/METADATA"))
        text = archive.read(name).decode("utf-8")
    fields: dict[str, list[str]] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    return fields


def check_lockstep(names: set[str], versions: dict[str, str], meta_requirements: Sequence[str]) -> list[str]:
    """Problems with the version policy, as messages.

    A distribution without a wheel, versions that differ, or a requirement of the meta-distribution
    that is not an exact pin of that version.
    """
    problems = [f"no wheel built for {name}" for name in sorted(names - set(versions))]
    if len(set(versions.values())) > 1:
        shown = ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))
        problems.append(f"distributions must share one version (lockstep): {shown}")
    if META in versions:
        version = versions[META]
        pinned = set()
        for requirement in meta_requirements:
            match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(\S*?)\s*(;.*)?$", requirement)
            if not match:
                problems.append(f"{META}: cannot read requirement {requirement!r}")
                continue
            pinned.add(match.group(1))
            if match.group(3) != f"=={version}":
                problems.append(f"{META}: requirement {requirement!r} must pin =={version} exactly")
        for expected in PINNED_BY_META:
            if expected in names and expected not in pinned:
                problems.append(f"{META}: does not require {expected}")
    return problems
