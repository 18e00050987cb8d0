"""Reliability tests: opt-in, warnings as errors, CI and soak budgets, a figures summary.

These tests are slow by design (about a minute in all), so a plain ``pytest`` of the package
deselects them (the count shows as "deselected"). They run when ``REMOTE_STORE_RELIABILITY=1``
or ``REMOTE_STORE_SOAK=1`` is set (``nox -s reliability`` / ``nox -s soak`` set them) or when this
folder is named on the command line (``pytest tests/reliability``). ``REMOTE_STORE_SOAK=1``
switches every budget to its long variant.

Figures (kills survived, examples tried, operations run, seconds taken) are printed at the end
of the run and, when ``REMOTE_STORE_RELIABILITY_REPORT`` names a file, written to it as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._support import FIGURES, flag, soak_enabled

HERE = Path(__file__).resolve().parent


def _named_on_command_line(config: pytest.Config) -> bool:
    for arg in config.args:
        target = Path(arg.split("::", 1)[0]).resolve()
        if target == HERE or HERE in target.parents:
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    enabled = flag("REMOTE_STORE_RELIABILITY") or soak_enabled() or _named_on_command_line(config)
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if HERE not in Path(str(item.path)).resolve().parents:
            kept.append(item)
        elif enabled:
            # The package's pytest configuration does not turn warnings into errors; these do.
            item.add_marker(pytest.mark.filterwarnings("error"))
            kept.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures (local)")
    for name, figures in FIGURES.items():
        shown = ", ".join(f"{key}={value}" for key, value in figures.items())
        terminalreporter.write_line(f"{name}: {shown}")
    target = os.environ.get("REMOTE_STORE_RELIABILITY_REPORT")
    if target:
        path = Path(target)
        existing: dict[str, Any] = {}
        if path.exists():
            try:
                existing = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                existing = {}
        existing.update({f"local/{name}": figures for name, figures in FIGURES.items()})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(existing, indent=2, sort_keys=True), encoding="utf-8")


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A dict the test fills with its figures; its run time is added as ``seconds``."""
    recorded: dict[str, Any] = {}
    started = time.monotonic()
    yield recorded
    recorded["seconds"] = round(time.monotonic() - started, 2)
    FIGURES[request.node.name] = recorded


@pytest.fixture
def fast_tmp(tmp_path: Path) -> Iterator[Path]:
    """A fresh folder on tmpfs (``/dev/shm``) where there is one, else ``tmp_path``.

    File creation and deletion on the CI disk cost milliseconds each (journal, discard); on tmpfs
    microseconds, so the property-based and concurrency tests try ten times more in the same time.
    The crash tests stay on the disk.
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="remote-store-reliability-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
