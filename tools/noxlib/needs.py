"""What a distribution's checks need beyond its pyproject.toml: the ONE place a backend declares it.

A distribution is found by its ``pyproject.toml`` (``noxlib.dists``); whatever that file cannot say
is declared here, in ``NEEDS``, keyed by the project name:

- ``test``: pip requirements of its tests that its ``test`` extra does not bring (moto for S3);
- ``types``: what mypy needs to see the types of its dependencies (``boto3-stubs[s3]``);
- ``servers``: how its tests reach their servers (``ServerTests``): the environment variables of
  its runs on every Python (light servers only), of its one run against the heavy servers on
  ``noxlib.pins.ONE_PYTHON``, of its reliability run, whether the heavy servers are enabled, and
  what CI adds;
- ``long_modules``: test modules long enough to get a pytest run of their own in ``tests-*``,
  ``servers`` and (below ``tests/reliability/``) ``reliability``, side by side with the rest of
  their folder (``noxlib.running.pytest_commands``).

A backend whose tests need servers adds one entry; the ``tests``, ``servers`` and ``reliability``
sessions follow from it. Its conftest starts the servers itself, as the variables ask
(``packages/remote-store-s3/tests/conftest.py``); ``.ci/run`` installs the heavy servers (and sets
``enabled_by``'s variable) in a block conditioned on the package folder (``tools/tests/test_noxlib.py``
checks that the block exists).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["NEEDS", "Needs", "ServerTests"]


@dataclass(frozen=True)
class ServerTests:
    """How a distribution's tests reach their servers, and where in CI each server runs.

    Every field but ``install`` is about environment variables, the only way nox talks to a
    distribution's ``tests/conftest.py``: whether it names servers (``REMOTE_STORE_S3_SERVERS=moto``)
    or turns a missing server from a skip into a failure (``REMOTE_STORE_SFTP_REQUIRED=1``) is the
    conftest's choice.

    Attributes:
        every_python: the variables of its ``tests-<python>`` runs, on every Python of ``PYTHONS``,
            which must need only light servers (a pip-installed emulator such as moto); ``None``:
            its tests do not run there, only in ``servers``.
        one_python: the variables of its run in ``servers``, once, on ``ONE_PYTHON``: its whole
            test folder against the heavy servers (Ceph radosgw, Azurite, sshd).
        reliability: the variables of its ``reliability`` run (once) when the heavy servers are
            enabled; otherwise that run uses ``every_python`` (and is left out if that is None).
        install: how to install the heavy servers, for messages (a command line).
        enabled_by: ``(variable, value)``: the heavy servers are there when the variable names the
            value (comma-separated list); ``.ci/run`` sets it after installing them. Unset,
            ``servers`` leaves the distribution out, saying so, and on CI (``CI`` set) fails.
            ``None``: always enabled, for a conftest that itself skips without its server.
        on_ci: variables added to the ``servers`` and ``reliability`` runs on CI, such as
            ``REMOTE_STORE_SFTP_REQUIRED=1``: there a missing server must fail, not skip.
    """

    every_python: Mapping[str, str] | None
    one_python: Mapping[str, str]
    reliability: Mapping[str, str]
    install: str
    enabled_by: tuple[str, str] | None = None
    on_ci: Mapping[str, str] = field(default_factory=dict)

    def enabled(self, environ: Mapping[str, str] | None = None) -> bool:
        """Whether the heavy servers are enabled: ``enabled_by``'s variable names its value (or None)."""
        if self.enabled_by is None:
            return True
        variable, value = self.enabled_by
        raw = (os.environ if environ is None else environ).get(variable, "")
        return value.lower() in {name.strip().lower() for name in raw.split(",")}

    def disabled_message(self, dist_name: str) -> str:
        """Why ``servers`` leaves the distribution out, and how to turn its heavy servers on."""
        if self.enabled_by is None:
            return f"{dist_name}: heavy test servers always enabled"
        variable, value = self.enabled_by
        return (
            f"{dist_name}: heavy test servers off ({variable} does not name {value!r}); "
            f"install them ({self.install}) and add {value} to {variable}"
        )


@dataclass(frozen=True)
class Needs:
    """What one distribution's checks need beyond its pyproject.toml (see the module docstring)."""

    test: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    servers: ServerTests | None = field(default=None)
    long_modules: tuple[str, ...] = ()
    """Paths below ``tests/`` run apart from the rest (e.g. the conformance suite's module)."""


NEEDS: dict[str, Needs] = {
    "remote-store-s3": Needs(
        test=("moto[s3,server]>=5",),
        types=("boto3-stubs[s3]",),
        servers=ServerTests(
            every_python={"REMOTE_STORE_S3_SERVERS": "moto"},
            one_python={"REMOTE_STORE_S3_SERVERS": "ceph"},
            reliability={"REMOTE_STORE_S3_SERVERS": "moto,ceph"},
            install="python3 tools/s3servers/ceph.py install",
            # Its conftest fails, never skips, without a server it names: Ceph runs only when there.
            enabled_by=("REMOTE_STORE_S3_SERVERS", "ceph"),
        ),
        # The suite through Store (and AsyncStore on one Python): half of the folder's time; the
        # secrets scan runs the suite once more with every log record kept.
        long_modules=("test_conformance.py", "reliability/test_secrets.py"),
    ),
    # Its conftest starts sshd (tools/sshd_server.py) and skips without it unless told otherwise.
    "remote-store-sftp": Needs(
        servers=ServerTests(
            every_python=None,
            one_python={},
            reliability={},
            install="apt-get install -y --no-install-recommends openssh-server openssh-client",
            on_ci={"REMOTE_STORE_SFTP_REQUIRED": "1"},
        ),
        long_modules=("test_conformance.py",),
    ),
    # Being written (branch azure); takes effect when packages/remote-store-azure exists. Its
    # conftest installs and starts Azurite (tools/azurite_server.py) and skips without it likewise.
    "remote-store-azure": Needs(
        servers=ServerTests(
            every_python=None,
            one_python={},
            reliability={},
            install="npm install --prefix $REMOTE_STORE_AZURITE_HOME azurite@3.37.0",
            on_ci={"REMOTE_STORE_AZURE_REQUIRED": "1"},
        ),
        # The suite through the HNS facade, and through Store and AsyncStore on Azurite.
        long_modules=("test_conformance_hns.py", "test_conformance.py"),
    ),
    # Its tests bring the data tools (pandas, pyarrow, polars, dask, duckdb) and run fsspec's abstract
    # suite over memory, local and S3 on moto: minutes per run, so once, not on every Python. Its
    # conftest starts moto itself.
    "remote-store-fsspec": Needs(
        servers=ServerTests(
            every_python=None,
            one_python={},
            reliability={},
            install="nothing: moto comes with its test extra",
        ),
    ),
}
"""Per project name; a distribution not listed needs nothing beyond its pyproject.toml."""
