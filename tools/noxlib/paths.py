"""Where things are (the repository root, the folders the sessions write to) and whether this is CI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root (the folder of noxfile.py)."""

REPORTS = ROOT / "build" / "test-reports"
"""One JUnit report per pytest run, ``<session>-<dist>.xml``; ``.ci/run`` sums them."""

DIST_DIR = ROOT / "build" / "dist"
"""The sdists and wheels ``nox -s packaging`` builds (once per CI run), for a release to upload."""

CI = bool(os.environ.get("CI"))
"""``CI`` is set: virtualenvs are recreated, and a missing Python or one-Python server is an error."""


def bin_path(venv: Path, program: str) -> str:
    """The path of ``program`` inside the virtualenv ``venv`` (``bin/`` or, on Windows, ``Scripts/``)."""
    return str(venv / ("Scripts" if sys.platform == "win32" else "bin") / program)
