"""Writes: one PutObject, multipart uploads, bounded memory, aborts, race-free creates (specs/s3.md)."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from _s3_helpers import MIB, GeneratedStream, RequestLog, client_of, digest_of, fake_response, inject
from botocore.exceptions import EndpointConnectionError

from remote_store import AlreadyExists, BackendUnavailable, RemoteStoreError, Store
from remote_store.backends.s3 import S3Backend, _upload

PART = 5 * MIB

Make = Callable[..., S3Backend]


def small(make_backend: Make, **options: Any) -> S3Backend:
    """A backend with 5 MiB parts and a 5 MiB threshold, to exercise multipart with small data."""
    settings: dict[str, Any] = {
        "multipart_threshold": PART,
        "multipart_chunksize": PART,
        "max_concurrency": 2,
    }
    settings.update(options)
    return make_backend(**settings)


def uploads(admin: Any, bucket: str) -> list[str]:
    return [upload["Key"] for upload in admin.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


def keys(admin: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in admin.list_objects_v2(Bucket=bucket).get("Contents", [])]


class Pipe:
    """A non-seekable stream with nothing but ``read``, returning short reads."""

    def __init__(self, data: bytes, chunk: int = 100_003) -> None:
        self._source = io.BytesIO(data)
        self._chunk = chunk

    def read(self, size: int = -1, /) -> bytes:
        return self._source.read(min(size, self._chunk))


# -- S3-007, S3-008: small writes -----------------------------------------------------------------


@pytest.mark.spec("S3-007")
@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "stream", "empty"])
def test_small_write_is_one_put_object(
    backend: S3Backend, admin: Any, bucket: str, kind: str, overwrite: bool
) -> None:
    data = os.urandom(300_000) if kind != "empty" else b""
    content: Any = {
        "bytes": data,
        "bytearray": bytearray(data),
        "memoryview": memoryview(data),
        "stream": Pipe(data),
        "empty": io.BytesIO(b""),
    }[kind]
    log = RequestLog(backend)
    backend.write("dir/file.bin", content, overwrite=overwrite)
    assert log.operations == ["PutObject"]
    assert admin.get_object(Bucket=bucket, Key="dir/file.bin")["Body"].read() == data


@pytest.mark.spec("S3-007")
def test_content_of_exactly_the_threshold_is_one_put(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend)
    stream = GeneratedStream(PART)
    log = RequestLog(backend)
    backend.write("edge.bin", stream)
    assert log.operations == ["PutObject"]
    assert all(0 < size <= 8 * MIB for size in stream.read_sizes)
    assert digest_of(backend.read("edge.bin"))[0] == stream.digest


@pytest.mark.spec("S3-008")
def test_create_sends_if_none_match_and_refuses_an_existing_key(
    backend: S3Backend, admin: Any, bucket: str
) -> None:
    admin.put_object(Bucket=bucket, Key="taken.txt", Body=b"first")
    log = RequestLog(backend)
    with pytest.raises(AlreadyExists) as caught:
        backend.write("taken.txt", b"second")
    assert log.operations == ["PutObject"]
    assert log.headers_of("PutObject")[0].get("if-none-match") == "*"
    assert caught.value.path == "taken.txt"
    assert caught.value.operation == "write"
    assert admin.get_object(Bucket=bucket, Key="taken.txt")["Body"].read() == b"first"
    log.clear()
    backend.write("taken.txt", b"third", overwrite=True)
    assert "if-none-match" not in log.headers_of("PutObject")[0]


@pytest.mark.spec("S3-008", "S3-014")
@pytest.mark.parametrize("method", ["write", "write_atomic"])
def test_concurrent_small_creates_have_exactly_one_winner(
    backend: S3Backend, admin: Any, bucket: str, method: str
) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(20)

    def create(index: int) -> None:
        barrier.wait()
        try:
            getattr(backend, method)("race.txt", f"writer {index}".encode() * 100)
            outcomes.append(f"won {index}")
        except AlreadyExists:
            outcomes.append("lost")

    threads = [threading.Thread(target=create, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [outcome for outcome in outcomes if outcome.startswith("won")]
    assert len(outcomes) == 20
    assert len(winners) == 1, outcomes
    index = int(winners[0].split()[1])
    assert admin.get_object(Bucket=bucket, Key="race.txt")["Body"].read() == f"writer {index}".encode() * 100


@pytest.mark.spec("S3-008")
def test_conditional_conflict_409_is_retried_with_a_fresh_body(
    backend: S3Backend, admin: Any, bucket: str
) -> None:
    log = RequestLog(backend)
    inject(backend, "PutObject", fake_response(409, "ConditionalRequestConflict", "retry"), times=2)
    backend.write("conflict.txt", Pipe(b"payload " * 1000))
    assert log.count("PutObject") == 3
    assert admin.get_object(Bucket=bucket, Key="conflict.txt")["Body"].read() == b"payload " * 1000


@pytest.mark.spec("S3-008")
def test_conditional_conflict_gives_up_after_four_tries(backend: S3Backend, admin: Any, bucket: str) -> None:
    log = RequestLog(backend)
    inject(backend, "PutObject", fake_response(409, "ConditionalRequestConflict", "retry"), times=None)
    with pytest.raises(RemoteStoreError) as caught:
        backend.write("conflict.txt", b"x")
    assert log.count("PutObject") == 4
    assert "ConditionalRequestConflict" in caught.value.message
    assert keys(admin, bucket) == []


# -- S3-009: multipart ------------------------------------------------------------------------------


@pytest.mark.spec("S3-009")
@pytest.mark.parametrize("kind", ["bytes", "pipe", "file", "readinto-only"])
def test_multipart_upload_parts_and_content(
    make_backend: Make, admin: Any, bucket: str, kind: str, tmp_path: Any
) -> None:
    backend = small(make_backend)
    data = os.urandom(3 * PART + 12_345)
    content: Any
    if kind == "bytes":
        content = data
    elif kind == "pipe":
        content = Pipe(data, chunk=65_537)
    elif kind == "file":
        path = tmp_path / "source.bin"
        path.write_bytes(data)
        content = path.open("rb")
    else:

        class RawOnly(io.RawIOBase):
            def __init__(self) -> None:
                self._source = io.BytesIO(data)

            def readable(self) -> bool:
                return True

            def readinto(self, buffer: Any) -> int:
                chunk = self._source.read(min(len(buffer), 40_000))
                buffer[: len(chunk)] = chunk
                return len(chunk)

        content = RawOnly()
    log = RequestLog(backend)
    backend.write("multi.bin", content)
    if kind == "file":
        content.close()
    assert log.operations[:2] == ["HeadObject", "CreateMultipartUpload"]
    assert log.operations[-2:] == ["HeadObject", "CompleteMultipartUpload"]
    assert log.count("UploadPart") == 4
    sizes = sorted(int(h["content-length"]) for h in log.headers_of("UploadPart"))
    assert sizes == [12_345, PART, PART, PART]
    assert admin.get_object(Bucket=bucket, Key="multi.bin")["Body"].read() == data
    assert uploads(admin, bucket) == []


@pytest.mark.spec("S3-009")
def test_multipart_with_overwrite_sends_no_head(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend)
    log = RequestLog(backend)
    backend.write("multi.bin", GeneratedStream(PART + 1), overwrite=True)
    assert log.operations == ["CreateMultipartUpload", "UploadPart", "UploadPart", "CompleteMultipartUpload"]
    assert "if-none-match" not in log.headers_of("CompleteMultipartUpload")[0]


@pytest.mark.spec("S3-009")
def test_parts_are_uploaded_in_parallel_within_the_limit(make_backend: Make, bucket: str) -> None:
    backend = small(make_backend, max_concurrency=3)
    active = [0, 0]  # now, most
    lock = threading.Lock()
    release = threading.Event()

    def hold(request: Any) -> None:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
            if active[0] >= 3:
                release.set()
        release.wait(5)
        with lock:
            active[0] -= 1

    inject(backend, "UploadPart", hold, times=None)
    stream = GeneratedStream(6 * PART + 1)
    backend.write("parallel.bin", stream, overwrite=True)
    assert active[1] == 3
    assert digest_of(backend.read("parallel.bin"))[0] == stream.digest


# -- S3-010: memory ----------------------------------------------------------------------------------


@pytest.mark.spec("S3-010")
def test_streamed_upload_memory_stays_bounded(make_backend: Make, bucket: str) -> None:
    backend = small(make_backend, max_concurrency=2)
    backend.write("warm-up.txt", b"x")  # the client and its models are built outside the measure
    size = 64 * MIB + 777
    stream = GeneratedStream(size, max_chunk=64 * 1024)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        backend.write("big.bin", stream, overwrite=True)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    print(f"\npeak Python heap growth for a {size / MIB:.0f} MiB streamed upload: {peak / MIB:.1f} MiB")
    assert stream.position == size
    assert peak < 5 * PART, f"{peak / MIB:.1f} MiB"
    found, length = digest_of(backend.read("big.bin"), 4 * MIB)
    assert (found, length) == (stream.digest, size)


# -- S3-011: aborts ------------------------------------------------------------------------------------


@pytest.mark.spec("S3-011")
@pytest.mark.parametrize("failure", [RuntimeError("source broke"), KeyboardInterrupt()])
def test_failing_stream_aborts_the_upload(
    make_backend: Make, admin: Any, bucket: str, failure: BaseException
) -> None:
    backend = small(make_backend)
    log = RequestLog(backend)
    stream = GeneratedStream(10 * PART, fail_at=3 * PART + 10, failure=failure)
    with pytest.raises(type(failure)) as caught:
        backend.write("broken.bin", stream)
    assert caught.value is failure
    assert "CreateMultipartUpload" in log.operations
    assert log.operations[-1] == "AbortMultipartUpload"
    assert "CompleteMultipartUpload" not in log.operations
    assert uploads(admin, bucket) == []
    assert keys(admin, bucket) == []


@pytest.mark.spec("S3-011")
def test_failing_part_upload_aborts_the_upload(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend, max_attempts=1)
    admin.put_object(Bucket=bucket, Key="kept.bin", Body=b"old")
    log = RequestLog(backend)
    inject(backend, "UploadPart", EndpointConnectionError(endpoint_url="http://x"), skip=2)
    with pytest.raises(BackendUnavailable) as caught:
        backend.write("kept.bin", GeneratedStream(6 * PART), overwrite=True)
    assert isinstance(caught.value.__cause__, EndpointConnectionError)
    assert caught.value.path == "kept.bin"
    assert log.operations[-1] == "AbortMultipartUpload"
    assert uploads(admin, bucket) == []
    assert admin.get_object(Bucket=bucket, Key="kept.bin")["Body"].read() == b"old"


@pytest.mark.spec("S3-011")
def test_failing_completion_aborts_the_upload(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend, max_attempts=1)
    inject(backend, "CompleteMultipartUpload", fake_response(400, "InvalidPart", "nope"))
    with pytest.raises(RemoteStoreError) as caught:
        backend.write("never.bin", GeneratedStream(PART + 1), overwrite=True)
    assert "InvalidPart" in caught.value.message
    assert uploads(admin, bucket) == []
    assert keys(admin, bucket) == []


@pytest.mark.spec("S3-011")
def test_a_failing_abort_is_logged_and_the_original_error_raised(
    make_backend: Make, admin: Any, bucket: str, caplog: pytest.LogCaptureFixture
) -> None:
    backend = small(make_backend, max_attempts=1)
    inject(backend, "AbortMultipartUpload", EndpointConnectionError(endpoint_url="http://x"))
    stream = GeneratedStream(3 * PART, fail_at=PART + 5)
    with pytest.raises(RuntimeError, match="source broke"):
        backend.write("orphan.bin", stream)
    records = [record for record in caplog.records if "could not abort" in record.getMessage()]
    assert len(records) == 1
    upload_ids = [u["UploadId"] for u in admin.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    assert len(upload_ids) == 1
    assert upload_ids[0] in records[0].getMessage()
    assert "secret" not in records[0].getMessage().lower()


# -- S3-012: create above the threshold ---------------------------------------------------------------


@pytest.mark.spec("S3-012")
def test_existing_key_fails_fast_before_any_upload(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend)
    admin.put_object(Bucket=bucket, Key="taken.bin", Body=b"first")
    log = RequestLog(backend)
    stream = GeneratedStream(20 * PART)
    with pytest.raises(AlreadyExists):
        backend.write("taken.bin", stream)
    assert log.operations == ["HeadObject"]
    assert stream.position <= PART + 1  # only the first buffer was read
    assert admin.get_object(Bucket=bucket, Key="taken.bin")["Body"].read() == b"first"


@pytest.mark.spec("S3-012")
def test_key_created_during_the_upload_is_detected(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend)
    made: list[bool] = []

    def create_meanwhile(position: int) -> None:
        if position >= 2 * PART and not made:
            admin.put_object(Bucket=bucket, Key="contested.bin", Body=b"theirs")
            made.append(True)

    with pytest.raises(AlreadyExists):
        backend.write("contested.bin", GeneratedStream(4 * PART, on_read=create_meanwhile))
    assert made
    assert admin.get_object(Bucket=bucket, Key="contested.bin")["Body"].read() == b"theirs"
    assert uploads(admin, bucket) == []


@pytest.mark.spec("S3-012")
def test_key_created_just_before_completion(
    make_backend: Make, admin: Any, bucket: str, s3_server: Any
) -> None:
    """Between the last HeadObject and the completion: the server's If-None-Match decides."""
    backend = small(make_backend)
    log = RequestLog(backend)

    def create_now(request: Any) -> None:
        admin.put_object(Bucket=bucket, Key="window.bin", Body=b"theirs")

    inject(backend, "CompleteMultipartUpload", create_now)
    stream = GeneratedStream(PART + 100)
    if s3_server.name == "ceph":
        # radosgw ignores If-None-Match on CompleteMultipartUpload: the window S3-012 documents.
        backend.write("window.bin", stream)
        assert digest_of(backend.read("window.bin"))[0] == stream.digest
    else:
        with pytest.raises(AlreadyExists):
            backend.write("window.bin", stream)
        assert admin.get_object(Bucket=bucket, Key="window.bin")["Body"].read() == b"theirs"
        assert log.operations[-1] == "AbortMultipartUpload"
    assert log.headers_of("CompleteMultipartUpload")[0].get("if-none-match") == "*"
    assert uploads(admin, bucket) == []


