"""Which variables each test run of a distribution gets, from ``noxlib.needs`` and the environment.

- ``tests-<python>``: ``ServerTests.every_python`` (light servers), whatever the environment says;
  a distribution whose ``every_python`` is None is left to ``servers``.
- ``servers`` (once, on ``ONE_PYTHON``): ``ServerTests.one_python`` (plus ``on_ci`` on CI), for
  each distribution whose heavy servers are enabled (``ServerTests.enabled_by``). On CI (``CI``
  set) every declared one must be enabled, so that ``.ci/run`` cannot fall behind ``NEEDS``;
  elsewhere a disabled one is left out with a message (a developer without Ceph still runs nox).
- ``reliability`` (once): ``ServerTests.reliability`` (plus ``on_ci``) when enabled, else
  ``every_python``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .dists import Dist
from .paths import CI

__all__ = ["ServerRun", "every_python_env", "one_python_runs", "reliability_env", "shown"]


def shown(env: Mapping[str, str]) -> str:
    """``A=1 B=2``: the variables of a run, for the session log."""
    return " ".join(f"{key}={value}" for key, value in env.items())


def every_python_env(dist: Dist) -> dict[str, str] | None:
    """The variables of a ``tests-<python>`` run of ``dist``; None if its tests do not run there."""
    tests = dist.needs.servers
    if tests is None:
        return {}
    return None if tests.every_python is None else dict(tests.every_python)


@dataclass(frozen=True)
class ServerRun:
    """One distribution's run against its heavy servers in ``servers``, or why it is left out.

    Attributes:
        dist: the distribution.
        enabled: whether its heavy servers are installed (``ServerTests.enabled_by``).
    """

    dist: Dist
    enabled: bool
    ci: bool = CI

    @property
    def env(self) -> dict[str, str]:
        """The variables of the run: ``ServerTests.one_python``, plus ``on_ci`` on CI."""
        tests = self.dist.needs.servers
        assert tests is not None
        return {**tests.one_python, **(tests.on_ci if self.ci else {})}

    def why_disabled(self) -> str:
        """Why the run is left out, and how to turn its servers on."""
        assert self.dist.needs.servers is not None
        return self.dist.needs.servers.disabled_message(self.dist.name)


def one_python_runs(
    dists: list[Dist], environ: Mapping[str, str] | None = None, *, ci: bool = CI
) -> list[ServerRun]:
    """A run for each distribution with test servers, enabled or not."""
    return [
        ServerRun(dist, dist.needs.servers.enabled(environ), ci)
        for dist in dists
        if dist.needs.servers is not None
    ]


def reliability_env(
    dist: Dist, environ: Mapping[str, str] | None = None, *, ci: bool = CI
) -> dict[str, str] | None:
    """The variables of ``dist``'s reliability run; None if it cannot run here (no server enabled)."""
    tests = dist.needs.servers
    if tests is None:
        return {}
    if tests.enabled(environ):
        return {**tests.reliability, **(tests.on_ci if ci else {})}
    return None if tests.every_python is None else dict(tests.every_python)
