"""Concurrency: race-free creates and one backend shared by several threads."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from remote_store import AlreadyExists, Capability, Store

from .._markers import requires
from .._support import random_bytes, run_threads

__all__ = ["TestConcurrency"]

CREATORS = 16
"""Threads racing to create one file."""

ROUNDS = 3
"""Independent races per test, each on a new path."""


def _bytes(content: bytes) -> object:
    return content


def _stream(content: bytes) -> object:
    return io.BytesIO(content)


CREATE_MODES = [
    pytest.param("write", _bytes, id="write-bytes"),
    pytest.param("write", _stream, id="write-stream"),
    pytest.param("write_atomic", _bytes, marks=requires(Capability.ATOMIC_WRITE), id="write_atomic-bytes"),
    pytest.param("write_atomic", _stream, marks=requires(Capability.ATOMIC_WRITE), id="write_atomic-stream"),
]


@requires(Capability.WRITE, Capability.READ, "thread_safe")
class TestConcurrency:
    @requires("race_free_create")
    @pytest.mark.spec("ATOMIC-004")
    @pytest.mark.parametrize(("method", "wrap"), CREATE_MODES)
    def test_concurrent_creates_have_exactly_one_winner(
        self, store: Store, method: str, wrap: Callable[[bytes], object]
    ) -> None:
        for round_number in range(ROUNDS):
            path = f"race/{method}-{round_number}.bin"
            # Distinct, sizeable contents: a mixture of two writers' bytes would not match any.
            contents = [random_bytes(96 * 1024 + index, f"{path}-{index}") for index in range(CREATORS)]

            def create(index: int, path: str = path, contents: list[bytes] = contents) -> int:
                getattr(store, method)(path, wrap(contents[index]))
                return index

            results = run_threads(CREATORS, create)
            winners = [result for result in results if isinstance(result, int)]
            losers = [result for result in results if isinstance(result, AlreadyExists)]
            others = [result for result in results if not isinstance(result, (int, AlreadyExists))]
            assert not others, f"unexpected errors: {others[:3]!r}"
            assert len(winners) == 1, f"{len(winners)} creators succeeded on {path!r}"
            assert len(losers) == CREATORS - 1
            assert store.read_bytes(path) == contents[winners[0]], (
                "the file is not the winner's whole content"
            )

    @pytest.mark.spec("BACKEND-007")
    def test_one_backend_shared_by_threads(self, store: Store) -> None:
        caps = store.capabilities

        def work(worker: int) -> int:
            folder = f"worker-{worker}"
            for index in range(5):
                store.write(f"{folder}/file-{index}.bin", random_bytes(20_000 + index, f"{folder}-{index}"))
            for index in range(5):
                assert store.read_bytes(f"{folder}/file-{index}.bin") == random_bytes(
                    20_000 + index, f"{folder}-{index}"
                )
            with store.read(f"{folder}/file-0.bin") as stream:
                assert stream.read(100) == random_bytes(20_000, f"{folder}-0")[:100]
            if Capability.LIST in caps:
                listed = {str(info.path) for info in store.list_files(folder)}
                assert listed == {f"{folder}/file-{index}.bin" for index in range(5)}
            if Capability.COPY in caps:
                store.copy(f"{folder}/file-1.bin", f"{folder}/copied.bin")
            if Capability.MOVE in caps:
                store.move(f"{folder}/file-2.bin", f"{folder}/moved/file-2.bin")
            if Capability.DELETE in caps:
                store.delete(f"{folder}/file-3.bin")
            store.write(f"{folder}/file-4.bin", b"rewritten", overwrite=True)
            return worker

        workers = 8
        results = run_threads(workers, work)
        assert results == list(range(workers)), [result for result in results if not isinstance(result, int)][
            :3
        ]
        for worker in range(workers):
            folder = f"worker-{worker}"
            assert store.read_bytes(f"{folder}/file-4.bin") == b"rewritten"
            if Capability.COPY in caps:
                assert store.read_bytes(f"{folder}/copied.bin") == random_bytes(20_001, f"{folder}-1")
            if Capability.MOVE in caps:
                assert store.read_bytes(f"{folder}/moved/file-2.bin") == random_bytes(20_002, f"{folder}-2")
                assert not store.exists(f"{folder}/file-2.bin")
            if Capability.DELETE in caps:
                assert not store.exists(f"{folder}/file-3.bin")
