"""How many requests each operation sends, and with which conditions (AZURE-008, -009, -014 to -020)."""

from __future__ import annotations

import pytest
from _azure_helpers import MIB, GeneratedStream, RequestLog
from azure.storage.blob import ContainerClient

from remote_store import AlreadyExists, DirectoryNotEmpty, InvalidPath, NotFound
from remote_store.backends.azure import AzureBackend, _requests


@pytest.mark.spec("AZURE-008", "AZURE-009")
def test_small_writes_are_one_conditional_put_blob(backend: AzureBackend) -> None:
    log = RequestLog(backend)
    backend.write("a/small.bin", b"x" * 1000)
    assert log.kinds == ["PUT"]
    assert log.requests[0][2]["if-none-match"] == "*"
    log.clear()
    backend.write("a/small.bin", GeneratedStream(8 * MIB), overwrite=True)
    assert log.kinds == ["PUT"]
    assert "if-none-match" not in log.requests[0][2]


@pytest.mark.spec("AZURE-008")
def test_a_small_stream_is_read_in_bounded_asks(backend: AzureBackend) -> None:
    stream = GeneratedStream(3 * MIB, max_chunk=10 * MIB)
    backend.write("s.bin", stream)
    assert stream.largest_ask <= 8 * MIB
    assert backend.get_file_info("s.bin").size == 3 * MIB


