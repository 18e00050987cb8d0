"""Atomic writes and moves: write_atomic semantics, no partial reads, no temporary artefacts."""

from __future__ import annotations

import io
import threading

import pytest

from remote_store import AlreadyExists, Capability, InvalidPath, Store

from .._markers import requires
from .._support import (
    MIB,
    GeneratedStream,
    StreamBroken,
    error_chain,
    failing_stream,
    random_bytes,
    snapshot,
)

__all__ = ["TestAtomic", "TestAtomicConcurrent"]

ROUNDS = 12
"""Replacements per concurrency test: enough to interleave with readers, few enough to stay fast."""


@requires(Capability.ATOMIC_WRITE, Capability.READ)
class TestAtomic:
    @pytest.mark.spec("ATOMIC-001")
    def test_write_atomic_creates_a_file_and_its_parents(self, store: Store) -> None:
        store.write_atomic("atomic/deeper/file.bin", b"atomic content")
        assert store.read_bytes("atomic/deeper/file.bin") == b"atomic content"
        assert store.is_folder("atomic/deeper")

    @pytest.mark.spec("ATOMIC-001")
    def test_write_atomic_overwrite_semantics(self, store: Store) -> None:
        store.write_atomic("file.bin", b"first and longest content")
        with pytest.raises(AlreadyExists) as caught:
            store.write_atomic("file.bin", b"second")
        assert caught.value.path == "file.bin"
        assert caught.value.operation == "write_atomic"
        assert store.read_bytes("file.bin") == b"first and longest content"
        store.write_atomic("file.bin", b"third", overwrite=True)
        assert store.read_bytes("file.bin") == b"third"

    @pytest.mark.spec("ATOMIC-001")
    def test_write_atomic_to_the_root_is_invalid(self, store: Store) -> None:
        with pytest.raises(InvalidPath):
            store.write_atomic("", b"x", overwrite=True)

    @pytest.mark.spec("ATOMIC-003")
    def test_failed_atomic_write_keeps_the_old_file(self, store: Store) -> None:
        store.write_atomic("kept.bin", b"old content")
        before = snapshot(store, "kept.bin")
        with pytest.raises(Exception) as caught:
            store.write_atomic(
                "kept.bin", failing_stream(random_bytes(2 * MIB + 1, "atomic")), overwrite=True
            )
        assert any(isinstance(error, StreamBroken) for error in error_chain(caught.value))
        assert store.read_bytes("kept.bin") == b"old content"
        assert snapshot(store, "kept.bin") == before

    @pytest.mark.spec("ATOMIC-003")
    def test_failed_atomic_create_leaves_nothing(self, store: Store) -> None:
        before = snapshot(store, "new/file.bin", "new")
        with pytest.raises(Exception) as caught:
            store.write_atomic("new/file.bin", failing_stream(random_bytes(MIB + 1, "atomic-new")))
        assert any(isinstance(error, StreamBroken) for error in error_chain(caught.value))
        assert not store.exists("new/file.bin")
        assert snapshot(store, "new/file.bin", "new") == before

    @requires(Capability.LIST, Capability.WRITE)
    @pytest.mark.spec("ATOMIC-005")
    def test_no_temporary_artefacts(self, store: Store) -> None:
        store.write("plain.bin", b"plain")
        store.write("streamed.bin", GeneratedStream(MIB + 5, seed="tmp-1"))
        store.write_atomic("folder/atomic.bin", b"atomic")
        store.write_atomic("folder/atomic-streamed.bin", io.BytesIO(random_bytes(MIB + 9, "tmp-2")))
        store.write_atomic("plain.bin", b"replaced", overwrite=True)
        store.write("folder/atomic.bin", GeneratedStream(3000, seed="tmp-3"), overwrite=True)
        files = sorted(str(info.path) for info in store.list_files("", recursive=True))
        assert files == ["folder/atomic-streamed.bin", "folder/atomic.bin", "plain.bin", "streamed.bin"]
        assert list(store.list_folders("")) == ["folder"]
        assert list(store.list_folders("folder")) == []

    @requires(Capability.LIST, Capability.WRITE, Capability.METADATA)
    @pytest.mark.spec("ATOMIC-005", "ATOMIC-002")
    @pytest.mark.parametrize("method", ["write", "write_atomic"])
    @pytest.mark.parametrize("overwrite", [False, True])
    def test_nothing_shows_while_a_write_is_in_progress(
        self, store: Store, method: str, overwrite: bool
    ) -> None:
        store.write("w/kept.bin", b"kept")
        if overwrite:
            store.write("w/target.bin", b"old content")
        expected_files = ["w/kept.bin", "w/target.bin"] if overwrite else ["w/kept.bin"]
        seen: list[object] = []

        class Probing(io.RawIOBase):
            """Content whose reading looks at the store half-way through."""

            def __init__(self) -> None:
                self.left = [b"first half ", b"second half"]

            def readable(self) -> bool:
                return True

            def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
                if not self.left:
                    return 0
                if len(self.left) == 1:
                    seen.append(sorted(str(info.path) for info in store.list_files("", recursive=True)))
                    seen.append(store.get_folder_info("w").file_count)
                    seen.append(store.is_file("w/target.bin"))
                    seen.append(store.read_bytes("w/target.bin") if overwrite else None)
                chunk = self.left.pop(0)
                buffer[: len(chunk)] = chunk
                return len(chunk)

        getattr(store, method)("w/target.bin", io.BufferedReader(Probing(), 4), overwrite=overwrite)
        assert seen == [expected_files, len(expected_files), overwrite, b"old content" if overwrite else None]
        assert store.read_bytes("w/target.bin") == b"first half second half"
        assert sorted(str(info.path) for info in store.list_files("", recursive=True)) == [
            "w/kept.bin",
            "w/target.bin",
        ]


