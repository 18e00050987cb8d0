"""Writes: race-free creates, block uploads in bounded memory, nothing visible after a failure
(AZURE-009 to AZURE-013)."""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from _azure_helpers import MIB, GeneratedStream, RequestLog, sha256
from azure.storage.blob import ContainerClient

from remote_store import AlreadyExists, RemoteStoreError
from remote_store.backends.azure import AzureBackend, _upload

CREATORS = 20


def _race(backend: AzureBackend, size: int) -> tuple[list[int], list[BaseException]]:
    start = threading.Barrier(CREATORS)
    winners: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def create(index: int) -> None:
        content = bytes([index]) * size
        start.wait()
        try:
            backend.write("race.bin", content)
        except BaseException as error:  # noqa: BLE001 - every outcome is collected
            with lock:
                errors.append(error)
            return
        with lock:
            winners.append(index)

    threads = [threading.Thread(target=create, args=(index,)) for index in range(CREATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return winners, errors


@pytest.mark.spec("AZURE-009")
@pytest.mark.parametrize("size", [64 * 1024, 3 * 256 * 1024 + 5], ids=["one-put-blob", "blocks"])
def test_twenty_creators_one_winner(
    make_backend: Callable[..., AzureBackend], container: ContainerClient, size: int
) -> None:
    backend = make_backend(max_single_put_size=256 * 1024, max_block_size=256 * 1024, max_concurrency=2)
    winners, errors = _race(backend, size)
    assert len(winners) == 1, (winners, errors)
    assert len(errors) == CREATORS - 1
    assert all(isinstance(error, AlreadyExists) for error in errors), errors
    assert container.download_blob("race.bin").readall() == bytes([winners[0]]) * size


@pytest.mark.spec("AZURE-010")
@pytest.mark.parametrize("kind", ["bytes", "stream"])
def test_blocks_are_exactly_the_block_size_in_order(
    make_backend: Callable[..., AzureBackend], container: ContainerClient, kind: str
) -> None:
    backend = make_backend(max_single_put_size=MIB, max_block_size=300 * 1024, max_concurrency=3)
    stream = GeneratedStream(2 * MIB + 7, max_chunk=100 * 1024 + 3)
    data = stream.read(2 * MIB + 7) if kind == "bytes" else None
    while data is not None and len(data) < 2 * MIB + 7:
        data += stream.read(2 * MIB + 7 - len(data))
    log = RequestLog(backend)
    if data is not None:
        backend.write("f.bin", data)
        expected = sha256(data)
    else:
        backend.write("f.bin", stream)
        expected = stream.digest
    sizes = [int(headers["content-length"]) for kind_, _, headers in log.requests if kind_ == "PUT block"]
    assert sizes == [300 * 1024] * 6 + [2 * MIB + 7 - 6 * 300 * 1024]
    assert sha256(container.download_blob("f.bin").readall()) == expected
    blocks = container.get_blob_client("f.bin").get_block_list()[0]
    assert len({block.id for block in blocks}) == 7 and len({len(block.id) for block in blocks}) == 1


@pytest.mark.spec("AZURE-010")
def test_a_streamed_write_holds_bounded_memory(make_backend: Callable[..., AzureBackend]) -> None:
    backend = make_backend(max_single_put_size=MIB, max_block_size=MIB, max_concurrency=2)
    backend.write("warm.bin", b"x")  # the client and its pool exist before measuring
    tracemalloc.start()
    try:
        backend.write("big.bin", GeneratedStream(48 * MIB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MIB + 8 * MIB, f"peak {peak / MIB:.1f} MiB"
    assert backend.get_file_info("big.bin").size == 48 * MIB


@pytest.mark.spec("AZURE-010")
@pytest.mark.parametrize("concurrency", [1, 3])
def test_at_most_max_concurrency_blocks_are_in_flight(
    make_backend: Callable[..., AzureBackend], monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    backend = make_backend(
        max_single_put_size=256 * 1024, max_block_size=256 * 1024, max_concurrency=concurrency
    )
    requests = backend._requests
    put_block = requests.put_block
    lock = threading.Lock()
    in_flight = 0
    most = 0

    def counting(*args: Any, **kwargs: Any) -> None:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        try:
            time.sleep(0.2)  # long enough for every block the backend would start to overlap
            put_block(*args, **kwargs)
        finally:
            with lock:
                in_flight -= 1

    monkeypatch.setattr(requests, "put_block", counting)
    backend.write("f.bin", GeneratedStream(12 * 256 * 1024))
    assert most == concurrency  # never more; and as many as allowed, so blocks do overlap
    assert backend.get_file_info("f.bin").size == 12 * 256 * 1024


@pytest.mark.spec("AZURE-011")
@pytest.mark.parametrize("overwrite", [False, True])
def test_a_failing_stream_leaves_nothing(
    make_backend: Callable[..., AzureBackend], container: ContainerClient, overwrite: bool
) -> None:
    backend = make_backend(max_single_put_size=256 * 1024, max_block_size=256 * 1024)
    if overwrite:
        container.upload_blob("f.bin", b"old")
    with pytest.raises(OSError, match="the source failed"):
        backend.write("f.bin", GeneratedStream(2 * MIB, fail_at=MIB), overwrite=overwrite)
    if overwrite:
        assert container.download_blob("f.bin").readall() == b"old"
    else:
        assert not backend.is_file("f.bin")
    assert [blob.name for blob in container.list_blobs()] == (["f.bin"] if overwrite else [])


@pytest.mark.spec("AZURE-011")
def test_a_failing_block_leaves_nothing(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    backend = make_backend(max_single_put_size=256 * 1024, max_block_size=256 * 1024)
    seen = [0]

    def fail_third_block(request: object) -> None:
        if "comp=block&" in request.http_request.url:  # type: ignore[attr-defined]
            seen[0] += 1
            if seen[0] == 3:
                raise ConnectionAbortedError("block refused")

    backend._requests.observers.append(fail_third_block)
    with pytest.raises(RemoteStoreError) as caught:
        backend.write("f.bin", GeneratedStream(2 * MIB))
    assert isinstance(caught.value.__cause__, ConnectionAbortedError)
    assert not backend.is_file("f.bin") and list(backend.list_files("", recursive=True)) == []


@pytest.mark.spec("AZURE-012")
def test_at_most_fifty_thousand_blocks(
    make_backend: Callable[..., AzureBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_upload, "MAX_BLOCKS", 3)
    backend = make_backend(max_single_put_size=64 * 1024, max_block_size=64 * 1024)
    log = RequestLog(backend)
    with pytest.raises(RemoteStoreError, match="max_block_size"):
        backend.write("f.bin", GeneratedStream(4 * 64 * 1024))
    assert "PUT blocklist" not in log.kinds
    backend.write("g.bin", GeneratedStream(3 * 64 * 1024))
    assert backend.get_file_info("g.bin").size == 3 * 64 * 1024


@pytest.mark.spec("AZURE-013")
def test_write_atomic_sends_what_write_sends(make_backend: Callable[..., AzureBackend]) -> None:
    backend = make_backend(max_single_put_size=256 * 1024, max_block_size=256 * 1024)
    log = RequestLog(backend)
    backend.write("a", GeneratedStream(600 * 1024))
    backend.write("b", b"small")
    written = log.kinds
    log.clear()
    backend.write_atomic("c", GeneratedStream(600 * 1024))
    backend.write_atomic("d", b"small")
    assert log.kinds == written
    with pytest.raises(AlreadyExists):
        backend.write_atomic("d", b"again")
    backend.write_atomic("d", b"again", overwrite=True)
    assert backend.read_bytes("d") == b"again"
