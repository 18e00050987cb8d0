"""A missing bucket, delete, delete_folder, copy and move (specs/s3.md)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from _s3_helpers import MIB, RequestLog, client_of, fake_response, inject
from botocore.exceptions import EndpointConnectionError

from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    DirectoryNotEmpty,
    InvalidPath,
    NotFound,
    RemoteStoreError,
)
from remote_store.backend_tools import Operation
from remote_store.backends.s3 import S3Backend, _backend

Make = Callable[..., S3Backend]


def keys(admin: Any, bucket: str) -> list[str]:
    found: list[str] = []
    for page in admin.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found += [item["Key"] for item in page.get("Contents", ())]
    return sorted(found)


def put_all(admin: Any, bucket: str, names: list[str], body: bytes = b"x") -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: admin.put_object(Bucket=bucket, Key=key, Body=body), names))


# -- S3-021 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-021")
def test_missing_bucket_is_backend_unavailable(make_backend: Make, s3_server: Any) -> None:
    backend = make_backend(bucket="no-such-bucket-for-remote-store")
    calls: dict[str, Callable[[], Any]] = {
        "is_file": lambda: backend.is_file("k"),
        "get_file_info": lambda: backend.get_file_info("k"),
        "is_folder": lambda: backend.is_folder("k"),
        "write": lambda: backend.write("k", b"x"),
        "read_bytes": lambda: backend.read_bytes("k"),
        "read": lambda: backend.read("k"),
        "list_files": lambda: list(backend.list_files("")),
        "list_folders": lambda: list(backend.list_folders("")),
        "delete": lambda: backend.delete("k", missing_ok=True),
        "copy": lambda: backend.copy("k", "l"),
    }
    for operation, call in calls.items():
        with pytest.raises(BackendUnavailable) as caught:
            call()
        error = caught.value
        assert "no-such-bucket-for-remote-store" in error.message, operation
        assert s3_server.endpoint_url in error.message, operation
        assert error.operation == operation
        assert error.__cause__ is not None


@pytest.mark.spec("S3-021")
def test_one_head_bucket_per_backend(backend: S3Backend, admin: Any, bucket: str) -> None:
    log = RequestLog(backend, warm=False)
    assert not backend.is_file("missing")
    assert not backend.is_file("missing-too")
    assert log.operations == ["HeadObject", "HeadBucket", "HeadObject"]


@pytest.mark.spec("S3-021")
def test_a_head_bucket_refused_with_403_trusts_the_404(backend: S3Backend, admin: Any, bucket: str) -> None:
    # Credentials without s3:ListBucket: HeadBucket answers 403, which says nothing against the bucket.
    seen = inject(backend, "HeadBucket", fake_response(403))
    log = RequestLog(backend, warm=False)
    assert not backend.is_file("missing")
    assert not backend.exists("missing-too")
    assert seen == [1]
    assert log.operations[:3] == ["HeadObject", "HeadBucket", "HeadObject"]
    assert log.count("HeadBucket") == 1


@pytest.mark.spec("S3-021")
def test_a_head_bucket_failing_otherwise_is_raised(backend: S3Backend, admin: Any, bucket: str) -> None:
    # 400 is not retried; a failure other than 403 or 404 must not pass for a confirmed bucket.
    inject(backend, "HeadBucket", fake_response(400))
    with pytest.raises(RemoteStoreError) as caught:
        backend.is_file("missing")
    assert caught.value.__cause__ is not None
    assert caught.value.operation == Operation.IS_FILE


@pytest.mark.spec("S3-021")
def test_a_listing_confirms_the_bucket(backend: S3Backend, admin: Any, bucket: str) -> None:
    log = RequestLog(backend, warm=False)
    list(backend.list_files(""))
    assert not backend.is_file("missing")
    assert log.operations == ["ListObjectsV2", "HeadObject"]


# -- S3-022 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-022")
def test_delete_costs(backend: S3Backend, admin: Any, bucket: str) -> None:
    put_all(admin, bucket, ["f.txt", "g.txt", "dir/inner.txt"])
    log = RequestLog(backend)
    backend.delete("f.txt")
    assert log.operations == ["HeadObject", "DeleteObject"]
    log.clear()
    backend.delete("g.txt", missing_ok=True)
    assert log.operations == ["DeleteObject"]
    assert keys(admin, bucket) == ["dir/inner.txt"]
    log.clear()
    with pytest.raises(NotFound):
        backend.delete("f.txt")
    assert log.operations == ["HeadObject", "ListObjectsV2"]
    log.clear()
    backend.delete("f.txt", missing_ok=True)
    assert log.operations == ["DeleteObject"]
    log.clear()
    with pytest.raises(InvalidPath):
        backend.delete("dir")
    # One request with missing_ok=True: no key "dir" exists, so nothing is deleted.
    backend.delete("dir", missing_ok=True)
    assert keys(admin, bucket) == ["dir/inner.txt"]


# -- S3-023 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-023")
def test_non_recursive_delete_folder(backend: S3Backend, admin: Any, bucket: str) -> None:
    put_all(admin, bucket, ["full/", "full/a.txt", "file.txt"])
    log = RequestLog(backend)
    with pytest.raises(DirectoryNotEmpty):
        backend.delete_folder("full")
    assert log.operations == ["ListObjectsV2"]
    assert keys(admin, bucket) == ["file.txt", "full/", "full/a.txt"]
    with pytest.raises(NotFound):
        backend.delete_folder("missing")
    backend.delete_folder("missing", missing_ok=True)
    with pytest.raises(InvalidPath):
        backend.delete_folder("file.txt", missing_ok=True)
    with pytest.raises(InvalidPath):
        backend.delete_folder("")


# -- S3-024 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-024")
def test_recursive_delete_in_batches_from_a_lazy_listing(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_backend, "PAGE_SIZE", 5)
    inside = [f"tree/{index:02}" for index in range(9)] + ["tree/", "tree/sub/", "tree/sub/x", "tree//odd"]
    put_all(admin, bucket, [*inside, "tree.txt", "treehouse/keep"])
    log = RequestLog(backend)
    backend.delete_folder("tree", recursive=True)
    assert log.operations == ["ListObjectsV2", "DeleteObjects"] * 3
    assert keys(admin, bucket) == ["tree.txt", "treehouse/keep"]


@pytest.mark.spec("S3-024")
def test_partial_failures_are_reported(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_backend, "PAGE_SIZE", 4)
    names = [f"p/{index:02}" for index in range(10)]
    put_all(admin, bucket, names)
    client = client_of(backend)
    real = client.delete_objects

    def refuse_odd(**params: Any) -> Any:
        objects = params["Delete"]["Objects"]
        kept = [item for item in objects if int(item["Key"][-2:]) % 2 == 1]
        params["Delete"]["Objects"] = [item for item in objects if item not in kept]
        result = real(**params)
        result["Errors"] = [{"Key": item["Key"], "Code": "AccessDenied", "Message": "no"} for item in kept]
        return result

    monkeypatch.setattr(client, "delete_objects", refuse_odd)
    with pytest.raises(RemoteStoreError) as caught:
        backend.delete_folder("p", recursive=True)
    message = caught.value.message
    assert "5 of 10" in message
    assert "'p/01'" in message and "'p/09'" in message
    assert caught.value.path == "p"
    assert keys(admin, bucket) == [f"p/{index:02}" for index in range(1, 10, 2)]


# -- S3-025 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-025")
def test_copy_costs_and_conditions(backend: S3Backend, admin: Any, bucket: str) -> None:
    admin.put_object(
        Bucket=bucket, Key="src.txt", Body=b"source", ContentType="text/plain", Metadata={"k": "v"}
    )
    log = RequestLog(backend)
    backend.copy("src.txt", "dst.txt")
    assert log.operations == ["HeadObject", "HeadObject", "CopyObject"]
    # Older botocore releases have no If-None-Match for CopyObject: then only the HeadObject guards.
    accepted = backend._requests.accepts(backend.context(Operation.COPY), "CopyObject", "IfNoneMatch")
    expected = "*" if accepted else None
    assert log.headers_of("CopyObject")[0].get("if-none-match") == expected
    head = admin.head_object(Bucket=bucket, Key="dst.txt")
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"k": "v"}
    log.clear()
    with pytest.raises(AlreadyExists):
        backend.copy("src.txt", "dst.txt")
    assert log.operations == ["HeadObject", "HeadObject"]
    log.clear()
    admin.put_object(Bucket=bucket, Key="src.txt", Body=b"newer")
    backend.copy("src.txt", "dst.txt", overwrite=True)
    assert log.operations == ["HeadObject", "CopyObject"]
    assert "if-none-match" not in log.headers_of("CopyObject")[0]
    assert admin.get_object(Bucket=bucket, Key="dst.txt")["Body"].read() == b"newer"
    with pytest.raises(NotFound) as caught:
        backend.copy("missing.txt", "other.txt")
    assert caught.value.path == "missing.txt"


@pytest.mark.spec("S3-025")
def test_source_vanishing_before_the_copy_is_not_found_for_the_source(
    backend: S3Backend, admin: Any, bucket: str
) -> None:
    admin.put_object(Bucket=bucket, Key="src.txt", Body=b"source")

    def delete_source(request: Any) -> None:
        admin.delete_object(Bucket=bucket, Key="src.txt")

    inject(backend, "CopyObject", delete_source)
    with pytest.raises(NotFound) as caught:
        backend.copy("src.txt", "dst.txt")
    assert caught.value.path == "src.txt"
    assert keys(admin, bucket) == []


# -- S3-026 ------------------------------------------------------------------------------------------


@pytest.fixture
def small_copy_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_backend, "MAX_COPY_OBJECT_SIZE", 6 * MIB)
    monkeypatch.setattr(_backend, "COPY_PART_SIZE", 5 * MIB)


@pytest.mark.spec("S3-026")
@pytest.mark.usefixtures("small_copy_limits")
def test_large_sources_are_copied_in_parts(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = make_backend(max_concurrency=2)
    data = os.urandom(11 * MIB + 3)
    admin.put_object(
        Bucket=bucket,
        Key="big.bin",
        Body=data,
        ContentType="application/x-test",
        CacheControl="no-cache",
        Metadata={"origin": "test"},
    )
    log = RequestLog(backend)
    backend.copy("big.bin", "copy/big.bin")
    assert log.operations[:3] == ["HeadObject", "HeadObject", "CreateMultipartUpload"]
    assert log.count("UploadPartCopy") == 3
    assert log.operations[-2:] == ["HeadObject", "CompleteMultipartUpload"]
    ranges = sorted(h["x-amz-copy-source-range"] for h in log.headers_of("UploadPartCopy"))
    assert ranges == ["bytes=0-5242879", "bytes=10485760-11534338", "bytes=5242880-10485759"]
    etag = admin.head_object(Bucket=bucket, Key="big.bin")["ETag"]
    assert all(h["x-amz-copy-source-if-match"] == etag for h in log.headers_of("UploadPartCopy"))
    assert admin.get_object(Bucket=bucket, Key="copy/big.bin")["Body"].read() == data
    head = admin.head_object(Bucket=bucket, Key="copy/big.bin")
    assert head["ContentType"] == "application/x-test"
    assert head["CacheControl"] == "no-cache"
    assert head["Metadata"] == {"origin": "test"}
    assert admin.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    with pytest.raises(AlreadyExists):
        backend.copy("big.bin", "copy/big.bin")


@pytest.mark.spec("S3-026", "S3-011")
@pytest.mark.usefixtures("small_copy_limits")
def test_a_failing_part_copy_aborts(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = make_backend(max_attempts=1)
    admin.put_object(Bucket=bucket, Key="big.bin", Body=os.urandom(7 * MIB))
    log = RequestLog(backend)
    inject(backend, "UploadPartCopy", EndpointConnectionError(endpoint_url="http://x"), skip=1)
    with pytest.raises(BackendUnavailable):
        backend.copy("big.bin", "copy.bin")
    assert log.operations[-1] == "AbortMultipartUpload"
    assert admin.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert keys(admin, bucket) == ["big.bin"]


@pytest.mark.spec("S3-026")
def test_part_size_grows_to_stay_within_ten_thousand_parts(
    make_backend: Make, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from remote_store.backends.s3 import _upload

    monkeypatch.setattr(_backend, "MAX_COPY_OBJECT_SIZE", 1024)
    monkeypatch.setattr(_backend, "COPY_PART_SIZE", 1)
    monkeypatch.setattr(_upload, "MAX_PARTS", 2)
    backend = make_backend()
    data = os.urandom(10 * MIB + 2)
    admin.put_object(Bucket=bucket, Key="big.bin", Body=data)
    log = RequestLog(backend)
    backend.copy("big.bin", "copy.bin")
    assert sorted(h["x-amz-copy-source-range"] for h in log.headers_of("UploadPartCopy")) == [
        "bytes=0-5242880",
        "bytes=5242881-10485761",
    ]
    assert admin.get_object(Bucket=bucket, Key="copy.bin")["Body"].read() == data


# -- S3-027 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-027")
def test_move_is_copy_then_delete(backend: S3Backend, admin: Any, bucket: str) -> None:
    admin.put_object(Bucket=bucket, Key="a.txt", Body=b"moving")
    log = RequestLog(backend)
    backend.move("a.txt", "b/a.txt")
    assert log.operations == ["HeadObject", "HeadObject", "CopyObject", "DeleteObject"]
    assert keys(admin, bucket) == ["b/a.txt"]
    for overwrite in (False, True):
        with pytest.raises(InvalidPath):
            backend.move("b/a.txt", "b/a.txt", overwrite=overwrite)
        with pytest.raises(InvalidPath):
            backend.copy("b/a.txt", "b/a.txt", overwrite=overwrite)
    assert admin.get_object(Bucket=bucket, Key="b/a.txt")["Body"].read() == b"moving"


@pytest.mark.spec("S3-027")
def test_a_failed_delete_after_the_copy_leaves_both(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = make_backend(max_attempts=1)
    admin.put_object(Bucket=bucket, Key="a.txt", Body=b"moving")
    inject(backend, "DeleteObject", EndpointConnectionError(endpoint_url="http://x"))
    with pytest.raises(BackendUnavailable) as caught:
        backend.move("a.txt", "b.txt")
    assert caught.value.path == "a.txt"
    assert caught.value.operation == "move"
    assert admin.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"moving"
    assert admin.get_object(Bucket=bucket, Key="b.txt")["Body"].read() == b"moving"


@pytest.mark.spec("S3-027")
def test_a_failed_copy_changes_nothing(make_backend: Make, admin: Any, bucket: str) -> None:
    backend = make_backend(max_attempts=1)
    admin.put_object(Bucket=bucket, Key="a.txt", Body=b"moving")
    inject(backend, "CopyObject", EndpointConnectionError(endpoint_url="http://x"))
    with pytest.raises(BackendUnavailable):
        backend.move("a.txt", "b.txt")
    assert keys(admin, bucket) == ["a.txt"]
