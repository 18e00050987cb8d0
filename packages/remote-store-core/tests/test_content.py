"""Write content: check_content and iter_chunks over every kind of content."""

from __future__ import annotations

import array
import io
import os
import threading
from collections.abc import Iterator

import pytest

from remote_store import InvalidContent, Store
from remote_store.backend_tools import check_content, iter_chunks
from remote_store.backends.memory import MemoryBackend

DATA = bytes(range(256)) * 4099  # about 1 MiB, not a multiple of any chunk size used here


class ShortReader(io.RawIOBase):
    """A raw stream that returns at most ``most`` bytes per read, like a socket or a pipe."""

    def __init__(self, data: bytes, most: int = 7) -> None:
        self._data = memoryview(data)
        self._most = most
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self.reads += 1
        count = min(len(buffer), self._most, len(self._data))
        buffer[:count] = self._data[:count]
        self._data = self._data[count:]
        return count


class NoneReader:
    """A non-blocking stream with nothing ready: ``read`` returns ``None``."""

    def read(self, size: int = -1) -> bytes | None:
        return None


class StrReader:
    """Looks like a stream but yields text."""

    def read(self, size: int = -1) -> str:
        return "text"


class PipeReader:
    """The read end of an OS pipe, fed by a writer thread; short reads are the norm."""

    def __init__(self, data: bytes) -> None:
        read_fd, write_fd = os.pipe()
        self.stream = os.fdopen(read_fd, "rb", buffering=0)
        self._thread = threading.Thread(target=self._feed, args=(write_fd, data), daemon=True)
        self._thread.start()

    @staticmethod
    def _feed(fd: int, data: bytes) -> None:
        with os.fdopen(fd, "wb", buffering=0) as writer:
            view = memoryview(data)
            while view:
                written = writer.write(view[: 1 << 16])
                view = view[written or 0 :]

    def close(self) -> None:
        self.stream.close()
        self._thread.join(timeout=10)


@pytest.fixture
def pipe() -> Iterator[PipeReader]:
    reader = PipeReader(DATA)
    yield reader
    reader.close()


def joined(content: object, chunk_size: int) -> tuple[bytes, list[int]]:
    sizes = []
    parts = []
    for chunk in iter_chunks(content, chunk_size):  # type: ignore[arg-type]
        sizes.append(len(chunk))
        parts.append(bytes(chunk))
    return b"".join(parts), sizes


# -- iter_chunks --------------------------------------------------------------------------------


@pytest.mark.spec("STREAM-001")
@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_bytes_like_is_sliced_without_copy(kind: type) -> None:
    content = kind(DATA)
    chunks = list(iter_chunks(content, 100_000))
    views = [chunk for chunk in chunks if isinstance(chunk, memoryview)]
    assert len(views) == len(chunks)
    assert [len(c) for c in chunks] == [100_000] * 10 + [len(DATA) - 1_000_000]
    assert b"".join(bytes(c) for c in chunks) == DATA
    underlying = content.obj if isinstance(content, memoryview) else content
    assert all(view.obj is underlying for view in views)


@pytest.mark.spec("STREAM-001")
def test_memoryview_of_wider_items_and_non_contiguous_views() -> None:
    numbers = array.array("i", range(1000))
    data, sizes = joined(memoryview(numbers), 1000)
    assert data == numbers.tobytes() and max(sizes) <= 1000
    strided = memoryview(DATA)[::3]
    data, sizes = joined(strided, 4096)
    assert data == DATA[::3] and max(sizes) <= 4096


@pytest.mark.spec("STREAM-007")
def test_empty_content_yields_nothing() -> None:
    assert list(iter_chunks(b"")) == []
    assert list(iter_chunks(io.BytesIO())) == []


@pytest.mark.spec("STREAM-002", "STREAM-006")
def test_bytes_io_is_read_in_bounded_chunks_and_not_closed() -> None:
    stream = io.BytesIO(DATA)
    data, sizes = joined(stream, 65536)
    assert data == DATA and max(sizes) <= 65536
    assert not stream.closed


def test_buffered_stream_from_a_file(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "data.bin")
    with open(path, "wb") as handle:
        handle.write(DATA)
    with open(path, "rb") as handle:
        data, sizes = joined(handle, 12345)
    assert data == DATA and max(sizes) <= 12345


@pytest.mark.spec("STREAM-002", "STREAM-003")
def test_pipe_is_read_until_end_with_short_reads(pipe: PipeReader) -> None:
    data, sizes = joined(pipe.stream, 1 << 20)
    assert data == DATA
    # A pipe holds far less than DATA: reads come back short, and every one is passed on.
    assert len(sizes) > 1 and max(sizes) <= 1 << 20


@pytest.mark.spec("STREAM-003")
def test_short_reads_are_passed_on_as_they_come() -> None:
    reader = ShortReader(DATA[:1000], most=7)
    data, sizes = joined(reader, 4096)
    assert data == DATA[:1000]
    assert max(sizes) <= 7 and len(sizes) == 143


@pytest.mark.parametrize(
    "content",
    [io.StringIO("text"), io.TextIOWrapper(io.BytesIO(b"text")), "text"],
    ids=["StringIO", "TextIOWrapper", "str"],
)
def test_text_is_rejected_before_reading(content: object) -> None:
    with pytest.raises(InvalidContent) as caught:
        check_content(content, "a/b.txt")
    assert caught.value.path == "a/b.txt"
    with pytest.raises(InvalidContent):
        list(iter_chunks(content))  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize("content", [None, 42, 1.5, ["b"], {"a": 1}, object()], ids=repr)
