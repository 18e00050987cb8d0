"""The distributions of the monorepo: one description (``Dist``) and one way to find them.

A distribution is a folder with a ``pyproject.toml``: ``packages/*/`` and ``conformance/``. It
joins every check as soon as it has one; what its pyproject.toml cannot say (test servers, stubs
for mypy, ...) is declared in ``noxlib.needs``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .needs import NEEDS, Needs
from .paths import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox depends on tomli on Python 3.10
    import tomli as tomllib

__all__ = ["CORE", "META", "Dist", "distributions", "editable_args"]

CORE = "remote-store-core"
"""Core: every other distribution depends on it, so it comes first."""

META = "remote-store"
"""The meta-distribution: no code, exact pins of the others (``pip install remote-store[s3]``)."""

BACKEND_GROUP = "remote_store.backends"


@dataclass(frozen=True)
class Dist:
    """One distribution: its folder, project name, optional dependencies and backend types.

    Attributes:
        path: the folder holding its pyproject.toml.
        name: the project name (``remote-store-s3``).
        extras: the names of its optional dependencies (``test``, ``toml``, ...).
        backends: the backend types it registers in the ``remote_store.backends`` entry points.
    """

    path: Path
    name: str
    extras: frozenset[str]
    backends: tuple[str, ...]

    @property
    def short(self) -> str:
        """``core``, ``local``, ``s3``, ``conformance``: for report file names."""
        return self.name.removeprefix("remote-store-")

    @property
    def relative(self) -> str:
        """The folder relative to the repository root, for pip and messages."""
        return self.path.relative_to(ROOT).as_posix()

    @property
    def src(self) -> Path:
        """The folder holding its import packages (the meta-distribution has none)."""
        return self.path / "src"

    @property
    def tests(self) -> Path:
        """Its own test folder (it may not exist)."""
        return self.path / "tests"

    @property
    def needs(self) -> Needs:
        """What its checks need beyond its pyproject.toml (``noxlib.needs.NEEDS``)."""
        return NEEDS.get(self.name, Needs())

    @classmethod
    def read(cls, folder: Path) -> Dist:
        """The distribution whose pyproject.toml is in ``folder``.

        Raises:
            ValueError: if the file has no ``[project]`` name.
        """
        with open(folder / "pyproject.toml", "rb") as file:
            project = tomllib.load(file).get("project", {})
        if "name" not in project:
            raise ValueError(f"{folder / 'pyproject.toml'}: no [project] name")
        entry_points = project.get("entry-points", {}).get(BACKEND_GROUP, {})
        return cls(
            path=folder,
            name=project["name"],
            extras=frozenset(project.get("optional-dependencies", {})),
            backends=tuple(sorted(entry_points)),
        )


def distributions(*, meta: bool = False) -> list[Dist]:
    """Every distribution, core first, then by name; the meta-distribution only if ``meta``.

    Raises:
        ValueError: if a pyproject.toml has no project name.
    """
    folders = [path.parent for path in ROOT.glob("packages/*/pyproject.toml")]
    if (ROOT / "conformance" / "pyproject.toml").exists():
        folders.append(ROOT / "conformance")
    found = [Dist.read(folder) for folder in folders]
    if not meta:
        found = [dist for dist in found if dist.name != META]
    return sorted(found, key=lambda dist: (dist.name != CORE, dist.name == META, dist.name))


def editable_args(dists: Iterable[Dist], *, test: bool = False) -> list[str]:
    """``-e folder[extras]`` for each distribution, for one pip call (so that they resolve together).

    Core's ``toml`` extra brings tomli on Python 3.10; with ``test``, each distribution's ``test``
    extra and ``Needs.test`` come too.
    """
    args: list[str] = []
    wanted = {"toml", "test"} if test else {"toml"}
    dists = list(dists)
    for dist in dists:
        extras = sorted(dist.extras & wanted)
        args += ["-e", f"{dist.relative}[{','.join(extras)}]" if extras else dist.relative]
    if test:
        args += [requirement for dist in dists for requirement in dist.needs.test]
    return args
