"""Fixtures: real S3 servers over HTTP on 127.0.0.1 (moto, Ceph radosgw), a fresh bucket per test.

``REMOTE_STORE_S3_SERVERS`` selects the servers (comma-separated from ``moto`` and ``ceph``;
default ``moto``). Each selected server is started once per session through
``tools/s3servers/<name>.py``, or reused when ``REMOTE_STORE_<NAME>_STATE`` names the JSON state
file that ``tools/s3servers/<name>.py start --state FILE`` wrote. A server that cannot be started
fails every test that needs it: never a skip.

Tests that take ``s3_server`` (directly or through ``bucket``, ``make_backend`` or
``conformance_backend``) run once per selected server. ``@pytest.mark.servers("ceph")``
restricts a test to the named servers (deselected elsewhere).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from remote_store.backend_tools import Operation
from remote_store.backends.s3 import S3Backend
from remote_store_conformance import FaultInjector, Requirements

SERVERS_ENV = "REMOTE_STORE_S3_SERVERS"
KNOWN_SERVERS = ("moto", "ceph")
TOOLS = Path(__file__).resolve().parents[3] / "tools" / "s3servers"


def selected_servers() -> list[str]:
    """The servers named by ``REMOTE_STORE_S3_SERVERS`` (default ``moto``), validated."""
    raw = os.environ.get(SERVERS_ENV, "moto")
    names = [name.strip().lower() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in KNOWN_SERVERS]
    if unknown or not names:
        raise pytest.UsageError(f"{SERVERS_ENV}={raw!r}: choose from {', '.join(KNOWN_SERVERS)}")
    return list(dict.fromkeys(names))


@dataclasses.dataclass(frozen=True)
class Server:
    """A running S3 server the tests can reach."""

    name: str
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str

    def client(self, **config: Any) -> Any:
        """A plain boto3 client for setup and checks behind the backend's back."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}, **config),
        )


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_s3servers_{name}", TOOLS / f"{name}.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {TOOLS / f'{name}.py'}")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module executes.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Servers:
    """Starts each server on first use (once per session) and stops the ones it started."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, Server] = {}
        self._failed: dict[str, str] = {}
        self._started: list[tuple[ModuleType, Any]] = []

    def get(self, name: str) -> Server:
        with self._lock:
            if name in self._running:
                return self._running[name]
            if name in self._failed:
                pytest.fail(self._failed[name], pytrace=False)
            try:
                server = self._start(name)
            except Exception as error:  # noqa: BLE001 - any failure to start fails the tests needing it
                self._failed[name] = f"S3 server {name!r} did not start: {error}"
                pytest.fail(self._failed[name], pytrace=False)
            self._running[name] = server
            return server

    def _start(self, name: str) -> Server:
        state_file = os.environ.get(f"REMOTE_STORE_{name.upper()}_STATE")
        if state_file:
            with open(state_file, encoding="utf-8") as handle:
                data = json.load(handle)
        else:
            tool = _tool(name)
            running = tool.start()
            self._started.append((tool, running))
            data = running.to_json()
        return Server(
            name=name,
            endpoint_url=str(data["endpoint_url"]),
            access_key=str(data["access_key"]),
            secret_key=str(data["secret_key"]),
            region=str(data.get("region") or "us-east-1"),
        )

    def stop_all(self) -> None:
        for tool, running in reversed(self._started):
            tool.stop(running)
        self._started.clear()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "servers(*names): run the test only against these S3 servers")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("servers")
        callspec = getattr(item, "callspec", None)
        server = callspec.params.get("s3_server") if callspec is not None else None
        if marker is not None and server is not None and server not in marker.args:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def s3_servers() -> Iterator[Servers]:
    servers = Servers()
    yield servers
    servers.stop_all()


@pytest.fixture(scope="session", params=selected_servers())
def s3_server(request: pytest.FixtureRequest, s3_servers: Servers) -> Server:
    name: str = request.param
    return s3_servers.get(name)


@pytest.fixture(scope="session")
def admin(s3_server: Server) -> Any:
    """A plain boto3 client of ``s3_server``."""
    return s3_server.client()


def empty_and_delete_bucket(client: Any, bucket: str) -> None:
    """Abort the bucket's multipart uploads, delete every object, then the bucket."""
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in page.get("Uploads", ()):
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", ())]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def bucket(s3_server: Server, admin: Any) -> Iterator[str]:
    """A new, empty bucket of its own for one test; emptied and deleted afterwards."""
    name = f"rs-test-{uuid.uuid4().hex[:16]}"
    admin.create_bucket(Bucket=name)
    yield name
    empty_and_delete_bucket(admin, name)


