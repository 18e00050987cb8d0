"""Random access: seekable read streams and ``read_range`` where ``SEEKABLE_READ`` is declared."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from remote_store import (
    Backend,
    Capability,
    CapabilityNotSupported,
    InvalidPath,
    InvalidRange,
    NotFound,
    Store,
)

from .._markers import requires, requires_not
from .._support import RecordingBackend, random_bytes

__all__ = ["TestRandomAccess", "TestRandomAccessUndeclared"]

CONTENT = random_bytes(200_003, "random access")
PATH = "ranges/file.bin"


@requires(Capability.SEEKABLE_READ, Capability.WRITE)
class TestRandomAccess:
    @pytest.mark.spec("STREAM-012")
    def test_the_stream_seeks_and_tells(self, store: Store) -> None:
        store.write(PATH, CONTENT)
        with store.read(PATH) as stream:
            assert stream.seekable()
            assert stream.tell() == 0
            assert stream.read(10) == CONTENT[:10]
            assert stream.tell() == 10
            assert stream.seek(150_000) == 150_000
            assert stream.tell() == 150_000
            assert stream.read(5000) == CONTENT[150_000:155_000]
            assert stream.seek(-100, io.SEEK_CUR) == 154_900
            assert stream.read(100) == CONTENT[154_900:155_000]
            assert stream.seek(-7, io.SEEK_END) == len(CONTENT) - 7
            assert stream.read() == CONTENT[-7:]
            assert stream.read(1) == b""
            assert stream.seek(3) == 3
            assert stream.read(4) == CONTENT[3:7]
            assert stream.seek(0, io.SEEK_END) == len(CONTENT)

    @pytest.mark.spec("STREAM-012")
    def test_reads_after_seeks_give_the_content_at_every_position(self, store: Store) -> None:
        store.write(PATH, CONTENT)
        positions = [199_000, 5, 100_000, 100_001, 0, 64 * 1024 - 1, 64 * 1024, 123_456, len(CONTENT) - 1]
        with store.read(PATH) as stream:
            for position in positions:
                stream.seek(position)
                assert stream.read(777) == CONTENT[position : position + 777], position
                assert stream.tell() == min(position + 777, len(CONTENT))

    @pytest.mark.spec("STREAM-012")
    def test_seek_past_the_end_reads_nothing(self, store: Store) -> None:
        store.write(PATH, CONTENT)
        with store.read(PATH) as stream:
            assert stream.seek(len(CONTENT) + 1000) == len(CONTENT) + 1000
            assert stream.read(10) == b""
            assert stream.read() == b""

    @pytest.mark.spec("STREAM-012")
    def test_a_negative_position_is_refused(self, store: Store) -> None:
        store.write(PATH, CONTENT)
        with store.read(PATH) as stream:
            stream.seek(20)
            with pytest.raises((ValueError, OSError)):
                stream.seek(-1)
            assert stream.tell() == 20
            assert stream.read(5) == CONTENT[20:25]

    @pytest.mark.spec("STREAM-012")
    def test_readinto_fills_from_the_position(self, store: Store) -> None:
        store.write(PATH, CONTENT)
        with store.read(PATH) as stream:
            stream.seek(1234)
            buffer = bytearray(4096)
            readinto = getattr(stream, "readinto")  # noqa: B009 - BinaryIO does not declare readinto
            count = readinto(buffer)
            assert 1 <= count <= 4096
            assert bytes(buffer[:count]) == CONTENT[1234 : 1234 + count]
            assert stream.tell() == 1234 + count
            stream.seek(len(CONTENT) - 10)
            view = memoryview(bytearray(100))
            assert readinto(view) == 10
            assert bytes(view[:10]) == CONTENT[-10:]

    @pytest.mark.spec("STORE-033")
    def test_read_range_slices(self, store: Store) -> None:
        store.write(PATH, CONTENT)
        for start, end in [(0, 1), (0, 100), (5, 5), (1000, 70_000), (len(CONTENT) - 3, len(CONTENT))]:
            assert store.read_range(PATH, start, end) == CONTENT[start:end], (start, end)

    @pytest.mark.spec("STORE-033")
    def test_read_range_past_the_end_gives_what_exists(self, store: Store) -> None:
        store.write(PATH, CONTENT)
        size = len(CONTENT)
        assert store.read_range(PATH, size - 10, size + 10_000) == CONTENT[-10:]
        assert store.read_range(PATH, size, size + 5) == b""
        assert store.read_range(PATH, size + 5, size + 50) == b""
        store.write("ranges/empty.bin", b"")
        assert store.read_range("ranges/empty.bin", 0, 10) == b""
        assert store.read_range("ranges/empty.bin", 0, 0) == b""

    @pytest.mark.spec("STORE-033", "STORE-028")
    def test_read_range_of_what_is_no_file(self, store: Store) -> None:
        store.write(PATH, CONTENT)
        for missing in ("ranges/absent.bin", "ranges", "no/such/file.bin"):
            for start, end in ((0, 10), (3, 3)):
                with pytest.raises(NotFound) as caught:
                    store.read_range(missing, start, end)
                assert caught.value.path == missing
                assert caught.value.operation == "read_range"
                assert caught.value.backend == store.backend.type_name
        with pytest.raises(InvalidPath):
            store.read_range("", 0, 1)

    @pytest.mark.spec("STORE-033")
    @pytest.mark.parametrize(
        ("start", "end", "fault"),
        [
            (-1, 10, "start"),
            (0, -1, "end"),
            (10, 9, "end"),
            (1.0, 5, "start"),
            (0, "9", "end"),
            (True, 5, "start"),
        ],
    )
    def test_bad_bounds_are_refused_before_any_io(
        self,
        conformance_backend: Backend,
        start: object,
        end: object,
        fault: str,
        open_store: Callable[..., Store],
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        with pytest.raises(InvalidRange) as caught:
            view.read_range(PATH, start, end)  # type: ignore[arg-type]
        assert isinstance(caught.value, ValueError)
        assert fault in caught.value.message
        assert caught.value.path == PATH
        assert caught.value.operation == "read_range"
        assert recorder.calls == []

    @pytest.mark.spec("STORE-033", "STORE-030")
    def test_read_range_through_a_nested_store(self, nested_store: Store) -> None:
        nested_store.write(PATH, CONTENT)
        assert nested_store.read_range(PATH, 10, 20) == CONTENT[10:20]
        with pytest.raises(NotFound) as caught:
            nested_store.read_range("ranges/absent.bin", 0, 1)
        assert caught.value.path == "ranges/absent.bin"

    @pytest.mark.spec("BACKEND-021")
    def test_the_backend_answers_read_range(self, conformance_backend: Backend) -> None:
        conformance_backend.write(PATH, CONTENT)
        assert conformance_backend.read_range(PATH, 7, 70) == CONTENT[7:70]
        assert conformance_backend.read_range(PATH, len(CONTENT) - 1, len(CONTENT) + 1) == CONTENT[-1:]
        with pytest.raises(NotFound) as caught:
            conformance_backend.read_range("ranges/absent.bin", 0, 1)
        assert caught.value.operation == "read_range"
        assert caught.value.backend == conformance_backend.type_name


@requires_not(Capability.SEEKABLE_READ)
class TestRandomAccessUndeclared:
    @pytest.mark.spec("BACKEND-021", "STORE-027")
    def test_read_range_is_refused(
        self, store: Store, conformance_backend: Backend, open_store: Callable[..., Store]
    ) -> None:
        if store.supports(Capability.WRITE):
            store.write(PATH, CONTENT)
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        with pytest.raises(CapabilityNotSupported) as caught:
            view.read_range(PATH, 0, 10)
        assert caught.value.capability == Capability.SEEKABLE_READ.value
        assert recorder.calls == []
        with pytest.raises(CapabilityNotSupported):
            conformance_backend.read_range(PATH, 0, 10)
