"""The reliability suite (specs/guarantees.md): ``reliability`` for CI and its long variant ``soak``.

- ``reliability`` (time-bounded, once, on ``ONE_PYTHON``): ``tests/reliability/`` of every
  distribution that has one (``remote-store-local``: crash safety with 1,000 SIGKILLs, hostile
  paths with hypothesis, threads, resources, secrets; ``remote-store-s3``: injected faults through
  ``tools/faultproxy.py``, threads, resources, secrets over a run of the conformance suite),
  with the variables of ``ServerTests.reliability`` when the distribution's heavy servers are
  enabled, else of ``every_python`` (``noxlib.servers.reliability_env``; CI: moto and Ceph).
- ``soak``: the same tests with their long variants (``REMOTE_STORE_SOAK=1``: 20,000 kills,
  ~60,000 examples, 200,000 operations, ...); an hour or more, not for CI.

Each run writes a JUnit report per distribution to ``build/test-reports/<session>-<dist>.xml``
(which ``.ci/run`` counts) and the figures (kills, examples, operations, faults, seconds) to
``build/reliability-figures-<session>.json``, printed at the end. A plain ``pytest`` of a package
deselects these tests; they run only with ``REMOTE_STORE_RELIABILITY=1`` (set here) or when the
folder is named on the command line. Arguments after ``--`` go to every pytest run.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import nox

from . import pins
from .dists import distributions, editable_args
from .paths import CI, REPORTS, ROOT
from .running import clear_reports, pytest_commands, run_all
from .servers import reliability_env, shown

__all__ = ["reliability", "soak"]


def _run(session: nox.Session, name: str, *, soak: bool) -> None:
    dists = distributions()
    suites = [dist for dist in dists if (dist.tests / "reliability").is_dir()]
    if not suites:
        session.error("no distribution has a tests/reliability folder")
    session.install(*editable_args(dists, test=True), *pins.TEST_DEPS)
    REPORTS.mkdir(parents=True, exist_ok=True)
    clear_reports(name)
    figures = ROOT / "build" / f"reliability-figures-{name}.json"
    for stale in [figures, *figures.parent.glob(f"{figures.stem}-*.json")]:
        stale.unlink(missing_ok=True)
    common = {
        "REMOTE_STORE_RELIABILITY": "1",
        "REMOTE_STORE_SOAK": "1" if soak else "",
        # hypothesis keeps caches in .hypothesis/ of the working folder, even without a database.
        "HYPOTHESIS_STORAGE_DIRECTORY": str(ROOT / "build" / "hypothesis"),
    }
    commands = []
    for dist in suites:
        servers = reliability_env(dist)
        if servers is None:
            assert dist.needs.servers is not None
            message = dist.needs.servers.disabled_message(dist.name)
            if CI:
                session.error(message)
            session.warn(message + "; its reliability tests are left out")
            continue
        if servers:
            session.log(f"{dist.relative}: {shown(servers)}")
        runs = pytest_commands(
            dist,
            f"{name}-{dist.short}",
            {**common, **servers},
            timeout=pins.RELIABILITY_TIMEOUT,
            # Every package's own config may not say so: warnings are errors here.
            extra=["-p", "no:cacheprovider", "-W", "error", *session.posargs],
            folder="tests/reliability",
        )
        # A figures file per run: runs side by side must not rewrite one file together.
        for index, run in enumerate(runs):
            own = {"REMOTE_STORE_RELIABILITY_REPORT": str(_part(figures, f"{dist.short}-{index}"))}
            commands.append(dataclasses.replace(run, env={**run.env, **own}))
    try:
        run_all(session, commands, parallel=True)
    finally:
        merged: dict[str, object] = {}
        for part in sorted(figures.parent.glob(f"{figures.stem}-*.json")):
            merged.update(json.loads(part.read_text(encoding="utf-8")))
            part.unlink()
        if merged:
            text = json.dumps(merged, indent=2, sort_keys=True)
            figures.write_text(text, encoding="utf-8")
            session.log("figures:\n" + text)


def _part(figures: Path, short: str) -> Path:
    return figures.with_name(f"{figures.stem}-{short}.json")


def reliability(session: nox.Session) -> None:
    """Reliability suite, time-bounded for CI: crashes, faults, hostile input, threads, resources, secrets."""
    _run(session, "reliability", soak=False)


def soak(session: nox.Session) -> None:
    """The reliability suite's long variants (REMOTE_STORE_SOAK=1); takes an hour or more."""
    _run(session, "soak", soak=True)
