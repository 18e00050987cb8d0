"""Reads: one GetObject, a streamed body passed through, connection release, failures mid-stream and
their resume (S3-015, S3-016, S3-031)."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
import urllib3.exceptions
from _s3_helpers import MIB, RequestLog
from botocore.exceptions import IncompleteReadError, ReadTimeoutError, ResponseStreamingError

from remote_store import BackendUnavailable, NotFound
from remote_store.backend_tools import Operation, OperationContext
from remote_store.backends.s3 import S3Backend
from remote_store.backends.s3._errors import map_error
from remote_store.backends.s3._reader import CHANGED, ObjectReader

Make = Callable[..., S3Backend]
READS = ["read", "read_bytes"]


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
        response = stream._body._raw_stream  # type: ignore[attr-defined]
        assert not response.closed
    assert stream.closed
    assert response.closed
    with pytest.raises(ValueError, match="closed"):
        stream.read(1)
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


class _SpyBody:
    """A GetObject body that remembers every object its ``read`` returned."""

    def __init__(self, body: Any) -> None:
        self._body = body
        self.returned: list[bytes] = []

    def read(self, amount: int | None = None) -> bytes:
        data: bytes = self._body.read(amount)
        self.returned.append(data)
        return data

    def close(self) -> None:
        self._body.close()


@pytest.mark.spec("S3-015")
def test_read_passes_the_body_reads_through_without_a_copy(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(3 * MIB + 11)
    admin.put_object(Bucket=bucket, Key="f.bin", Body=data)
    real_get = backend._requests.get
    spies: list[_SpyBody] = []

    def spying_get(context: OperationContext, **extra: Any) -> Any:
        response: Any = real_get(context, **extra)
        spies.append(_SpyBody(response["Body"]))
        response["Body"] = spies[-1]
        return response

    monkeypatch.setattr(backend._requests, "get", spying_get)
    received = []
    with backend.read("f.bin") as stream:
        assert not isinstance(stream, io.BufferedReader)
        while chunk := stream.read(MIB):
            # The very object the body returned: no buffer in between, no copy.
            assert chunk is spies[0].returned[-1]
            received.append(chunk)
    assert b"".join(received) == data
    assert backend.read_bytes("f.bin") is spies[1].returned[0]


@pytest.mark.spec("S3-015")
def test_the_stream_reads_lines_chunks_and_into_buffers(backend: S3Backend, admin: Any, bucket: str) -> None:
    lines = [b"line %d %s\n" % (number, b"x" * (number % 97)) for number in range(20_000)]
    lines.append(b"last line without newline")
    data = b"".join(lines)
    admin.put_object(Bucket=bucket, Key="lines.txt", Body=data)
    read: Any = backend.read  # BinaryIO does not declare peek, read1 or readinto
    with read("lines.txt") as stream:
        assert stream.readable() and stream.seekable()  # seeking is S3-033's
        assert list(stream) == lines
        assert stream.readline() == b"" and stream.read() == b""
    with read("lines.txt") as stream:
        got = bytearray()
        got += stream.readline()
        got += stream.readline(3)
        got += stream.peek(5)[:0]
        got += stream.read1(7)
        buffer = bytearray(12_345)
        count = stream.readinto(buffer)
        got += buffer[:count]
        got += stream.read1()
        got += stream.read(100)
        view = memoryview(bytearray(50_000))
        count = stream.readinto1(view)
        got += view[:count]
        rest = stream.readlines()
        got += b"".join(rest)
        assert rest[-1] == lines[-1]
    assert bytes(got) == data
    with read("lines.txt") as stream:
        assert stream.read(0) == b""
        assert stream.peek(1)[:5] == data[:5]
        assert stream.read() == data
    with pytest.raises(ValueError):
        stream.readline()
    with pytest.raises(ValueError):
        stream.readable()


# -- failures mid-body and their resume (S3-016, S3-031) --------------------------------------


class _FailingBody:
    """A GetObject body that yields ``good`` bytes, then raises ``error`` (or ends early: ``None``).

    A ``read()`` without a size fails at once, as botocore's does when the connection breaks
    during it (what it had read is lost).
    """

    def __init__(self, body: Any, good: int, error: Exception | None) -> None:
        self._body = body
        self._left = good
        self._error = error
        self.closed = False

    def read(self, amount: int | None = None) -> bytes:
        if self._left <= 0 or amount is None:
            if self._error is None:
                return b""
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

Plan = Callable[[int, dict[str, Any]], "tuple[int, Exception | None] | None"]


def _break_bodies(monkeypatch: pytest.MonkeyPatch, backend: S3Backend, plan: Plan) -> list[Any]:
    """Wrap the body of the n-th GetObject answer in ``_FailingBody(*plan(n, request))``.

    ``plan`` may do something first (replace the object, ...) and return ``None`` to leave the
    answer alone. Returns the bodies handed out, in order.
    """
    real_get = backend._requests.get
    bodies: list[Any] = []

    def get(context: OperationContext, **extra: Any) -> Any:
        response: Any = real_get(context, **extra)
        failure = plan(len(bodies), extra)
        if failure is not None:
            response["Body"] = _FailingBody(response["Body"], *failure)
        bodies.append(response["Body"])
        return response

    monkeypatch.setattr(backend._requests, "get", get)
    return bodies


def _read_into(backend: S3Backend, path: str, how: str, received: bytearray, chunk: int = 64 * 1024) -> None:
    """Read ``path`` with ``how`` into ``received``, which keeps what arrived when the read fails."""
    if how == "read_bytes":
        received += backend.read_bytes(path)
        return
    with backend.read(path) as stream:
        while data := stream.read(chunk):
            received += data


def _read_in_chunks(backend: S3Backend, path: str, chunk: int = 64 * 1024) -> bytes:
    received = bytearray()
    _read_into(backend, path, "read", received, chunk)
    return bytes(received)


@pytest.mark.spec("S3-016")
@pytest.mark.parametrize("error", MID_STREAM_ERRORS, ids=lambda error: type(error).__name__)
def test_errors_mid_stream_become_backend_unavailable(
    make_backend: Make, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    # max_attempts=1: no resume (S3-031), so the first failure is the answer.
    backend = make_backend(max_attempts=1)
    admin.put_object(Bucket=bucket, Key="f.bin", Body=os.urandom(MIB))
    bodies = _break_bodies(monkeypatch, backend, lambda n, request: (300_000, error))
    log = RequestLog(backend)
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
    assert log.operations == ["GetObject", "GetObject"]


CONTEXT = OperationContext(Operation.READ, "s3", "k")
WHERE = {"bucket": "b", "endpoint": "http://127.0.0.1:9"}


class _Object:
    """A fake object answering GetObject and its resumes in memory, with broken bodies on demand.

    ``breaks[n]`` is how many bytes the n-th body yields before failing with ``error`` (``None``
    in ``breaks``: that body does not fail).
    """

    def __init__(
        self, data: bytes, breaks: list[int | None], error: Exception | None = None, etag: str = '"e1"'
    ) -> None:
        self.data = data
        self.breaks = breaks
        self.error = error or ConnectionResetError(104, "reset")
        self.etag = etag
        self.fetches: list[tuple[int, str]] = []
        self.bodies: list[Any] = []

    def answer(self, offset: int) -> dict[str, Any]:
        index = len(self.bodies)
        body: Any = io.BytesIO(self.data[offset:])
        good = self.breaks[index] if index < len(self.breaks) else None
        if good is not None:
            body = _FailingBody(body, good, self.error)
        self.bodies.append(body)
        return {"Body": body, "ETag": self.etag, "ContentLength": len(self.data) - offset}

    def fetch(self, offset: int, etag: str) -> dict[str, Any]:
        self.fetches.append((offset, etag))
        answer = self.answer(offset)
        answer["ContentRange"] = f"bytes {offset}-{len(self.data) - 1}/{len(self.data)}"
        return answer

    def reader(self, resumes: int = 4, fetch: Any = None) -> ObjectReader:
        return ObjectReader(
            self.answer(0),
            context=CONTEXT,
            fetch=fetch or self.fetch,
            map_failure=lambda error: map_error(error, CONTEXT, **WHERE),
            resumes=resumes,
        )


@pytest.mark.spec("S3-016")
def test_reader_maps_errors_in_readinto() -> None:
    error = ReadTimeoutError(endpoint_url="http://x")
    reader = _Object(b"abcdef", [3], error).reader(resumes=0)
    buffer = bytearray(2)
    assert reader.readinto(buffer) == 2
    with pytest.raises(BackendUnavailable) as caught:
        reader.read(100)
    assert caught.value.__cause__ is error
    # botocore's own text quotes the request URL (which holds the key): it is not repeated.
    assert "http://x" not in str(caught.value)
    assert "ReadTimeoutError" in caught.value.message


@pytest.mark.spec("S3-031")
@pytest.mark.parametrize("how", READS)
@pytest.mark.parametrize("error", MID_STREAM_ERRORS, ids=lambda error: type(error).__name__)
def test_a_broken_body_resumes_with_a_ranged_get_on_the_same_etag(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch, error: Exception, how: str
) -> None:
    data = os.urandom(MIB + 7)
    etag = admin.put_object(Bucket=bucket, Key="f.bin", Body=data)["ETag"]
    bodies = _break_bodies(monkeypatch, backend, lambda n, request: (300_000, error) if n == 0 else None)
    log = RequestLog(backend)
    received = backend.read_bytes("f.bin") if how == "read_bytes" else _read_in_chunks(backend, "f.bin")
    assert hashlib.sha256(received).digest() == hashlib.sha256(data).digest()
    assert log.operations == ["GetObject", "GetObject"]
    first, resume = log.headers_of("GetObject")
    assert "range" not in first and "if-match" not in first
    # read_bytes takes the body in one read, which loses what it had read when it fails.
    assert resume["range"] == ("bytes=0-" if how == "read_bytes" else "bytes=300000-")
    assert resume["if-match"] == etag
    assert bodies[0].closed


@pytest.mark.spec("S3-031")
def test_a_body_that_ends_early_without_an_error_is_resumed(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(MIB)
    admin.put_object(Bucket=bucket, Key="f.bin", Body=data)
    _break_bodies(monkeypatch, backend, lambda n, request: (200_000, None) if n == 0 else None)
    log = RequestLog(backend)
    assert _read_in_chunks(backend, "f.bin") == data
    assert [headers.get("range") for headers in log.headers_of("GetObject")] == [None, "bytes=200000-"]


@pytest.mark.spec("S3-031", "S3-016")
@pytest.mark.parametrize("max_attempts", [1, 3])
@pytest.mark.parametrize("how", READS)
def test_resumes_are_bounded_by_max_attempts(
    make_backend: Make, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch, max_attempts: int, how: str
) -> None:
    backend = make_backend(max_attempts=max_attempts)
    data = os.urandom(MIB)
    admin.put_object(Bucket=bucket, Key="f.bin", Body=data)
    errors: list[Exception] = []

    def plan(n: int, request: dict[str, Any]) -> tuple[int, Exception]:
        errors.append(ConnectionResetError(104, f"reset {n}"))
        return 100_000, errors[-1]

    _break_bodies(monkeypatch, backend, plan)
    log = RequestLog(backend)
    received = bytearray()
    with pytest.raises(BackendUnavailable) as caught:
        _read_into(backend, "f.bin", how, received, 25_000)
    assert log.operations == ["GetObject"] * max_attempts, "one GetObject, then max_attempts - 1 resumes"
    assert caught.value.__cause__ is errors[-1]
    assert caught.value.path == "f.bin" and caught.value.operation == how
    assert data.startswith(bytes(received)) and len(received) < len(data)
    if how == "read":
        assert len(received) == 100_000 * max_attempts
        ranges = [headers.get("range") for headers in log.headers_of("GetObject")]
        assert ranges == [None] + [f"bytes={100_000 * n}-" for n in range(1, max_attempts)]


@pytest.mark.spec("S3-031")
@pytest.mark.parametrize("how", READS)
def test_an_object_replaced_before_the_resume_is_never_spliced(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    old, new = os.urandom(MIB), os.urandom(MIB)
    admin.put_object(Bucket=bucket, Key="f.bin", Body=old)

    def plan(n: int, request: dict[str, Any]) -> tuple[int, Exception] | None:
        if n == 0:
            # Replaced between the first answer and its failure: the resume meets the new object.
            admin.put_object(Bucket=bucket, Key="f.bin", Body=new)
            return 300_000, ConnectionResetError(104, "reset")
        return None

    _break_bodies(monkeypatch, backend, plan)
    log = RequestLog(backend)
    received = bytearray()
    with pytest.raises(BackendUnavailable) as caught:
        _read_into(backend, "f.bin", how, received)
    assert caught.value.message == CHANGED
    assert caught.value.path == "f.bin"
    cause: Any = caught.value.__cause__
    assert cause.response["Error"]["Code"] == "PreconditionFailed"
    assert old.startswith(bytes(received)), "only bytes of the version the read began with"
    assert log.operations == ["GetObject", "GetObject"]
    assert backend.read_bytes("f.bin") == new


@pytest.mark.spec("S3-031")
def test_an_object_deleted_before_the_resume_is_not_found(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin.put_object(Bucket=bucket, Key="f.bin", Body=os.urandom(MIB))

    def plan(n: int, request: dict[str, Any]) -> tuple[int, Exception] | None:
        if n == 0:
            admin.delete_object(Bucket=bucket, Key="f.bin")
            return 300_000, ConnectionResetError(104, "reset")
        return None

    _break_bodies(monkeypatch, backend, plan)
    with backend.read("f.bin") as stream:
        assert len(stream.read(300_000)) == 300_000
        with pytest.raises(NotFound) as caught:
            stream.read(1)
    assert caught.value.path == "f.bin" and caught.value.operation == "read"


@pytest.mark.spec("S3-031", "S3-016")
@pytest.mark.parametrize(
    "answer",
    ["other-etag", "no-etag", "no-content-range", "wrong-offset", "wrong-size"],
)
def test_a_resume_answer_that_does_not_continue_the_object_is_refused(answer: str) -> None:
    data = bytes(range(256)) * 4000
    fake = _Object(data, [100_000])

    def fetch(offset: int, etag: str) -> dict[str, Any]:
        response = fake.fetch(offset, etag)
        if answer == "other-etag":
            response["ETag"] = '"e2"'  # a server that ignored If-Match
        elif answer == "no-etag":
            del response["ETag"]
        elif answer == "no-content-range":
            response = {**fake.answer(0), "ContentRange": None}  # a server that ignored Range
        elif answer == "wrong-offset":
            response["ContentRange"] = f"bytes {offset - 1}-{len(data) - 1}/{len(data)}"
        else:
            response["ContentRange"] = f"bytes {offset}-{len(data)}/{len(data) + 1}"
        return response

    reader = fake.reader(fetch=fetch)
    received = bytearray()
    with pytest.raises(BackendUnavailable) as caught:
        while chunk := reader.read(30_000):
            received += chunk
    # The 10,000 bytes taken for the failed read(30_000) are not lost: they stay in front.
    assert bytes(received) == data[:90_000]
    assert reader.read1(30_000) == data[90_000:100_000], "not one byte of the refused answer"
    with pytest.raises(BackendUnavailable) as again:
        reader.read(1)
    assert again.value is caught.value, "a read that gave up stays broken"
    assert fake.fetches == [(100_000, '"e1"')]
    assert fake.bodies[-1].closed, "the refused answer's connection is closed"
    assert isinstance(caught.value.__cause__, ConnectionResetError)
    if answer in ("other-etag", "no-etag"):
        assert caught.value.message == CHANGED


@pytest.mark.spec("S3-031")
def test_resumes_keep_the_offset_through_every_way_of_reading() -> None:
    lines = [b"%d %s\n" % (n, b"y" * (n % 50)) for n in range(30_000)]
    data = b"".join(lines)
    fake = _Object(data, [70_001, 123_457, 5, 0, 333_333, 1], error=ReadTimeoutError(endpoint_url="x"))
    reader = fake.reader(resumes=10)
    got = bytearray()
    got += reader.readline()
    got += reader.read(100_000)
    got += reader.peek(10)[:0]
    got += b"".join(reader.readline() for _ in range(1000))
    buffer = bytearray(77_777)
    count = reader.readinto(buffer)
    got += buffer[:count]
    got += reader.read1(50_000)
    got += reader.read()
    assert bytes(got) == data
    offsets = [offset for offset, _ in fake.fetches]
    assert len(offsets) == 6 and offsets == sorted(offsets) and offsets[0] > 0
    assert all(etag == '"e1"' for _, etag in fake.fetches)


@pytest.mark.spec("S3-031")
def test_a_failure_after_the_last_byte_needs_no_resume() -> None:
    data = os.urandom(10_000)
    fake = _Object(data, [len(data)])
    reader = fake.reader()
    assert reader.read(len(data)) == data
    assert reader.read(1) == b""
    assert reader.read() == b""
    assert fake.fetches == []


@pytest.mark.spec("S3-031")
def test_an_answer_without_etag_or_length_is_not_resumed() -> None:
    for missing in ("ETag", "ContentLength"):
        fake = _Object(os.urandom(10_000), [1000])
        answer = fake.answer(0)
        del answer[missing]
        reader = ObjectReader(
            answer,
            context=CONTEXT,
            fetch=fake.fetch,
            map_failure=lambda error: map_error(error, CONTEXT, **WHERE),
            resumes=4,
        )
        with pytest.raises(BackendUnavailable):
            reader.read()
        assert fake.fetches == []


@pytest.mark.spec("S3-031")
def test_the_first_resume_goes_at_once_later_ones_after_growing_random_pauses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(time, "sleep", pauses.append)
    data = os.urandom(100_000)
    fake = _Object(data, [1000] * 8)
    reader = fake.reader(resumes=7)
    with pytest.raises(BackendUnavailable):
        while reader.read(300):
            pass
    assert len(fake.fetches) == 7
    assert len(pauses) == 6, "no pause before the first resume"
    for number, pause in enumerate(pauses):
        assert 0 <= pause <= min(1.0, 0.1 * 2**number)
