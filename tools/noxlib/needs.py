"""What a distribution's checks need beyond its pyproject.toml: the ONE place a backend declares it.

A distribution is found by its ``pyproject.toml`` (``noxlib.dists``); whatever that file cannot say
is declared here, in ``NEEDS``, keyed by the project name:

- ``test``: pip requirements of its tests that its ``test`` extra does not bring (moto for S3);
- ``types``: what mypy needs to see the types of its dependencies (``boto3-stubs[s3]``);
- ``servers``: how its tests reach the servers they run against (``ServerTests``): which
  environment variable its ``tests/conftest.py`` reads, which servers are light enough to run on
  every Python and which run once, on ``noxlib.pins.ONE_PYTHON``.

A backend whose tests need servers adds one entry; the ``tests``, ``servers`` and ``reliability``
sessions and the check of ``.ci/run`` follow from it. The distribution's conftest must read the
variable as a comma-separated list of server names and start each selected server itself (see
``packages/remote-store-s3/tests/conftest.py``); ``.ci/run`` installs the one-Python servers and
exports the variable, in a block conditioned on the package folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NEEDS", "Needs", "ServerTests"]


@dataclass(frozen=True)
class ServerTests:
    """How a distribution's tests reach their servers, and where in CI each server runs.

    Attributes:
        env: the environment variable the distribution's ``tests/conftest.py`` reads: the servers
            to test against, comma-separated. Outside nox it also says which servers a machine
            offers: the ``servers`` and ``reliability`` sessions run the one-Python servers it
            names (and ``.ci/run`` sets it after installing them).
        every_python: servers light enough to start on every Python (a pip-installed emulator
            such as moto): the ``tests-<python>`` sessions run the distribution's tests against
            these on every Python of ``PYTHONS``. Empty: its tests run only in ``servers``.
        one_python: servers that are heavy to install or run (Ceph radosgw, Azurite, sshd): the
            ``servers`` session runs the distribution's whole test folder against these, once,
            on ``ONE_PYTHON``; ``reliability`` adds them to ``every_python``.
        install: how to install the one-Python servers, for messages (a command line).
    """

    env: str
    every_python: tuple[str, ...]
    one_python: tuple[str, ...]
    install: str

    def __post_init__(self) -> None:
        both = set(self.every_python) & set(self.one_python)
        if both:
            raise ValueError(f"{self.env}: {', '.join(sorted(both))} both every-Python and one-Python")
        if not self.every_python and not self.one_python:
            raise ValueError(f"{self.env}: no server at all; leave `servers` out instead")


@dataclass(frozen=True)
class Needs:
    """What one distribution's checks need beyond its pyproject.toml (see the module docstring)."""

    test: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    servers: ServerTests | None = field(default=None)


NEEDS: dict[str, Needs] = {
    "remote-store-s3": Needs(
        test=("moto[s3,server]>=5",),
        types=("boto3-stubs[s3]",),
        servers=ServerTests(
            env="REMOTE_STORE_S3_SERVERS",
            every_python=("moto",),
            one_python=("ceph",),
            install="python3 tools/s3servers/ceph.py install",
        ),
    ),
    # The two backends being written: their entries take effect when their package folders exist.
    # Each package's tests/conftest.py reads the variable named here (server names as listed).
    "remote-store-azure": Needs(
        servers=ServerTests(
            env="REMOTE_STORE_AZURE_SERVERS",
            every_python=(),
            one_python=("azurite",),
            install="npm install --prefix build/ci-tools/azurite azurite@3.37.0",
        ),
    ),
    "remote-store-sftp": Needs(
        servers=ServerTests(
            env="REMOTE_STORE_SFTP_SERVERS",
            every_python=(),
            one_python=("sshd",),
            install="apt-get install -y --no-install-recommends openssh-server",
        ),
    ),
}
"""Per project name; a distribution not listed needs nothing beyond its pyproject.toml."""
