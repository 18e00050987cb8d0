"""Transfer progress: the ``progress`` callback of ``write``, ``write_atomic`` and ``copy``."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import Capability, Store

from .._markers import requires
from .._support import MIB, MinimalReader, random_bytes, snapshot

__all__ = ["TestProgress"]

WRITERS = [
    pytest.param("write", id="write"),
    pytest.param("write_atomic", marks=requires(Capability.ATOMIC_WRITE), id="write_atomic"),
]


def _bytes(data: bytes) -> Any:
    return data


def _stream(data: bytes) -> Any:
    return io.BytesIO(data)


def _short_reads(data: bytes) -> Any:
    return MinimalReader(data, max_chunk=64 * 1024)


CONTENTS = [
    pytest.param(_bytes, id="bytes"),
    pytest.param(_stream, id="stream"),
    pytest.param(_short_reads, id="short-reads"),
]


class Aborted(Exception):
    """Raised by a progress callback to stop a transfer."""


@requires(Capability.WRITE, Capability.READ)
class TestProgress:
    @pytest.mark.spec("STORE-043")
    @pytest.mark.parametrize("method", WRITERS)
    @pytest.mark.parametrize("wrap", CONTENTS)
    @pytest.mark.parametrize("size", [1, 3 * MIB + 5])
    def test_progress_counts_up_to_the_size(
        self, store: Store, method: str, wrap: Callable[[bytes], Any], size: int
    ) -> None:
        data = random_bytes(size, f"progress-{size}")
        calls: list[int] = []
        getattr(store, method)("progress/file.bin", wrap(data), progress=calls.append)
        assert store.read_bytes("progress/file.bin") == data
        assert calls, "progress was never called"
        assert calls[-1] == size
        assert all(earlier < later for earlier, later in itertools.pairwise(calls)), calls[:10]
        assert calls[0] > 0
        steps = [later - earlier for earlier, later in itertools.pairwise([0, *calls])]
        assert max(steps) <= MIB, f"progress jumped by {max(steps)} bytes (at most 1 MiB a step)"

    @pytest.mark.spec("STORE-043")
    @pytest.mark.parametrize("wrap", CONTENTS)
    def test_empty_content_reports_zero_once(self, store: Store, wrap: Callable[[bytes], Any]) -> None:
        calls: list[int] = []
        store.write("progress/empty.bin", wrap(b""), progress=calls.append)
        assert calls == [0]
        assert store.read_bytes("progress/empty.bin") == b""

    @pytest.mark.spec("STORE-043", "AIO-015")
    @pytest.mark.parametrize("overwrite", [False, True])
    def test_a_raising_callback_aborts_the_write(
        self, store: Store, overwrite: bool, conformance_store_api: str
    ) -> None:
        if overwrite:
            store.write("progress/file.bin", b"old content")
        before = snapshot(store, "progress/file.bin")
        data = random_bytes(3 * MIB, "abort")

        def stop_midway(done: int) -> None:
            if done >= MIB:
                raise Aborted(done)

        if conformance_store_api == "async":
            # AsyncStore calls progress on the loop, where its exception cannot reach the
            # writing thread: the loop's handler reports it and the write completes (AIO-015).
            store.write("progress/file.bin", io.BytesIO(data), overwrite=overwrite, progress=stop_midway)
            assert store.read_bytes("progress/file.bin") == data
            return
        with pytest.raises(Exception) as caught:
            store.write("progress/file.bin", io.BytesIO(data), overwrite=overwrite, progress=stop_midway)
        chain: list[BaseException] = []
        error: BaseException | None = caught.value
        while error is not None and len(chain) < 10:
            chain.append(error)
            error = error.__cause__ or error.__context__
        assert any(isinstance(link, Aborted) for link in chain), chain
        assert snapshot(store, "progress/file.bin") == before

    @requires(Capability.COPY, Capability.METADATA)
    @pytest.mark.spec("STORE-044")
    def test_copy_reports_the_size_once(self, store: Store) -> None:
        data = random_bytes(MIB + 3, "copy")
        store.write("progress/src.bin", data)
        calls: list[int] = []
        store.copy("progress/src.bin", "progress/dst.bin", progress=calls.append)
        assert calls == [len(data)]
        assert store.read_bytes("progress/dst.bin") == data
