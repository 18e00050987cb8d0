"""Resources: a backend used for many operations keeps no descriptor or thread it does not need."""

from __future__ import annotations

import contextlib
import gc
import threading

import pytest

from remote_store import Capability, NotFound, Store

from .._markers import requires
from .._support import DESCRIPTOR_SLACK, open_descriptors

__all__ = ["TestResources"]

ROUNDS = 60
"""Rounds after the warm-up; a leak of one descriptor per call shows as dozens."""


@requires(Capability.WRITE, Capability.READ, Capability.LIST, Capability.DELETE)
class TestResources:
    @pytest.mark.spec("BACKEND-014")
    def test_operations_leak_no_descriptors_or_threads(self, store: Store) -> None:
        if open_descriptors() is None:
            pytest.skip("the platform does not list open descriptors (/dev/fd)")
        data = b"resource" * 64
        moves = store.supports(Capability.MOVE)
        copies = store.supports(Capability.COPY)

        def round_of_calls(number: int) -> None:
            path = f"res/{number % 4}/f.bin"
            store.write(path, data, overwrite=True)
            assert store.read_bytes(path) == data
            with store.read(path) as stream:
                assert stream.read(8) == data[:8]  # closed after a partial read
            listing = iter(store.list_files("res", recursive=True))
            assert next(listing, None) is not None
            del listing  # abandoned before its end
            assert sorted(store.list_folders("res"))
            assert store.exists(path) and store.is_file(path) and not store.is_file("res/none")
            with contextlib.suppress(NotFound):
                store.read_bytes("res/missing/none.bin")
            if copies:
                store.copy(path, f"res/copy-{number % 4}.bin", overwrite=True)
            if moves:
                store.move(path, f"res/moved-{number % 4}.bin", overwrite=True)
            else:
                store.delete(path)
            store.delete(f"res/moved-{number % 4}.bin", missing_ok=True)

        for number in range(10):
            round_of_calls(number)
        gc.collect()
        descriptors, threads = open_descriptors(), threading.active_count()
        for number in range(ROUNDS):
            round_of_calls(number)
        gc.collect()
        leaked = (open_descriptors() or 0) - (descriptors or 0)
        assert leaked <= DESCRIPTOR_SLACK, f"{leaked} more open descriptors after {ROUNDS} rounds of calls"
        assert threading.active_count() <= threads, "threads left running after the calls returned"
