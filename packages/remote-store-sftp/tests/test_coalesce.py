"""Packets of one pass of the event loop leave in one write (SFTP-022)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from remote_store.backends.sftp import SFTPBackend
from remote_store.backends.sftp._coalesce import CoalescingTransport, coalesce_writes


class Recorder:
    """A stand-in asyncio transport that records what it is asked to do."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.closing = False

    def writelines(self, lines: Any) -> None:
        self.calls.append(("writelines", list(lines)))

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.calls.append(("close", None))

    def abort(self) -> None:
        self.calls.append(("abort", None))

    def get_extra_info(self, name: str) -> str:
        return f"info {name}"


@pytest.mark.spec("SFTP-022")
def test_sftp_022_writes_of_one_pass_leave_together_in_order() -> None:
    async def run() -> list[tuple[str, Any]]:
        recorder = Recorder()
        transport = CoalescingTransport(recorder, asyncio.get_running_loop())
        transport.write(b"a")
        transport.writelines([b"b", b"c"])
        assert recorder.calls == []  # nothing before the pass ends
        await asyncio.sleep(0)
        transport.write(b"d")
        await asyncio.sleep(0)
        transport.write(b"kept")
        transport.close()  # sends what is kept first
        transport.write(b"dropped")
        transport.abort()
        await asyncio.sleep(0)
        assert transport.get_extra_info("socket") == "info socket"  # the rest goes through
        return recorder.calls

    assert asyncio.run(run()) == [
        ("writelines", [b"a", b"b", b"c"]),
        ("writelines", [b"d"]),
        ("writelines", [b"kept"]),
        ("close", None),
        ("abort", None),
    ]


@pytest.mark.spec("SFTP-022")
def test_sftp_022_nothing_is_written_to_a_closing_transport() -> None:
    async def run() -> list[tuple[str, Any]]:
        recorder = Recorder()
        transport = CoalescingTransport(recorder, asyncio.get_running_loop())
        transport.write(b"late")
        recorder.closing = True
        await asyncio.sleep(0)
        return recorder.calls

    assert asyncio.run(run()) == []

    class NoTransport:
        pass

    assert coalesce_writes(NoTransport()) is False


@pytest.mark.spec("SFTP-022")
def test_sftp_022_a_small_create_is_three_socket_writes(backend: SFTPBackend, server_root: Path) -> None:
    backend.write("d/first.txt", b"1")  # connected, the folder known
    connection = backend._pool._connections[0].connection
    coalescing = connection._transport
    assert isinstance(coalescing, CoalescingTransport)
    writes: list[int] = []
    inner = coalescing._transport
    original = inner.writelines

    def counting(lines: Any) -> None:
        packets = list(lines)
        writes.append(len(packets))
        original(packets)

    inner.writelines = counting
    try:
        backend.write("d/second.txt", b"x" * 1024)
    finally:
        del inner.writelines
    # 7 requests, each an SSH packet after an ignore packet: 14 packets in 3 writes.
    assert len(writes) == 3 and sum(writes) == 14
    assert (server_root / "d" / "second.txt").read_bytes() == b"x" * 1024
