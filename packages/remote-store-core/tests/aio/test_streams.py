"""AsyncStore streams: async readers, async sources, bounded queues, failures and cancellation."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator
from typing import BinaryIO

import pytest

from remote_store import Capability, CapabilityNotSupported, CapabilitySet, InvalidContent
from remote_store.aio import AsyncStore
from remote_store.backends.memory import MemoryBackend

DATA = bytes(range(256)) * 40


class SourceBroken(Exception):
    pass


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        await asyncio.sleep(0)
        yield data[start : start + size]


class AsyncFile:
    """An object with a coroutine read(size), like aiofiles'."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)
        self.sizes: list[int] = []

    async def read(self, size: int = -1) -> bytes:
        self.sizes.append(size)
        return self._stream.read(size)


@pytest.mark.spec("AIO-006")
def test_reader_streams_and_closes() -> None:
    async def scenario() -> None:
        async with AsyncStore(MemoryBackend(), chunk_size=1000) as store:
            await store.write("f", DATA)
            async with await store.read("f") as reader:
                first = await reader.read(10)
                assert first == DATA[:10]
                chunks = [chunk async for chunk in reader]
                assert all(0 < len(chunk) <= 1000 for chunk in chunks)
                assert first + b"".join(chunks) == DATA
                assert await reader.read(5) == b""
            assert reader.closed
            with pytest.raises(ValueError, match="closed"):
                await reader.read(1)
            reader = await store.read("f")
            assert await reader.read() == DATA
            await reader.close()
            await reader.close()

    asyncio.run(scenario())


@pytest.mark.spec("AIO-007")
@pytest.mark.parametrize("kind", ["async-iterable", "async-read", "sync-stream", "bytes"])
def test_writes_take_async_sources(kind: str) -> None:
    async def scenario() -> None:
        async with AsyncStore(MemoryBackend(), chunk_size=777) as store:
            if kind == "async-iterable":
                content: object = _chunks(DATA, 333)
            elif kind == "async-read":
                content = AsyncFile(DATA)
            elif kind == "sync-stream":
                content = io.BytesIO(DATA)
            else:
                content = DATA
            await store.write("a/f", content)  # type: ignore[arg-type]
            await store.write_atomic("a/g", _chunks(DATA, 1000))
            assert await store.read_bytes("a/f") == DATA == await store.read_bytes("a/g")
            if isinstance(content, AsyncFile):
                assert set(content.sizes) == {777}

    asyncio.run(scenario())


@pytest.mark.spec("AIO-007")
def test_empty_chunks_are_skipped_and_non_bytes_refused() -> None:
    async def with_empty() -> AsyncIterator[bytes]:
        yield b""
        yield b"ab"
        yield b""
        yield b"c"

    async def with_text() -> AsyncIterator[object]:
        yield b"ab"
        yield "text"

    async def scenario() -> None:
        async with AsyncStore(MemoryBackend()) as store:
            await store.write("e", with_empty())
            assert await store.read_bytes("e") == b"abc"
            await store.write("empty", _chunks(b"", 1))
            assert await store.read_bytes("empty") == b""
            with pytest.raises(InvalidContent):
                await store.write("t", with_text())  # type: ignore[arg-type]
            assert not await store.exists("t")
            with pytest.raises(InvalidContent):
                await store.write("s", "text")  # type: ignore[arg-type]

    asyncio.run(scenario())


@pytest.mark.spec("AIO-008")
def test_an_async_source_is_held_at_most_queue_chunks_ahead() -> None:
    consumed = 0
    produced = 0
    ahead: list[int] = []
    gate = threading.Event()

    class Slow(MemoryBackend):
        def write(self, path: str, content, *, overwrite: bool = False) -> None:  # type: ignore[no-untyped-def]
            class Counted:
                def read(self, size: int = -1) -> bytes:
                    nonlocal consumed
                    gate.wait(1)
                    chunk = content.read(size)
                    consumed += 1
                    return chunk

            super().write(path, Counted(), overwrite=overwrite)

    async def source() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(40):
            ahead.append(produced - consumed)
            produced += 1
            yield b"x" * 100

    async def scenario() -> None:
        async with AsyncStore(Slow(), queue_chunks=3, chunk_size=100) as store:
            task = asyncio.ensure_future(store.write("f", source()))
            await asyncio.sleep(0.05)
            assert produced <= 3 + 1, "the source was read ahead of the queue"
            gate.set()
            await task
            assert await store.read_bytes("f") == b"x" * 4000

    asyncio.run(scenario())
    assert max(ahead) <= 3 + 1


@pytest.mark.spec("AIO-009")
def test_a_failing_async_source_aborts_the_write() -> None:
    async def failing() -> AsyncIterator[bytes]:
        yield b"new content " * 100
        raise SourceBroken("client went away")

    async def scenario() -> None:
        async with AsyncStore(MemoryBackend()) as store:
            await store.write("f", b"old")
            with pytest.raises(SourceBroken):
                await store.write("f", failing(), overwrite=True)
            assert await store.read_bytes("f") == b"old"
            with pytest.raises(SourceBroken):
                await store.write("g", failing())
            assert not await store.exists("g")

    asyncio.run(scenario())


