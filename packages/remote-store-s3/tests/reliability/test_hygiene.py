"""Resource hygiene on S3: sockets, descriptors and threads are bounded while working and all
released by ``close()``.

CI: 1,000 operations (small and multipart writes, reads read whole, in part or abandoned,
listings abandoned, failures); ``REMOTE_STORE_SOAK=1``: 10,000.
"""

from __future__ import annotations

import gc
import os
import random
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import RemoteStoreError, Store
from remote_store.backends.s3 import S3Backend
from remote_store_conformance.reliability import budget, new_descriptors, open_fds, sockets_to, thread_names
from remote_store_conformance.workload import OperationMix

from ._support import MIB

# The multipart writes (5 MiB parts) are slow on moto: one draw in ten may make one.
MIX = OperationMix(large=5 * MIB + 10, failing=6 * MIB, large_every=10)


@pytest.mark.spec("GUAR-013")
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors through /proc/self/fd")
def test_no_socket_descriptor_or_thread_leaks(
    faulty_backend: Callable[..., S3Backend], proxy: Any, figures: dict[str, Any]
) -> None:
    # Through the fault proxy (no rules): it keeps connections alive as a real server does (moto
    # closes every one), so the client's pool really holds sockets, which are counted.
    port = int(proxy.url.rsplit(":", 1)[1])
    max_concurrency = 2
    backend = faulty_backend(
        multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=max_concurrency
    )
    store = Store(backend)
    total = budget(1_000, 10_000, "REMOTE_STORE_S3_HYGIENE_OPS")
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
            assert _own(thread_names()) == _own(threads_before), "a thread outlived the call that started it"
    store.close()
    gc.collect()
    sockets_after, threads_after = sockets_to(port), thread_names()
    fds_after = open_fds()
    figures.update(
        operations=total,
        failures=failures,
        sockets_before=sockets_before,
        sockets_peak=peak_sockets,
        sockets_after=sockets_after,
    )
    # One connection per thread at a time: the caller's plus max_concurrency part uploads.
    assert peak_sockets - sockets_before <= max_concurrency + 1, (
        f"{peak_sockets - sockets_before} sockets at once"
    )
    assert sockets_after == sockets_before, "close() left connections open"
    # The proxy's own connections come and go in this process too: compare files only.
    leaked = new_descriptors(fds_before, fds_after, sockets=False)
    assert not leaked, f"descriptors left open: {leaked}"
    assert _own(threads_after) == _own(threads_before)
    assert failures > total // 20, "the run must include failing operations"


def _own(names: list[str]) -> list[str]:
    # The proxy serves each connection in a thread of its own; those are not the backend's.
    return [name for name in names if not name.startswith(("faultproxy", "Thread-"))]
