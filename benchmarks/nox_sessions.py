"""Bodies of the benchmark nox sessions, for ``noxfile.py`` to wire up.

For example::

    sys.path.insert(0, str(ROOT))  # the repository root, if nox has not put it there already
    from benchmarks.nox_sessions import bench as _bench, bench_quick as _bench_quick

    @nox.session(default=False)
    def bench(session: nox.Session) -> None:
        \"\"\"Benchmarks (benchmarks/README.md): ``nox -s bench -- [--quick] [--peers] ...``.\"\"\"
        _bench(session)

    @nox.session(default=False)
    def bench_quick(session: nox.Session) -> None:
        \"\"\"The benchmarks' CI smoke test (``run.py --quick``): a few minutes, asserts no speed.\"\"\"
        _bench_quick(session)

Posargs go to ``benchmarks/run.py`` untouched: ``nox -s bench`` is the full run (writes
``benchmarks/results/latest.json`` and ``docs/benchmarks.md``), ``nox -s bench -- --quick`` the
few-minute smoke run CI uses, ``-- --peers`` adds fsspec/s3fs, obstore, smart_open and
remote-store 0.33.0 (each in its own venv under ``benchmarks/.venvs``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# What run.py needs beside the packages of this repository (pinned like the noxfile's tools).
REQUIREMENTS = ["boto3>=1.35", "moto[server]>=5", "matplotlib>=3.8"]


def _packages() -> list[str]:
    """``-e`` arguments for every distribution under packages/ (core first)."""
    folders = sorted(path.parent for path in ROOT.glob("packages/*/pyproject.toml"))
    folders.sort(key=lambda folder: folder.name != "remote-store-core")
    args: list[str] = []
    for folder in folders:
        target = folder.as_posix()
        if folder.name == "remote-store-core":
            target += "[toml]"
        args += ["-e", target]
    return args


def install(session: Any) -> None:
    """Install this repository's packages (editable) and what the runner needs."""
    session.install(*_packages(), *REQUIREMENTS)


def bench(session: Any) -> None:
    """Run ``benchmarks/run.py`` with the session's posargs (``--quick``, ``--peers``, ``--targets``, ...).

    Ceph (target ``ceph``) is installed from Debian's packages when missing (needs root); pass
    ``-- --targets local,moto`` to leave it out.
    """
    install(session)
    session.chdir(str(ROOT))
    session.run("python", "benchmarks/run.py", *session.posargs)


def bench_quick(session: Any) -> None:
    """The CI smoke test: ``run.py --quick`` plus the session's posargs; asserts nothing about speed."""
    install(session)
    session.chdir(str(ROOT))
    session.run("python", "benchmarks/run.py", "--quick", *session.posargs)