@pytest.mark.spec("AIO-010")
def test_a_cancelled_sync_stream_write_stops_at_its_next_read() -> None:
    reads = 0
    started = threading.Event()

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
            nonlocal reads
            reads += 1
            started.set()
            threading.Event().wait(0.001)
            buffer[:1] = b"x"
            return 1

    async def scenario() -> None:
        async with AsyncStore(MemoryBackend()) as store:
            task = asyncio.ensure_future(store.write("f", Endless()))
            while not started.is_set():
                await asyncio.sleep(0.001)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            done = reads
            await asyncio.sleep(0.05)
            assert reads == done, "the write went on after the cancelled call returned"
            assert not await store.exists("f")

    asyncio.run(scenario())


@pytest.mark.spec("AIO-011")
def test_a_cancelled_read_closes_the_stream() -> None:
    streams: list[BinaryIO] = []
    release = threading.Event()
    entered = threading.Event()

    class Tracked(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            entered.set()
            release.wait(2)
            return super().read(size)

    class Backend(MemoryBackend):
        def read(self, path: str) -> BinaryIO:
            stream = Tracked(self.read_bytes(path))
            streams.append(stream)
            return stream

    async def scenario() -> None:
        async with AsyncStore(Backend()) as store:
            await store.write("f", b"content")
            reader = await store.read("f")
            task = asyncio.ensure_future(reader.read(3))
            while not entered.is_set():
                await asyncio.sleep(0.001)
            task.cancel()
            await asyncio.sleep(0.01)
            assert not task.done(), "the cancelled read returned before its worker ended"
            release.set()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert reader.closed and streams[0].closed

    asyncio.run(scenario())


@pytest.mark.spec("AIO-011")
def test_a_cancelled_open_closes_the_opened_stream() -> None:
    streams: list[BinaryIO] = []
    opening = threading.Event()
    release = threading.Event()

    class Backend(MemoryBackend):
        def read(self, path: str) -> BinaryIO:
            opening.set()
            release.wait(2)
            stream = io.BytesIO(b"x")
            streams.append(stream)
            return stream

    async def scenario() -> None:
        async with AsyncStore(Backend()) as store:
            await store.write("f", b"x")
            task = asyncio.ensure_future(store.read("f"))
            while not opening.is_set():
                await asyncio.sleep(0.001)
            task.cancel()
            release.set()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert streams and streams[0].closed

    asyncio.run(scenario())


@pytest.mark.spec("AIO-008", "AIO-003")
def test_a_write_refused_before_reading_stops_pulling_the_source() -> None:
    pulled = 0

    class ReadOnly(MemoryBackend):
        @property
        def capabilities(self) -> CapabilitySet:
            return CapabilitySet(c for c in Capability if c is not Capability.WRITE)

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            await asyncio.sleep(0)
            yield b"x" * 10

    async def scenario() -> None:
        async with AsyncStore(ReadOnly(), queue_chunks=2) as store:
            with pytest.raises(CapabilityNotSupported) as caught:
                await asyncio.wait_for(store.write("f", endless()), timeout=10)
            assert caught.value.operation == "write"

    asyncio.run(scenario())
    assert pulled <= 2 + 2, f"the source was pulled {pulled} times after the write was refused"


@pytest.mark.spec("AIO-007")
def test_a_reader_of_one_store_is_content_for_another() -> None:
    async def scenario() -> None:
        async with (
            AsyncStore(MemoryBackend(), chunk_size=1000) as source,
            AsyncStore(MemoryBackend()) as target,
        ):
            await source.write("big.bin", DATA)
            async with await source.read("big.bin") as reader:
                await target.write("copy.bin", reader)
            assert await target.read_bytes("copy.bin") == DATA

    asyncio.run(scenario())


@pytest.mark.spec("AIO-006")
def test_reader_reads_lines_and_into_buffers() -> None:
    async def scenario() -> None:
        async with AsyncStore(MemoryBackend()) as store:
            await store.write("f", b"one\ntwo\nthree")
            async with await store.read("f") as reader:
                assert await reader.readline() == b"one\n"
                buffer = bytearray(3)
                assert await reader.readinto(buffer) == 3 and bytes(buffer) == b"two"
                assert await reader.readline() == b"\n"
                assert await reader.readline() == b"three"
                assert await reader.readline() == b""

    asyncio.run(scenario())


@pytest.mark.spec("AIO-006")
def test_reader_seeks_where_the_stream_does() -> None:
    class Seekable(MemoryBackend):
        def read(self, path: str) -> BinaryIO:
            return io.BytesIO(self.read_bytes(path))

    class ForwardOnly(MemoryBackend):
        def read(self, path: str) -> BinaryIO:
            class Forward(io.RawIOBase):
                def __init__(self, data: bytes) -> None:
                    self._data = io.BytesIO(data)

                def readable(self) -> bool:
                    return True

                def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
                    return self._data.readinto(buffer)

            return io.BufferedReader(Forward(self.read_bytes(path)))  # type: ignore[return-value]

    async def scenario() -> None:
        async with AsyncStore(Seekable()) as store:
            await store.write("f", DATA)
            async with await store.read("f") as reader:
                assert reader.seekable()
                assert await reader.seek(100) == 100 and await reader.tell() == 100
                assert await reader.read(5) == DATA[100:105]
                assert await reader.seek(-5, io.SEEK_END) == len(DATA) - 5
                assert await reader.read() == DATA[-5:]
        async with AsyncStore(ForwardOnly()) as store:
            await store.write("f", DATA)
            async with await store.read("f") as reader:
                assert not reader.seekable()
                with pytest.raises(io.UnsupportedOperation):
                    await reader.seek(3)

    asyncio.run(scenario())
