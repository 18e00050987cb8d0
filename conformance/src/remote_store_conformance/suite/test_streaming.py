"""Streaming writes: bytes-like content, any readable stream, short reads, large and failing streams."""

from __future__ import annotations

import array
import io
from pathlib import Path

import pytest

from remote_store import AlreadyExists, Capability, InvalidContent, Store

from .._markers import requires
from .._support import (
    MIB,
    GeneratedStream,
    MinimalReader,
    StreamBroken,
    digest,
    digest_of_stream,
    error_chain,
    failing_stream,
    pipe_stream,
    random_bytes,
    snapshot,
)

__all__ = ["TestStreaming", "TestStreamingLarge"]

WRITE_METHODS = ["write", pytest.param("write_atomic", marks=requires(Capability.ATOMIC_WRITE))]

# Not a multiple of any power of two, so that the last chunk or upload part is a short one.
LARGE_SIZE = 16 * MIB + 12_345


@requires(Capability.WRITE, Capability.READ)
@pytest.mark.parametrize("method", WRITE_METHODS)
class TestStreaming:
    @pytest.mark.spec("STREAM-001")
    def test_bytes_like_content(self, store: Store, method: str) -> None:
        write = getattr(store, method)
        numbers = array.array("I", range(10_000))
        cases: dict[str, tuple[object, bytes]] = {
            "bytes.bin": (b"plain bytes", b"plain bytes"),
            "bytearray.bin": (bytearray(b"a bytearray"), b"a bytearray"),
            "view.bin": (memoryview(b"a memoryview"), b"a memoryview"),
            "wide-items.bin": (memoryview(numbers), numbers.tobytes()),
            "slice.bin": (memoryview(b"0123456789")[2:7], b"23456"),
        }
        for path, (content, expected) in cases.items():
            write(path, content)
            assert store.read_bytes(path) == expected, path

    @pytest.mark.spec("STREAM-002")
    def test_in_memory_stream_from_its_current_position(self, store: Store, method: str) -> None:
        source = io.BytesIO(b"skip:" + random_bytes(200_000, "bytesio"))
        source.seek(5)
        getattr(store, method)("from-bytesio.bin", source)
        assert store.read_bytes("from-bytesio.bin") == random_bytes(200_000, "bytesio")

    @pytest.mark.spec("STREAM-002")
    def test_object_with_only_read(self, store: Store, method: str) -> None:
        content = random_bytes(300_000, "minimal")
        getattr(store, method)("minimal.bin", MinimalReader(content))
        assert store.read_bytes("minimal.bin") == content

    @pytest.mark.spec("STREAM-002")
    def test_file_opened_in_binary_mode(self, store: Store, method: str, tmp_path: Path) -> None:
        content = random_bytes(MIB + 3, "file")
        local = tmp_path / "source.bin"
        local.write_bytes(content)
        with local.open("rb") as source:
            getattr(store, method)("from-file.bin", source)
        assert store.read_bytes("from-file.bin") == content

    @pytest.mark.spec("STREAM-002", "STREAM-003")
    def test_non_seekable_pipe(self, store: Store, method: str) -> None:
        pieces = [random_bytes(256 * 1024 + index, f"pipe-{index}") for index in range(12)]
        with pipe_stream(pieces) as source:
            assert not source.seekable()
            getattr(store, method)("from-pipe.bin", source)
        assert store.read_bytes("from-pipe.bin") == b"".join(pieces)

    @pytest.mark.spec("STREAM-003", "STREAM-005")
    def test_short_reads(self, store: Store, method: str) -> None:
        content = random_bytes(200_000, "short")
        source = MinimalReader(content, max_chunk=97)
        getattr(store, method)("short.bin", source)
        assert store.read_bytes("short.bin") == content
        assert source.bounded_reads(), f"unbounded reads: {sorted(set(source.read_sizes), key=str)[:5]}"

    @pytest.mark.spec("STREAM-003")
    def test_one_byte_at_a_time(self, store: Store, method: str) -> None:
        content = random_bytes(3000, "single")
        getattr(store, method)("single.bin", MinimalReader(content, max_chunk=1))
        assert store.read_bytes("single.bin") == content

    @pytest.mark.spec("STREAM-003", "STREAM-005")
    def test_raw_stream_with_only_readinto(self, store: Store, method: str) -> None:
        source = GeneratedStream(2 * MIB + 99, seed="raw")
        getattr(store, method)("raw.bin", source)
        with store.read("raw.bin") as stream:
            assert digest_of_stream(stream, MIB)[0] == source.expected_digest
        assert source.bounded_reads(), f"unbounded reads: {source.read_sizes[:5]}"

    @pytest.mark.spec("STREAM-006")
    def test_stream_is_consumed_and_left_open(self, store: Store, method: str) -> None:
        source = io.BytesIO(random_bytes(100_000, "open"))
        getattr(store, method)("open.bin", source)
        assert not source.closed
        assert source.read() == b""
        minimal = MinimalReader(b"minimal content")
        getattr(store, method)("minimal-open.bin", minimal)
        assert not minimal.closed

    @pytest.mark.spec("STREAM-007")
    def test_empty_content_makes_an_empty_file(self, store: Store, method: str) -> None:
        write = getattr(store, method)
        write("empty-bytes.txt", b"")
        write("empty-stream.txt", io.BytesIO(b""))
        with pipe_stream([]) as source:
            write("empty-pipe.txt", source)
        for path in ("empty-bytes.txt", "empty-stream.txt", "empty-pipe.txt"):
            assert store.is_file(path), path
            assert store.read_bytes(path) == b"", path
            if store.supports(Capability.METADATA):
                assert store.get_file_info(path).size == 0, path

    @pytest.mark.spec("STREAM-008", "BACKEND-006")
    def test_failing_stream_creates_nothing(self, store: Store, method: str) -> None:
        store.write("bystander.txt", b"unrelated")
        before = snapshot(store, "broken/new.bin", "broken")
        with pytest.raises(Exception) as caught:
            getattr(store, method)("broken/new.bin", failing_stream(random_bytes(3 * MIB + 5, "fail")))
        assert any(isinstance(error, StreamBroken) for error in error_chain(caught.value)), caught.value
        assert not store.is_file("broken/new.bin")
        assert snapshot(store, "broken/new.bin", "broken") == before

    @pytest.mark.spec("STREAM-008", "BACKEND-006")
    def test_failing_stream_keeps_the_old_file(self, store: Store, method: str) -> None:
        store.write("kept.bin", b"old content")
        before = snapshot(store, "kept.bin")
        with pytest.raises(Exception) as caught:
            getattr(store, method)(
                "kept.bin", failing_stream(random_bytes(3 * MIB + 5, "fail")), overwrite=True
            )
        assert any(isinstance(error, StreamBroken) for error in error_chain(caught.value)), caught.value
        assert store.read_bytes("kept.bin") == b"old content"
        assert snapshot(store, "kept.bin") == before

    @pytest.mark.spec("STREAM-008")
    def test_stream_returning_text_is_invalid_content(self, store: Store, method: str) -> None:
        class TextReader:
            def read(self, size: int = -1, /) -> str:
                return "text, not bytes"

        before = snapshot(store, "text/new.bin")
        with pytest.raises(InvalidContent):
            getattr(store, method)("text/new.bin", TextReader())
        assert not store.is_file("text/new.bin")
        assert snapshot(store, "text/new.bin") == before