@pytest.mark.spec("AZURE-009", "AZURE-010")
def test_large_creates_commit_with_if_none_match(make_backend) -> None:  # type: ignore[no-untyped-def]
    backend = make_backend(max_single_put_size=MIB, max_block_size=MIB // 2 + 1, max_concurrency=2)
    log = RequestLog(backend)
    backend.write("big.bin", GeneratedStream(3 * MIB))
    assert log.kinds.count("PUT block") == 6
    assert log.kinds[-1] == "PUT blocklist" and len(log.kinds) == 7
    assert log.requests[-1][2]["if-none-match"] == "*"
    with pytest.raises(AlreadyExists):
        backend.write("big.bin", GeneratedStream(3 * MIB))


@pytest.mark.spec("AZURE-014")
def test_a_small_read_is_one_request_and_a_large_one_is_pinned(
    make_backend, container: ContainerClient
) -> None:  # type: ignore[no-untyped-def]
    backend = make_backend(max_chunk_get_size=256 * 1024)
    container.upload_blob("small", b"hello")
    container.upload_blob("large", bytes(range(256)) * 4096)  # 1 MiB: four chunks
    log = RequestLog(backend)
    assert backend.read_bytes("small") == b"hello"
    assert log.kinds == ["GET"]
    log.clear()
    with backend.read("large") as stream:
        assert stream.read(10) == bytes(range(10))
        assert log.kinds == ["GET"]
        assert log.requests[0][2]["x-ms-range"] == f"bytes=0-{256 * 1024 - 1}"
        rest = stream.read()
    assert len(rest) == 1024 * 1024 - 10
    assert log.kinds == ["GET"] * 4
    etags = {headers.get("if-match") for _, _, headers in log.requests[1:]}
    assert len(etags) == 1 and None not in etags


@pytest.mark.spec("AZURE-014")
def test_an_empty_blob_costs_two_gets(backend: AzureBackend, container: ContainerClient) -> None:
    container.upload_blob("empty", b"")
    log = RequestLog(backend)
    assert backend.read_bytes("empty") == b""
    assert log.kinds == ["GET", "GET"]


@pytest.mark.spec("AZURE-016")
def test_queries_are_one_request(backend: AzureBackend, container: ContainerClient) -> None:
    container.upload_blob("d/f.txt", b"abc")
    log = RequestLog(backend)
    assert backend.is_file("d/f.txt")
    assert log.kinds == ["HEAD"]
    log.clear()
    assert backend.is_folder("d")
    assert log.kinds == ["GET list"]
    log.clear()
    assert backend.is_folder("")
    assert log.kinds == []
    info = backend.get_file_info("d/f.txt")
    assert log.kinds == ["HEAD"]
    assert info.size == 3 and info.etag and not info.etag.startswith('"')
    assert info.modified_at.utcoffset() is not None and info.modified_at.utcoffset().total_seconds() == 0
    assert info.content_type == "application/octet-stream"
    listed = next(iter(backend.list_files("d")))
    assert (listed.size, listed.etag, listed.content_type) == (info.size, info.etag, info.content_type)


@pytest.mark.spec("AZURE-018")
def test_delete_is_one_request(backend: AzureBackend, container: ContainerClient) -> None:
    container.upload_blob("f", b"1")
    container.upload_blob("folder/x", b"1")
    log = RequestLog(backend)
    backend.delete("f", missing_ok=True)
    backend.delete("f", missing_ok=True)
    backend.delete("folder", missing_ok=True)
    assert log.kinds == ["DELETE"] * 3
    assert all(headers.get("x-ms-delete-snapshots") == "include" for _, _, headers in log.requests)
    container.upload_blob("g", b"1")
    log.clear()
    backend.delete("g")
    assert log.kinds == ["DELETE"]
    log.clear()
    with pytest.raises(InvalidPath):
        backend.delete("folder")
    with pytest.raises(NotFound):
        backend.delete("nothing")
    assert log.kinds == ["DELETE", "GET list"] * 2
    assert backend.is_file("folder/x")


@pytest.mark.spec("AZURE-019", "AZURE-015")
def test_delete_folder_and_markers(backend: AzureBackend, container: ContainerClient) -> None:
    container.upload_blob("m/", b"")
    assert backend.is_folder("m") and not backend.is_file("m")
    assert list(backend.list_folders("")) == ["m"]
    assert list(backend.list_files("")) == [] and list(backend.list_files("m", recursive=True)) == []
    with pytest.raises(NotFound):
        backend.read_bytes("m")
    log = RequestLog(backend)
    backend.delete_folder("m")
    assert log.kinds == ["GET list", "DELETE"]
    assert not backend.is_folder("m")
    container.upload_blob("n/", b"")
    container.upload_blob("n/a", b"1")
    with pytest.raises(DirectoryNotEmpty):
        backend.delete_folder("n")
    container.upload_blob("n/a//odd", b"1")
    container.upload_blob("n/deep/b", b"1")
    backend.delete_folder("n", recursive=True)
    assert [blob.name for blob in container.list_blobs()] == []


@pytest.mark.spec("AZURE-015")
def test_listings_are_paged_lazily(
    backend: AzureBackend, container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_requests, "PAGE_SIZE", 3)
    for index in range(7):
        container.upload_blob(f"p/f{index}", b"1")
    container.upload_blob("p/sub/g", b"1")
    container.upload_blob("p/bad//name", b"1")
    log = RequestLog(backend)
    files = backend.list_files("p")
    assert log.kinds == []
    first = next(files)
    assert log.kinds == ["GET list"] and first.path.name.startswith("f")
    names = [first.path.name, *(info.path.name for info in files)]
    assert sorted(names) == [f"f{index}" for index in range(7)]
    assert log.kinds == ["GET list"] * 3
    assert all(query.get("delimiter") == "/" and query["prefix"] == "p/" for query in log.queries)
    log.clear()
    assert sorted(backend.list_folders("p")) == ["p/bad", "p/sub"]
    log.clear()
    recursive = sorted(str(info.path) for info in backend.list_files("p", recursive=True))
    assert recursive == sorted([*(f"p/f{index}" for index in range(7)), "p/sub/g"])
    assert all("delimiter" not in query for query in log.queries)


@pytest.mark.spec("AZURE-020")
def test_copy_is_one_conditional_request_and_move_adds_a_delete(
    backend: AzureBackend, container: ContainerClient
) -> None:
    container.upload_blob("src", b"content")
    log = RequestLog(backend)
    backend.copy("src", "dst")
    assert log.kinds == ["PUT copy"]
    assert log.requests[0][2]["if-none-match"] == "*"
    with pytest.raises(AlreadyExists) as caught:
        backend.copy("src", "dst")
    assert caught.value.path == "dst"
    with pytest.raises(NotFound) as missing:
        backend.copy("nothing", "dst2")
    assert missing.value.path == "nothing"
    log.clear()
    backend.move("src", "dst", overwrite=True)
    assert log.kinds == ["PUT copy", "DELETE"]
    assert "if-none-match" not in log.requests[0][2]
    assert container.download_blob("dst").readall() == b"content"
    assert not backend.is_file("src")
