"""The frame of a backend's reliability tests: opt-in, budgets, figures, resource counts.

Reliability tests (crashes, injected faults, hostile input, threads, resources, secrets) are slow
by design, so a plain ``pytest`` run of a package deselects them; they run with
``REMOTE_STORE_RELIABILITY=1`` or ``REMOTE_STORE_SOAK=1`` set, or when their folder is named on
the command line. Each test sizes its run with ``budget(ci, soak)`` and records what it did
(operations, examples, kills, seconds) as *figures*, printed at the end of the run and written as
JSON to the file ``REMOTE_STORE_RELIABILITY_REPORT`` names.

A backend's ``tests/reliability/conftest.py`` wires it in with four lines (pytest takes a
bound method as a hook implementation, and finds a fixture under any module attribute)::

    HARNESS = ReliabilityFolder(Path(__file__).resolve().parent, "mybackend")
    pytest_collection_modifyitems = HARNESS.select
    pytest_terminal_summary = HARNESS.summarize
    figures = HARNESS.figures_fixture()

Import this module by its path (``remote_store_conformance.reliability``); the package's
``__init__`` does not re-export it. Nothing here needs more than the standard library and pytest.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "RELIABILITY_ENV",
    "REPORT_ENV",
    "SOAK_ENV",
    "ReliabilityFolder",
    "budget",
    "flag",
    "new_descriptors",
    "open_fds",
    "soak_enabled",
    "sockets_to",
    "thread_names",
]

RELIABILITY_ENV = "REMOTE_STORE_RELIABILITY"
"""Set to a true value, the reliability tests run (``nox -s reliability`` sets it)."""

SOAK_ENV = "REMOTE_STORE_SOAK"
"""Set to a true value, the reliability tests run with their long budgets (``nox -s soak``)."""

REPORT_ENV = "REMOTE_STORE_RELIABILITY_REPORT"
"""Names a JSON file the figures of the run are merged into (created if missing)."""


def flag(name: str) -> bool:
    """True if the environment variable ``name`` is set to a true value (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def soak_enabled() -> bool:
    """True when the long variants are wanted (``REMOTE_STORE_SOAK=1``)."""
    return flag(SOAK_ENV)


def budget(ci: int, soak: int, env: str | None = None) -> int:
    """How much a test does: ``soak`` under ``REMOTE_STORE_SOAK=1``, else ``ci``.

    Args:
        ci: the count for an ordinary (CI) run.
        soak: the count for a soak run.
        env: an environment variable that, when set to a non-empty value, overrides both.

    Raises:
        ValueError: ``env`` is set to something that is not an integer.
    """
    if env and os.environ.get(env, "").strip():
        return int(os.environ[env])
    return soak if soak_enabled() else ci


class ReliabilityFolder:
    """One folder of reliability tests: its opt-in switch and the figures its tests record.

    Args:
        folder: the folder holding the tests (the conftest's own folder); tests below it are the
            ones ``select`` keeps or deselects.
        label: a short name for the backend (``local``, ``s3``): it titles the printed summary
            and prefixes the test names in the JSON report (``local/test_x``).
        warnings_as_errors: add ``filterwarnings("error")`` to every selected test of the folder,
            so that a ``ResourceWarning`` (an unclosed file) or any other warning fails it.
    """

    def __init__(self, folder: Path, label: str, *, warnings_as_errors: bool = True) -> None:
        self.folder = folder.resolve()
        self.label = label
        self.warnings_as_errors = warnings_as_errors
        self.figures: dict[str, dict[str, Any]] = {}
        """Figures of each test that used ``recording``, by test name, in the order they ran."""

    def contains(self, item: pytest.Item) -> bool:
        """True if the test ``item`` lives below this folder."""
        return self.folder in Path(str(item.path)).resolve().parents

    def named_on_command_line(self, config: pytest.Config) -> bool:
        """True if a command-line argument names this folder or something inside it."""
        for arg in config.args:
            target = Path(arg.split("::", 1)[0]).resolve()
            if target == self.folder or self.folder in target.parents:
                return True
        return False

    def enabled(self, config: pytest.Config) -> bool:
        """True if this run wants the reliability tests (see the module's docstring)."""
        return flag(RELIABILITY_ENV) or soak_enabled() or self.named_on_command_line(config)

    def select(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """A ``pytest_collection_modifyitems`` hook: keep or deselect this folder's tests.

        When the run does not want them they are removed from ``items`` and reported as
        deselected (the count shows in pytest's summary); other tests are left alone.
        """
        enabled = self.enabled(config)
        kept: list[pytest.Item] = []
        dropped: list[pytest.Item] = []
        for item in items:
            if not self.contains(item):
                kept.append(item)
            elif enabled:
                if self.warnings_as_errors:
                    item.add_marker(pytest.mark.filterwarnings("error"))
                kept.append(item)
            else:
                dropped.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept

    @contextlib.contextmanager
    def recording(self, name: str) -> Iterator[dict[str, Any]]:
        """Yield a dict the test fills with its figures; stored under ``name`` with ``seconds`` added.

        The body of the ``figures_fixture``, for a fixture of one's own.
        """
        recorded: dict[str, Any] = {}
        started = time.monotonic()
        yield recorded
        recorded["seconds"] = round(time.monotonic() - started, 2)
        self.figures[name] = recorded

    def figures_fixture(self) -> Any:
        """A function-scoped fixture named ``figures`` built on ``recording``, for a conftest to bind.

        The test fills the dict it gets with its figures; its run time is added as ``seconds``.
        """

        @pytest.fixture(name="figures")
        def figures(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
            """A dict the test fills with its figures; its run time is added as ``seconds``."""
            with self.recording(request.node.name) as recorded:
                yield recorded

        return figures

    def summarize(self, terminalreporter: pytest.TerminalReporter) -> None:
        """A ``pytest_terminal_summary`` hook: print the figures, merge them into the report file.

        Does nothing when no test recorded figures. The report file (``REMOTE_STORE_RELIABILITY_REPORT``)
        keeps what other folders wrote to it; an unreadable one is replaced.

        Raises:
            OSError: the report file cannot be written.
        """
        if not self.figures:
            return
        terminalreporter.section(f"reliability figures ({self.label})")
        for name, figures in self.figures.items():
            shown = ", ".join(f"{key}={value}" for key, value in figures.items())
            terminalreporter.write_line(f"{name}: {shown}")
        target = os.environ.get(REPORT_ENV)
        if target:
            path = Path(target)
            existing: dict[str, Any] = {}
            if path.exists():
                try:
                    existing = json.loads(path.read_text(encoding="utf-8"))
                except ValueError:
                    existing = {}
            existing.update({f"{self.label}/{name}": figures for name, figures in self.figures.items()})
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(existing, indent=2, sort_keys=True), encoding="utf-8")


# -- resources ------------------------------------------------------------------------------------


def open_fds() -> dict[int, str]:
    """This process's open file descriptors and what they point to (Linux ``/proc/self/fd``).

    Sockets show as ``socket:[inode]``, pipes as ``pipe:[inode]``, files as their path.

    Raises:
        OSError: ``/proc/self/fd`` cannot be listed (not Linux); skip such tests on other systems.
    """
    found: dict[int, str] = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            found[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the descriptor listdir itself used, closed by now
    return found


def new_descriptors(
    before: Mapping[int, str], after: Mapping[int, str], *, sockets: bool = True
) -> dict[int, str]:
    """The descriptors of ``after`` (an ``open_fds()`` result) that ``before`` did not have open.

    A descriptor number reused for another target counts as new. With ``sockets=False`` sockets
    are left out, for a process where something else (a proxy thread) opens and closes its own.
    """
    return {
        fd: target
        for fd, target in after.items()
        if before.get(fd) != target and (sockets or not target.startswith("socket:"))
    }


def sockets_to(port: int) -> int:
    """How many of this process's TCP sockets are connected to ``port`` on the client side.

    Read from ``/proc/self/net/tcp`` and ``tcp6``, so that sockets of a server running in this
    process (a fault proxy, say) are not counted: theirs have ``port`` as the local port. Returns
    0 where those tables do not exist.
    """
    inodes = {target[8:-1] for target in open_fds().values() if target.startswith("socket:[")}
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                lines = handle.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in inodes:
                count += 1
    return count


def thread_names() -> list[str]:
    """The names of this process's live threads, sorted."""
    return sorted(thread.name for thread in threading.enumerate())
