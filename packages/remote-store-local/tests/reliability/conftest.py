"""Reliability tests: opt-in, warnings as errors, CI and soak budgets, a figures summary.

These tests are slow by design (about a minute in all), so a plain ``pytest`` of the package
deselects them (the count shows as "deselected"). They run when ``REMOTE_STORE_RELIABILITY=1``
or ``REMOTE_STORE_SOAK=1`` is set (``nox -s reliability`` / ``nox -s soak`` set them) or when this
folder is named on the command line (``pytest tests/reliability``). ``REMOTE_STORE_SOAK=1``
switches every budget to its long variant.

Figures (kills survived, examples tried, operations run, seconds taken) are printed at the end
of the run and, when ``REMOTE_STORE_RELIABILITY_REPORT`` names a file, written to it as JSON.
The switch, the budgets and the figures are ``remote_store_conformance.reliability``'s, shared
with the other backends.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from remote_store_conformance.reliability import ReliabilityFolder

HARNESS = ReliabilityFolder(Path(__file__).resolve().parent, "local")
pytest_collection_modifyitems = HARNESS.select
pytest_terminal_summary = HARNESS.summarize
figures = HARNESS.figures_fixture()
"""A dict the test fills with its figures; its run time is added as ``seconds``."""


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
