"""Resource hygiene on SFTP: descriptors, sockets, threads and SSH channels stay bounded while
working and are all released by ``close()``.

CI: 400 operations (streamed and plain writes, reads read whole, in part or abandoned, listings
abandoned after one entry, failures of every kind); ``REMOTE_STORE_SOAK=1``: 5,000.
"""

from __future__ import annotations

import gc
import os
import random
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import RemoteStoreError, Store
from remote_store.backends.sftp import SFTPBackend
from remote_store_conformance.reliability import budget, new_descriptors, open_fds, sockets_to, thread_names
from remote_store_conformance.workload import OperationMix

MAX_CONNECTIONS = 2


MIX = OperationMix(folders=3, files=8, large=2 * 1024 * 1024 + 10, failing=None)


def _channels(backend: SFTPBackend) -> int:
    # The SSH channels open on the backend's connections (asyncssh keeps them by number): one
    # SFTP session each; a channel per call would show here.
    return sum(len(each.connection._channels) for each in backend._pool._connections)


@pytest.mark.spec("GUAR-013", "SFTP-008")
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors through /proc/self/fd")
def test_no_descriptor_socket_thread_or_channel_leaks(
    sshd: Any, make_backend: Callable[..., SFTPBackend], figures: dict[str, Any]
) -> None:
    backend = make_backend(max_connections=MAX_CONNECTIONS)
    store = Store(backend)
    total = budget(400, 5_000, "REMOTE_STORE_SFTP_HYGIENE_OPS")
    rng = random.Random(11)
    gc.collect()
    sockets_before, threads_before, fds_before = sockets_to(sshd.port), thread_names(), open_fds()
    peak_sockets = peak_channels = 0
    failures = 0
    for number in range(total):
        try:
            MIX.run(store, rng, number)
        except RemoteStoreError:
            failures += 1
        if number % 10 == 0:
            peak_sockets = max(peak_sockets, sockets_to(sshd.port) - sockets_before)
            peak_channels = max(peak_channels, _channels(backend))
            # The backend's loop thread, and the thread asyncio resolves host names in.
            assert len(thread_names()) <= len(threads_before) + 2, f"threads: {thread_names()}"
    connections = len(backend._pool._connections)
    store.close()
    gc.collect()
    sockets_after, threads_after, fds_after = sockets_to(sshd.port), thread_names(), open_fds()
    figures.update(
        operations=total,
        failures=failures,
        sockets_peak=peak_sockets,
        channels_peak=peak_channels,
        connections=connections,
    )
    assert peak_sockets <= MAX_CONNECTIONS, f"{peak_sockets} connections at once"
    assert peak_channels <= MAX_CONNECTIONS, f"{peak_channels} SSH channels at once"
    assert sockets_after == sockets_before, "close() left connections open"
    leaked = new_descriptors(fds_before, fds_after)
    assert not leaked, f"descriptors left open: {leaked}"
    assert threads_after == threads_before, "close() left the loop thread running"
    assert failures > total // 20, "the run must include failing operations"
