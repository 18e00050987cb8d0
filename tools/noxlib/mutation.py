"""``mutation`` (on demand): mutation testing of core's ``Store`` and the local backend.

``tools/mutation.py run`` mutates them and runs the conformance suite against each mutant; writes
``build/mutation/mutation.json`` and ``docs/development/mutation.md``, then scores the local
backend's own tests against the survivors. Arguments after ``--`` go to ``tools/mutation.py run``
(``--max-mutants``, ``--seed``, ``--budget``).
"""

from __future__ import annotations

import nox

from . import pins
from .paths import ROOT

__all__ = ["mutation"]


def mutation(session: nox.Session) -> None:
    """Mutation testing of Store and the local backend against the conformance suite."""
    session.chdir(ROOT)
    editable = ["packages/remote-store-core", "packages/remote-store-local", "conformance"]
    session.install(*[arg for folder in editable for arg in ("-e", folder)], *pins.TEST_DEPS)
    session.run("python", "tools/mutation.py", "run", *session.posargs)
    # The local backend's own tests against the suite's survivors: the second score of the report.
    session.run("python", "tools/mutation.py", "own-tests")
