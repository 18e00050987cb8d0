"""AsyncReader read-ahead: bounded, stopped by close, errors at the read that reaches them, seeks."""

from __future__ import annotations

import asyncio
import io
import threading
from typing import BinaryIO

import pytest

from remote_store import NotFound
from remote_store.aio import AsyncStore
from remote_store.backends.memory import MemoryBackend

DATA = bytes(range(100))
CHUNK = 10


class Counting(io.BytesIO):
    """A sync stream counting its reads; reads after the first ``free_reads`` wait for ``gate``;
    read number ``fail_at`` fails."""

    def __init__(
        self,
        data: bytes,
        gate: threading.Event | None = None,
        free_reads: int = 0,
        fail_at: int | None = None,
    ) -> None:
        super().__init__(data)
        self.free_reads = free_reads
        self.reads = 0
        self.failed = threading.Event()
        self.gate = gate
        self.fail_at = fail_at
        self.entered = threading.Event()

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        if self.reads > self.free_reads:
            self.entered.set()
        if self.gate is not None and self.reads > self.free_reads:
            self.gate.wait(5)
        if self.fail_at is not None and self.reads == self.fail_at:
            self.failed.set()
            raise NotFound("the file went away", path="f", operation="read", backend="memory")
        return super().read(size)


class Backend(MemoryBackend):
    def __init__(self, **options: object) -> None:
        super().__init__()
        self.streams: list[Counting] = []
        self._options = options

    def read(self, path: str) -> BinaryIO:
        stream = Counting(self.read_bytes(path), **self._options)  # type: ignore[arg-type]
        self.streams.append(stream)
        return stream


async def _until(condition: object, what: str) -> None:
    for _ in range(500):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.002)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.mark.spec("AIO-016")
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_a_reader_reads_at_most_read_ahead_chunks_ahead(depth: int) -> None:
    async def scenario() -> None:
        backend = Backend()
        async with AsyncStore(backend, chunk_size=CHUNK, read_ahead=depth) as store:
            await store.write("f", DATA)
            async with await store.read("f") as reader:
                stream = backend.streams[0]
                taken = b""
                for step in range(1, 5):
                    taken += await reader.read(CHUNK)
                    # Give the workers every chance to run past the bound.
                    for _ in range(20):
                        await asyncio.sleep(0.002)
                    assert stream.reads == step + depth, f"after {step} chunks taken"
                assert taken == DATA[: 4 * CHUNK]
                taken += b"".join([chunk async for chunk in reader])
                assert taken == DATA

    asyncio.run(scenario())


@pytest.mark.spec("AIO-016")
def test_closing_a_reader_stops_the_read_ahead_and_waits_for_its_worker() -> None:
    gate = threading.Event()

    async def scenario() -> None:
        backend = Backend(gate=gate, free_reads=1)
        store = AsyncStore(backend, chunk_size=CHUNK, read_ahead=3)
        await store.write("f", DATA)
        before = threading.active_count()
        reader = await store.read("f")
        stream = backend.streams[0]
        assert await reader.read(CHUNK) == DATA[:CHUNK]
        await _until(lambda: stream.reads == 2 and stream.entered.is_set(), "the read-ahead is running")
        closing = asyncio.ensure_future(reader.close())
        await asyncio.sleep(0.02)
        assert not closing.done(), "close returned while the worker was still reading"
        gate.set()
        await closing
        assert reader.closed and stream.closed
        await asyncio.sleep(0.02)
        assert stream.reads == 2, "the read-ahead went on after close"
        with pytest.raises(ValueError, match="closed"):
            await reader.read(1)
        await store.close()
        await _until(lambda: threading.active_count() <= before, "the workers end")

    asyncio.run(scenario())


@pytest.mark.spec("AIO-016")
@pytest.mark.spec("AIO-011")
def test_a_cancelled_read_waiting_for_the_read_ahead_closes_the_stream() -> None:
    gate = threading.Event()

    async def scenario() -> None:
        backend = Backend(gate=gate)
        async with AsyncStore(backend, chunk_size=CHUNK) as store:
            await store.write("f", DATA)
            reader = await store.read("f")
            task = asyncio.ensure_future(reader.read(CHUNK))
            await _until(backend.streams[0].entered.is_set, "the worker reads")
            task.cancel()
            await asyncio.sleep(0.02)
            assert not task.done(), "the cancelled read returned before its worker ended"
            gate.set()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert reader.closed and backend.streams[0].closed

    asyncio.run(scenario())


