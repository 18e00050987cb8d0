"""Reliability tests of the sftp backend: opt-in, budgets, a figures summary.

Like the local and S3 packages' reliability tests, these are deselected by a plain ``pytest`` run
and run with ``REMOTE_STORE_RELIABILITY=1`` or ``REMOTE_STORE_SOAK=1`` (``nox -s reliability`` /
``nox -s soak``), or when this folder is named on the command line. They use the private sshd of
``tests/conftest.py``. The switch, the budgets and the figures are
``remote_store_conformance.reliability``'s, shared with the other backends.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from remote_store_conformance.reliability import ReliabilityFolder

HARNESS = ReliabilityFolder(Path(__file__).resolve().parent, "sftp")
pytest_collection_modifyitems = HARNESS.select
pytest_terminal_summary = HARNESS.summarize
figures = HARNESS.figures_fixture()
"""A dict the test fills with its figures; its run time is added as ``seconds``."""


def session_processes(sshd: Any) -> list[int]:
    """The PIDs of the sshd processes serving connections (the listener's children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == sshd.pid:
                found.append(int(entry.name))
    return found


def drop_connections(sshd: Any) -> int:
    """Kill the sshd processes serving connections: the server drops every one. Returns how many."""
    killed = 0
    for pid in session_processes(sshd):
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            continue
    return killed
