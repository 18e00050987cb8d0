"""Random access: seeking streams and ``read_range`` in ranged GETs pinned to the ETag (AZURE-027, -028)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from _azure_helpers import MIB, RequestLog
from azure.storage.blob import ContainerClient

from remote_store import BackendUnavailable, NotFound, Store
from remote_store.backends.azure import AzureBackend
from remote_store_conformance.parquet import COLUMNS, parquet_file, require_pyarrow

INSTALL = "pip install -e 'packages/remote-store-azure[test]'"

DATA = bytes(range(256)) * (16 * 4096)  # 16 MiB
_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def _ranges(log: RequestLog) -> list[tuple[int, int]]:
    """The byte ranges of the Get Blobs sent, as (first, last)."""
    found = []
    for kind, _, headers in log.requests:
        if kind == "GET":
            match = _RANGE.fullmatch(headers.get("x-ms-range") or headers.get("range") or "")
            assert match is not None, headers
            found.append((int(match[1]), int(match[2])))
    return found


@pytest.mark.spec("AZURE-027", "STREAM-012")
def test_one_parquet_column_fetches_a_fraction_of_the_file(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    parquet = require_pyarrow(INSTALL)
    data = parquet_file(install_hint=INSTALL)
    assert len(data) >= 64 * MIB
    container.upload_blob("table.parquet", data, max_concurrency=4)
    whole = parquet.read_table(io.BytesIO(data)).select(["c3"])
    backend = make_backend()
    log = RequestLog(backend)
    with Store(backend, owns_backend=False) as store, store.read("table.parquet") as stream:
        column = parquet.read_table(stream, columns=["c3"])
    ranges = _ranges(log)
    fetched = sum(last - first + 1 for first, last in ranges)
    fraction = fetched / len(data)
    print(
        f"azure: one of {COLUMNS} columns of a {len(data) / MIB:.1f} MiB file: {fetched:,} bytes "
        f"asked ({fraction:.1%}) in {len(ranges)} Get Blob requests"
    )
    assert column.equals(whole)
    assert fraction < 0.25, f"reading one column fetched {fraction:.1%} of the file"
    assert all(headers.get("if-match") for _, _, headers in log.requests[1:])


@pytest.mark.spec("AZURE-027")
def test_reads_at_a_few_positions_fetch_only_those(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    container.upload_blob("big", DATA)
    backend = make_backend(max_chunk_get_size=2 * MIB)
    log = RequestLog(backend)
    with backend.read("big") as stream:
        assert stream.read(4) == DATA[:4]
        for position in (15 * MIB, 3 * MIB + 5, 9 * MIB):
            stream.seek(position)
            assert stream.read(100) == DATA[position : position + 100]
        stream.seek(-10, io.SEEK_END)
        assert stream.read() == DATA[-10:]
    ranges = _ranges(log)
    # The opening GET (one chunk) and one small ranged GET per position away from it.
    assert len(ranges) == 5, ranges
    assert ranges[0] == (0, 2 * MIB - 1)
    fetched = sum(last - first + 1 for first, last in ranges[1:])
    assert fetched <= 4 * (100 + 64 * 1024), ranges
    assert all(headers.get("if-match") for _, _, headers in log.requests[1:])


@pytest.mark.spec("AZURE-027")
def test_a_short_seek_ahead_reads_on_in_order(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    container.upload_blob("big", DATA)
    backend = make_backend(max_chunk_get_size=MIB, max_concurrency=1)
    log = RequestLog(backend)
    with backend.read("big") as stream:
        stream.seek(100)
        assert stream.read(10) == DATA[100:110]
        stream.seek(MIB + 200 * 1024)  # 200 KiB past the first chunk: read on through the next one
        assert stream.read(10) == DATA[MIB + 200 * 1024 : MIB + 200 * 1024 + 10]
        stream.seek(50)  # behind: a ranged GET
        assert stream.read(10) == DATA[50:60]
        stream.seek(60)
        assert stream.read(5) == DATA[60:65]  # held by the last ranged answer: no request
    ranges = _ranges(log)
    # In order: the downloader's chunks one after the other (its window refilled after the skip).
    assert ranges[:-1] == [(n * MIB, (n + 1) * MIB - 1) for n in range(len(ranges) - 1)]
    assert 2 <= len(ranges) - 1 <= 3
    assert ranges[-1] == (50, 50 + 10 + 64 * 1024 - 1)


@pytest.mark.spec("AZURE-027")
def test_readahead_grows_while_reads_go_on_in_order(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    container.upload_blob("big", DATA)
    backend = make_backend()
    log = RequestLog(backend)
    with backend.read("big") as stream:
        stream.seek(8 * MIB)
        got = b"".join(stream.read(256 * 1024) for _ in range(8))
    assert got == DATA[8 * MIB : 10 * MIB]
    sizes = [last - first + 1 for first, last in _ranges(log)[1:]]
    assert sizes == sorted(sizes) and len(sizes) < 8, sizes


@pytest.mark.spec("AZURE-027")
def test_a_blob_replaced_before_a_ranged_read_fails_it(
    make_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    container.upload_blob("f", DATA)
    backend = make_backend()
    with backend.read("f") as stream:
        assert stream.read(3) == DATA[:3]
        container.upload_blob("f", b"n" * len(DATA), overwrite=True)
        stream.seek(10 * MIB)
        with pytest.raises(BackendUnavailable, match="changed while it was read") as caught:
            stream.read(10)
        assert caught.value.operation == "read" and caught.value.path == "f"
        assert caught.value.__cause__ is not None
        stream.seek(0)
        with pytest.raises(BackendUnavailable):  # the stream stays broken
            stream.read(1)


@pytest.mark.spec("AZURE-027")
def test_seek_refuses_a_negative_position_and_keeps_the_old(
    backend: AzureBackend, container: ContainerClient
) -> None:
    container.upload_blob("f", b"0123456789")
    with backend.read("f") as stream:
        assert stream.seek(4) == 4
        with pytest.raises(ValueError):
            stream.seek(-5, io.SEEK_CUR)
        with pytest.raises(ValueError):
            stream.seek(0, 7)
        assert stream.tell() == 4
        assert stream.read() == b"456789"
    with pytest.raises(ValueError):
        stream.seek(0)


@pytest.mark.spec("AZURE-028")
def test_read_range_is_one_ranged_get(backend: AzureBackend, container: ContainerClient) -> None:
    container.upload_blob("f", DATA[:1000])
    container.upload_blob("empty", b"")
    log = RequestLog(backend)
    assert backend.read_range("f", 10, 20) == DATA[10:20]
    assert _ranges(log) == [(10, 19)] and log.kinds == ["GET"]
    log.clear()
    assert backend.read_range("f", 990, 5000) == DATA[990:1000]
    assert backend.read_range("f", 1000, 1001) == b""  # Azure's 416 InvalidRange
    assert backend.read_range("empty", 0, 10) == b""
    assert log.kinds == ["GET", "GET", "GET"]
    log.clear()
    assert backend.read_range("f", 5, 5) == b""
    assert log.kinds == ["HEAD"]
    with pytest.raises(NotFound):
        backend.read_range("absent", 5, 5)
    with pytest.raises(NotFound):
        backend.read_range("absent", 0, 5)
