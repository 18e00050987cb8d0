"""Running commands in a session: every one even when one fails, pytest with its JUnit report.

The test sessions run their pytest runs side by side (``run_all(..., parallel=True)``): most of a
run is spent waiting on a server process (moto, Ceph, Azurite, sshd) or on the timeouts the fault
tests inject, so two runs on two cores take little more than the longer one. Each run's output
goes to ``build/logs/<session>-<label>.log`` and is printed whole when it ends, so that outputs do
not interleave. ``REMOTE_STORE_NOX_JOBS`` sets how many run at once (default: the CPU count, at
most 4); ``1`` runs them one after the other, printing as they go.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .dists import Dist
from .paths import REPORTS, ROOT

if TYPE_CHECKING:  # nox is imported where it runs; the tools' tests import this module without it
    import nox

__all__ = ["JOBS_ENV", "Command", "clear_reports", "jobs", "pytest_command", "pytest_commands", "run_all"]

JOBS_ENV = "REMOTE_STORE_NOX_JOBS"
"""How many commands of a parallel ``run_all`` run at once; ``1`` runs them in turn."""

LOGS = ROOT / "build" / "logs"
"""One log per command of a parallel ``run_all``: ``<session>-<label>.log``."""


@dataclass(frozen=True)
class Command:
    """One command of a session: a label for messages, the arguments, the folder and variables."""

    label: str
    args: list[str]
    folder: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)
    weight: int = 0
    """Side by side, the heavier start first (a long run started last would end alone)."""


def jobs() -> int:
    """How many commands a parallel ``run_all`` runs at once: ``REMOTE_STORE_NOX_JOBS``, else the CPUs (<= 4).

    Raises:
        ValueError: ``REMOTE_STORE_NOX_JOBS`` is not a whole number of at least 1.
    """
    text = os.environ.get(JOBS_ENV, "").strip()
    if not text:
        return max(1, min(4, os.cpu_count() or 1))
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{JOBS_ENV} must be a whole number of at least 1, not {text!r}")
    return int(text)


def run_all(session: nox.Session, commands: Sequence[Command], *, parallel: bool = False) -> None:
    """Run every command even if one fails; then fail the session naming the failed ones.

    With ``parallel``, up to ``jobs()`` commands run at once, each with its output in a log file
    printed when it ends (see the module's docstring).
    """
    if parallel and jobs() > 1 and len(commands) > 1:
        failed = _run_side_by_side(session, commands, jobs())
        if failed:
            session.error(f"failed: {', '.join(failed)}")
        return
    from nox.command import CommandFailed

    failed = []
    for command in commands:
        session.chdir(command.folder)
        try:
            session.run(*command.args, env=command.env or None)
        except CommandFailed:
            failed.append(command.label)
        finally:
            session.chdir(ROOT)
    if failed:
        session.error(f"failed: {', '.join(failed)}")


def _environment(session: nox.Session, command: Command) -> dict[str, str]:
    # What session.run would give the command: ours, the session's (its virtualenv's bin first on
    # PATH, VIRTUAL_ENV), the command's; a None value removes a variable.
    merged: dict[str, str | None] = {**os.environ, **session.env, **command.env}
    paths = session.bin_paths or []
    if paths:
        merged["PATH"] = os.pathsep.join([*paths, merged.get("PATH") or ""])
    return {key: value for key, value in merged.items() if value is not None}


def _program(session: nox.Session, command: Command) -> list[str]:
    # Like nox's error_on_external_run: the program must come from the session's virtualenv.
    found = shutil.which(command.args[0], path=os.pathsep.join(session.bin_paths or []))
    if found is None:
        session.error(f"{command.label}: {command.args[0]} is not installed in the session's virtualenv")
    return [found, *command.args[1:]]


def _run_side_by_side(session: nox.Session, commands: Sequence[Command], limit: int) -> list[str]:
    LOGS.mkdir(parents=True, exist_ok=True)
    waiting = sorted(commands, key=lambda command: -command.weight)
    running: list[tuple[Command, subprocess.Popen[bytes], Path, float]] = []
    failed: list[str] = []
    session.log(f"running {len(commands)} commands, {limit} at a time; logs in {LOGS}")
    try:
        while waiting or running:
            while waiting and len(running) < limit:
                command = waiting.pop(0)
                log = LOGS / f"{session.name}-{_slug(command.label)}.log"
                with log.open("wb") as out:
                    process = subprocess.Popen(
                        _program(session, command),
                        cwd=command.folder,
                        env=_environment(session, command),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                session.log(f"{command.label}: started ({' '.join(command.args)})")
                running.append((command, process, log, time.monotonic()))
            time.sleep(0.2)
            for entry in [entry for entry in running if entry[1].poll() is not None]:
                running.remove(entry)
                command, process, log, started = entry
                sys.stdout.write(log.read_text(encoding="utf-8", errors="replace"))
                sys.stdout.flush()
                seconds = time.monotonic() - started
                if process.returncode:
                    failed.append(command.label)
                    session.warn(f"{command.label}: failed (exit {process.returncode}) after {seconds:.0f} s")
                else:
                    session.log(f"{command.label}: passed in {seconds:.0f} s")
    finally:
        # An interrupt or an error of ours: stop what still runs, with its children (servers).
        for _, process, _, _ in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process, _, _ in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    return failed


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in label).strip("-")


def pytest_command(
    folder: Path, target: str, report: str, *, timeout: str, extra: Sequence[str] = ()
) -> list[str]:
    """The pytest command over ``target`` from ``folder``, writing ``build/test-reports/<report>.xml``.

    One run per distribution, from its folder, so that its own pytest configuration and conftest.py
    apply and test module names cannot collide between distributions.
    """
    REPORTS.mkdir(parents=True, exist_ok=True)
    return [
        "pytest",
        "--rootdir",
        str(folder),
        target,
        f"--junitxml={REPORTS / f'{report}.xml'}",
        f"--timeout={timeout}",
        *extra,
    ]


def pytest_commands(
    dist: Dist,
    report: str,
    env: Mapping[str, str],
    *,
    timeout: str,
    extra: Sequence[str] = (),
    folder: str = "tests",
) -> list[Command]:
    """The pytest runs of ``dist``'s ``folder`` (``tests`` or below): one per long module, one for the rest.

    Each long module (``Needs.long_modules``) directly in ``folder`` gets its run and its report
    (``<report>-<module stem>``), started first; the rest of the folder runs without them, under
    ``report``. Together they run every test of the folder once.
    """
    inside = folder.removeprefix("tests").strip("/")
    long_modules = [
        module
        for module in dist.needs.long_modules
        if str(Path(module).parent).strip(".") == inside and (dist.tests / module).is_file()
    ]
    commands = [
        Command(
            f"{dist.relative} {module}",
            pytest_command(
                dist.path, f"tests/{module}", f"{report}-{Path(module).stem}", timeout=timeout, extra=extra
            ),
            dist.path,
            dict(env),
            weight=2,
        )
        for module in long_modules
    ]
    ignored = [f"--ignore=tests/{module}" for module in long_modules]
    rest = pytest_command(dist.path, folder, report, timeout=timeout, extra=[*ignored, *extra])
    commands.append(Command(dist.relative, rest, dist.path, dict(env), weight=1 if dist.needs.servers else 0))
    return commands


def clear_reports(prefix: str) -> None:
    """Delete the reports a previous run of the session left (``<prefix>-*.xml``)."""
    for stale in REPORTS.glob(f"{prefix}-*.xml"):
        stale.unlink()
