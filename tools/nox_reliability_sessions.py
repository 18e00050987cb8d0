"""nox sessions for the reliability suite (specs/guarantees.md): ``reliability`` and ``soak``.

- ``reliability`` (time-bounded, for CI: about 6 minutes on 2 cores with moto, more when
  ``REMOTE_STORE_S3_SERVERS`` adds Ceph): runs ``tests/reliability/`` of every distribution that
  has one (``remote-store-local``: crash safety with 1,000 SIGKILLs, hostile paths with
  hypothesis, threads, resources, secrets; ``remote-store-s3``: injected faults through
  ``tools/faultproxy.py``, threads, resources, secrets over a run of the conformance suite).
- ``soak``: the same tests with their long variants (``REMOTE_STORE_SOAK=1``: 20,000 kills,
  ~60,000 examples, 200,000 operations, ...); not for CI.

noxfile.py registers them with::

    import importlib.util

    _spec = importlib.util.spec_from_file_location(
        "nox_reliability_sessions", "tools/nox_reliability_sessions.py"
    )
    nox_reliability_sessions = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(nox_reliability_sessions)
    nox_reliability_sessions.register(nox)  # reliability: a default session; soak: on demand

Each run writes a JUnit report per distribution to ``build/test-reports/<session>-<dist>.xml``
(which ``.ci/run`` counts) and the figures (kills, examples, operations, faults, seconds) to
``build/reliability-figures-<session>.json``, printed at the end. A plain ``pytest`` of a package
deselects these tests; they run only with ``REMOTE_STORE_RELIABILITY=1`` (set here) or when the
folder is named on the command line.

Environment: ``REMOTE_STORE_S3_SERVERS`` (passed on; ``moto`` by default),
``REMOTE_STORE_RELIABILITY_S3_SERVERS`` (overrides it for these sessions only, e.g. ``moto`` to
leave Ceph to the ``tests`` sessions). Arguments after ``--`` go to every pytest run.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "build" / "test-reports"

TEST_DEPS = ["pytest>=8", "hypothesis>=6.100", "pytest-timeout>=2.3"]
DIST_TEST_DEPS = {"remote-store-s3": ["moto[s3,server]>=5"]}
PYTEST_TIMEOUT = "900"
"""Seconds one test may take (the conformance-suite secrets scan takes about 2 minutes)."""


class Dist(NamedTuple):
    """One distribution of the repository: its folder and project name."""

    path: Path
    name: str

    @property
    def relative(self) -> str:
        """The folder relative to the repository root."""
        return self.path.relative_to(ROOT).as_posix()

    @property
    def short(self) -> str:
        """``local``, ``s3``, ...: for report file names."""
        return self.name.removeprefix("remote-store-")


def _project_name(pyproject: Path) -> str:
    # A regex instead of tomllib: nox may run on Python 3.10, which has no tomllib.
    in_project = False
    for line in pyproject.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_project = stripped == "[project]"
        elif in_project and (match := re.match(r"""name\s*=\s*["']([^"']+)["']""", stripped)):
            return match.group(1)
    raise ValueError(f"{pyproject}: no [project] name")


def distributions() -> list[Dist]:
    """Every distribution with a pyproject.toml (core first), except the meta-distribution."""
    folders = sorted(path.parent for path in ROOT.glob("packages/*/pyproject.toml"))
    if (ROOT / "conformance" / "pyproject.toml").exists():
        folders.append(ROOT / "conformance")
    found = [Dist(folder, _project_name(folder / "pyproject.toml")) for folder in folders]
    found = [dist for dist in found if dist.name != "remote-store"]
    return sorted(found, key=lambda dist: (dist.name != "remote-store-core", dist.name))


def _install(session: Any, dists: Sequence[Dist]) -> None:
    args: list[str] = []
    for dist in dists:
        extras = "[toml]" if dist.name == "remote-store-core" else ""
        args += ["-e", f"{dist.relative}{extras}"]
    extra = [requirement for dist in dists for requirement in DIST_TEST_DEPS.get(dist.name, [])]
    session.install(*args, *TEST_DEPS, *extra)


def _run(session: Any, *, soak: bool) -> None:
    from nox.command import CommandFailed

    session.chdir(ROOT)
    dists = distributions()
    suites = [dist for dist in dists if (dist.path / "tests" / "reliability").is_dir()]
    if not suites:
        session.error("no distribution has a tests/reliability folder")
    _install(session, dists)
    REPORTS.mkdir(parents=True, exist_ok=True)
    figures = ROOT / "build" / f"reliability-figures-{session.name}.json"
    figures.unlink(missing_ok=True)
    env = {
        "REMOTE_STORE_RELIABILITY": "1",
        "REMOTE_STORE_SOAK": "1" if soak else "",
        "REMOTE_STORE_RELIABILITY_REPORT": str(figures),
        # hypothesis keeps caches in .hypothesis/ of the working folder, even without a database.
        "HYPOTHESIS_STORAGE_DIRECTORY": str(ROOT / "build" / "hypothesis"),
    }
    servers = os.environ.get("REMOTE_STORE_RELIABILITY_S3_SERVERS")
    if servers:
        env["REMOTE_STORE_S3_SERVERS"] = servers
    shown = env.get("REMOTE_STORE_S3_SERVERS") or os.environ.get("REMOTE_STORE_S3_SERVERS", "(unset: moto)")
    session.log(f"REMOTE_STORE_S3_SERVERS={shown}")
    failed: list[str] = []
    for dist in suites:
        report = REPORTS / f"{session.name}-{dist.short}.xml"
        session.chdir(dist.path)
        try:
            session.run(
                "pytest",
                "--rootdir",
                str(dist.path),
                "tests/reliability",
                "-p",
                "no:cacheprovider",
                # Every package's own config may not say so: warnings are errors here.
                "-W",
                "error",
                f"--junitxml={report}",
                f"--timeout={PYTEST_TIMEOUT}",
                *session.posargs,
                env=env,
            )
        except CommandFailed:
            failed.append(dist.relative)
        finally:
            session.chdir(ROOT)
    if figures.exists():
        session.log("figures:\n" + json.dumps(json.loads(figures.read_text(encoding="utf-8")), indent=2))
    if failed:
        session.error(f"failed: {', '.join(failed)}")


def reliability(session: Any) -> None:
    """Reliability suite, time-bounded for CI: crashes, faults, hostile input, threads, resources, secrets."""
    _run(session, soak=False)


def soak(session: Any) -> None:
    """The reliability suite's long variants (REMOTE_STORE_SOAK=1); takes an hour or more."""
    _run(session, soak=True)


def register(nox_module: Any, *, python: str | Sequence[str] | None = None) -> None:
    """Register ``reliability`` (a default session) and ``soak`` (on demand) in the calling noxfile.

    Args:
        nox_module: the ``nox`` module the noxfile imported.
        python: the interpreter(s) to run them with; nox's own by default.
    """
    nox_module.session(reliability, name="reliability", python=python)
    nox_module.session(soak, name="soak", python=python, default=False)
