"""``mutants``: the adversarial mutant set of issue 19 against the conformance suite.

``conformance/tests/mutants/run_mutants.py`` runs the suite against the unmutated bases (the
controls), then against each deliberately broken backend, and writes ``build/mutants-report.json``
and ``.md``; it fails while any mutant survives. By default: memory, local and S3 (moto), with
their own mutants, and Azure (Azurite) and SFTP (sshd) with the backend-agnostic ones, each mutant
first against the test that caught it last time (``caught_by.json``), the whole suite only if that
test passes. Arguments after ``--`` replace the runner's defaults
(``nox -s mutants -- --base memory --workers 1``; ``-- --no-hints`` for whole-suite runs).
"""

from __future__ import annotations

import nox

from . import pins
from .needs import NEEDS
from .paths import ROOT

__all__ = ["mutants"]

_EDITABLE = (
    "packages/remote-store-core",
    "packages/remote-store-local",
    "packages/remote-store-s3",
    "packages/remote-store-azure",
    "packages/remote-store-sftp",
    "conformance",
)

_BASES = ("memory", "local", "s3", "azure", "sftp")


def mutants(session: nox.Session) -> None:
    """Run the adversarial mutants (conformance/tests/mutants) against the conformance suite."""
    session.chdir(ROOT)
    editable = [arg for folder in _EDITABLE for arg in ("-e", folder)]
    session.install(*editable, *pins.TEST_DEPS, *NEEDS["remote-store-s3"].test)  # moto for the S3 base
    # The controls run only the hinted tests of each base: the tests and servers sessions already
    # run the whole suite against every unmutated base, and whole-suite controls against Azurite
    # and sshd take 15 minutes or more on a loaded 2-core machine.
    bases = [arg for base in _BASES for arg in ("--base", base)]
    arguments = session.posargs or ["--workers", "2", "--hinted-control", "--run-timeout", "1200", *bases]
    session.run("python", "conformance/tests/mutants/run_mutants.py", *arguments)
