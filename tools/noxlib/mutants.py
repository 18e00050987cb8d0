"""``mutants`` (on demand): the adversarial mutant set of issue 19 against the conformance suite.

``conformance/tests/mutants/run_mutants.py`` runs the suite against the unmutated memory, local
and S3 (moto) bases, then against each deliberately broken backend, and writes
``build/mutants-report.json`` and ``.md``. The whole set takes about an hour on a loaded 2-core
machine (S3 most of it), so it is not a default session. Arguments after ``--`` go to the runner
instead of ``--workers 2`` (``nox -s mutants -- --base memory --workers 1``).
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
    "conformance",
)


def mutants(session: nox.Session) -> None:
    """Run the adversarial mutants (conformance/tests/mutants) against the conformance suite."""
    session.chdir(ROOT)
    editable = [arg for folder in _EDITABLE for arg in ("-e", folder)]
    session.install(*editable, *pins.TEST_DEPS, *NEEDS["remote-store-s3"].test)  # moto for the S3 base
    arguments = session.posargs or ["--workers", "2"]
    session.run("python", "conformance/tests/mutants/run_mutants.py", *arguments)
