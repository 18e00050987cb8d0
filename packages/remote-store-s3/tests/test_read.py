"""Reads: one GetObject, a streamed body, connection release, failures mid-stream (S3-015, S3-016)."""

from __future__ import annotations

import http.client
import io
import os
import tracemalloc
from typing import Any

import pytest
import urllib3.exceptions
from _s3_helpers import MIB, RequestLog
from botocore.exceptions import IncompleteReadError, ReadTimeoutError, ResponseStreamingError

from remote_store import BackendUnavailable, NotFound
from remote_store.backends.s3 import S3Backend


@pytest.mark.spec("S3-015")
def test_read_is_one_get_object_streamed_as_consumed(backend: S3Backend, admin: Any, bucket: str) -> None:
    data = os.urandom(16 * MIB + 5)
    admin.put_object(Bucket=bucket, Key="big.bin", Body=data)
    log = RequestLog(backend)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        stream = backend.read("big.bin")
        first = stream.read(10)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert first == data[:10]
    assert peak < 2 * MIB, f"opening and reading 10 bytes cost {peak / MIB:.1f} MiB"
    rest = bytearray()
    while chunk := stream.read(1_000_003):
        assert len(chunk) <= 1_000_003
        rest += chunk
    assert bytes(rest) == data[10:]
    assert log.operations == ["GetObject"]
    stream.close()
    assert stream.closed


@pytest.mark.spec("S3-015")
def test_closing_the_stream_closes_the_http_response(backend: S3Backend, admin: Any, bucket: str) -> None:
    admin.put_object(Bucket=bucket, Key="f.bin", Body=os.urandom(3 * MIB))
    with backend.read("f.bin") as stream:
        assert stream.read(100)
        response = stream.raw._body._raw_stream  # type: ignore[attr-defined]
        assert not response.closed
    assert stream.closed
    assert response.closed
    # Abandoned half-read streams leave no connection checked out: many in a row still work.
    for _ in range(30):
        with backend.read("f.bin") as stream:
            stream.read(10)
    assert backend.read_bytes("f.bin")[:1]


@pytest.mark.spec("S3-015")
def test_read_bytes_is_one_request(backend: S3Backend, admin: Any, bucket: str) -> None:
    admin.put_object(Bucket=bucket, Key="f.txt", Body=b"content")
    log = RequestLog(backend)
    assert backend.read_bytes("f.txt") == b"content"
    assert log.operations == ["GetObject"]


@pytest.mark.spec("S3-015", "S3-018")
def test_reading_a_missing_key_or_a_folder_is_not_found(backend: S3Backend, admin: Any, bucket: str) -> None:
    admin.put_object(Bucket=bucket, Key="folder/file.txt", Body=b"x")
    admin.put_object(Bucket=bucket, Key="marker/", Body=b"")
    for path in ("missing.txt", "folder", "marker"):
        for read in (backend.read, backend.read_bytes):
            with pytest.raises(NotFound) as caught:
                read(path)
            assert caught.value.path == path
            assert caught.value.__cause__ is not None


class _FailingBody:
    """A GetObject body that yields ``good`` bytes, then raises ``error``."""

    def __init__(self, body: Any, good: int, error: Exception) -> None:
        self._body = body
        self._left = good
        self._error = error
        self.closed = False

    def read(self, amount: int | None = None) -> bytes:
        if self._left <= 0 or amount is None:
            raise self._error
        data: bytes = self._body.read(min(amount, self._left))
        self._left -= len(data)
        return data

    def close(self) -> None:
        self.closed = True
        self._body.close()


MID_STREAM_ERRORS = [
    ReadTimeoutError(endpoint_url="http://x"),
    ResponseStreamingError(error=urllib3.exceptions.ProtocolError("Connection broken")),
    IncompleteReadError(actual_bytes=10, expected_bytes=20),
    urllib3.exceptions.ProtocolError("Connection broken: IncompleteRead"),
    http.client.IncompleteRead(b"partial"),
    ConnectionResetError(104, "Connection reset by peer"),
]


@pytest.mark.spec("S3-016")
@pytest.mark.parametrize("error", MID_STREAM_ERRORS, ids=lambda error: type(error).__name__)
def test_errors_mid_stream_become_backend_unavailable(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    admin.put_object(Bucket=bucket, Key="f.bin", Body=os.urandom(MIB))
    real_get = backend._get
    bodies: list[_FailingBody] = []

    def failing_get(operation: str, path: str) -> Any:
        bodies.append(_FailingBody(real_get(operation, path), 300_000, error))
        return bodies[-1]

    monkeypatch.setattr(backend, "_get", failing_get)
    with backend.read("f.bin") as stream:
        assert len(stream.read(1000)) == 1000
        with pytest.raises(BackendUnavailable) as caught:
            stream.read()
    assert caught.value.path == "f.bin"
    assert caught.value.operation == "read"
    assert caught.value.backend == "s3"
    assert caught.value.__cause__ is error
    assert bodies[0].closed
    with pytest.raises(BackendUnavailable) as caught:
        backend.read_bytes("f.bin")
    assert caught.value.__cause__ is error
    assert caught.value.operation == "read_bytes"
    assert bodies[1].closed


@pytest.mark.spec("S3-016")
def test_reader_maps_errors_in_readinto(backend: S3Backend) -> None:
    from remote_store.backends.s3._errors import map_error
    from remote_store.backends.s3._reader import open_reader

    error = ReadTimeoutError(endpoint_url="http://x")
    body = _FailingBody(io.BytesIO(b"abcdef"), 3, error)
    reader = open_reader(body, lambda e: map_error(e, path="p", operation="read", context=backend._context))
    buffer = bytearray(2)
    assert reader.readinto(buffer) == 2
    with pytest.raises(BackendUnavailable) as caught:
        reader.read(100)
    assert caught.value.__cause__ is error
    # botocore's own text quotes the request URL (which holds the key): it is not repeated.
    assert "http://x" not in str(caught.value)
    assert "ReadTimeoutError" in caught.value.message