@requires(Capability.WRITE, Capability.READ, "large_files")
class TestStreamingLarge:
    @pytest.mark.spec("STREAM-004", "STREAM-005", "STREAM-010")
    @pytest.mark.parametrize("method", WRITE_METHODS)
    def test_large_non_seekable_stream(self, store: Store, method: str) -> None:
        source = GeneratedStream(LARGE_SIZE, seed=f"large-{method}")
        getattr(store, method)("large/stream.bin", source)
        assert source.bounded_reads(), f"unbounded reads: {[s for s in source.read_sizes if s is None][:1]}"
        with store.read("large/stream.bin") as stream:
            found, size = digest_of_stream(stream, 64 * 1024 + 1)
        assert size == LARGE_SIZE
        assert found == source.expected_digest
        whole = store.read_bytes("large/stream.bin")
        assert len(whole) == LARGE_SIZE, f"read_bytes gave {len(whole)} of {LARGE_SIZE} bytes (STREAM-011)"
        assert digest(whole) == source.expected_digest

    @pytest.mark.spec("STORE-004")
    @pytest.mark.parametrize("method", WRITE_METHODS)
    def test_large_create_over_an_existing_file_is_refused(self, store: Store, method: str) -> None:
        # Content larger than any single request: a backend that uploads in parts checks too.
        store.write("large/existing.bin", b"old")
        with pytest.raises(AlreadyExists):
            getattr(store, method)("large/existing.bin", GeneratedStream(LARGE_SIZE, seed="large-existing"))
        assert store.read_bytes("large/existing.bin") == b"old"

    @pytest.mark.spec("STREAM-008", "ATOMIC-003")
    @pytest.mark.parametrize("method", WRITE_METHODS)
    @pytest.mark.parametrize("overwrite", [False, True], ids=["create", "replace"])
    def test_large_stream_failing_late_writes_nothing(
        self, store: Store, method: str, overwrite: bool
    ) -> None:
        # The stream breaks after more content than any single request holds.
        if overwrite:
            store.write("large/failing.bin", b"old")
        with pytest.raises(Exception) as caught:
            getattr(store, method)(
                "large/failing.bin",
                failing_stream(random_bytes(LARGE_SIZE, "large-failing"), piece=MIB),
                overwrite=overwrite,
            )
        assert any(isinstance(error, StreamBroken) for error in error_chain(caught.value)), caught.value
        if overwrite:
            assert store.read_bytes("large/failing.bin") == b"old"
        else:
            assert not store.exists("large/failing.bin"), "a stream that broke left a file"
