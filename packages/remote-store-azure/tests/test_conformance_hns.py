"""The shared conformance suite against AzureBackend in hierarchical-namespace mode (AZURE-034).

The backend speaks to the HNS facade (``_dfs_server.py``): Blob requests relayed to Azurite with
real directories added, and the DFS calls of the seam served by the facade.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from remote_store.backends.azure import AzureBackend
from remote_store_conformance import FaultInjector
from remote_store_conformance.suite import *  # noqa: F403

# Through Store only (CONF-014): AsyncStore runs the same backend calls on its workers, and its
# run against Azure is test_conformance.py's; through the facade it would double this module's
# time (about 160 s on CI) and test no code path of the HNS seam that the sync run does not.
CONFORMANCE_APIS = ("sync",)


@pytest.fixture
def backend(make_hns_backend: Callable[..., AzureBackend]) -> AzureBackend:
    """An ``AzureBackend`` with ``hierarchical_namespace = true`` over the facade."""
    return make_hns_backend()


@pytest.fixture
def conformance_faults(backend: AzureBackend) -> FaultInjector:
    from conftest import RequestFaults

    return RequestFaults(backend)
