"""The unmutated bases the mutants subclass, and how each is plugged into the suite.

Each base class here is a plain subclass of the shipped backend that changes nothing but what any
subclass must (a ``repr`` naming its own class, BACKEND-001), so the control run ("<base>:base")
and the mutants differ only by the mutation. Memory, local and S3 have mutants of their own
(``<base>_mutants.py``); Azure and SFTP run the backend-agnostic set (``agnostic_mutants.py``),
and their packages are imported only when one of them runs.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from collections.abc import Callable
from typing import Any

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


def _azure_base() -> type:
    from remote_store.backends.azure import AzureBackend

    class AzureBase(AzureBackend):
        """The Azure backend, unmutated (its ``repr`` already names the subclass)."""

    return AzureBase


def _sftp_base() -> type:
    from remote_store.backends.sftp import SFTPBackend

    class SFTPBase(SFTPBackend):
        """The SFTP backend, unmutated (its ``repr`` names the subclass, as BACKEND-001 asks)."""

        def __repr__(self) -> str:
            return SFTPBackend.__repr__(self).replace("SFTPBackend", type(self).__name__)

    return SFTPBase


@dataclasses.dataclass(frozen=True)
class Base:
    """One base backend: how to get its unmutated class, its requirements and its mutants' module.

    ``module`` is ``agnostic_mutants`` for a base without mutants of its own: its set is then
    ``agnostic_mutants.registry(<the base class>)``.
    """

    load: Callable[[], type]
    requirements: Callable[[], Requirements]
    module: str

    @functools.cached_property
    def cls(self) -> type:
        """The unmutated class (imported on first use)."""
        return self.load()


BASES: dict[str, Base] = {
    "memory": Base(lambda: MemoryBase, SubclassRequirements, "memory_mutants"),
    "local": Base(lambda: LocalBase, SubclassRequirements, "local_mutants"),
    "s3": Base(lambda: S3Base, SubclassRequirements, "s3_mutants"),
    "azure": Base(_azure_base, SubclassRequirements, "agnostic_mutants"),
    "sftp": Base(_sftp_base, SubclassRequirements, "agnostic_mutants"),
}
"""Every base by name; ``run_mutants.py`` runs memory, local and S3 unless told otherwise."""

DEFAULT_BASES = ("memory", "local", "s3")
"""The bases of a run that names none: the ones needing no server but moto."""


def mutants_of(base: str) -> list[Any]:
    """The ``Mutant`` records of ``base``."""
    module = importlib.import_module(BASES[base].module)
    if BASES[base].module == "agnostic_mutants":
        return list(module.registry(BASES[base].cls))
    return list(module.REGISTRY)


def find_mutant(base: str, name: str) -> type:
    """The class of mutant ``name`` of ``base`` (``"base"``: the unmutated class).

    Raises:
        KeyError: no such base or mutant.
    """
    if name == "base":
        return BASES[base].cls
    for mutant in mutants_of(base):
        if mutant.name == name:
            return mutant.factory  # type: ignore[no-any-return]
    raise KeyError(f"no mutant {name!r} of base {base!r}")
