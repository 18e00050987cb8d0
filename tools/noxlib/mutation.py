"""``mutation`` and ``mutation_s3`` (on demand): mutation testing against the conformance suite.

``mutation``: ``tools/mutation.py run`` mutates core's ``Store`` and the local backend and runs the
suite against each mutant; writes ``build/mutation/mutation.json`` and
``docs/development/mutation.md``, then scores the local backend's own tests against the survivors.
``mutation_s3``: the same for the S3 backend against one moto server (``--group s3``; writes
``mutation-s3.json`` and ``docs/development/mutation-s3.md``). Arguments after ``--`` go to
``tools/mutation.py run`` (``--max-mutants``, ``--seed``, ``--budget``).
"""

from __future__ import annotations

import nox

from . import pins
from .paths import ROOT

__all__ = ["mutation", "mutation_s3"]


def mutation(session: nox.Session) -> None:
    """Mutation testing of Store and the local backend against the conformance suite."""
    session.chdir(ROOT)
    editable = ["packages/remote-store-core", "packages/remote-store-local", "conformance"]
    session.install(*[arg for folder in editable for arg in ("-e", folder)], *pins.TEST_DEPS)
    session.run("python", "tools/mutation.py", "run", *session.posargs)
    # The local backend's own tests against the suite's survivors: the second score of the report.
    session.run("python", "tools/mutation.py", "own-tests")


def mutation_s3(session: nox.Session) -> None:
    """Mutation testing of the S3 backend against the conformance suite on moto's server."""
    session.chdir(ROOT)
    editable = ["packages/remote-store-core", "packages/remote-store-s3", "conformance"]
    session.install(
        *[arg for folder in editable for arg in ("-e", folder)], *pins.TEST_DEPS, "moto[s3,server]>=5"
    )
    session.run("python", "tools/mutation.py", "--group", "s3", "run", *session.posargs)
    session.run("python", "tools/mutation.py", "--group", "s3", "own-tests")
