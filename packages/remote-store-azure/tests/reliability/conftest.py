"""Reliability tests of the Azure backend: opt-in, budgets, the fault proxy, a figures summary.

Like the local and S3 packages' reliability tests, these are deselected by a plain ``pytest`` run
and run with ``REMOTE_STORE_RELIABILITY=1`` or ``REMOTE_STORE_SOAK=1`` (``nox -s reliability`` /
``nox -s soak``), or when this folder is named on the command line. They use the Azurite of
``tests/conftest.py`` and put ``tools/faultproxy.py`` between the backend and it. The switch, the
budgets and the figures are ``remote_store_conformance.reliability``'s, shared with the other
backends.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from remote_store.backends.azure import AzureBackend
from remote_store_conformance.reliability import ReliabilityFolder

HERE = Path(__file__).resolve().parent
FAULTPROXY = HERE.parents[3] / "tools" / "faultproxy.py"


def load_faultproxy() -> ModuleType:
    """``tools/faultproxy.py`` as a module (tools/ is not a package)."""
    name = "remote_store_faultproxy"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FAULTPROXY)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {FAULTPROXY}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


faultproxy = load_faultproxy()

# As for S3: warnings become errors through the ``-W error`` the nox session passes.
HARNESS = ReliabilityFolder(HERE, "azure", warnings_as_errors=False)
pytest_collection_modifyitems = HARNESS.select
pytest_terminal_summary = HARNESS.summarize
figures = HARNESS.figures_fixture()
"""A dict the test fills with its figures; its run time is added as ``seconds``."""


@pytest.fixture
def proxy(azurite: Any) -> Iterator[Any]:
    """A ``FaultProxy`` in front of the session's Azurite naming Blob operations, no rules yet."""
    upstream = azurite.account_url.rsplit("/", 1)[0]
    with faultproxy.FaultProxy(upstream, operations=faultproxy.blob_operation) as running:
        yield running


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's exponential backoff cut to a few milliseconds.

    What these tests check is how many tries a call makes and what it ends with; the pauses
    (about 2 to 8 s, AZURE-022) would only make them slow.
    """
    from azure.storage.blob._shared.policies import ExponentialRetry

    monkeypatch.setattr(ExponentialRetry, "get_backoff_time", lambda self, settings: 0.005)


@pytest.fixture
def faulty_backend(
    make_backend: Callable[..., AzureBackend], azurite: Any, proxy: Any, fast_retries: None
) -> Callable[..., AzureBackend]:
    """Build backends that talk to Azurite through ``proxy`` (same account, same container)."""
    direct = azurite.account_url
    through = proxy.url + "/" + direct.rsplit("/", 1)[1]

    def make(**options: Any) -> AzureBackend:
        connection_string = azurite.connection_string.replace(direct, through)
        return make_backend(connection_string=connection_string, **options)

    return make
