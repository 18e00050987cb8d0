"""Reads in ranged GETs pinned to the blob's ETag (AZURE-014)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import pytest
from _azure_helpers import MIB, RequestLog
from azure.storage.blob import ContainerClient

from remote_store import BackendUnavailable, NotFound
from remote_store.backends.azure import AzureBackend

OLD = bytes(range(256)) * 4096  # 1 MiB


@pytest.mark.spec("AZURE-014")
def test_a_blob_replaced_during_a_read_fails_it(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    backend = make_backend(max_chunk_get_size=256 * 1024)
    container.upload_blob("f", OLD)
    with backend.read("f") as stream:
        head = stream.read(1000)
        container.upload_blob("f", b"n" * len(OLD), overwrite=True)
        with pytest.raises(BackendUnavailable, match="changed while it was read") as caught:
            while stream.read(64 * 1024):
                pass
    assert head == OLD[:1000]
    assert caught.value.operation == "read" and caught.value.path == "f"
    assert caught.value.__cause__ is not None


@pytest.mark.spec("AZURE-014")
def test_a_blob_deleted_during_a_read_is_not_found(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    backend = make_backend(max_chunk_get_size=256 * 1024)
    container.upload_blob("f", OLD)
    with backend.read("f") as stream:
        stream.read(10)
        container.delete_blob("f")
        # Azure answers the pinned GET of a deleted blob 404; Azurite answers it 412.
        with pytest.raises((NotFound, BackendUnavailable)) as caught:
            stream.read()
    assert isinstance(caught.value, NotFound) or "changed while it was read" in caught.value.message


@pytest.mark.spec("AZURE-014")
def test_a_read_holds_one_window(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    backend = make_backend(max_chunk_get_size=MIB, max_concurrency=2)
    container.upload_blob("big", OLD * 24)
    total = 0
    tracemalloc.start()
    try:
        with backend.read("big") as stream:
            while chunk := stream.read(64 * 1024):
                total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 24 * MIB
    # A 1 MiB read-ahead window plus the SDK's transient buffers of its answers (12.4 MiB here).
    assert peak < 16 * MIB, f"peak {peak / MIB:.1f} MiB"


@pytest.mark.spec("AZURE-014")
def test_a_read_fetches_one_chunk_when_it_reaches_it(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    backend = make_backend(max_chunk_get_size=MIB, max_concurrency=4)
    container.upload_blob("big", OLD * 6)
    log = RequestLog(backend)
    with backend.read("big") as stream:
        assert stream.read(64 * 1024) == OLD[: 64 * 1024]
        assert log.kinds == ["GET"]
        stream.seek(MIB - 10)
        assert stream.read(20) == (OLD * 2)[MIB - 10 : MIB + 10]
        assert log.kinds == ["GET"] * 2
        ranges = [headers.get("x-ms-range") for headers in log.headers_of("GET")]
        assert ranges == [f"bytes=0-{MIB - 1}", f"bytes={MIB}-{2 * MIB - 1}"]
        # Reading on into the third chunk fetches it alone, not max_concurrency chunks ahead.
        assert all(stream.read(256 * 1024) for _ in range(4)) and len(log.kinds) == 3


@pytest.mark.spec("AZURE-014")
def test_streams_behave_as_files(backend: AzureBackend, container: ContainerClient) -> None:
    container.upload_blob("lines", b"one\ntwo\nthree\n")
    with backend.read("lines") as stream:
        assert stream.readable() and stream.seekable()
        assert stream.readline() == b"one\n"
        buffer = bytearray(4)
        assert stream.readinto(buffer) == 4 and bytes(buffer) == b"two\n"
        assert list(stream) == [b"three\n"]
    with pytest.raises(ValueError):
        stream.read()
    for missing in ("nothing", "", "folder"):
        container.upload_blob("folder/x", b"1", overwrite=True)
        with pytest.raises(NotFound):
            backend.read(missing)
