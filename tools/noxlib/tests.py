"""The test sessions: ``tests-<python>`` (every Python, light servers) and ``servers`` (once, heavy)."""

from __future__ import annotations

import nox

from . import pins
from .dists import distributions, editable_args
from .paths import CI
from .running import clear_reports, pytest_commands, run_all
from .servers import every_python_env, one_python_runs, shown

__all__ = ["servers", "tests"]


def tests(session: nox.Session) -> None:
    """Each distribution's tests on one Python, against light servers only.

    One pytest run per distribution, from its folder, with the variables of
    ``ServerTests.every_python``; a distribution without light servers is left to ``servers``.
    The conformance suite runs its store tests through ``Store`` and ``AsyncStore`` (CONF-013) on
    ``ONE_PYTHON`` only, through ``Store`` alone elsewhere (``--conformance-api=sync``), so that
    the async run does not double the suite on every Python: the async layer has no code path
    that differs between Pythons beyond asyncio, which its own tests cover on every Python.
    Arguments after ``--`` go to every pytest run.
    """
    dists = distributions(meta=True)
    # Test extras only of the distributions tested here: a once-only one (fsspec's data tools)
    # may need what an older Python cannot install.
    light = [dist for dist in dists if every_python_env(dist) is not None]
    once = [dist for dist in dists if every_python_env(dist) is None]
    session.install(*editable_args(light, test=True), *editable_args(once), *pins.TEST_DEPS)
    clear_reports(session.name)
    apis = [] if session.python == pins.ONE_PYTHON else ["--conformance-api=sync"]
    commands = []
    for dist in dists:
        if not dist.tests.is_dir():
            if dist.src.is_dir():
                session.warn(f"{dist.relative}: no tests/ folder, skipped")
            continue
        env = every_python_env(dist)
        if env is None:
            session.log(f"{dist.relative}: its tests need heavy servers; they run in `servers`")
            continue
        if env:
            session.log(f"{dist.relative}: {shown(env)}")
        commands += pytest_commands(
            dist,
            f"{session.name}-{dist.short}",
            env,
            timeout=pins.PYTEST_TIMEOUT,
            extra=[*apis, *session.posargs],
        )
    run_all(session, commands, parallel=True)


def servers(session: nox.Session) -> None:
    """Each distribution with test servers: its whole test folder against the heavy ones, once.

    With the variables of ``ServerTests.one_python``, for each distribution whose heavy servers are
    enabled; on CI every declared one must be. Arguments after ``--`` go to every pytest run.
    """
    dists = distributions()
    runs = [run for run in one_python_runs(dists) if run.dist.tests.is_dir()]
    disabled = [run.why_disabled() for run in runs if not run.enabled]
    if disabled and CI:
        session.error("CI runs every heavy test server: " + "; ".join(disabled))
    for message in disabled:
        session.warn(message)
    runs = [run for run in runs if run.enabled]
    if not runs:
        session.skip("no heavy test server enabled (see the messages above)")
    session.install(*editable_args(dists, test=True), *pins.TEST_DEPS)
    clear_reports("servers")
    commands = []
    for run in runs:
        session.log(f"{run.dist.relative}: {shown(run.env) or 'no variables'}")
        commands += pytest_commands(
            run.dist,
            f"servers-{run.dist.short}",
            dict(run.env),
            timeout=pins.PYTEST_TIMEOUT,
            extra=session.posargs,
        )
    run_all(session, commands, parallel=True)
