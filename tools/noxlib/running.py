"""Running commands in a session: every one even when one fails, pytest with its JUnit report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nox
from nox.command import CommandFailed

from .paths import REPORTS, ROOT

__all__ = ["Command", "clear_reports", "pytest_command", "run_all"]


@dataclass(frozen=True)
class Command:
    """One command of a session: a label for messages, the arguments, the folder and variables."""

    label: str
    args: list[str]
    folder: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)


def run_all(session: nox.Session, commands: Sequence[Command]) -> None:
    """Run every command even if one fails; then fail the session naming the failed ones."""
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


def clear_reports(prefix: str) -> None:
    """Delete the reports a previous run of the session left (``<prefix>-*.xml``)."""
    for stale in REPORTS.glob(f"{prefix}-*.xml"):
        stale.unlink()