@pytest.mark.spec("S3-012")
@pytest.mark.servers("moto")
def test_concurrent_multipart_creates_leave_one_winners_whole_object(
    make_backend: Make, admin: Any, bucket: str
) -> None:
    # A threshold of 1 KiB makes 2 KiB objects multipart uploads of one part: cheap, same protocol.
    backend = make_backend(multipart_threshold=1024, max_concurrency=1)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def create(index: int) -> None:
        barrier.wait()
        try:
            backend.write("race.bin", bytes([index]) * 2048)
            outcomes.append(f"won {index}")
        except AlreadyExists:
            outcomes.append("lost")

    log = RequestLog(backend)
    threads = [threading.Thread(target=create, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [int(outcome.split()[1]) for outcome in outcomes if outcome.startswith("won")]
    assert len(outcomes) == 20
    # moto's conditional completion is not atomic, so more than one may win (S3-012); what must
    # hold: someone won, everyone else got AlreadyExists, and the object is one winner's whole.
    assert winners, outcomes
    assert log.count("CompleteMultipartUpload") >= 1
    stored = admin.get_object(Bucket=bucket, Key="race.bin")["Body"].read()
    assert stored in [bytes([index]) * 2048 for index in winners]
    assert uploads(admin, bucket) == []


@pytest.mark.spec("S3-012")
@pytest.mark.servers("ceph")
def test_radosgw_ignores_if_none_match_on_completion(admin: Any, bucket: str) -> None:
    """The server fact behind S3-012's guarantee on radosgw (fails if a Ceph release fixes it)."""
    admin.put_object(Bucket=bucket, Key="k", Body=b"first")
    upload = admin.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    part = admin.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"second")
    admin.complete_multipart_upload(
        Bucket=bucket,
        Key="k",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
        IfNoneMatch="*",
    )
    assert admin.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second"


# -- S3-013: part limit -----------------------------------------------------------------------------


@pytest.mark.spec("S3-013")
def test_more_parts_than_allowed_fails_and_aborts(
    make_backend: Make, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_upload, "MAX_PARTS", 2)
    backend = small(make_backend)
    stream = GeneratedStream(2 * PART + 1)
    with pytest.raises(RemoteStoreError) as caught:
        backend.write("huge.bin", stream)
    assert "multipart_chunksize" in caught.value.message
    assert uploads(admin, bucket) == []
    assert keys(admin, bucket) == []
    backend.write("fits.bin", GeneratedStream(2 * PART))
    assert backend.is_file("fits.bin")


# -- S3-014: write_atomic --------------------------------------------------------------------------------


@pytest.mark.spec("S3-014")
def test_write_atomic_sends_what_write_sends(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend)
    log = RequestLog(backend)
    backend.write("a.bin", b"small")
    backend.write("b.bin", GeneratedStream(PART + 3))
    expected = list(log.operations)
    log.clear()
    backend.write_atomic("c.bin", b"small")
    backend.write_atomic("d.bin", GeneratedStream(PART + 3))
    assert log.operations == expected
    with pytest.raises(AlreadyExists):
        backend.write_atomic("c.bin", b"again")


@pytest.mark.spec("S3-014", "S3-011")
def test_failed_write_atomic_keeps_the_old_object(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend)
    store = Store(backend, owns_backend=False)
    store.write("kept.bin", b"old")
    with pytest.raises(RuntimeError):
        store.write_atomic("kept.bin", GeneratedStream(3 * PART, fail_at=2 * PART), overwrite=True)
    assert store.read_bytes("kept.bin") == b"old"
    assert uploads(admin, bucket) == []


# -- S3-030: a key beside a folder ----------------------------------------------------------------------


@pytest.mark.spec("S3-030")
def test_file_and_folder_of_the_same_name(backend: S3Backend, admin: Any, bucket: str) -> None:
    log = RequestLog(backend)
    backend.write("a/b", b"inner")
    backend.write("a", b"outer")
    assert log.operations == ["PutObject", "PutObject"]
    assert backend.is_file("a") and backend.is_folder("a")
    backend.delete("a")
    assert not backend.is_file("a") and backend.is_folder("a")
    backend.write("a", b"outer")
    backend.delete_folder("a", recursive=True)
    assert backend.is_file("a") and not backend.is_folder("a")
    assert hashlib.sha256(backend.read_bytes("a")).digest() == hashlib.sha256(b"outer").digest()
    client_of(backend)