@pytest.fixture
def make_backend(s3_server: Server, bucket: str) -> Iterator[Callable[..., S3Backend]]:
    """Build ``S3Backend`` objects for the test's bucket (options overridable); closed after."""
    built: list[S3Backend] = []

    def make(**options: Any) -> S3Backend:
        settings: dict[str, Any] = {
            "bucket": bucket,
            "endpoint_url": s3_server.endpoint_url,
            "aws_access_key_id": s3_server.access_key,
            "aws_secret_access_key": s3_server.secret_key,
            "region_name": s3_server.region,
        }
        settings.update(options)
        backend = S3Backend(**settings)
        built.append(backend)
        return backend

    yield make
    for backend in built:
        backend.close()


@pytest.fixture
def backend(make_backend: Callable[..., S3Backend]) -> S3Backend:
    """An ``S3Backend`` with default options over the test's bucket."""
    return make_backend()


@pytest.fixture
def conformance_backend(backend: S3Backend) -> S3Backend:
    return backend


class MotoRequirements(Requirements):
    """moto checks If-Match on PutObject, but not atomically: two concurrent replaces can win (S3-036)."""

    atomic_conditional_write = False


class CephRequirements(Requirements):
    """radosgw returns a ``_`` in a metadata key as ``-`` (S3-035)."""

    metadata_underscores_kept = False


@pytest.fixture
def conformance_requirements(s3_server: Server) -> Requirements:
    """What the suite tests on this server: moto's conditional writes are not atomic, radosgw's
    metadata keys lose their underscores."""
    return MotoRequirements() if s3_server.name == "moto" else CephRequirements()


class _Body:
    """The raw body of a fabricated HTTP answer, as botocore reads it."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


class RequestFaults(FaultInjector):
    """Fails the chosen HTTP request of a backend with 403 AccessDenied, as a server refusing it would.

    403 is not retried, so every failure path runs (a retried 500 would mostly be absorbed: the
    fault-injection tests of tests/reliability cover retries).
    """

    absorbable = False  # a 403 is final: S3 retries, but never this

    def __init__(self, backend: S3Backend) -> None:
        self._left = 0
        self._armed = False
        self._fired = False
        # Not _s3_helpers: this conftest also serves pytest runs started from other folders.
        client = backend._requests.client(backend.context(Operation.READ))
        client.meta.events.register("before-send.s3", self._send)

    def _send(self, request: Any, **_: Any) -> Any:
        if not self._armed or self._fired:
            return None
        if self._left > 0:
            self._left -= 1
            return None
        self._fired = True
        body = b"<Error><Code>AccessDenied</Code><Message>injected fault</Message></Error>"
        headers = {"Content-Type": "application/xml", "Content-Length": str(len(body))}
        return AWSResponse("http://fault", 403, headers, _Body(body))  # type: ignore[arg-type]

    def arm(self, skip: int) -> None:
        self._left, self._armed, self._fired = skip, True, False

    def disarm(self) -> bool:
        self._armed = False
        return self._fired

    def reported_by(self, error: BaseException) -> bool:
        # The refusal surfaces as botocore's ClientError carrying the injected message.
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            response = getattr(current, "response", None)
            if isinstance(response, dict) and response.get("Error", {}).get("Message") == "injected fault":
                return True
            current = current.__cause__ or current.__context__
        return False


@pytest.fixture
def conformance_faults(backend: S3Backend) -> FaultInjector:
    """Storage faults for the suite's TestFaults: the n-th request of the backend is refused."""
    return RequestFaults(backend)