class _Readers:
    """Threads reading one file in a loop until stopped, counting reads and bad contents."""

    def __init__(self, store: Store, path: str, versions: list[bytes], count: int = 3) -> None:
        self.reads = 0
        self.partial: list[int] = []
        self.failures: list[BaseException] = []
        self._done = threading.Event()
        self._lock = threading.Condition()

        def read_loop() -> None:
            try:
                while not self._done.is_set():
                    content = store.read_bytes(path)
                    with self._lock:
                        self.reads += 1
                        if content not in versions:
                            self.partial.append(len(content))
                        self._lock.notify_all()
            except BaseException as error:  # noqa: BLE001 - reported by the test thread
                with self._lock:
                    self.failures.append(error)
                    self._lock.notify_all()

        self._threads = [threading.Thread(target=read_loop, name=f"reader-{index}") for index in range(count)]
        for thread in self._threads:
            thread.start()

    def wait_for_more_reads(self, timeout: float = 10.0) -> None:
        """Block until some reader completes another read, so that writes and reads interleave."""
        with self._lock:
            target = self.reads + 1
            self._lock.wait_for(lambda: self.reads >= target or bool(self.failures), timeout)

    def stop(self) -> None:
        self._done.set()
        for thread in self._threads:
            thread.join(60)


@requires(Capability.READ, "thread_safe")
class TestAtomicConcurrent:
    @requires(Capability.ATOMIC_WRITE)
    @pytest.mark.spec("ATOMIC-002")
    def test_readers_never_see_a_partial_file(self, store: Store) -> None:
        versions = [bytes([65 + index]) * (256 * 1024 + 1000 * index) for index in range(2)]
        store.write_atomic("contended.bin", versions[0])
        readers = _Readers(store, "contended.bin", versions)
        try:
            for index in range(ROUNDS):
                readers.wait_for_more_reads()
                store.write_atomic("contended.bin", versions[(index + 1) % 2], overwrite=True)
        finally:
            readers.stop()
        assert not readers.failures, f"a reader failed during write_atomic: {readers.failures[0]!r}"
        assert readers.reads, "no read completed"
        assert not readers.partial, (
            f"{len(readers.partial)} reads saw a partial file, sizes {readers.partial[:5]}"
        )

    @requires(Capability.ATOMIC_MOVE, Capability.MOVE, Capability.WRITE)
    @pytest.mark.spec("ATOMIC-006")
    def test_atomic_move_replaces_in_one_step(self, store: Store) -> None:
        versions = [bytes([97 + index]) * (128 * 1024 + 333 * index) for index in range(2)]
        store.write("target.bin", versions[0])
        readers = _Readers(store, "target.bin", versions)
        try:
            for index in range(ROUNDS):
                readers.wait_for_more_reads()
                source = f"incoming/{index}.bin"
                store.write(source, versions[(index + 1) % 2])
                store.move(source, "target.bin", overwrite=True)
        finally:
            readers.stop()
        assert not readers.failures, f"a reader failed during an atomic move: {readers.failures[0]!r}"
        assert readers.reads, "no read completed"
        assert not readers.partial, (
            f"{len(readers.partial)} reads saw a partial file, sizes {readers.partial[:5]}"
        )
