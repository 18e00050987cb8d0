"""``thirdparty``: the worked example of a third-party backend, installed as a user installs it.

``examples/thirdparty_backend/`` (distribution ``remote-store-sqlite``) is installed with a
regular, non-editable install beside core and the conformance suite into a fresh virtualenv; then
its own tests run, which are exactly the glue conformance/README.md documents. This proves that
the documented plugin path works from outside the repository's packages.
"""

from __future__ import annotations

import nox

from .paths import REPORTS, ROOT

__all__ = ["EXAMPLE", "thirdparty"]

EXAMPLE = ROOT / "examples" / "thirdparty_backend"


def thirdparty(session: nox.Session) -> None:
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
