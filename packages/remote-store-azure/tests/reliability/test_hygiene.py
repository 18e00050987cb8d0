"""Resource hygiene on Azure: sockets, descriptors and threads are bounded while working and all
released by ``close()``.

CI: 600 operations through the fault proxy (small and block writes, reads read whole, in part or
abandoned, listings abandoned, failures, injected 500s and resets); ``REMOTE_STORE_SOAK=1``: 10,000.
"""

from __future__ import annotations

import gc
import os
import random
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import RemoteStoreError, Store
from remote_store.backends.azure import AzureBackend
from remote_store_conformance.reliability import budget, new_descriptors, open_fds, sockets_to, thread_names
from remote_store_conformance.workload import OperationMix

from ._support import KIB
from .conftest import faultproxy

Rule = faultproxy.Rule
LIBUUID_CLOCK = "/var/lib/libuuid/clock.txt"


# Above the 64 KiB single-put threshold set below: four blocks; the failing one stages some.
MIX = OperationMix(large=200 * KIB, failing=150 * KIB)


@pytest.mark.spec("GUAR-013", "AZURE-026")
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors through /proc/self/fd")
def test_no_socket_descriptor_or_thread_leaks(
    faulty_backend: Callable[..., AzureBackend], proxy: Any, figures: dict[str, Any]
) -> None:
    port = int(proxy.url.rsplit(":", 1)[1])
    max_concurrency = 2
    backend = faulty_backend(
        max_single_put_size=64 * KIB,
        max_block_size=64 * KIB,
        max_chunk_get_size=64 * KIB,
        max_concurrency=max_concurrency,
        retry_total=1,
    )
    store = Store(backend)
    # Every 25th request fails (a 500 or a reset) and is retried once: failed and retried
    # requests must not leak their connections either.
    proxy.add(
        Rule("status", status=500, code="InternalError", times=None, when=lambda r: r.number % 50 == 0),
        Rule("reset", times=None, when=lambda r: r.number % 50 == 25),
    )
    total = budget(600, 10_000, "REMOTE_STORE_AZURE_HYGIENE_OPS")
    rng = random.Random(11)
    gc.collect()
    sockets_before, threads_before = sockets_to(port), thread_names()
    fds_before = open_fds()
    peak_sockets = sockets_before
    failures = 0
    for number in range(total):
        try:
            MIX.run(store, rng, number)
        except (RemoteStoreError, RuntimeError):
            failures += 1
        if number % 10 == 0:
            peak_sockets = max(peak_sockets, sockets_to(port))
            now = _own(thread_names())
            pool = [name for name in now if name.startswith("remote-store-azure_")]
            # The backend's worker pool lives until close (one pool, not one per call).
            assert len(pool) <= max_concurrency, f"more workers than max_concurrency: {pool}"
            assert [name for name in now if name not in pool] == _own(threads_before), (
                "a thread outlived the call that started it"
            )
    store.close()
    gc.collect()
    sockets_after, threads_after = sockets_to(port), thread_names()
    fds_after = open_fds()
    figures.update(
        operations=total,
        failures=failures,
        faults=proxy.injected,
        sockets_before=sockets_before,
        sockets_peak=peak_sockets,
        sockets_after=sockets_after,
    )
    # One connection per thread at a time: the caller's plus max_concurrency block or range
    # requests (the SDK's pool keeps up to that many alive between calls).
    assert peak_sockets - sockets_before <= max_concurrency + 1, (
        f"{peak_sockets - sockets_before} sockets at once"
    )
    assert sockets_after == sockets_before, "close() left connections open"
    # The proxy's own connections come and go in this process too: compare files only.
    leaked = new_descriptors(fds_before, fds_after, sockets=False)
    # A known, open finding (AZURE-026): where /var/lib/libuuid exists (uuid-runtime installed),
    # libuuid keeps one descriptor of its clock file per thread that called uuid.uuid1() (the SDK
    # does, for request ids), never closed at thread exit; per-call thread pools (block uploads,
    # parallel range reads) then leak one per thread. Counted and reported, not hidden.
    libuuid = {fd: target for fd, target in leaked.items() if target == LIBUUID_CLOCK}
    figures.update(libuuid_descriptors=len(libuuid))
    leaked = {fd: target for fd, target in leaked.items() if fd not in libuuid}
    assert not leaked, f"descriptors left open: {leaked}"
    assert _own(threads_after) == _own(threads_before)
    assert failures > total // 20, "the run must include failing operations"
    assert proxy.injected > 0, "no fault was injected: the retried paths were not exercised"


def _own(names: list[str]) -> list[str]:
    # The proxy serves each connection in a thread of its own; those are not the backend's.
    return [name for name in names if not name.startswith(("faultproxy", "Thread-"))]
