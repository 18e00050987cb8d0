"""Which servers each test run uses, from ``noxlib.needs`` and the environment.

- ``tests-<python>``: every distribution against its every-Python servers (the variable is set
  to exactly those, whatever the environment says).
- ``servers`` (once, on ``ONE_PYTHON``): each distribution with one-Python servers, against the
  ones its variable selects. On CI (``CI`` set) every declared one-Python server must be
  selected, so that ``.ci/run`` cannot fall behind ``NEEDS``; elsewhere an unselected server is
  left out with a message (a developer without Ceph still runs ``nox``).
- ``reliability`` (once): every-Python servers plus the selected one-Python ones.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .dists import Dist
from .needs import ServerTests

__all__ = ["ServerRun", "every_python_env", "one_python_runs", "reliability_env"]


def selected(tests: ServerTests, environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The servers ``tests.env`` names in the environment (empty when it is unset or blank)."""
    raw = (os.environ if environ is None else environ).get(tests.env, "")
    return tuple(dict.fromkeys(name.strip().lower() for name in raw.split(",") if name.strip()))


def every_python_env(dist: Dist) -> dict[str, str]:
    """The variable for a ``tests-<python>`` run of ``dist``: its every-Python servers ({} if none)."""
    tests = dist.needs.servers
    return {tests.env: ",".join(tests.every_python)} if tests is not None else {}


@dataclass(frozen=True)
class ServerRun:
    """One distribution's run against its one-Python servers, or why it is left out.

    Attributes:
        dist: the distribution.
        servers: the selected one-Python servers (empty: left out).
        missing: declared one-Python servers its variable does not select.
    """

    dist: Dist
    servers: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def env(self) -> dict[str, str]:
        """The variable for this run: the selected servers."""
        assert self.dist.needs.servers is not None
        return {self.dist.needs.servers.env: ",".join(self.servers)}

    def why_missing(self) -> str:
        """A message naming the unselected servers, the variable and how to install them."""
        tests = self.dist.needs.servers
        assert tests is not None
        return (
            f"{self.dist.name}: {tests.env} does not name {', '.join(self.missing)} "
            f"(install: {tests.install}; then {tests.env}={','.join(tests.every_python + tests.one_python)})"
        )


def one_python_runs(dists: list[Dist], environ: Mapping[str, str] | None = None) -> list[ServerRun]:
    """For each distribution with one-Python servers: the ones its variable selects, and the rest."""
    runs = []
    for dist in dists:
        tests = dist.needs.servers
        if tests is None or not tests.one_python:
            continue
        chosen = selected(tests, environ)
        runs.append(
            ServerRun(
                dist=dist,
                servers=tuple(name for name in tests.one_python if name in chosen),
                missing=tuple(name for name in tests.one_python if name not in chosen),
            )
        )
    return runs


def reliability_env(dist: Dist, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variable for a reliability run of ``dist``: every-Python plus selected one-Python servers."""
    tests = dist.needs.servers
    if tests is None:
        return {}
    chosen = selected(tests, environ)
    servers = list(tests.every_python) + [name for name in tests.one_python if name in chosen]
    return {tests.env: ",".join(servers)}
