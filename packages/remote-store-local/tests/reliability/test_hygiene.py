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


class FailingStream:
    """Gives a little content, then raises."""

    def __init__(self) -> None:
        self.calls = 0

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 2:
            raise RuntimeError("source broke")
        return b"chunk" * 100


def _operation(store: Store, rng: random.Random, number: int) -> None:
    path = f"d{rng.randrange(10)}/f{rng.randrange(20)}"
    choice = rng.randrange(16)
    if choice == 0:
        store.write(path, os.urandom(rng.randrange(1, 5000)), overwrite=True)
    elif choice == 1:
        store.write_atomic(path, io.BytesIO(b"s" * rng.randrange(100_000)), overwrite=True)
    elif choice == 2:
        store.write(path, b"again")  # AlreadyExists when it is there
    elif choice == 3:
        store.write(path, FailingStream(), overwrite=True)
    elif choice == 4:
        store.read_bytes(path)
    elif choice == 5:
        with store.read(path) as stream:
            stream.read(10)
    elif choice == 6:
        # A listing abandoned after its first entry: the generator's scandir must be closed.
        iterator = store.list_files("", recursive=True)
        next(iterator, None)
        del iterator
    elif choice == 7:
        list(store.list_folders(""))
    elif choice == 8:
        store.move(path, f"d{rng.randrange(10)}/m{number % 7}", overwrite=rng.random() < 0.5)
    elif choice == 9:
        store.copy(path, f"d{rng.randrange(10)}/c{number % 7}", overwrite=rng.random() < 0.5)
    elif choice == 10:
        store.delete(path, missing_ok=rng.random() < 0.5)
    elif choice == 11:
        store.delete_folder(f"d{rng.randrange(10)}", recursive=rng.random() < 0.3)
    elif choice == 12:
        store.get_file_info(path)
    elif choice == 13:
        store.get_folder_info(f"d{rng.randrange(10)}")
    elif choice == 14:
        store.read_bytes("escape/anything")  # through a link leading outside: PermissionDenied
    else:
        store.exists(path)
        store.is_file(path)
        store.is_folder(path)


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
            _operation(store, rng, number)
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
