"""Fault injection: 500s, 503s, connection resets and truncated bodies between the Azure backend and
Azurite (``tools/faultproxy.py``), on small and block writes, reads and listings.

What must hold (AZURE-023..AZURE-025): a transient fault is retried within ``retry_total`` and the
call succeeds with the right result; a fault that outlasts the retries raises ``BackendUnavailable``
after exactly ``retry_total + 1`` requests, the SDK's error kept as its cause; a write that finally
fails leaves the old blob or nothing, never part of the new content; a read whose body is cut
returns the whole blob or raises one of our errors, never short data; a cut listing is retried or
raises, never returns part of the names as if they were all.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import BackendUnavailable, RemoteStoreError, Store
from remote_store.backends.azure import AzureBackend
from remote_store_conformance.fault_cases import SMALL, fault_actions, fault_cases, large_content

from ._support import KIB
from .conftest import faultproxy

Rule = faultproxy.Rule

OLD = b"the old blob"
BLOCKS = dict(max_single_put_size=64 * KIB, max_block_size=64 * KIB, max_concurrency=2)
"""Writes above 64 KiB are staged as 64 KiB blocks, two in flight."""
CHUNKS = dict(max_chunk_get_size=64 * KIB, max_concurrency=2)
"""Reads above 64 KiB fetch 64 KiB ranges after the first GET, two at a time."""


def _big(seed: int = 1, size: int = 200 * KIB + 100) -> bytes:
    return large_content(size, seed)


FAULTS = fault_actions("503", "ServerBusy")

CASES = fault_cases(
    {
        "put": "PutBlob",
        "put-stream": "PutBlob",
        "get": "GetBlob",
        "head": "GetBlobProperties",
        "list": "ListBlobs",
        "delete": "DeleteBlob",
        "copy": "CopyBlob",
    },
    large_size=200 * KIB + 100,
    large_options=BLOCKS,
    large_writes={"block-stage": "PutBlock", "block-commit": "PutBlockList"},
    ranged_read=("GetBlob", CHUNKS),
    delete_missing_ok=True,
)


def _tries(proxy: Any, operation: str) -> int:
    return len(proxy.operations(operation))


def _our_error_with_cause(error: BaseException) -> None:
    assert isinstance(error, RemoteStoreError), f"not one of our errors: {error!r}"
    assert error.__cause__ is not None, "the SDK's error must be kept as the cause"


@pytest.mark.spec("AZURE-023")
@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_transient_faults_are_retried_and_the_call_succeeds(
    faulty_backend: Callable[..., AzureBackend], proxy: Any, case: str, fault: str, figures: dict[str, Any]
) -> None:
    spec = CASES[case]
    retry_total = 3
    store = Store(faulty_backend(retry_total=retry_total, **spec.options))
    spec.setup(store)
    proxy.add(Rule(operation=spec.operation, skip=spec.skip, times=retry_total - 1, **FAULTS[fault]))
    result = spec.run(store)
    spec.check(store, result)
    assert proxy.injected == retry_total - 1, "the faults were not all injected: the test proves nothing"
    figures.update(faults=proxy.injected)


@pytest.mark.spec("AZURE-024", "AZURE-022", "AZURE-026")
@pytest.mark.parametrize("fault", ["500", "503", "reset"])
@pytest.mark.parametrize(
    "case", ["put", "get", "get-ranged", "head", "list", "delete", "copy", "block-commit"]
)
def test_faults_outlasting_the_retries_raise_backend_unavailable(
    faulty_backend: Callable[..., AzureBackend], proxy: Any, case: str, fault: str, figures: dict[str, Any]
) -> None:
    spec = CASES[case]
    retry_total = 2
    store = Store(faulty_backend(retry_total=retry_total, **spec.options))
    spec.setup(store)
    before = _tries(proxy, spec.operation)
    proxy.add(Rule(operation=spec.operation, skip=spec.skip, times=None, **FAULTS[fault]))
    with pytest.raises(BackendUnavailable) as raised:
        spec.run(store)
    _our_error_with_cause(raised.value)
    assert _tries(proxy, spec.operation) - before - spec.skip == retry_total + 1, (
        "exactly retry_total retries"
    )
    figures.update(faults=proxy.injected)


@pytest.mark.spec("AZURE-011", "AZURE-024")
@pytest.mark.parametrize(
    ("operation", "fault"),
    [
        ("PutBlob", "500"),
        ("PutBlob", "reset"),
        ("PutBlock", "503"),
        ("PutBlock", "reset"),
        ("PutBlockList", "500"),
        ("PutBlockList", "reset"),
    ],
)
@pytest.mark.parametrize("source", ["bytes", "stream"])
@pytest.mark.parametrize("old", [False, True], ids=["new-blob", "over-old-blob"])
def test_a_write_that_finally_fails_leaves_the_old_blob_or_nothing(
    faulty_backend: Callable[..., AzureBackend],
    proxy: Any,
    operation: str,
    fault: str,
    source: str,
    old: bool,
    figures: dict[str, Any],
) -> None:
    store = Store(faulty_backend(retry_total=1, **BLOCKS))
    if old:
        store.write("f", OLD)
    content = SMALL if operation == "PutBlob" else _big()
    proxy.add(Rule(operation=operation, times=None, **FAULTS[fault]))
    with pytest.raises(BackendUnavailable) as raised:
        store.write("f", content if source == "bytes" else io.BytesIO(content), overwrite=True)
    _our_error_with_cause(raised.value)
    assert proxy.injected >= 2, "the faults were not injected: the test proves nothing"
    proxy.clear()
    if old:
        assert store.read_bytes("f") == OLD
        assert store.get_file_info("f").size == len(OLD)
    else:
        assert not store.exists("f")
    assert [str(info.path) for info in store.list_files("", recursive=True)] == (["f"] if old else [])
    figures.update(faults=proxy.injected)


def _read(store: Store, path: str, reader: str, received: bytearray) -> None:
    if reader == "read_bytes":
        received += store.read_bytes(path)
        return
    with store.read(path) as stream:
        while chunk := stream.read(10_000):
            received += chunk


@pytest.mark.spec("AZURE-025")
@pytest.mark.parametrize(
    ("times", "keep"),
    [(1, 0), (1, 1000), (1, 40 * KIB), (None, 1000)],
    ids=["once-at-0", "once-at-1000", "once-at-40k", "always-at-1000"],
)
@pytest.mark.parametrize("how", ["truncate", "reset"])
@pytest.mark.parametrize("which", ["first", "ranged"])
@pytest.mark.parametrize("reader", ["read_bytes", "read-chunks"])
def test_a_read_whose_body_is_cut_returns_the_whole_blob_or_raises(
    faulty_backend: Callable[..., AzureBackend],
    proxy: Any,
    times: int | None,
    keep: int,
    how: str,
    which: str,
    reader: str,
    figures: dict[str, Any],
) -> None:
    store = Store(faulty_backend(retry_total=2, **CHUNKS))
    content = _big(size=300 * KIB + 7)
    store.write("obj", content)
    proxy.add(
        Rule(
            how,
            operation="GetBlob",
            skip=0 if which == "first" else 1,
            times=times,
            keep_bytes=keep,
            after_forward=True,
        )
    )
    received = bytearray()
    try:
        _read(store, "obj", reader, received)
    except RemoteStoreError as error:
        _our_error_with_cause(error)
        assert isinstance(error, BackendUnavailable), (
            f"a cut body must raise BackendUnavailable, not {error!r}"
        )
        assert content.startswith(bytes(received)), "bytes delivered before the error must be a true prefix"
        outcome = "raised"
    else:
        assert hashlib.sha256(received).digest() == hashlib.sha256(content).digest(), (
            f"{len(received)} bytes of {len(content)} returned as if they were all"
        )
        outcome = "whole"
    assert proxy.injected >= 1, "the fault was not injected: the test proves nothing"
    if times == 1:
        assert outcome == "whole", "one cut body must be retried (retry_total=2)"
    else:
        assert outcome == "raised"
    figures.update(faults=proxy.injected, outcome=outcome)


@pytest.mark.spec("AZURE-025")
@pytest.mark.parametrize("times", [1, None], ids=["once", "always"])
@pytest.mark.parametrize("how", ["truncate", "reset"])
def test_a_listing_whose_body_is_cut_is_retried_or_raises(
    faulty_backend: Callable[..., AzureBackend],
    proxy: Any,
    times: int | None,
    how: str,
    figures: dict[str, Any],
) -> None:
    store = Store(faulty_backend(retry_total=2))
    names = [f"d/f{index:03}" for index in range(60)]
    for name in names:
        store.write(name, b"x")
    proxy.add(Rule(how, operation="ListBlobs", times=times, keep_bytes=2000, after_forward=True))
    try:
        listed = [str(info.path) for info in store.list_files("d", recursive=True)]
    except RemoteStoreError as error:
        _our_error_with_cause(error)
        outcome = "raised"
    else:
        assert listed == names, f"{len(listed)} of {len(names)} names returned as if they were all"
        outcome = "whole"
    assert proxy.injected >= 1, "the fault was not injected: the test proves nothing"
    assert outcome == ("whole" if times == 1 else "raised")
    figures.update(faults=proxy.injected, outcome=outcome)
