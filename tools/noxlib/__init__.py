"""The nox helper of the remote-store monorepo: what noxfile.py's sessions are made of.

noxfile.py puts ``tools/`` on ``sys.path`` once and imports this package; every session there is
one line calling a function here. A module per idea:

- ``paths``: the repository root, ``build/test-reports`` (one JUnit report per pytest run, which
  ``.ci/run`` sums), ``build/dist``, whether this is CI.
- ``pins``: the Pythons (``PYTHONS`` 3.10-3.13, ``ONE_PYTHON`` 3.12) and the pinned tools.
- ``dists``: ``Dist``, the one description of a distribution, and ``distributions()``, the one
  way to find them (every folder with a pyproject.toml under ``packages/``, and ``conformance/``).
- ``needs``: what a distribution's checks need beyond its pyproject.toml, in ``NEEDS``: test
  requirements, type stubs and its test servers (``ServerTests``: light ones for every Python,
  heavy ones once). The one place a backend declares them.
- ``servers``: the variables each test run of a distribution gets, from ``needs`` and the
  environment.
- ``running``: run every command of a session even when one fails; pytest with its report.
- the session bodies: ``checks`` (lint, fmt, typecheck, specs, quickstart), ``tests`` (tests,
  servers), ``reliability`` (reliability, soak), ``packaging``, ``docs``, ``examples``,
  ``thirdparty``, ``mutation``, ``mutants``, ``bench``; and two command lines they run inside their
  virtualenvs, ``doc_blocks.py`` and ``notebooks.py`` (standard library only).

The CI shape (``.ci/run`` runs ``nox``: every default session)
----------------------------------------------------------------

- On every Python of ``PYTHONS`` (``tests-3.10`` ... ``tests-3.13``): each distribution's tests,
  the conformance suite over memory, local and S3 included, against light servers only (S3: moto,
  a pip-installed emulator that starts in half a second).
- Once, on ``ONE_PYTHON``: ``servers`` (each distribution's whole test folder against its heavy
  servers: Ceph radosgw for S3; Azurite, sshd for the backends being added), ``reliability``
  (light and heavy servers), ``thirdparty`` and ``mutants`` (the adversarial set of
  conformance/tests/mutants over memory, local, S3 on moto, Azure on Azurite and SFTP on sshd;
  it fails while the suite misses one).
- Once, on nox's Python: ``lint``, ``typecheck``, ``specs``, ``quickstart`` (the one run of the
  README quick start), ``docs``, ``examples``, ``packaging`` (every wheel built once, then checked
  alone, together and as editable installs) and ``bench_quick``.

Adding a backend distribution with test servers
-----------------------------------------------

1. ``packages/remote-store-<name>/pyproject.toml``: the distribution joins every session (its
   entry point in ``remote_store.backends`` tells ``packaging`` which backend type to expect).
2. Its ``tests/conftest.py`` starts the servers its tests need, as environment variables ask:
   S3's names them (``REMOTE_STORE_S3_SERVERS=moto,ceph``) and fails without one; SFTP's starts
   sshd and skips without it unless ``REMOTE_STORE_SFTP_REQUIRED=1``.
3. One entry in ``noxlib.needs.NEEDS`` (the ones of S3 and SFTP are there to copy)::

       "remote-store-azure": Needs(
           test=("...",),  # test requirements beyond its `test` extra, if any
           servers=ServerTests(
               every_python=None,  # variables of tests-3.10 ... tests-3.13; None: not run there
               one_python={},  # variables of `servers`, once, on 3.12
               reliability={},  # variables of `reliability`, once
               install="npm install --prefix $REMOTE_STORE_AZURITE_HOME azurite@3.37.0",
               on_ci={"REMOTE_STORE_AZURE_REQUIRED": "1"},  # on CI a missing server fails
           ),
       ),

   A conftest that fails without its server instead gives ``enabled_by``, the variable saying
   the server is installed (S3: ``("REMOTE_STORE_S3_SERVERS", "ceph")``).
4. ``.ci/run``: a block, conditioned on the package folder, that installs the heavy servers (and
   sets ``enabled_by``'s variable). On CI (``CI`` set) ``servers`` fails when a declared server is
   not enabled, and tools/tests/test_noxlib.py checks that the block exists.

Environment
-----------

- ``REMOTE_STORE_S3_SERVERS`` naming ``ceph`` (``moto,ceph`` on CI, after
  ``python3 tools/s3servers/ceph.py install``) enables S3's heavy run; without it ``servers``
  leaves S3 out, saying so, and ``reliability`` uses moto alone. SFTP's run is always made (its
  tests skip without sshd, except on CI).
- ``CI``: virtualenvs are always recreated; a missing Python, or a declared heavy server that is
  not enabled, is an error; ``ServerTests.on_ci`` variables are added.
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
