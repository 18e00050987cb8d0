"""The conftest of one mutant run: the fixtures a backend author defines, for the mutant named
by the environment variable ``RS_MUTANT`` (``<base>:<name>``; ``<base>:base`` is the unmutated
backend).

``run_mutants.py`` writes a throw-away folder holding ``conftest.py`` (``from harness import *``)
and ``test_conformance.py`` (the suite's star import), exactly as conformance/README.md tells a
backend author, and runs pytest there with this folder on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _bases import BASES, find_mutant

__all__ = [
    "conformance_backend",
    "conformance_faults",
    "conformance_links",
    "conformance_litter",
    "conformance_requirements",
    "s3_server",
]

_BASE, _NAME = os.environ.get("RS_MUTANT", "memory:base").split(":", 1)
_KIND = BASES[_BASE]
_CLASS = find_mutant(_BASE, _NAME)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str | None]:
    """The endpoint of a moto server for this run (``None`` unless the base is S3)."""
    if _BASE != "s3":
        yield None
        return
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def conformance_backend(tmp_path: Path, s3_server: str | None) -> Iterator[Any]:
    """A fresh, empty mutant (or base) backend per test."""
    options: dict[str, Any]
    if _BASE == "memory":
        options = {}
    elif _BASE == "local":
        options = {"root": str(tmp_path / "root")}  # does not exist yet, as the local tests do
    else:
        assert s3_server is not None
        bucket = f"mut-{uuid.uuid4().hex[:20]}"
        _admin(s3_server).create_bucket(Bucket=bucket)
        options = {
            "bucket": bucket,
            "endpoint_url": s3_server,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
    backend = _CLASS(**options)
    yield backend
    backend.close()


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


@pytest.fixture
def conformance_requirements() -> Any:
    """The base's declared deviations (none for memory and local)."""
    return _KIND.requirements()


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
