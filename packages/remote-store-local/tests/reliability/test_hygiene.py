"""Resource hygiene: no file descriptor or thread outlives the operations that used it.

CI: 10,000 operations, successes and failures mixed; ``REMOTE_STORE_SOAK=1``: 100,000.
"""

from __future__ import annotations

import gc
import io
import os
import random
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from remote_store import RemoteStoreError, Store
from remote_store.backends.local import LocalBackend
from remote_store_conformance.reliability import budget, new_descriptors, open_fds, thread_names
from remote_store_conformance.workload import OperationMix


def _write_atomic(store: Store, path: str, rng: random.Random) -> None:
    store.write_atomic(path, io.BytesIO(b"s" * rng.randrange(100_000)), overwrite=True)


def _read_through_escape(store: Store, path: str, rng: random.Random) -> None:
    store.read_bytes("escape/anything")  # through a link leading outside: PermissionDenied


MIX = OperationMix(
    folders=10, files=20, large=100_000, failing=1_000, extra=(_write_atomic, _read_through_escape)
)


@pytest.mark.spec("GUAR-013")
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors through /proc/self/fd")
def test_no_descriptor_or_thread_leaks(fast_tmp: Path, figures: dict[str, Any]) -> None:
    outside = fast_tmp / "outside"
    outside.mkdir()
    root = fast_tmp / "root"
    root.mkdir()
    os.symlink(outside, root / "escape")
    store = Store(LocalBackend(root=root))
    total = budget(10_000, 100_000, "REMOTE_STORE_HYGIENE_OPS")
    rng = random.Random(5)
    gc.collect()
    fds_before, threads_before = open_fds(), thread_names()
    peak = len(fds_before)
    failures = 0
    for number in range(total):
        try:
            MIX.run(store, rng, number)
        except (RemoteStoreError, RuntimeError):
            failures += 1
        if number % 50 == 0:
            peak = max(peak, len(open_fds()))
    store.close()
    gc.collect()
    fds_after, threads_after = open_fds(), thread_names()
    figures.update(operations=total, failures=failures, fds_before=len(fds_before), fds_peak=peak)
    leaked = new_descriptors(fds_before, fds_after)
    assert not leaked, f"descriptors left open: {leaked}"
    assert threads_after == threads_before
    # At most the one file a call works on, and the one folder a listing reads, at a time.
    assert peak <= len(fds_before) + 3, f"{peak - len(fds_before)} descriptors open at once"
    assert failures > total // 10, "the run must include failing operations"


@pytest.mark.spec("GUAR-013")
def test_warnings_are_errors_here() -> None:
    # ResourceWarning (an unclosed file) and every other warning must fail these tests.
    with pytest.raises(ResourceWarning):
        warnings.warn("unclosed file", ResourceWarning, stacklevel=1)
    assert "error" in [action for action, *_ in warnings.filters][:3] or sys.flags.dev_mode
