"""The nox helper of the remote-store monorepo: what noxfile.py's sessions are made of.

noxfile.py puts ``tools/`` on ``sys.path`` once and imports this package; every session there is
one line calling a function here. A module per idea:

- ``paths``: the repository root, ``build/test-reports`` (one JUnit report per pytest run, which
  ``.ci/run`` sums), ``build/dist``, whether this is CI.
- ``pins``: the Pythons (``PYTHONS`` 3.10-3.13, ``ONE_PYTHON`` 3.12) and the pinned tools.
- ``dists``: ``Dist``, the one description of a distribution, and ``distributions()``, the one
  way to find them (every folder with a pyproject.toml under ``packages/``, and ``conformance/``).
- ``needs``: what a distribution's checks need beyond its pyproject.toml, in ``NEEDS``: test
  requirements, type stubs and its test servers (``ServerTests``). The one place a backend
  declares them.
- ``servers``: which servers each test run uses, from ``needs`` and the environment.
- ``running``: run every command of a session even when one fails; pytest with its report.
- the session bodies: ``checks`` (lint, fmt, typecheck, specs, quickstart), ``tests`` (tests,
  servers), ``reliability`` (reliability, soak), ``packaging``, ``docs``, ``examples``,
  ``thirdparty``, ``mutation``, ``bench``; and two command lines they run inside their
  virtualenvs, ``doc_blocks.py`` and ``notebooks.py`` (standard library only).

The CI shape (``.ci/run`` runs ``nox``: every default session)
----------------------------------------------------------------

- On every Python of ``PYTHONS`` (``tests-3.10`` ... ``tests-3.13``): each distribution's tests,
  the conformance suite over memory, local and S3 included, against the distribution's
  every-Python servers only (S3: moto, a pip-installed emulator that starts in half a second).
- Once, on ``ONE_PYTHON``: ``servers`` (each distribution's tests against its one-Python servers:
  Ceph radosgw for S3; Azurite, sshd for the backends being added), ``reliability`` (every-Python
  plus one-Python servers) and ``thirdparty``.
- Once, on nox's Python: ``lint``, ``typecheck``, ``specs``, ``quickstart`` (the one run of the
  README quick start), ``docs``, ``examples``, ``packaging`` (every wheel built once, then checked
  alone, together and as editable installs) and ``bench_quick``.

Adding a backend distribution with test servers
-----------------------------------------------

1. ``packages/remote-store-<name>/pyproject.toml``: the distribution joins every session (its
   entry point in ``remote_store.backends`` tells ``packaging`` which backend type to expect).
2. Its ``tests/conftest.py`` reads one environment variable, the servers to test against,
   comma-separated, and starts each (a server that cannot start fails the tests: never a skip).
3. One entry in ``noxlib.needs.NEEDS``::

       "remote-store-azure": Needs(
           test=("...",),                      # test requirements beyond its `test` extra
           servers=ServerTests(
               env="REMOTE_STORE_AZURE_SERVERS",
               every_python=(),                # light servers: tests-3.10 ... tests-3.13
               one_python=("azurite",),        # heavy servers: `servers`, once, on 3.12
               install="npm install --prefix build/ci-tools/azurite azurite@3.37.0",
           ),
       ),

4. ``.ci/run``: in the block conditioned on the package folder, install the one-Python servers
   and export the variable naming them. On CI (``CI`` set) ``servers`` fails when a declared
   one-Python server is not selected, so a missing block cannot go unnoticed.

Environment
-----------

- ``REMOTE_STORE_S3_SERVERS`` (and each ``ServerTests.env``): the servers the machine offers,
  comma-separated (``moto,ceph`` on CI, after ``python3 tools/s3servers/ceph.py install``). The
  ``tests-<python>`` sessions ignore it (they always use the every-Python servers); ``servers`` runs
  the one-Python ones it names; ``reliability`` runs the every-Python ones and those.
- ``CI``: virtualenvs are always recreated; a missing Python, or a declared one-Python server the
  variables do not select, is an error.
"""

from .dists import Dist, distributions, editable_args
from .needs import NEEDS, Needs, ServerTests
from .paths import CI, REPORTS, ROOT
from .pins import ONE_PYTHON, PYTHONS

__all__ = [
    "CI",
    "NEEDS",
    "ONE_PYTHON",
    "PYTHONS",
    "REPORTS",
    "ROOT",
    "Dist",
    "Needs",
    "ServerTests",
    "distributions",
    "editable_args",
]
