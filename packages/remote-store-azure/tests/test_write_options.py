"""Content type, user metadata and conditional replace on Azure (AZURE-029, AZURE-030)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from _azure_helpers import RequestLog
from azure.storage.blob import ContainerClient, ContentSettings

from remote_store import InvalidArgument, NotFound, PreconditionFailed, Store
from remote_store.backends.azure import AzureBackend
from remote_store.backends.azure._attributes import MAX_METADATA_SIZE, metadata_name, read_metadata

SMALL = 64 * 1024
"""The smallest threshold and block size the options allow: blocks from 64 KiB + 1 byte on."""


@pytest.fixture
def small(make_backend: Callable[..., AzureBackend]) -> AzureBackend:
    return make_backend(max_single_put_size=SMALL, max_block_size=SMALL)


@pytest.mark.spec("AZURE-029")
@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("owner", "owner"),
        ("x-source_id", "x_x002D_source_id"),
        ("1st", "_x0031_st"),
        ("12", "_x0031_2"),
        ("a_x0041_b", "a_x005F_x0041_b"),
        ("_x", "_x"),
        ("-", "_x002D_"),
    ],
)
def test_keys_become_c_sharp_identifiers_and_back(key: str, name: str) -> None:
    assert metadata_name(key) == name
    assert name.replace("_", "a").isidentifier()
    assert dict(read_metadata({name: "v"})) == {key: "v"}


@pytest.mark.spec("AZURE-029")
@pytest.mark.parametrize("size", [10, SMALL + 1], ids=["put-blob", "blocks"])
def test_content_type_and_metadata_are_blob_properties(
    small: AzureBackend, container: ContainerClient, size: int
) -> None:
    log = RequestLog(small)
    store = Store(small, owns_backend=False)
    store.write("f.csv", b"x" * size, content_type="text/csv", metadata={"Owner": "Zoë", "x-id": "7"})
    committing = log.headers_of("PUT" if size == 10 else "PUT blocklist")
    assert len(committing) == 1
    sent = committing[0]
    assert sent["x-ms-meta-owner"] == "=?UTF-8?B?Wm/Dqw==?="
    assert sent["x-ms-meta-x_x002d_id"] == "7"
    properties = container.get_blob_client("f.csv").get_blob_properties()
    assert properties.content_settings.content_type == "text/csv"
    assert properties.metadata == {"owner": "=?UTF-8?B?Wm/Dqw==?=", "x_x002D_id": "7"}
    info = store.get_file_info("f.csv")
    assert info.content_type == "text/csv"
    assert dict(info.metadata) == {"owner": "Zoë", "x-id": "7"}


@pytest.mark.spec("AZURE-029")
def test_metadata_written_by_other_clients_is_read(backend: AzureBackend, container: ContainerClient) -> None:
    container.upload_blob(
        "other.txt",
        b"x",
        metadata={"Project": "Apollo", "my_key": "=?utf-8?q?caf=C3=A9?="},
        content_settings=ContentSettings(content_type="text/plain"),
    )
    info = backend.get_file_info("other.txt")
    assert dict(info.metadata) == {"project": "Apollo", "my_key": "café"}
    assert info.content_type == "text/plain"


@pytest.mark.spec("AZURE-029", "STORE-041")
def test_metadata_over_8_kib_is_refused_before_any_request(
    backend: AzureBackend, container: ContainerClient
) -> None:
    log = RequestLog(backend)
    fits = {"k": "v" * (MAX_METADATA_SIZE - 1)}
    too_big = {"k": "v" * MAX_METADATA_SIZE}
    with pytest.raises(InvalidArgument) as caught:
        backend.write("big.txt", b"x", metadata=too_big)
    assert caught.value.argument == "metadata"
    assert str(MAX_METADATA_SIZE) in str(caught.value) and "8193" in str(caught.value)
    assert caught.value.path == "big.txt"
    # A value counts as sent, encoded: 3,100 "é" are 6,200 bytes of UTF-8 but 8,268 of base64.
    with pytest.raises(InvalidArgument):
        backend.write("big.txt", b"x", metadata={"k": "é" * 3100})
    assert log.requests == []
    backend.write("fits.txt", b"x", metadata=fits)
    assert dict(backend.get_file_info("fits.txt").metadata) == fits


@pytest.mark.spec("AZURE-030")
@pytest.mark.parametrize("size", [10, SMALL + 1], ids=["put-blob", "blocks"])
def test_if_match_is_sent_quoted_on_the_committing_request(
    small: AzureBackend, container: ContainerClient, size: int
) -> None:
    small.write("f.bin", b"old")
    etag = small.get_file_info("f.bin").etag
    assert etag is not None and not etag.startswith('"')
    log = RequestLog(small)
    small.write("f.bin", b"n" * size, overwrite=True, if_match=etag)
    kinds = log.kinds
    committing = "PUT" if size == 10 else "PUT blocklist"
    assert kinds.count(committing) == 1 and "HEAD" not in kinds
    assert log.headers_of(committing)[0]["if-match"] == f'"{etag}"'
    assert container.download_blob("f.bin").readall() == b"n" * size


@pytest.mark.spec("AZURE-030")
@pytest.mark.parametrize("size", [10, SMALL + 1], ids=["put-blob", "blocks"])
def test_a_stale_etag_is_precondition_failed_and_changes_nothing(
    small: AzureBackend, container: ContainerClient, size: int
) -> None:
    small.write("f.bin", b"first")
    stale = small.get_file_info("f.bin").etag
    assert stale is not None
    small.write("f.bin", b"second", overwrite=True)
    with pytest.raises(PreconditionFailed) as caught:
        small.write("f.bin", b"n" * size, overwrite=True, if_match=stale, metadata={"k": "v"})
    assert caught.value.path == "f.bin" and caught.value.operation == "write"
    assert container.download_blob("f.bin").readall() == b"second"
    assert container.get_blob_client("f.bin").get_blob_properties().metadata == {}


@pytest.mark.spec("AZURE-030")
@pytest.mark.parametrize("size", [10, SMALL + 1], ids=["put-blob", "blocks"])
def test_if_match_on_a_missing_blob_is_not_found(
    small: AzureBackend, container: ContainerClient, size: int
) -> None:
    with pytest.raises(NotFound) as caught:
        small.write_atomic("gone.bin", b"n" * size, overwrite=True, if_match="0x8D0000000000000")
    assert caught.value.path == "gone.bin" and caught.value.operation == "write_atomic"
    assert not container.get_blob_client("gone.bin").exists()
