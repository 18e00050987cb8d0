"""Random access on S3: seekable reads by ranged GETs pinned to one ETag, and read_range (S3-033, S3-034).

The Parquet proof is the one a user would run: ``pyarrow.parquet.read_table`` of one column of a
large Parquet file through ``store.read``, with the bytes the server sent counted on the wire (a
relay between the client and the server) and the requests by the client's request hook.
"""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from _s3_helpers import MIB, RequestLog
from _wire import ByteCountingRelay

from remote_store import BackendUnavailable, NotFound, Store
from remote_store.backend_tools import Operation, OperationContext
from remote_store.backends.s3 import S3Backend
from remote_store.backends.s3._ranged_reader import SeekableObjectReader
from remote_store.backends.s3._reader import CHANGED
from remote_store_conformance.parquet import COLUMNS, parquet_file, require_pyarrow

INSTALL = "pip install -e 'packages/remote-store-s3[test]'"


@pytest.mark.spec("S3-033", "STREAM-012")
def test_one_parquet_column_transfers_a_fraction_of_the_file(
    make_backend: Any, admin: Any, bucket: str, s3_server: Any
) -> None:
    parquet = require_pyarrow(INSTALL)
    data = parquet_file(install_hint=INSTALL)
    assert len(data) >= 64 * MIB
    admin.put_object(Bucket=bucket, Key="table.parquet", Body=data)
    whole = parquet.read_table(io.BytesIO(data)).select(["c3"])
    with ByteCountingRelay(s3_server.endpoint_url) as relay:
        backend = make_backend(endpoint_url=relay.url)
        log = RequestLog(backend)
        relay.reset()
        with Store(backend, owns_backend=False) as store, store.read("table.parquet") as stream:
            column = parquet.read_table(stream, columns=["c3"])
        sent = relay.received
    fraction = sent / len(data)
    gets = log.count("GetObject")
    print(
        f"s3 ({s3_server.name}): one of {COLUMNS} columns of a {len(data) / MIB:.1f} MiB file: "
        f"{sent:,} bytes on the wire ({fraction:.1%}) in {gets} GetObject requests"
    )
    assert column.equals(whole)
    assert fraction < 0.25, f"reading one column transferred {fraction:.1%} of the file"
    first, *ranged = log.headers_of("GetObject")
    assert "range" not in first, "the first GetObject is the plain one of read (S3-015)"
    assert ranged, "the column was read without a ranged GetObject"
    for headers in ranged:
        assert headers["range"].startswith("bytes=")
        assert headers["if-match"], "a ranged GetObject without If-Match"


@pytest.mark.spec("S3-033")
def test_reads_after_a_seek_are_ranged_gets_pinned_to_the_first_etag(
    backend: S3Backend, admin: Any, bucket: str
) -> None:
    data = os.urandom(3 * MIB + 11)
    etag = admin.put_object(Bucket=bucket, Key="f.bin", Body=data)["ETag"]
    log = RequestLog(backend)
    with backend.read("f.bin") as stream:
        assert stream.read(10) == data[:10]
        stream.seek(2 * MIB)
        assert stream.read(100) == data[2 * MIB : 2 * MIB + 100]
        assert stream.read(100) == data[2 * MIB + 100 : 2 * MIB + 200]  # from the block: no request
        stream.seek(5)
        assert stream.read(3) == data[5:8]
        stream.seek(-1, io.SEEK_END)
        assert stream.read() == data[-1:]
    assert log.operations == ["GetObject"] * 4  # no other request (a HeadObject per seek, say)
    first, *ranged = log.headers_of("GetObject")
    assert "range" not in first
    assert [headers["range"] for headers in ranged] == [
        f"bytes={2 * MIB}-{2 * MIB + 64 * 1024 - 1}",
        f"bytes=5-{5 + 64 * 1024 - 1}",
        f"bytes={len(data) - 1}-{len(data) - 1}",
    ]
    assert all(headers["if-match"].strip('"') == etag.strip('"') for headers in ranged)


@pytest.mark.spec("S3-033")
def test_reading_on_after_a_seek_grows_the_readahead(backend: S3Backend, admin: Any, bucket: str) -> None:
    data = os.urandom(4 * MIB)
    admin.put_object(Bucket=bucket, Key="f.bin", Body=data)
    log = RequestLog(backend)
    with backend.read("f.bin") as stream:
        stream.seek(MIB)
        got = bytearray()
        while len(got) < 2 * MIB:
            got += stream.read(16 * 1024)
    assert bytes(got) == data[MIB : 3 * MIB]
    # 64 KiB, 128 KiB, ... doubling: 2 MiB in order take about log2(2 MiB / 64 KiB) requests.
    assert log.count("GetObject") <= 1 + 7


@pytest.mark.spec("S3-033")
def test_a_small_seek_ahead_reads_on_through_the_body(backend: S3Backend, admin: Any, bucket: str) -> None:
    data = os.urandom(MIB)
    admin.put_object(Bucket=bucket, Key="f.bin", Body=data)
    log = RequestLog(backend)
    with backend.read("f.bin") as stream:
        stream.seek(100_000)
        assert stream.read(10) == data[100_000:100_010]
        assert stream.tell() == 100_010
        assert stream.read() == data[100_010:]
    assert log.operations == ["GetObject"]


@pytest.mark.spec("S3-033")
def test_an_object_replaced_mid_read_raises_instead_of_mixing_versions(
    backend: S3Backend, admin: Any, bucket: str
) -> None:
    old = os.urandom(2 * MIB)
    admin.put_object(Bucket=bucket, Key="f.bin", Body=old)
    with backend.read("f.bin") as stream:
        stream.seek(MIB)
        assert stream.read(10) == old[MIB : MIB + 10]
        admin.put_object(Bucket=bucket, Key="f.bin", Body=os.urandom(2 * MIB))
        stream.seek(0)
        with pytest.raises(BackendUnavailable) as caught:
            stream.read(10)
        assert caught.value.message == CHANGED
        assert caught.value.path == "f.bin" and caught.value.operation == "read"
        with pytest.raises(BackendUnavailable):
            stream.read(10)  # the stream stays broken


