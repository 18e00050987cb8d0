"""Content type, user metadata and conditional replace on S3 (specs/s3.md S3-035, S3-036)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _s3_helpers import MIB, RequestLog, fake_response, inject

from remote_store import BackendUnavailable, InvalidArgument, NotFound, PreconditionFailed, Store
from remote_store.backends.s3 import S3Backend
from remote_store.backends.s3._backend import MAX_METADATA_SIZE

Make = Callable[..., S3Backend]

PART = 5 * MIB


def small(make_backend: Make) -> S3Backend:
    """A backend whose writes above 5 MiB are multipart, to exercise the completion path."""
    return make_backend(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=2)


def uploads(admin: Any, bucket: str) -> list[str]:
    return [upload["Key"] for upload in admin.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


# -- S3-035: content type and metadata ---------------------------------------------------------


@pytest.mark.spec("S3-035")
@pytest.mark.parametrize("size", [10, PART + 1], ids=["put", "multipart"])
def test_content_type_and_metadata_are_object_headers(
    make_backend: Make, admin: Any, bucket: str, size: int
) -> None:
    backend = small(make_backend)
    metadata = {"Owner": "Zoë", "plain": "ana", "padded": " x "}
    Store(backend).write("typed.csv", b"a" * size, content_type="text/csv", metadata=metadata)
    head = admin.head_object(Bucket=bucket, Key="typed.csv")
    assert head["ContentType"] == "text/csv"
    # Keys lower-case; ASCII as is; the rest one RFC 2047 word that any S3 client can decode.
    assert head["Metadata"]["plain"] == "ana"
    assert head["Metadata"]["owner"] == "=?UTF-8?B?Wm/Dqw==?="
    assert head["Metadata"]["padded"].startswith("=?UTF-8?B?")
    info = Store(backend).get_file_info("typed.csv")
    assert info.content_type == "text/csv"
    assert dict(info.metadata) == {"owner": "Zoë", "plain": "ana", "padded": " x "}


@pytest.mark.spec("S3-035")
def test_metadata_written_by_other_clients_is_read(backend: S3Backend, admin: Any, bucket: str) -> None:
    admin.put_object(
        Bucket=bucket,
        Key="other.bin",
        Body=b"x",
        Metadata={"Source": "boto3", "q": "=?utf-8?q?caf=C3=A9_cr=C3=A8me?="},
    )
    assert dict(Store(backend).get_file_info("other.bin").metadata) == {"source": "boto3", "q": "café crème"}


@pytest.mark.spec("S3-035", "STORE-041")
def test_metadata_over_2_kib_is_refused_before_any_request(
    backend: S3Backend, admin: Any, bucket: str
) -> None:
    log = RequestLog(backend)
    log.clear()
    at_limit = {"k": "v" * (MAX_METADATA_SIZE - 1)}
    over = {"k": "v" * MAX_METADATA_SIZE}
    # Non-ASCII values count as sent: 800 two-byte characters are 1,600 bytes, base64-encoded 2,149.
    encoded_over = {"k": "é" * 800}
    for metadata in (over, encoded_over):
        with pytest.raises(InvalidArgument) as caught:
            Store(backend).write("big.bin", b"x", metadata=metadata)
        assert caught.value.argument == "metadata"
        assert str(MAX_METADATA_SIZE) in str(caught.value)
        with pytest.raises(InvalidArgument):
            backend.write("big.bin", b"x", metadata=metadata)
    with pytest.raises(InvalidArgument):
        Store(backend).write("bad.bin", b"x", metadata={"bad key": "v"})
    assert log.operations == [], log.operations
    Store(backend).write("limit.bin", b"x", metadata=at_limit)
    assert admin.head_object(Bucket=bucket, Key="limit.bin")["Metadata"] == at_limit


@pytest.mark.spec("S3-035")
def test_copy_keeps_content_type_and_metadata(backend: S3Backend) -> None:
    store = Store(backend)
    store.write("src.json", b"{}", content_type="application/json", metadata={"owner": "Zoë"})
    store.copy("src.json", "dst.json")
    info = store.get_file_info("dst.json")
    assert (info.content_type, dict(info.metadata)) == ("application/json", {"owner": "Zoë"})


# -- S3-036: conditional replace ---------------------------------------------------------------


@pytest.mark.spec("S3-036")
def test_if_match_is_one_conditional_put_with_the_unquoted_etag(backend: S3Backend) -> None:
    store = Store(backend)
    store.write("cas.txt", b"v1")
    etag = store.get_file_info("cas.txt").etag
    assert etag is not None and '"' not in etag
    log = RequestLog(backend)
    log.clear()
    store.write("cas.txt", b"v2", overwrite=True, if_match=etag)
    assert log.operations == ["PutObject"]
    assert log.headers_of("PutObject")[0]["if-match"] == etag
    assert "if-none-match" not in log.headers_of("PutObject")[0]
    with pytest.raises(PreconditionFailed) as caught:
        store.write("cas.txt", b"v3", overwrite=True, if_match=etag)
    assert caught.value.path == "cas.txt" and caught.value.backend == "s3"
    assert store.read_bytes("cas.txt") == b"v2"


@pytest.mark.spec("S3-036")
def test_if_match_conflict_409_is_retried(backend: S3Backend) -> None:
    store = Store(backend)
    store.write("cas.txt", b"v1")
    etag = store.get_file_info("cas.txt").etag
    log = RequestLog(backend)
    log.clear()
    inject(backend, "PutObject", fake_response(409, "ConditionalRequestConflict", "retry"), times=1)
    store.write("cas.txt", b"v2", overwrite=True, if_match=etag)
    assert log.count("PutObject") == 2
    assert store.read_bytes("cas.txt") == b"v2"


@pytest.mark.spec("S3-036")
def test_if_match_on_a_missing_key_is_not_found(backend: S3Backend, admin: Any, bucket: str) -> None:
    store = Store(backend)
    with pytest.raises(NotFound):
        store.write("missing.txt", b"v1", overwrite=True, if_match="0123456789abcdef")
    assert admin.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


@pytest.mark.spec("S3-036")
def test_a_412_for_a_missing_key_is_not_found(backend: S3Backend, admin: Any, bucket: str) -> None:
    # radosgw answers If-Match on a missing key 412, not 404: a HeadObject tells them apart.
    inject(backend, "PutObject", fake_response(412, "PreconditionFailed"), times=None)
    with pytest.raises(NotFound) as caught:
        Store(backend).write("missing.txt", b"v1", overwrite=True, if_match="0123456789abcdef")
    assert caught.value.path == "missing.txt"
    assert admin.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


@pytest.mark.spec("S3-036")
def test_a_5xx_after_the_etag_moved_on_is_precondition_failed(
    make_backend: Make, admin: Any, bucket: str
) -> None:
    # radosgw answers some losers of a race of conditional PUTs 500 UnknownError, writing nothing.
    backend = make_backend(max_attempts=1)
    store = Store(backend)
    store.write("cas.txt", b"v1")
    etag = store.get_file_info("cas.txt").etag
    admin.put_object(Bucket=bucket, Key="cas.txt", Body=b"other")
    inject(backend, "PutObject", fake_response(500, "UnknownError"), times=None)
    with pytest.raises(PreconditionFailed):
        store.write("cas.txt", b"v2", overwrite=True, if_match=etag)
    assert store.read_bytes("cas.txt") == b"other"


@pytest.mark.spec("S3-036")
def test_a_5xx_that_changed_nothing_stays_the_servers_failure(make_backend: Make) -> None:
    backend = make_backend(max_attempts=1)
    store = Store(backend)
    store.write("cas.txt", b"v1")
    etag = store.get_file_info("cas.txt").etag
    inject(backend, "PutObject", fake_response(500, "UnknownError"), times=None)
    with pytest.raises(BackendUnavailable):
        store.write("cas.txt", b"v2", overwrite=True, if_match=etag)
    assert store.read_bytes("cas.txt") == b"v1"


@pytest.mark.spec("S3-036")
def test_multipart_if_match_checks_before_completing(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend)
    store = Store(backend)
    store.write("big.bin", b"old")
    etag = store.get_file_info("big.bin").etag
    assert etag is not None
    log = RequestLog(backend)
    log.clear()
    store.write("big.bin", b"n" * (PART + 1), overwrite=True, if_match=etag)
    assert log.operations == [
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPart",
        "HeadObject",
        "CompleteMultipartUpload",
    ]
    assert log.headers_of("CompleteMultipartUpload")[0]["if-match"] == etag
    assert store.get_file_info("big.bin").size == PART + 1
    # Stale by now: refused by the HeadObject, the upload aborted, the object as it was.
    with pytest.raises(PreconditionFailed):
        store.write("big.bin", b"m" * (PART + 1), overwrite=True, if_match=etag)
    assert store.read_bytes("big.bin") == b"n" * (PART + 1)
    assert uploads(admin, bucket) == []
    store.delete("big.bin")
    with pytest.raises(NotFound):
        store.write("big.bin", b"m" * (PART + 1), overwrite=True, if_match=etag)
    assert not store.exists("big.bin")
    assert uploads(admin, bucket) == []


@pytest.mark.spec("S3-036")
def test_multipart_if_match_refused_by_the_completion(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = small(make_backend)
    store = Store(backend)
    store.write("big.bin", b"old")
    etag = store.get_file_info("big.bin").etag
    inject(backend, "CompleteMultipartUpload", fake_response(412, "PreconditionFailed", "changed"), times=1)
    with pytest.raises(PreconditionFailed):
        store.write("big.bin", b"n" * (PART + 1), overwrite=True, if_match=etag)
    assert store.read_bytes("big.bin") == b"old"
    assert uploads(admin, bucket) == []


@pytest.mark.spec("S3-035")
@pytest.mark.servers("ceph")
def test_radosgw_returns_underscores_in_keys_as_hyphens(backend: S3Backend) -> None:
    store = Store(backend)
    store.write("under.txt", b"x", metadata={"x_id": "1", "plain": "2"})
    assert dict(store.get_file_info("under.txt").metadata) == {"x-id": "1", "plain": "2"}
