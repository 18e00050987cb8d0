"""The benchmark sessions (benchmarks/README.md): ``bench`` on demand, ``bench_quick`` in CI.

Arguments after ``--`` go to ``benchmarks/run.py`` untouched: ``nox -s bench`` is the full run
(writes ``benchmarks/results/latest.json`` and ``docs/benchmarks.md``), ``-- --peers`` adds
fsspec/s3fs, obstore, OpenDAL, smart_open and remote-store 0.33.0 (each in its own venv under
``benchmarks/.venvs``). ``nox -s bench_quick`` (a default session, so CI runs it) is
``run.py --quick``: a few minutes, checks that the benchmarks run and asserts nothing about speed.
"""

from __future__ import annotations

import nox

from . import pins
from .dists import distributions, editable_args
from .paths import ROOT

__all__ = ["bench", "bench_quick"]


def _install(session: nox.Session) -> None:
    packages = [dist for dist in distributions() if dist.relative.startswith("packages/")]
    session.install(*editable_args(packages), *pins.BENCH_DEPS)


def bench(session: nox.Session) -> None:
    """Run ``benchmarks/run.py`` with the session's arguments (``--quick``, ``--peers``, ``--targets``).

    Ceph (target ``ceph``) is installed from Debian's packages when missing (needs root); pass
    ``-- --targets local,moto`` to leave it out.
    """
    _install(session)
    session.chdir(ROOT)
    session.run("python", "benchmarks/run.py", *session.posargs)


def bench_quick(session: nox.Session) -> None:
    """The CI smoke run: ``run.py --quick`` plus the session's arguments; asserts nothing about speed."""
    _install(session)
    session.chdir(ROOT)
    session.run("python", "benchmarks/run.py", "--quick", *session.posargs)