@pytest.mark.spec("S3-033")
def test_an_object_deleted_mid_read_raises_not_found(backend: S3Backend, admin: Any, bucket: str) -> None:
    admin.put_object(Bucket=bucket, Key="f.bin", Body=os.urandom(MIB))
    with backend.read("f.bin") as stream:
        admin.delete_object(Bucket=bucket, Key="f.bin")
        stream.seek(500_000)
        with pytest.raises((NotFound, BackendUnavailable)):
            stream.read(10)


def _reader(data: bytes, fetch_range: Any, *, etag: str | None = '"v1"') -> SeekableObjectReader:
    response: dict[str, Any] = {"Body": io.BytesIO(data), "ContentLength": len(data)}
    if etag is not None:
        response["ETag"] = etag
    context = OperationContext(Operation.READ, "s3", "k.bin")
    return SeekableObjectReader(
        response,
        context=context,
        fetch=lambda offset, tag: pytest.fail("no resume expected"),
        fetch_range=fetch_range,
        map_failure=lambda error: context.error(BackendUnavailable, str(error)),
        resumes=2,
    )


@pytest.mark.spec("S3-033")
@pytest.mark.parametrize(
    ("answer_etag", "content_range"),
    [('"v2"', "bytes 10-19/100"), ('"v1"', None), ('"v1"', "bytes 0-99/100"), ('"v1"', "bytes 10-19/120")],
    ids=["another-etag", "range-ignored", "whole-object", "another-size"],
)
def test_an_answer_that_is_not_the_range_of_the_version_first_read_is_refused(
    answer_etag: str, content_range: str | None
) -> None:
    data = os.urandom(100)

    def fetch_range(first: int, last: int, etag: str) -> dict[str, Any]:
        assert (first, last, etag) == (10, 99, '"v1"')
        answer: dict[str, Any] = {"Body": io.BytesIO(data[first : last + 1]), "ETag": answer_etag}
        if content_range is not None:
            answer["ContentRange"] = content_range
        return answer

    with _reader(data, fetch_range) as stream:
        assert stream.read(60) == data[:60]  # from the body
        stream.seek(10)  # behind it: a ranged GET
        with pytest.raises(BackendUnavailable) as caught:
            stream.read(10)
    assert caught.value.path == "k.bin"


@pytest.mark.spec("S3-033")
def test_without_an_etag_there_is_no_out_of_order_read() -> None:
    with _reader(b"x" * 100, lambda *_: pytest.fail("no request expected"), etag=None) as stream:
        stream.read(60)
        stream.seek(50)
        with pytest.raises(BackendUnavailable, match="no ETag"):
            stream.read(1)


@pytest.mark.spec("S3-033")
def test_a_broken_range_body_is_fetched_again() -> None:
    # No newline in the data: readline(3) must give all three bytes, whatever os.urandom drew.
    data = os.urandom(200_000).replace(b"\n", b"x")
    calls: list[tuple[int, int]] = []

    class Broken(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            raise ConnectionResetError("reset")

    def fetch_range(first: int, last: int, etag: str) -> dict[str, Any]:
        calls.append((first, last))
        body = Broken() if len(calls) == 1 else io.BytesIO(data[first : last + 1])
        return {"Body": body, "ETag": etag, "ContentRange": f"bytes {first}-{last}/{len(data)}"}

    with _reader(data, fetch_range) as stream:
        assert stream.read(2000) == data[:2000]
        stream.seek(1000)
        assert stream.read(5) == data[1000:1005]
        assert stream.readline(3) == data[1005:1008]
        assert stream.peek(1)[:1] == data[1008:1009]
    assert calls == [(1000, 1000 + 64 * 1024 - 1)] * 2


@pytest.mark.spec("S3-034", "STORE-033")
def test_read_range_is_one_ranged_get(backend: S3Backend, admin: Any, bucket: str) -> None:
    data = os.urandom(MIB)
    admin.put_object(Bucket=bucket, Key="f.bin", Body=data)
    log = RequestLog(backend)
    assert backend.read_range("f.bin", 1000, 2000) == data[1000:2000]
    assert log.operations == ["GetObject"]
    assert log.headers_of("GetObject")[0]["range"] == "bytes=1000-1999"
    log.clear()
    assert backend.read_range("f.bin", MIB - 5, MIB + 100) == data[-5:]
    assert backend.read_range("f.bin", MIB, MIB + 100) == b""  # past the end: 416 InvalidRange
    assert backend.read_range("f.bin", 7, 7) == b""  # no bytes: one HeadObject says the file is there
    assert log.operations == ["GetObject", "GetObject", "HeadObject"]
    admin.put_object(Bucket=bucket, Key="empty.bin", Body=b"")
    assert backend.read_range("empty.bin", 0, 10) == b""


@pytest.mark.spec("S3-034", "STORE-033")
@pytest.mark.parametrize(("start", "end"), [(0, 10), (4, 4)])
def test_read_range_of_no_object(backend: S3Backend, admin: Any, bucket: str, start: int, end: int) -> None:
    admin.put_object(Bucket=bucket, Key="folder/inner.bin", Body=b"x")
    for missing in ("absent.bin", "folder"):
        with pytest.raises(NotFound) as caught:
            backend.read_range(missing, start, end)
        assert caught.value.path == missing and caught.value.operation == "read_range"
