"""Conditional replace: ``write(..., overwrite=True, if_match=etag)`` (optimistic concurrency)."""

from __future__ import annotations

import pytest

from remote_store import Capability, NotFound, PreconditionFailed, Store

from .._markers import requires
from .._support import run_threads, snapshot

__all__ = ["TestConditionalWrite"]

THREADS = 20
"""Threads incrementing the one counter file."""

INCREMENTS = 10
"""Increments each thread makes."""

WRITERS = [
    pytest.param("write", id="write"),
    pytest.param("write_atomic", marks=requires(Capability.ATOMIC_WRITE), id="write_atomic"),
]


@requires(Capability.CONDITIONAL_WRITE, Capability.WRITE, Capability.READ, Capability.METADATA)
class TestConditionalWrite:
    @pytest.mark.spec("STORE-042", "BACKEND-022")
    def test_every_write_gives_a_new_etag(self, store: Store) -> None:
        store.write("cas/file.txt", b"same")
        first = store.get_file_info("cas/file.txt").etag
        store.write("cas/file.txt", b"other", overwrite=True)
        second = store.get_file_info("cas/file.txt").etag
        assert isinstance(first, str) and first and isinstance(second, str) and second
        assert first != second

    @pytest.mark.spec("STORE-042")
    @pytest.mark.parametrize("method", WRITERS)
    def test_the_current_etag_replaces(self, store: Store, method: str) -> None:
        store.write("cas/file.txt", b"v1")
        etag = store.get_file_info("cas/file.txt").etag
        assert etag is not None
        getattr(store, method)("cas/file.txt", b"v2", overwrite=True, if_match=etag)
        assert store.read_bytes("cas/file.txt") == b"v2"
        quoted = f'"{store.get_file_info("cas/file.txt").etag}"'
        getattr(store, method)("cas/file.txt", b"v3", overwrite=True, if_match=quoted)
        assert store.read_bytes("cas/file.txt") == b"v3"

    @pytest.mark.spec("STORE-042")
    @pytest.mark.parametrize("method", WRITERS)
    def test_a_stale_etag_changes_nothing(self, store: Store, method: str) -> None:
        store.write("cas/file.txt", b"v1")
        stale = store.get_file_info("cas/file.txt").etag
        assert stale is not None
        store.write("cas/file.txt", b"v2 by someone else", overwrite=True)
        before = snapshot(store, "cas/file.txt")
        with pytest.raises(PreconditionFailed) as caught:
            getattr(store, method)("cas/file.txt", b"v3", overwrite=True, if_match=stale)
        assert caught.value.path == "cas/file.txt" and caught.value.operation == method
        assert not isinstance(caught.value, OSError)
        assert snapshot(store, "cas/file.txt") == before
        assert store.read_bytes("cas/file.txt") == b"v2 by someone else"

    @pytest.mark.spec("STORE-042")
    def test_a_missing_file_is_not_created(self, store: Store) -> None:
        store.write("cas/file.txt", b"v1")
        etag = store.get_file_info("cas/file.txt").etag
        assert etag is not None
        with pytest.raises(NotFound) as caught:
            store.write("cas/other.txt", b"new", overwrite=True, if_match=etag)
        assert caught.value.path == "cas/other.txt"
        assert not store.exists("cas/other.txt")

    @requires("thread_safe", "atomic_conditional_write")
    @pytest.mark.spec("STORE-042")
    def test_concurrent_increments_lose_no_update(self, store: Store) -> None:
        store.write("cas/counter", b"0")

        def increment(_: int) -> int:
            conflicts = 0
            for _ in range(INCREMENTS):
                while True:
                    etag = store.get_file_info("cas/counter").etag
                    value = int(store.read_bytes("cas/counter"))
                    assert etag is not None
                    try:
                        store.write("cas/counter", str(value + 1).encode(), overwrite=True, if_match=etag)
                    except PreconditionFailed:
                        conflicts += 1
                        continue
                    break
            return conflicts

        results = run_threads(THREADS, increment, timeout=600)
        failures = [result for result in results if isinstance(result, BaseException)]
        assert not failures, failures[:3]
        assert int(store.read_bytes("cas/counter")) == THREADS * INCREMENTS
