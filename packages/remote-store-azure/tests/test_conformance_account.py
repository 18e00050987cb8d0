"""The shared conformance suite against a real Azure storage account (AZURE-034).

Runs only when ``REMOTE_STORE_AZURE_CONNECTION_STRING`` names an account (the credential must
be allowed to create and delete containers: each test gets a new one). With
``REMOTE_STORE_AZURE_HIERARCHICAL_NAMESPACE`` (``auto`` by default, or ``true``/``false``) an ADLS
Gen2 account runs the HNS seam against the real DFS endpoint. Without the connection string the
whole module is skipped, saying so: no real account is reachable where these tests usually run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from azure.storage.blob import ContainerClient

from remote_store.backends.azure import AzureBackend
from remote_store_conformance import FaultInjector
from remote_store_conformance.suite import *  # noqa: F403

CONNECTION_ENV = "REMOTE_STORE_AZURE_CONNECTION_STRING"
HNS_ENV = "REMOTE_STORE_AZURE_HIERARCHICAL_NAMESPACE"

if not os.environ.get(CONNECTION_ENV):
    pytest.skip(
        f"no real Azure account: set {CONNECTION_ENV} (and optionally {HNS_ENV}) to run the "
        "conformance suite against one",
        allow_module_level=True,
    )


@pytest.fixture
def account_container() -> Iterator[str]:
    """A new container of the real account for one test; deleted afterwards."""
    client = ContainerClient.from_connection_string(os.environ[CONNECTION_ENV], f"rs-{uuid.uuid4().hex[:20]}")
    client.create_container()
    yield client.container_name
    client.delete_container()
    client.close()


@pytest.fixture
def backend(account_container: str) -> Iterator[AzureBackend]:
    """An ``AzureBackend`` over the test's container of the real account."""
    built = AzureBackend(
        container=account_container,
        connection_string=os.environ[CONNECTION_ENV],
        hierarchical_namespace=os.environ.get(HNS_ENV, "auto"),
    )
    yield built
    built.close()


@pytest.fixture
def conformance_faults(backend: AzureBackend) -> FaultInjector:
    from conftest import RequestFaults

    return RequestFaults(backend)
