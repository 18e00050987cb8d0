"""Reading files: the stream ``read`` returns, ``read_bytes``, and reading what is not a file."""

from __future__ import annotations

import io
from typing import BinaryIO, cast

import pytest

from remote_store import Backend, Capability, InvalidPath, NotFound, Store

from .._markers import requires
from .._support import RecordingBackend, random_bytes

__all__ = ["TestRead"]


@requires(Capability.READ, Capability.WRITE)
class TestRead:
    @pytest.mark.spec("STORE-009", "STORE-028")
    @pytest.mark.parametrize("operation", ["read", "read_bytes"])
    def test_reading_a_missing_file_raises_not_found(self, store: Store, operation: str) -> None:
        store.write("present/file.txt", b"x")
        for missing in ("absent.txt", "present/absent.txt", "no/such/folder/file.txt"):
            with pytest.raises(NotFound) as caught:
                getattr(store, operation)(missing)
            assert caught.value.path == missing
            assert caught.value.operation == operation
            assert caught.value.backend == store.backend.type_name

    @pytest.mark.spec("STORE-009")
    @pytest.mark.parametrize("operation", ["read", "read_bytes"])
    def test_reading_a_folder_raises_not_found(self, store: Store, operation: str) -> None:
        store.write("folder/file.txt", b"x")
        with pytest.raises(NotFound) as caught:
            getattr(store, operation)("folder")
        assert caught.value.path == "folder"

    @pytest.mark.spec("STORE-009")
    @pytest.mark.parametrize("operation", ["read", "read_bytes"])
    def test_reading_the_root_is_invalid(self, store: Store, operation: str) -> None:
        with pytest.raises(InvalidPath):
            getattr(store, operation)("")

    @pytest.mark.spec("STREAM-009")
    def test_read_returns_a_chunked_binary_stream(self, store: Store) -> None:
        content = random_bytes(100_003, "stream")
        store.write("stream.bin", content)
        chunks = []
        with store.read("stream.bin") as stream:
            assert not stream.closed
            while True:
                chunk = stream.read(4096)
                assert isinstance(chunk, bytes)
                assert len(chunk) <= 4096
                if not chunk:
                    break
                chunks.append(chunk)
            assert stream.read(4096) == b""
        assert stream.closed
        assert b"".join(chunks) == content

    @pytest.mark.spec("STREAM-009")
    def test_read_without_size_returns_the_rest(self, store: Store) -> None:
        content = random_bytes(50_000, "rest")
        store.write("rest.bin", content)
        with store.read("rest.bin") as stream:
            head = stream.read(1000)
            assert 1 <= len(head) <= 1000
            rest = stream.read()
        assert head + rest == content
        with store.read("rest.bin") as stream:
            assert stream.read(-1) == content

    @pytest.mark.spec("STREAM-009")
    def test_the_backend_stream_is_closed_after_its_with_block(self, conformance_backend: Backend) -> None:
        # The backend's own stream, not Store's wrapper (which closes what it wraps).
        if Capability.WRITE not in conformance_backend.capabilities:
            pytest.skip("needs a file to read: the backend does not declare WRITE")
        conformance_backend.write("closing.bin", b"content")
        with conformance_backend.read("closing.bin") as stream:
            assert stream.read(3) == b"con"
        assert stream.closed, "the stream read() returned is still open after its with block"

    @pytest.mark.spec("STREAM-010")
    def test_several_streams_read_one_file_independently(self, store: Store) -> None:
        content = random_bytes(300_000, "independent")
        store.write("shared.bin", content)
        first = store.read("shared.bin")
        second = store.read("shared.bin")
        try:
            parts: tuple[list[bytes], list[bytes]] = ([], [])
            done = [False, False]
            while not all(done):
                for index, stream in enumerate((first, second)):
                    if not done[index]:
                        chunk = stream.read(7919 * (index + 1))
                        done[index] = not chunk
                        parts[index].append(chunk)
        finally:
            first.close()
            second.close()
        assert b"".join(parts[0]) == content
        assert b"".join(parts[1]) == content

    @pytest.mark.spec("STREAM-011")
    def test_read_bytes_equals_the_stream(self, store: Store) -> None:
        content = random_bytes(65_537, "bytes")
        store.write("same.bin", content)
        with store.read("same.bin") as stream:
            streamed = stream.read()
        assert store.read_bytes("same.bin") == streamed == content

    @pytest.mark.spec("STREAM-009", "STORE-032")
    def test_read_stream_reads_lines_and_single_reads(self, conformance_backend: Backend) -> None:
        # Store's own stream (StoreReader) is a whole binary file object; AsyncStore's reader is not.
        store = Store(conformance_backend, owns_backend=False)
        content = b"one\ntwo\nthree\nfour\n"
        store.write("lines.txt", content)
        with store.read("lines.txt") as stream:
            assert stream.readable()
            assert stream.readline() == b"one\n"
            assert next(stream) == b"two\n"
            assert stream.readlines() == [b"three\n", b"four\n"]
        with cast(io.BufferedIOBase, store.read("lines.txt")) as buffered:  # BinaryIO lacks read1
            first = buffered.read1(5)
            buffer = bytearray(5)
            count = buffered.readinto1(buffer)
            assert 1 <= len(first) <= 5 and 1 <= count <= 5
            assert content.startswith(first + bytes(buffer[:count]))
            assert buffered.read(None) == content[len(first) + count :]

    @pytest.mark.spec("STREAM-009", "STORE-032")
    def test_read_stream_reads_into_a_buffer_over_a_stream_without_readinto(
        self, conformance_backend: Backend
    ) -> None:
        class OnlyRead:
            """A backend stream with nothing but ``read`` and ``close``."""

            def __init__(self, inner: BinaryIO) -> None:
                self.inner = inner

            def read(self, size: int = -1) -> bytes:
                return self.inner.read(size)

            def close(self) -> None:
                self.inner.close()

            @property
            def closed(self) -> bool:
                return self.inner.closed

        class MinimalStreams(RecordingBackend):
            def read(self, path: str) -> BinaryIO:
                return cast(BinaryIO, OnlyRead(self.inner.read(path)))

        view = Store(MinimalStreams(conformance_backend), owns_backend=False)
        view.write("f.bin", b"data")
        buffer = bytearray(8)
        with cast(io.BufferedIOBase, view.read("f.bin")) as stream:
            count = stream.readinto(buffer)
        assert 1 <= count <= 4 and buffer[:count] == b"data"[:count]
