"""Fixtures: Azurite's blob service over HTTP on 127.0.0.1, a fresh container per test.

Azurite is installed with npm (``tools/azurite_server.py``, pinned) on first use and started once
per session on a free port, with a fresh location; it is stopped by pid at the end. When it cannot
be installed (no Node.js or npm, no registry), every test needing it is skipped saying so, unless
``REMOTE_STORE_AZURE_REQUIRED=1`` (as in CI): then they fail. ``REMOTE_STORE_AZURITE_STATE`` names
the state file of a server started by ``python tools/azurite_server.py start --state FILE`` to
reuse instead.
"""

from __future__ import annotations

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

import pytest
from azure.storage.blob import ContainerClient

from remote_store.backends.azure import AzureBackend
from remote_store_conformance import FaultInjector, Requirements

TOOL = Path(__file__).resolve().parents[3] / "tools" / "azurite_server.py"
REQUIRED_ENV = "REMOTE_STORE_AZURE_REQUIRED"
STATE_ENV = "REMOTE_STORE_AZURITE_STATE"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_azurite_server", TOOL)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {TOOL}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


class Azurite:
    """The session's Azurite: started on first use, reused, stopped at the end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tool = _tool()
        self._server: Any = None
        self._started = False
        self._failure: str | None = None
        self._skip = False

    @property
    def connection_string(self) -> str:
        """The development account's connection string on the running server."""
        with self._lock:
            if self._server is None and self._failure is None:
                self._start()
        if self._failure is not None:
            if self._skip:
                pytest.skip(self._failure)
            pytest.fail(self._failure, pytrace=False)
        return str(self._server.connection_string)

    @property
    def account_url(self) -> str:
        """The blob endpoint of the development account."""
        self.connection_string  # noqa: B018 - starts the server
        return str(self._server.account_url)

    def _start(self) -> None:
        state = os.environ.get(STATE_ENV)
        try:
            if state:
                data = json.loads(Path(state).read_text(encoding="utf-8"))
                self._server = self._tool.AzuriteServer.from_json(data)
                return
            self._server = self._tool.start()
            self._started = True
        except self._tool.InstallError as error:
            self._failure = f"Azurite cannot be installed: {error}"
            self._skip = os.environ.get(REQUIRED_ENV, "") not in ("1", "true", "yes")
        except Exception as error:  # noqa: BLE001 - any failure to start fails the tests needing it
            self._failure = f"Azurite did not start: {error}"

    def stop(self) -> None:
        if self._started:
            self._tool.stop(self._server)


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    server = Azurite()
    yield server
    server.stop()


@pytest.fixture
def container(azurite: Azurite) -> Iterator[ContainerClient]:
    """A new, empty container of its own for one test (a plain SDK client); deleted afterwards."""
    client = ContainerClient.from_connection_string(azurite.connection_string, f"rs-{uuid.uuid4().hex[:20]}")
    client.create_container()
    yield client
    client.delete_container()
    client.close()


@pytest.fixture
def make_backend(azurite: Azurite, container: ContainerClient) -> Iterator[Callable[..., AzureBackend]]:
    """Build ``AzureBackend`` objects over the test's container (options overridable); closed after."""
    built: list[AzureBackend] = []

    def make(**options: Any) -> AzureBackend:
        settings: dict[str, Any] = {
            "container": container.container_name,
            "connection_string": azurite.connection_string,
        }
        settings.update(options)
        backend = AzureBackend(**settings)
        built.append(backend)
        return backend

    yield make
    for backend in built:
        backend.close()


@pytest.fixture
def backend(make_backend: Callable[..., AzureBackend]) -> AzureBackend:
    """An ``AzureBackend`` with default options over the test's container."""
    return make_backend()


@pytest.fixture
def conformance_backend(backend: AzureBackend) -> AzureBackend:
    return backend


class AzureRequirements(Requirements):
    """What the suite needs to know of Azure beyond the declared capabilities and behaviour."""

    @property
    def url_put_headers(self) -> dict[str, str]:
        """Azure's Put Blob needs the blob type (URL-009)."""
        return {"x-ms-blob-type": "BlockBlob"}


@pytest.fixture
def conformance_requirements() -> Requirements:
    return AzureRequirements()


class InjectedFault(Exception):
    """A request refused before it was sent (not an ``AzureError``: the SDK does not retry it)."""


class RequestFaults(FaultInjector):
    """Refuses the chosen HTTP request of a backend before it is sent, with ``InjectedFault``.

    Installed on the SDK's per-request hook (``raw_request_hook``), so every request counts,
    retries included. The SDK retries every ``AzureError``; this one it does not, so every failure
    path runs (the reliability runs cover retried faults).
    """

    def __init__(self, backend: AzureBackend) -> None:
        self._left = 0
        self._armed = False
        self._fired = False
        backend._requests.observers.append(self._send)

    def _send(self, request: Any) -> None:
        if not self._armed or self._fired:
            return
        if self._left > 0:
            self._left -= 1
            return
        self._fired = True
        raise InjectedFault("injected fault")

    def arm(self, skip: int) -> None:
        self._left, self._armed, self._fired = skip, True, False

    def disarm(self) -> bool:
        self._armed = False
        return self._fired

    def reported_by(self, error: BaseException) -> bool:
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            if isinstance(current, InjectedFault):
                return True
            current = current.__cause__ or current.__context__
        return False


@pytest.fixture
def conformance_faults(backend: AzureBackend) -> FaultInjector:
    """Storage faults for the suite's TestFaults: the n-th request of the backend is refused."""
    return RequestFaults(backend)


@pytest.fixture(scope="session")
def hns_facade(azurite: Azurite) -> Iterator[Any]:
    """The hierarchical-namespace facade over the session's Azurite: ``_dfs_server.py``, a process."""
    from _dfs_server import DfsServerProcess

    facade = DfsServerProcess(azurite.connection_string, azurite.account_url).start()
    yield facade
    facade.stop()


@pytest.fixture
def make_hns_backend(
    azurite: Azurite, container: ContainerClient, hns_facade: Any
) -> Iterator[Callable[..., AzureBackend]]:
    """Build ``AzureBackend`` objects over the test's container through the HNS facade; closed after."""
    built: list[AzureBackend] = []

    def make(**options: Any) -> AzureBackend:
        settings: dict[str, Any] = {
            "container": container.container_name,
            "connection_string": azurite.connection_string.replace(
                azurite.account_url, hns_facade.account_url
            ),
            "hierarchical_namespace": "true",
        }
        settings.update(options)
        backend = AzureBackend(**settings)
        built.append(backend)
        return backend

    yield make
    for backend in built:
        backend.close()