def test_non_content_is_rejected(content: object) -> None:
    with pytest.raises(InvalidContent, match="bytes-like or a readable binary stream"):
        check_content(content)
    with pytest.raises(InvalidContent):
        list(iter_chunks(content))  # type: ignore[arg-type]


def test_stream_returning_none_is_rejected() -> None:
    with pytest.raises(InvalidContent, match="non-blocking") as caught:
        list(iter_chunks(NoneReader(), path="x"))
    assert caught.value.path == "x"


@pytest.mark.spec("STREAM-008")
def test_stream_returning_text_is_rejected() -> None:
    with pytest.raises(InvalidContent, match="returned str"):
        list(iter_chunks(StrReader()))  # type: ignore[arg-type]


# -- through a Store ----------------------------------------------------------------------------


@pytest.mark.spec("STREAM-001", "STREAM-002", "STREAM-003")
@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "BytesIO", "short", "pipe"])
def test_store_writes_every_kind_of_content(kind: str) -> None:
    pipe = PipeReader(DATA) if kind == "pipe" else None
    content: object = {
        "bytes": DATA,
        "bytearray": bytearray(DATA),
        "memoryview": memoryview(DATA),
        "BytesIO": io.BytesIO(DATA),
        "short": ShortReader(DATA, most=1000),
        "pipe": pipe.stream if pipe else None,
    }[kind]
    try:
        with Store(MemoryBackend(), "root") as store:
            store.write("f.bin", content)  # type: ignore[arg-type]
            store.write_atomic("g.bin", DATA)
            assert store.read_bytes("f.bin") == DATA == store.read_bytes("g.bin")
    finally:
        if pipe is not None:
            pipe.close()


@pytest.mark.spec("STORE-008")
def test_store_rejects_text_content() -> None:
    with Store(MemoryBackend()) as store:
        with pytest.raises(InvalidContent) as caught:
            store.write("a.txt", io.StringIO("text"))  # type: ignore[arg-type]
        assert caught.value.path == "a.txt"
        assert not store.exists("a.txt")


class SizeRecorder:
    """A minimal stream (only ``read``) that records the size of every read asked of it."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)
        self.sizes: list[object] = []
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        self.sizes.append(size)
        return self._stream.read(size)


@pytest.mark.spec("STREAM-005")
def test_streams_are_read_with_explicit_bounded_sizes() -> None:
    recorder = SizeRecorder(DATA * 3)
    assert b"".join(bytes(c) for c in iter_chunks(recorder)) == DATA * 3
    assert recorder.sizes and all(isinstance(s, int) and 1 <= s <= 64 << 20 for s in recorder.sizes)
    recorder = SizeRecorder(DATA)
    with Store(MemoryBackend()) as store:
        store.write("a.bin", recorder)
        assert store.read_bytes("a.bin") == DATA
    assert all(isinstance(s, int) and 1 <= s <= 64 << 20 for s in recorder.sizes)


@pytest.mark.spec("STREAM-001")
def test_store_writes_raw_bytes_of_wide_and_sliced_views() -> None:
    numbers = array.array("I", range(10_000))
    with Store(MemoryBackend()) as store:
        store.write("wide.bin", memoryview(numbers))
        store.write("sliced.bin", memoryview(DATA)[10:-10])
        store.write("strided.bin", memoryview(DATA)[::7])
        assert store.read_bytes("wide.bin") == numbers.tobytes()
        assert store.read_bytes("sliced.bin") == DATA[10:-10]
        assert store.read_bytes("strided.bin") == DATA[::7]


@pytest.mark.spec("STREAM-003")
def test_store_writes_a_stream_that_returns_one_byte_at_a_time() -> None:
    with Store(MemoryBackend()) as store:
        store.write("one.bin", ShortReader(DATA[:3000], most=1))
        assert store.read_bytes("one.bin") == DATA[:3000]


@pytest.mark.spec("STREAM-006", "STREAM-007")
def test_store_leaves_the_stream_open_and_writes_empty_files() -> None:
    stream = io.BytesIO(DATA)
    with Store(MemoryBackend()) as store:
        store.write("a.bin", stream)
        assert not stream.closed and stream.read(1) == b""
        store.write("empty.bin", b"")
        store.write("empty-stream.bin", io.BytesIO())
        for name in ("empty.bin", "empty-stream.bin"):
            assert store.read_bytes(name) == b""
            assert store.get_file_info(name).size == 0


@pytest.mark.spec("STREAM-008")
def test_store_write_of_a_failing_stream_creates_nothing() -> None:
    dropped = ConnectionResetError("connection dropped")

    class Failing:
        def __init__(self) -> None:
            self.calls = 0

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise dropped
            return b"x" * 10

    def chain(error: BaseException | None) -> Iterator[BaseException]:
        while error is not None:
            yield error
            error = error.__cause__ or error.__context__

    with Store(MemoryBackend()) as store:
        store.write("kept.bin", b"old")
        with pytest.raises(InvalidContent):
            store.write("text.bin", StrReader())  # type: ignore[arg-type]
        for path, overwrite in (("new.bin", False), ("kept.bin", True)):
            # The stream's own error, or ours with it in the chain.
            with pytest.raises(Exception) as caught:
                store.write(path, Failing(), overwrite=overwrite)
            assert dropped in chain(caught.value)
        assert not store.exists("text.bin") and not store.exists("new.bin")
        assert store.read_bytes("kept.bin") == b"old"
