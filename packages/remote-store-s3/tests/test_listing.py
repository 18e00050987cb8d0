"""Listings, folder markers, odd keys, queries and metadata (specs/s3.md)."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from _s3_helpers import RequestLog, client_of

from remote_store import FileInfo, NotFound, RemotePath, Store
from remote_store.backends.s3 import S3Backend, _backend


def put_all(admin: Any, bucket: str, keys: list[str], body: bytes = b"x") -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: admin.put_object(Bucket=bucket, Key=key, Body=body), keys))


# -- S3-017 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-017")
def test_pages_are_requested_as_the_iteration_reaches_them(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_backend, "PAGE_SIZE", 3)
    put_all(admin, bucket, [f"d/f{index:02}" for index in range(10)] + ["d/sub/deep", "other"])
    log = RequestLog(backend)
    files = backend.list_files("d")
    assert log.operations == []
    first = next(files)
    assert log.operations == ["ListObjectsV2"]
    assert first.path == RemotePath("d/f00")
    rest = list(files)
    assert [str(info.path) for info in [first, *rest]] == [f"d/f{index:02}" for index in range(10)]
    # 10 keys + 1 common prefix in pages of 3: 4 pages, each asked with the delimiter.
    assert log.operations == ["ListObjectsV2"] * 4
    log.clear()
    assert sorted(str(info.path) for info in backend.list_files("d", recursive=True)) == sorted(
        [f"d/f{index:02}" for index in range(10)] + ["d/sub/deep"]
    )
    assert log.count("ListObjectsV2") == 4  # 11 keys, no delimiter
    log.clear()
    assert list(backend.list_folders("d")) == ["d/sub"]
    assert log.count("ListObjectsV2") == 4


@pytest.mark.spec("S3-017")
def test_requests_carry_prefix_and_delimiter(backend: S3Backend, admin: Any, bucket: str) -> None:
    put_all(admin, bucket, ["a/1", "a/b/2", "ab/3"])
    sent: list[str] = []
    client_of(backend).meta.events.register(
        "before-send.s3.ListObjectsV2", lambda request, **_: sent.append(request.url)
    )
    assert [str(i.path) for i in backend.list_files("a")] == ["a/1"]
    assert sorted(str(i.path) for i in backend.list_files("a", recursive=True)) == ["a/1", "a/b/2"]
    assert list(backend.list_folders("a")) == ["a/b"]
    assert sorted(backend.list_folders("")) == ["a", "ab"]
    assert "prefix=a%2F" in sent[0] and "delimiter=%2F" in sent[0]
    assert "prefix=a%2F" in sent[1] and "delimiter" not in sent[1]
    assert "delimiter=%2F" in sent[2]
    assert "prefix=&" in sent[3] or "prefix" not in sent[3]


@pytest.mark.spec("S3-017", "S3-024")
def test_listing_and_deleting_past_one_thousand_keys(backend: S3Backend, admin: Any, bucket: str) -> None:
    names = [f"many/k{index:04}" for index in range(1003)]
    put_all(admin, bucket, [*names, "other"])
    log = RequestLog(backend)
    assert sorted(str(info.path) for info in backend.list_files("many")) == names
    assert log.operations == ["ListObjectsV2", "ListObjectsV2"]
    log.clear()
    assert sum(1 for _ in backend.list_files("", recursive=True)) == 1004
    assert log.operations == ["ListObjectsV2", "ListObjectsV2"]
    log.clear()
    backend.delete_folder("many", recursive=True)
    assert log.operations == ["ListObjectsV2", "DeleteObjects", "ListObjectsV2", "DeleteObjects"]
    batches = [int(headers["content-length"]) for headers in log.headers_of("DeleteObjects")]
    assert batches[0] > 100 * batches[1] / 3  # 1,000 keys, then 3
    assert [item["Key"] for item in admin.list_objects_v2(Bucket=bucket)["Contents"]] == ["other"]


@pytest.mark.spec("S3-017")
def test_results_are_backend_relative_through_a_nested_store(backend: S3Backend, bucket: str) -> None:
    store = Store(backend, "root/inner", owns_backend=False)
    store.write("x/y.txt", b"y")
    assert [str(info.path) for info in backend.list_files("root/inner/x")] == ["root/inner/x/y.txt"]
    assert list(backend.list_folders("root/inner")) == ["root/inner/x"]
    assert [str(info.path) for info in store.list_files("x")] == ["x/y.txt"]


# -- S3-018 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-018")
def test_folder_markers_are_folders_never_files(backend: S3Backend, admin: Any, bucket: str) -> None:
    put_all(admin, bucket, ["m/", "m/sub/", "m/file.txt", "lonely/"], body=b"")
    admin.put_object(Bucket=bucket, Key="odd/", Body=b"not empty")
    assert [str(i.path) for i in backend.list_files("m")] == ["m/file.txt"]
    assert [str(i.path) for i in backend.list_files("", recursive=True)] == ["m/file.txt"]
    assert sorted(backend.list_folders("")) == ["lonely", "m", "odd"]
    assert list(backend.list_folders("m")) == ["m/sub"]
    for folder in ("m", "m/sub", "lonely", "odd"):
        assert backend.is_folder(folder), folder
        assert not backend.is_file(folder), folder
        with pytest.raises(NotFound):
            backend.get_file_info(folder)
    info = backend.get_folder_info("m")
    assert (info.file_count, info.total_size) == (1, 0)


@pytest.mark.spec("S3-018", "S3-023")
def test_a_lone_marker_is_deleted_by_a_non_recursive_delete_folder(
    backend: S3Backend, admin: Any, bucket: str
) -> None:
    put_all(admin, bucket, ["m/", "m/sub/"], body=b"")
    log = RequestLog(backend)
    backend.delete_folder("m/sub")
    assert log.operations == ["ListObjectsV2", "DeleteObject"]
    assert [item["Key"] for item in admin.list_objects_v2(Bucket=bucket)["Contents"]] == ["m/"]
    backend.delete_folder("m")
    assert admin.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    assert not backend.is_folder("m")


# -- S3-019 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-019")
def test_keys_no_path_can_name_are_skipped(backend: S3Backend, admin: Any, bucket: str) -> None:
    odd = ["d//empty-segment", "d/./dot", "d/../dotdot", "d/back\\slash", "d/tab\there", "/leading"]
    put_all(admin, bucket, [*odd, "d/good.txt"])
    assert [str(i.path) for i in backend.list_files("d")] == ["d/good.txt"]
    assert [str(i.path) for i in backend.list_files("", recursive=True)] == ["d/good.txt"]
    assert list(backend.list_folders("d")) == []
    assert sorted(backend.list_folders("")) == ["d"]
    backend.delete_folder("d", recursive=True)
    remaining = [item["Key"] for item in admin.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert remaining == ["/leading"]


# -- S3-020 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-020")
def test_query_costs(backend: S3Backend, admin: Any, bucket: str) -> None:
    admin.put_object(Bucket=bucket, Key="f/g.txt", Body=b"g")
    log = RequestLog(backend)
    assert backend.is_file("f/g.txt") and not backend.is_file("f")
    assert log.operations == ["HeadObject", "HeadObject"]
    log.clear()
    assert backend.is_folder("f") and not backend.is_folder("f/g.txt")
    assert log.operations == ["ListObjectsV2", "ListObjectsV2"]
    assert all("max-keys=1" in url for url in log.urls)
    assert "prefix=f%2F&" in log.urls[0] + "&" and "delimiter" not in log.urls[0]
    log.clear()
    assert backend.is_folder("")
    assert log.operations == []
    backend.get_file_info("f/g.txt")
    assert log.operations == ["HeadObject"]


@pytest.mark.spec("S3-020")
def test_file_info_fields(make_backend: Any, admin: Any, bucket: str) -> None:
    backend = make_backend(multipart_threshold=1024)
    data = b"hello, world"
    admin.put_object(Bucket=bucket, Key="dir/hello.txt", Body=data, ContentType="text/plain")
    before = datetime.now(timezone.utc)
    backend.write("dir/multi.bin", b"m" * 2048)
    info = backend.get_file_info("dir/hello.txt")
    assert isinstance(info, FileInfo)
    assert info.path == RemotePath("dir/hello.txt")
    assert info.name == "hello.txt"
    assert info.size == len(data)
    assert info.modified_at.tzinfo is timezone.utc
    assert abs(info.modified_at - before) < timedelta(seconds=60)
    assert info.etag == hashlib.md5(data).hexdigest()  # S3's ETag of a single PUT
    assert info.content_type == "text/plain"
    multi = backend.get_file_info("dir/multi.bin")
    assert multi.etag is not None and multi.etag.endswith("-1") and '"' not in multi.etag
    listed = {str(i.path): i for i in backend.list_files("dir")}
    assert listed["dir/hello.txt"].size == info.size
    assert listed["dir/hello.txt"].etag == info.etag
    assert listed["dir/hello.txt"].content_type is None
    assert listed["dir/hello.txt"].modified_at.tzinfo is timezone.utc
    assert listed["dir/multi.bin"].etag == multi.etag
