"""The conftest of one mutant run: the fixtures a backend author defines, for the mutant named
by the environment variable ``RS_MUTANT`` (``<base>:<name>``; ``<base>:base`` is the unmutated
backend).

``run_mutants.py`` writes a throw-away folder holding ``conftest.py`` (``from harness import *``)
and ``test_conformance.py`` (the suite's star import), exactly as conformance/README.md tells a
backend author, and runs pytest there with this folder on ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from _bases import BASES, find_mutant

__all__ = [
    "azurite_server",
    "conformance_backend",
    "conformance_faults",
    "conformance_links",
    "conformance_litter",
    "conformance_requirements",
    "s3_server",
    "sshd_server",
]

_BASE, _NAME = os.environ.get("RS_MUTANT", "memory:base").split(":", 1)
_KIND = BASES[_BASE]
_CLASS = find_mutant(_BASE, _NAME)


def _share_botocore_models() -> None:
    """Parse botocore's service models once per run instead of once per client.

    Every test builds a fresh backend and so a fresh boto3 client, and each new client parses
    the S3 model files again (about 0.7 s on this machine, most of an S3 test's time). Sharing
    the parsed (read-only) models between the run's clients changes no request the backend sends.
    """
    import botocore.loaders

    cache: dict[tuple[Any, ...], Any] = {}

    def shared(name: str) -> None:
        original = getattr(botocore.loaders.Loader, name)

        def load(self: Any, *args: Any, **kwargs: Any) -> Any:
            key = (name, args, tuple(sorted(kwargs.items())))
            if key not in cache:
                cache[key] = original(self, *args, **kwargs)
            return cache[key]

        setattr(botocore.loaders.Loader, name, load)

    for name in ("load_service_model", "load_data_with_path", "load_data", "determine_latest_version"):
        shared(name)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str | None]:
    """The endpoint of a moto server for this run (``None`` unless the base is S3).

    moto runs in a process of its own, so that the shared models (``_share_botocore_models``)
    stay those of the backend's clients only.
    """
    if _BASE != "s3":
        yield None
        return
    import socket
    import subprocess
    import sys
    import urllib.request

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        _share_botocore_models()
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


_TOOLS = Path(__file__).resolve().parents[3] / "tools"


def _tool(name: str) -> ModuleType:
    """``tools/<name>.py`` (the repository's server starters), loaded as a module."""
    spec = importlib.util.spec_from_file_location(f"_mutants_{name}", _TOOLS / f"{name}.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {_TOOLS / name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def azurite_server() -> Iterator[Any]:
    """Azurite for this run (``tools/azurite_server.py``; ``None`` unless the base is Azure)."""
    if _BASE != "azure":
        yield None
        return
    tool = _tool("azurite_server")
    server = tool.start()
    try:
        yield server
    finally:
        tool.stop(server)


@pytest.fixture(scope="session")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A private sshd for this run (``tools/sshd_server.py``; ``None`` unless the base is SFTP)."""
    if _BASE != "sftp":
        yield None
        return
    tool = _tool("sshd_server")
    server = tool.start(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        tool.stop(server)


@pytest.fixture
def conformance_backend(
    tmp_path: Path, s3_server: str | None, azurite_server: Any, sshd_server: Any
) -> Iterator[Any]:
    """A fresh, empty mutant (or base) backend per test."""
    options: dict[str, Any]
    cleanup: list[Any] = []
    if _BASE == "memory":
        options = {}
    elif _BASE == "local":
        options = {"root": str(tmp_path / "root")}  # does not exist yet, as the local tests do
    elif _BASE == "azure":
        from azure.storage.blob import ContainerClient

        container = ContainerClient.from_connection_string(
            azurite_server.connection_string, f"mut-{uuid.uuid4().hex[:20]}"
        )
        container.create_container()
        cleanup.append(container.delete_container)
        cleanup.append(container.close)
        options = {
            "container": container.container_name,
            "connection_string": azurite_server.connection_string,
        }
    elif _BASE == "sftp":
        root = Path(sshd_server.data) / uuid.uuid4().hex
        root.mkdir()
        cleanup.append(lambda: shutil.rmtree(root, ignore_errors=True))
        options = {
            "host": sshd_server.host,
            "port": sshd_server.port,
            "username": sshd_server.username,
            "private_key": sshd_server.client_key,
            "known_hosts": sshd_server.known_hosts,
            "root": str(root),
        }
    else:
        assert s3_server is not None
        bucket = f"mut-{uuid.uuid4().hex[:20]}"
        _admin(s3_server).create_bucket(Bucket=bucket)
        options = {
            "bucket": bucket,
            "endpoint_url": s3_server,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": SECRET,
        }
    backend = _CLASS(**options)
    yield backend
    backend.close()
    for step in cleanup:
        step()


_ADMIN: dict[str, Any] = {}


def _admin(endpoint: str) -> Any:
    """One boto3 client per run for making buckets (building a client costs a second)."""
    if endpoint not in _ADMIN:
        import boto3

        _ADMIN[endpoint] = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    return _ADMIN[endpoint]


SECRET = f"mutant-secret-{uuid.uuid4().hex}"
"""The S3 base's secret access key: moto accepts any, and the suite checks that none is shown."""


@pytest.fixture
def conformance_requirements() -> Any:
    """The base's declared deviations (none), and the secret option value S3 and Azure are built with."""
    if _BASE not in ("s3", "azure"):
        return _KIND.requirements()
    secret = SECRET if _BASE == "s3" else _tool("azurite_server").ACCOUNT_KEY

    class WithSecret(_KIND.requirements):  # type: ignore[name-defined,misc]
        @property
        def secret_values(self) -> tuple[str, ...]:
            return (secret,)

    return WithSecret()


@pytest.fixture
def conformance_faults() -> Any:
    """``OsCallFaults`` for the local base, as conformance/README.md shows; none otherwise."""
    if _BASE != "local":
        return None
    from remote_store_conformance import OsCallFaults

    return OsCallFaults()


@pytest.fixture
def conformance_links(tmp_path: Path) -> Any:
    """``OsLinks`` for the local base, as conformance/README.md shows; none otherwise."""
    if _BASE != "local":
        return None
    from remote_store_conformance import OsLinks

    return OsLinks(tmp_path / "root", tmp_path / "outside")


@pytest.fixture
def conformance_litter(conformance_backend: Any, tmp_path: Path) -> Any:
    """Temporary files a killed local writer leaves (LOCAL-009), swept by ``remove_temp_files``."""
    if _BASE != "local":
        return None
    return LocalLitter(conformance_backend, tmp_path / "root")


def _litter_class() -> type:
    from remote_store_conformance import LitterMaker

    class _LocalLitter(LitterMaker):
        """What a local writer killed mid-write leaves: a ``.~rs-<16 hex>.tmp`` file (LOCAL-005)."""

        def __init__(self, backend: Any, root: Path) -> None:
            self.backend = backend
            self.root = root

        def leave(self, folder: str, *, age: float) -> str | None:
            where = self.root.joinpath(*folder.split("/")) if folder else self.root
            where.mkdir(parents=True, exist_ok=True)
            name = f".~rs-{uuid.uuid4().hex[:16]}.tmp"
            target = where / name
            target.write_bytes(b"partial content of a killed writer")
            moment = time.time() - age
            os.utime(target, (moment, moment))
            return f"{folder}/{name}" if folder else name

        def count(self) -> int:
            if not self.root.exists():
                return 0
            found = 0
            for _, _, files in os.walk(self.root):
                found += sum(1 for name in files if _is_temp(name))
            return found

        def sweep(self, older_than: float) -> int:
            return int(self.backend.remove_temp_files(older_than=older_than))

    return _LocalLitter


def _is_temp(name: str) -> bool:
    hexdigits = "0123456789abcdef"
    return (
        len(name) == 25
        and name.startswith(".~rs-")
        and name.endswith(".tmp")
        and all(c in hexdigits for c in name[5:21])
    )


LocalLitter = _litter_class()
