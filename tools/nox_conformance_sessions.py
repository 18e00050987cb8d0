"""nox sessions about the conformance suite as a product: ``thirdparty`` and ``mutation``.

noxfile.py loads every ``tools/nox_*_sessions.py`` and calls its ``register(nox)``.

- ``thirdparty`` (default): the worked example of a third-party backend,
  ``examples/thirdparty_backend/`` (distribution ``remote-store-sqlite``), installed the way a
  user installs it (a regular, non-editable install, beside core and the conformance suite) into a
  fresh virtualenv; then its own tests run, which are exactly the glue conformance/README.md
  documents. Proves that the documented plugin path works from outside the repository's packages.
- ``mutation`` (on demand): ``tools/mutation.py run`` mutates core's ``Store`` and the local
  backend and runs the conformance suite against each mutant; writes
  ``build/mutation/mutation.json`` and ``docs/development/mutation.md``. Arguments after ``--``
  go to ``tools/mutation.py run`` (``--max-mutants``, ``--seed``, ``--budget``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "thirdparty_backend"
REPORTS = ROOT / "build" / "test-reports"
PYTHON = "3.12"
TEST_DEPS = ["pytest>=8", "hypothesis>=6.100", "pytest-timeout>=2.3"]


def thirdparty(session: Any) -> None:
    """Install examples/thirdparty_backend like a user would and run its conformance tests."""
    session.chdir(ROOT)
    session.install("-e", "packages/remote-store-core", "-e", "conformance", "pytest>=8")
    # Not editable: the suite must find the backend through the installed wheel and its entry point.
    session.install("--force-reinstall", "--no-deps", str(EXAMPLE))
    session.run(
        "python",
        "-I",
        "-c",
        "import remote_store_sqlite, sys; f = remote_store_sqlite.__file__; print('imported from', f); "
        "sys.exit('not installed: ' + f if '/examples/' in f else 0)",
    )
    REPORTS.mkdir(parents=True, exist_ok=True)
    session.chdir(EXAMPLE)
    session.run("pytest", "-rs", "-p", "no:cacheprovider", f"--junitxml={REPORTS / 'thirdparty.xml'}")
    session.chdir(ROOT)


def mutation(session: Any) -> None:
    """Mutation testing of Store and the local backend against the conformance suite."""
    session.chdir(ROOT)
    session.install(
        "-e",
        "packages/remote-store-core",
        "-e",
        "packages/remote-store-local",
        "-e",
        "conformance",
        *TEST_DEPS,
    )
    session.run("python", "tools/mutation.py", "run", *session.posargs)
    # The local backend's own tests against the suite's survivors: the second score of the report.
    session.run("python", "tools/mutation.py", "own-tests")


def register(nox: Any) -> None:
    """Register ``thirdparty`` (default) and ``mutation`` (on demand) as sessions of the noxfile."""
    nox.session(thirdparty, name="thirdparty", python=PYTHON)
    nox.session(mutation, name="mutation", python=PYTHON, default=False)