@pytest.mark.spec("AIO-016")
def test_an_error_read_ahead_is_raised_by_the_read_that_reaches_it() -> None:
    async def scenario() -> None:
        backend = Backend(fail_at=3)
        async with AsyncStore(backend, chunk_size=CHUNK, read_ahead=3) as store:
            await store.write("f", DATA)
            async with await store.read("f") as reader:
                assert await reader.read(CHUNK) == DATA[:CHUNK]
                stream = backend.streams[0]
                await _until(stream.failed.is_set, "the read-ahead meets the error")
                assert await reader.read(CHUNK) == DATA[CHUNK : 2 * CHUNK]
                with pytest.raises(NotFound) as caught:
                    await reader.read(CHUNK)
                assert caught.value.path == "f"
                # As with the sync stream, the next read reads on from where the stream is.
                assert await reader.read(CHUNK) == DATA[2 * CHUNK : 3 * CHUNK]

    asyncio.run(scenario())


@pytest.mark.spec("AIO-016")
def test_read_rest_lines_buffers_tell_and_seek_see_the_bytes_read_ahead() -> None:
    text = b"".join(b"line %02d\n" % i for i in range(20))

    async def scenario() -> None:
        backend = Backend()
        async with AsyncStore(backend, chunk_size=CHUNK, read_ahead=2) as store:
            await store.write("f", text)
            async with await store.read("f") as reader:
                assert await reader.read(3) == text[:3]
                await _until(lambda: backend.streams[0].reads == 2, "the read-ahead runs")
                assert await reader.tell() == 3
                assert await reader.readline() == text[3:8]
                buffer = bytearray(4)
                assert await reader.readinto(buffer) == 4 and bytes(buffer) == text[8:12]
                assert await reader.read(2) == text[12:14]
                assert await reader.seek(2, io.SEEK_CUR) == 16
                assert await reader.read(8) == text[16:24]
                assert await reader.seek(-8, io.SEEK_END) == len(text) - 8
                assert await reader.readline() == text[-8:]
                assert await reader.readline() == b""
                await reader.seek(0)
                assert await reader.read(1) == text[:1]
                assert await reader.read() == text[1:]
                assert await reader.read(0) == b""

    asyncio.run(scenario())


@pytest.mark.spec("AIO-016")
@pytest.mark.parametrize("bad", [-1, True, 1.5, "2"])
def test_read_ahead_must_be_an_int_of_zero_or_more(bad: object) -> None:
    with pytest.raises(ValueError, match="read_ahead"):
        AsyncStore(MemoryBackend(), read_ahead=bad)  # type: ignore[arg-type]


@pytest.mark.spec("AIO-006", "AIO-016")
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_read_n_gives_n_bytes_whatever_was_read_ahead(depth: int) -> None:
    # Reads past the first wait at the gate: read(n) spanning chunks must wait for them, not
    # return what happened to be read ahead (so its result does not depend on timing).
    gate = threading.Event()

    async def scenario() -> None:
        backend = Backend(gate=gate, free_reads=1)
        async with AsyncStore(backend, chunk_size=CHUNK, read_ahead=depth) as store:
            await store.write("f", DATA)
            async with await store.read("f") as reader:
                pending = asyncio.ensure_future(reader.read(CHUNK + 5))
                await _until(backend.streams[0].entered.is_set, "the second chunk is asked for")
                assert not pending.done()
                gate.set()
                assert await pending == DATA[: CHUNK + 5]
                assert await reader.read(3 * CHUNK) == DATA[CHUNK + 5 : 4 * CHUNK + 5]

    asyncio.run(scenario())


@pytest.mark.spec("AIO-016")
def test_read_n_returns_the_bytes_before_an_error_and_the_next_read_raises_it() -> None:
    async def scenario() -> None:
        backend = Backend(fail_at=3)
        async with AsyncStore(backend, chunk_size=CHUNK, read_ahead=1) as store:
            await store.write("f", DATA)
            async with await store.read("f") as reader:
                assert await reader.read(5 * CHUNK) == DATA[: 2 * CHUNK]
                with pytest.raises(NotFound):
                    await reader.read(CHUNK)

    asyncio.run(scenario())
