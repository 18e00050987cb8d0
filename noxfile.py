"""Developer and CI tasks for the remote-store monorepo.

``nox`` runs every default session (what CI runs, through ``.ci/run``); ``nox -l`` lists them;
``nox -s NAME`` runs one. The sessions are one line each here; their bodies, the description of a
distribution (found by its ``pyproject.toml``: ``packages/*/`` and ``conformance/``), the CI shape
and how a backend declares its test servers are in ``tools/noxlib/`` (its docstring says where).

- On every Python, 3.10-3.13: ``tests-<python>``, each distribution's tests against light
  servers only (S3: moto).
- Once, on 3.12: ``servers`` (each distribution's tests against its heavy servers: Ceph radosgw
  for S3, sshd for SFTP), ``reliability``, ``thirdparty``, ``mutants`` (the adversarial set over
  memory, local, S3 on moto, Azure on Azurite and SFTP on sshd).
- Once, on nox's Python: ``lint``, ``typecheck``, ``specs``, ``quickstart``, ``packaging`` (each
  wheel built once), ``docs``, ``examples``, ``bench_quick``.
- On demand: ``fmt``, ``mutation``, ``mutation_s3``, ``soak``, ``bench``.

Environment: ``REMOTE_STORE_S3_SERVERS=moto,ceph`` (after ``python3 tools/s3servers/ceph.py
install``, as ``.ci/run`` does) enables the Ceph run; without it ``servers`` leaves Ceph out, saying
so (the SFTP tests skip without sshd). ``CI`` set: virtualenvs are recreated, and a missing Python
or heavy server is an error. Arguments after ``--`` go to pytest in the test sessions
(``nox -s tests-3.12 -- -x -k path``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))

import noxlib.bench  # noqa: E402 - tools/ is on sys.path from the line above
import noxlib.checks  # noqa: E402
import noxlib.docs  # noqa: E402
import noxlib.examples  # noqa: E402
import noxlib.mutants  # noqa: E402
import noxlib.mutation  # noqa: E402
import noxlib.packaging  # noqa: E402
import noxlib.reliability  # noqa: E402
import noxlib.tests  # noqa: E402
import noxlib.thirdparty  # noqa: E402
from noxlib import CI, ONE_PYTHON, PYTHONS  # noqa: E402

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "no" if CI else "yes"
nox.options.error_on_external_run = True
nox.options.download_python = "never"


# -- quick checks -----------------------------------------------------------------------------------


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check over the whole repository (config: ruff.toml)."""
    noxlib.checks.lint(session)


@nox.session(default=False)
def fmt(session: nox.Session) -> None:
    """Apply ruff's formatting and safe fixes (not run by default)."""
    noxlib.checks.fmt(session)


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check every distribution's src, noxfile.py and tools/ with mypy --strict (mypy.ini)."""
    noxlib.checks.typecheck(session)


@nox.session
def specs(session: nox.Session) -> None:
    """Every requirement in specs/ has a test and every cited ID exists; writes docs/traceability.md."""
    noxlib.checks.specs(session)


@nox.session
def quickstart(session: nox.Session) -> None:
    """Run examples/quickstart.py (the README quick start) and check what it prints."""
    noxlib.checks.quickstart(session)


# -- tests ------------------------------------------------------------------------------------------


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Each distribution's tests on one Python, against light servers only (S3: moto)."""
    noxlib.tests.tests(session)


@nox.session(python=ONE_PYTHON)
def servers(session: nox.Session) -> None:
    """Each distribution's tests against its heavy servers (S3: Ceph; SFTP: sshd), once."""
    noxlib.tests.servers(session)


@nox.session(python=ONE_PYTHON)
def reliability(session: nox.Session) -> None:
    """Reliability suite, time-bounded for CI: crashes, faults, hostile input, threads, resources, secrets."""
    noxlib.reliability.reliability(session)


@nox.session(python=ONE_PYTHON, default=False)
def soak(session: nox.Session) -> None:
    """The reliability suite's long variants (REMOTE_STORE_SOAK=1); takes an hour or more."""
    noxlib.reliability.soak(session)


@nox.session(python=ONE_PYTHON)
def thirdparty(session: nox.Session) -> None:
    """Install examples/thirdparty_backend like a user would and run its conformance tests."""
    noxlib.thirdparty.thirdparty(session)


@nox.session(python=ONE_PYTHON, default=False)
def mutation(session: nox.Session) -> None:
    """Mutation testing of Store and the local backend against the conformance suite (on demand)."""
    noxlib.mutation.mutation(session)


@nox.session(python=ONE_PYTHON, default=False)
def mutation_s3(session: nox.Session) -> None:
    """Mutation testing of the S3 backend against the conformance suite on moto (on demand)."""
    noxlib.mutation.mutation_s3(session)


@nox.session(python=ONE_PYTHON)
def mutants(session: nox.Session) -> None:
    """The adversarial mutants of issue 19 (conformance/tests/mutants): the suite must catch every one."""
    noxlib.mutants.mutants(session)


# -- packaging, documentation, examples, benchmarks -------------------------------------------------


@nox.session
def packaging(session: nox.Session) -> None:
    """Build every distribution once; twine, lockstep versions, each wheel alone, all together, editable."""
    noxlib.packaging.packaging(session)


@nox.session
def docs(session: nox.Session) -> None:
    """Check the capability matrix and the pages' python blocks; build the site with mkdocs --strict."""
    noxlib.docs.docs(session)


@nox.session
def examples(session: nox.Session) -> None:
    """Run every example script (the s3_*.py ones against a moto server started here) and notebook."""
    noxlib.examples.examples(session)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (benchmarks/README.md): ``nox -s bench -- [--quick] [--peers] ...``; on demand."""
    noxlib.bench.bench(session)


@nox.session
def bench_quick(session: nox.Session) -> None:
    """The benchmarks' smoke run (``run.py --quick``), run by CI: checks that they run, not speed."""
    noxlib.bench.bench_quick(session)
