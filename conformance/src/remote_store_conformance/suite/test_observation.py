"""What readers and concurrent writers observe while a slow source is being written.

Every write here is fed by a ``SlowSource``: many short reads, more content than any single read,
and a look at the store from another call between reads, so that a backend publishing what it has
received so far, or checking for an existing file only before it reads, is seen in the act.
"""

from __future__ import annotations

import pytest

from remote_store import AlreadyExists, Capability, Store

from .._markers import requires
from .._slow_source import SlowSource
from .._support import random_bytes

__all__ = ["TestObservation"]

SHAPES = [
    # A small file in many 1 KiB reads: a backend publishing after each chunk shows it at once.
    pytest.param(12 * 1024 + 7, 1024, id="tiny"),
    # More than 2 MiB in 256 KiB reads: more than the 1 MiB a backend reads at once (iter_chunks),
    # so a backend that publishes after each buffer it fills is seen too.
    pytest.param(2 * 1024 * 1024 + 4099, 256 * 1024, id="large"),
]

METHODS = [
    pytest.param("write", id="write"),
    pytest.param("write_atomic", marks=requires(Capability.ATOMIC_WRITE), id="write_atomic"),
]


@requires(Capability.WRITE, Capability.READ, Capability.LIST)
class TestObservation:
    @pytest.mark.spec("ATOMIC-002", "ATOMIC-005")
    @pytest.mark.parametrize(("size", "piece"), SHAPES)
    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("overwrite", [False, True], ids=["create", "replace"])
    def test_a_write_in_progress_shows_nothing(
        self, store: Store, method: str, overwrite: bool, size: int, piece: int
    ) -> None:
        old = b"the old content"
        store.write("seen/kept.bin", b"kept")
        if overwrite:
            store.write("seen/target.bin", old)
        before = sorted(str(info.path) for info in store.list_files("", recursive=True))
        wrong: list[str] = []

        def look(received: int) -> None:
            # Collected, not raised: an error raised here would only end the write.
            listed = sorted(str(info.path) for info in store.list_files("", recursive=True))
            if listed != before:
                wrong.append(f"after {received} bytes the store lists {listed}, before the write {before}")
            if store.is_file("seen/target.bin") != overwrite:
                wrong.append(f"after {received} bytes is_file answers {not overwrite}")
            if overwrite:
                current = store.read_bytes("seen/target.bin")
                if current != old:
                    wrong.append(f"after {received} bytes a reader gets {len(current)} bytes, not the old")

        data = random_bytes(size, f"observe-{method}-{overwrite}-{size}")
        source = SlowSource(data, piece=piece, probe=look)
        getattr(store, method)("seen/target.bin", source, overwrite=overwrite)
        assert source.probes >= 8, f"the backend read the source in {source.probes + 1} reads"
        assert not wrong, f"{method} showed a write in progress: {wrong[:3]}"
        assert store.read_bytes("seen/target.bin") == data

    @requires("race_free_create")
    @pytest.mark.spec("ATOMIC-004")
    @pytest.mark.parametrize(("size", "piece"), SHAPES)
    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("when", ["first", "last"])
    def test_a_create_checks_for_the_file_after_reading_a_slow_source(
        self, store: Store, method: str, when: str, size: int, piece: int
    ) -> None:
        # Another writer creates the file while this create is still reading its source: after
        # the first short read, or before the last one. This create must lose, whole.
        competitor = b"the competitor's content"
        # No read gives more than ``piece`` bytes, so the last one starts at ``size - piece`` or
        # later, whatever sizes the backend asks for: the probe before it sees this mark passed.
        last = size - piece
        created: list[int] = []

        def compete(received: int) -> None:
            if not created and (when == "first" or received >= last):
                store.write("race/slow.bin", competitor)
                created.append(received)

        source = SlowSource(random_bytes(size, f"slow-create-{method}"), piece=piece, probe=compete)
        with pytest.raises(AlreadyExists) as caught:
            getattr(store, method)("race/slow.bin", source)
        assert created, "the source was read in one go"
        assert caught.value.path == "race/slow.bin"
        assert store.read_bytes("race/slow.bin") == competitor, "the competitor's file was replaced"
