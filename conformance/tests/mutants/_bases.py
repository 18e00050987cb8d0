"""The three unmutated bases the mutants subclass, and how each is plugged into the suite.

Each base class here is a plain subclass of the shipped backend that changes nothing but what any
subclass must (a ``repr`` naming its own class, BACKEND-001), so the control run ("<base>:base")
and the mutants differ only by the mutation.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable

from remote_store.backends.local import LocalBackend
from remote_store.backends.memory import MemoryBackend
from remote_store.backends.s3 import S3Backend
from remote_store_conformance import Requirements


class MemoryBase(MemoryBackend):
    """The memory backend, unmutated."""


class LocalBase(LocalBackend):
    """The local backend, unmutated (its ``repr`` names the subclass, as BACKEND-001 asks)."""

    def __repr__(self) -> str:
        return LocalBackend.__repr__(self).replace("LocalBackend", type(self).__name__)


class S3Base(S3Backend):
    """The S3 backend, unmutated (its ``repr`` names the subclass, as BACKEND-001 asks)."""

    def __repr__(self) -> str:
        return S3Backend.__repr__(self).replace("S3Backend", type(self).__name__)


class SubclassRequirements(Requirements):
    """A mutant is a subclass that no entry point registers; BACKEND-010 is not what it breaks.

    Nothing else is declared here: each base's deviations from the strict defaults (S3's
    ``real_empty_folders``, ...) are its backend's own ``behaviour``, which the suite reads, and a
    mutant inherits them unchanged.
    """

    entry_point_registered = False


@dataclasses.dataclass(frozen=True)
class Base:
    """One base backend: its unmutated class, its requirements and the module of its mutants."""

    cls: type
    requirements: Callable[[], Requirements]
    module: str


BASES: dict[str, Base] = {
    "memory": Base(MemoryBase, SubclassRequirements, "memory_mutants"),
    "local": Base(LocalBase, SubclassRequirements, "local_mutants"),
    "s3": Base(S3Base, SubclassRequirements, "s3_mutants"),
}


def find_mutant(base: str, name: str) -> type:
    """The class of mutant ``name`` of ``base`` (``"base"``: the unmutated class).

    Raises:
        KeyError: no such base or mutant.
    """
    if name == "base":
        return BASES[base].cls
    registry = importlib.import_module(BASES[base].module).REGISTRY
    for mutant in registry:
        if mutant.name == name:
            return mutant.factory  # type: ignore[no-any-return]
    raise KeyError(f"no mutant {name!r} of base {base!r}")
