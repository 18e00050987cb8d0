"""Stores for the bridge's tests: memory, a local folder and S3 on moto (one server per session).

The moto server is started through ``tools/s3servers/moto.py`` on first use, or reused when
``REMOTE_STORE_MOTO_STATE`` names the state file that ``tools/s3servers/moto.py start --state FILE``
wrote. A server that cannot start fails the tests needing it: never a skip.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from remote_store import Store
from remote_store.backends.local import LocalBackend
from remote_store.backends.memory import MemoryBackend

TOOLS = Path(__file__).resolve().parents[3] / "tools" / "s3servers"
KINDS = ("memory", "local", "s3")


class Moto:
    """One moto server and one bucket for the session; each test gets a prefix of its own."""

    def __init__(self) -> None:
        self._tool: Any = None
        self._running: Any = None
        self.options: dict[str, Any] | None = None

    def start(self) -> dict[str, Any]:
        if self.options is not None:
            return self.options
        state_file = os.environ.get("REMOTE_STORE_MOTO_STATE")
        if state_file:
            data = json.loads(Path(state_file).read_text(encoding="utf-8"))
        else:
            spec = importlib.util.spec_from_file_location("_s3servers_moto", TOOLS / "moto.py")
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            self._tool = module
            self._running = module.start()
            data = self._running.to_json()
        import boto3

        bucket = f"rs-fsspec-{uuid.uuid4().hex[:12]}"
        boto3.client(
            "s3",
            endpoint_url=data["endpoint_url"],
            aws_access_key_id=data["access_key"],
            aws_secret_access_key=data["secret_key"],
            region_name=data.get("region") or "us-east-1",
        ).create_bucket(Bucket=bucket)
        self.options = {
            "bucket": bucket,
            "endpoint_url": data["endpoint_url"],
            "aws_access_key_id": data["access_key"],
            "aws_secret_access_key": data["secret_key"],
            "region_name": data.get("region") or "us-east-1",
        }
        return self.options

    def stop(self) -> None:
        if self._tool is not None:
            self._tool.stop(self._running)
            self._tool = None


@pytest.fixture(scope="session")
def moto() -> Iterator[Moto]:
    server = Moto()
    yield server
    server.stop()


@pytest.fixture
def make_store(tmp_path: Path, moto: Moto) -> Iterator[Callable[[str], Store]]:
    """Build a fresh, empty ``Store`` of a kind (``memory``, ``local``, ``s3``); closed after the test."""
    built: list[Store] = []

    def make(kind: str) -> Store:
        if kind == "memory":
            store = Store(MemoryBackend())
        elif kind == "local":
            store = Store(LocalBackend(root=tmp_path / f"root-{len(built)}"))
        elif kind == "s3":
            from remote_store.backends.s3 import S3Backend

            store = Store(S3Backend(**moto.start()), f"t-{uuid.uuid4().hex[:12]}")
        else:
            raise ValueError(kind)
        built.append(store)
        return store

    yield make
    for store in built:
        store.close()


@pytest.fixture
def s3_options(moto: Moto) -> dict[str, Any]:
    """The S3Backend options of the session's moto bucket."""
    return moto.start()


# fsspec abstract tests that cannot hold for a kind of store, each with its reason (docs/fsspec.md).
_KEEPS_EMPTY_FOLDERS = (
    "the backend keeps a folder after its last file is deleted (Behaviour.real_empty_folders) while "
    "the bridge cannot create an empty one (mkdir is a no-op, FSSPEC-011); the suite knows only "
    "stores that do both or neither"
)
DESELECTED: dict[tuple[str, str], str] = {
    (kind, test): _KEEPS_EMPTY_FOLDERS
    for kind in ("Memory", "Local")
    for test in (
        "TestCopyTests{kind}::test_copy_directory_to_new_directory",
        "TestCopyTests{kind}::test_copy_directory_without_files_with_same_name_prefix",
        "TestPutTests{kind}::test_put_directory_to_new_directory",
        "TestPutTests{kind}::test_put_directory_without_files_with_same_name_prefix",
    )
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reasons = {test.format(kind=kind): reason for (kind, test), reason in DESELECTED.items()}
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        name = item.nodeid.split("::", 1)[-1]
        if name in reasons:
            dropped.append(item)
            continue
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if getattr(item.cls, "kind", None) == "s3" or "s3" in params:
            item.add_marker(pytest.mark.s3)
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "s3: needs the moto S3 server (started once per session)")
