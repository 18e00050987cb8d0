"""Reliability tests of the S3 backend: opt-in, budgets, the fault proxy, a figures summary.

Like the local package's reliability tests, these are deselected by a plain ``pytest`` run and
run with ``REMOTE_STORE_RELIABILITY=1`` or ``REMOTE_STORE_SOAK=1`` (``nox -s reliability`` /
``nox -s soak``), or when this folder is named on the command line. They use the servers of
``tests/conftest.py`` (``REMOTE_STORE_S3_SERVERS``, moto by default) and put
``tools/faultproxy.py`` between the backend and the server. The switch, the budgets and the figures
are ``remote_store_conformance.reliability``'s, shared with the other backends.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from remote_store.backends.s3 import S3Backend
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


# Unlike the local folder, warnings become errors here only through the ``-W error`` that the nox
# session passes (as before the shared harness): a run by hand reports them as warnings.
HARNESS = ReliabilityFolder(HERE, "s3", warnings_as_errors=False)
pytest_collection_modifyitems = HARNESS.select
pytest_terminal_summary = HARNESS.summarize
figures = HARNESS.figures_fixture()
"""A dict the test fills with its figures; its run time is added as ``seconds``."""


@pytest.fixture
def proxy(s3_server: Any) -> Iterator[Any]:
    """A ``FaultProxy`` in front of the test's S3 server, no rules yet; stopped afterwards."""
    with faultproxy.FaultProxy(s3_server.endpoint_url) as running:
        yield running


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's standard-mode backoff cut to a few milliseconds.

    What these tests check is how many tries a call makes and what it ends with; the backoff
    (up to 2**attempt seconds, random) would only make them slow.
    """
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.005)


@pytest.fixture
def faulty_backend(
    make_backend: Callable[..., S3Backend], proxy: Any, fast_retries: None
) -> Callable[..., S3Backend]:
    """Build backends that talk to the server through ``proxy``."""

    def make(**options: Any) -> S3Backend:
        return make_backend(endpoint_url=proxy.url, **options)

    return make
