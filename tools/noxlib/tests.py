"""The test sessions: ``tests-<python>`` (every Python, light servers) and ``servers`` (once, heavy)."""

from __future__ import annotations

import nox

from . import pins
from .dists import distributions, editable_args
from .paths import CI
from .running import Command, clear_reports, pytest_command, run_all
from .servers import every_python_env, one_python_runs

__all__ = ["servers", "tests"]


def tests(session: nox.Session) -> None:
    """Each distribution's tests on one Python, its servers limited to the every-Python ones.

    One pytest run per distribution, from its folder; a distribution whose servers are all
    one-Python ones is left to ``servers``. Arguments after ``--`` go to every pytest run.
    """
    dists = distributions(meta=True)
    session.install(*editable_args(dists, test=True), *pins.TEST_DEPS)
    clear_reports(session.name)
    commands = []
    for dist in dists:
        if dist.needs.servers is not None and not dist.needs.servers.every_python:
            session.log(f"{dist.relative}: every server is a one-Python one; its tests run in `servers`")
            continue
        if not dist.tests.is_dir():
            if dist.src.is_dir():
                session.warn(f"{dist.relative}: no tests/ folder, skipped")
            continue
        env = every_python_env(dist)
        if env:
            session.log(f"{dist.relative}: {' '.join(f'{key}={value}' for key, value in env.items())}")
        command = pytest_command(
            dist.path,
            "tests",
            f"{session.name}-{dist.short}",
            timeout=pins.PYTEST_TIMEOUT,
            extra=session.posargs,
        )
        commands.append(Command(dist.relative, command, dist.path, env))
    run_all(session, commands)


def servers(session: nox.Session) -> None:
    """Each distribution with one-Python servers: its tests against those, once.

    The servers are those its variable selects (``noxlib.needs``); on CI every declared one must
    be selected. Arguments after ``--`` go to every pytest run.
    """
    dists = distributions()
    runs = one_python_runs(dists)
    missing = [run.why_missing() for run in runs if run.missing]
    if missing and CI:
        session.error("CI runs every one-Python server: " + "; ".join(missing))
    for message in missing:
        session.warn(message)
    runs = [run for run in runs if run.servers]
    if not runs:
        session.skip("no one-Python server selected (see the messages above)")
    session.install(*editable_args(dists, test=True), *pins.TEST_DEPS)
    clear_reports("servers")
    commands = []
    for run in runs:
        session.log(f"{run.dist.relative}: {' '.join(f'{key}={value}' for key, value in run.env.items())}")
        command = pytest_command(
            run.dist.path,
            "tests",
            f"servers-{run.dist.short}",
            timeout=pins.PYTEST_TIMEOUT,
            extra=session.posargs,
        )
        commands.append(Command(run.dist.relative, command, run.dist.path, run.env))
    run_all(session, commands)
