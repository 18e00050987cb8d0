"""The lean List Blobs parse (AZURE-035): canned answers in Azure's format, and Azurite against the SDK."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

import pytest
from _azure_helpers import RequestLog
from azure.storage.blob import ContainerClient, ContainerSasPermissions, generate_container_sas

from remote_store import BackendUnavailable
from remote_store.backend_tools import Operation
from remote_store.backends.azure import AzureBackend, _requests
from remote_store.backends.azure._listing import list_blobs_query, parse_list_blobs

_PAGE = """<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="https://acc.blob.core.windows.net/" ContainerName="c">
  <Prefix>p/</Prefix><Marker /><MaxResults>3</MaxResults><Delimiter>/</Delimiter>
  <Blobs>
    <Blob>
      <Name>p/a &amp; b &lt;c&gt; "q" 'é' 日本</Name>
      <Properties>
        <Creation-Time>Sun, 06 Dec 2026 10:00:00 GMT</Creation-Time>
        <Last-Modified>Mon, 07 Dec 2026 13:04:05 GMT</Last-Modified>
        <Etag>0x8DCAFE0000001</Etag>
        <Content-Length>12</Content-Length>
        <Content-Type>text/plain; charset=utf-8</Content-Type>
        <Content-Encoding /><Content-MD5>abc=</Content-MD5>
        <BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus>
      </Properties>
      <Metadata><Owner>ana</Owner></Metadata>
      <OrMetadata />
    </Blob>
    <Blob>
      <Name Encoded="true">p/%EF%BF%BF%01x</Name>
      <Properties>
        <Last-Modified>Mon, 07 Dec 2026 13:04:05 GMT</Last-Modified>
        <Etag>"0x8DCAFE0000002"</Etag>
        <Content-Length>0</Content-Length>
      </Properties>
    </Blob>
    <Blob>
      <Name>p/dir</Name>
      <Properties>
        <Last-Modified>Tue, 01 Jan 2019 00:00:00 GMT</Last-Modified>
        <Etag>0x8DCAFE0000003</Etag><Content-Length>0</Content-Length>
      </Properties>
      <Metadata><HDI_IsFolder>true</HDI_IsFolder></Metadata>
    </Blob>
    <BlobPrefix><Name>p/sub &amp; more/</Name></BlobPrefix>
    <BlobPrefix><Name Encoded="true">p/%01/</Name></BlobPrefix>
  </Blobs>
  <NextMarker>2!84!MDAwMDE0IXAvc3ViJmEhMDAwMDI4ITk5OTktMTItMzFUMjM6NTk6NTkuOTk5OTk5OVoh</NextMarker>
</EnumerationResults>
""".encode()


@pytest.mark.spec("AZURE-035")
def test_a_page_in_azures_format_is_parsed_whole() -> None:
    page, marker = parse_list_blobs(_PAGE)
    assert [blob.name for blob in page.blobs] == ["p/a & b <c> \"q\" 'é' 日本", "p/\uffff\x01x", "p/dir"]
    first, encoded, directory = page.blobs
    assert (first.size, first.etag, first.content_type) == (
        12,
        "0x8DCAFE0000001",
        "text/plain; charset=utf-8",
    )
    assert first.modified_at == datetime(2026, 12, 7, 13, 4, 5, tzinfo=timezone.utc)
    assert dict(first.metadata) == {"owner": "ana"} and not first.is_directory
    assert (encoded.size, encoded.etag, encoded.content_type) == (0, "0x8DCAFE0000002", None)
    assert encoded.modified_at is first.modified_at  # one parse per distinct time text
    assert directory.is_directory and directory.modified_at.year == 2019
    assert page.prefixes == ["p/sub & more/", "p/\x01/"]
    assert marker == "2!84!MDAwMDE0IXAvc3ViJmEhMDAwMDI4ITk5OTktMTItMzFUMjM6NTk6NTkuOTk5OTk5OVoh"


@pytest.mark.spec("AZURE-035")
def test_the_last_page_has_no_marker() -> None:
    empty = b'<?xml version="1.0"?><EnumerationResults><Blobs /><NextMarker /></EnumerationResults>'
    page, marker = parse_list_blobs(empty)
    assert (page.blobs, page.prefixes, marker) == ([], [], None)
    page, marker = parse_list_blobs(b"<EnumerationResults><Blobs /></EnumerationResults>")
    assert marker is None


@pytest.mark.spec("AZURE-035")
def test_a_malformed_page_is_an_error() -> None:
    with pytest.raises(ValueError, match="without a name"):
        parse_list_blobs(b"<EnumerationResults><Blobs><BlobPrefix /></Blobs></EnumerationResults>")
    with pytest.raises(ValueError, match="Last-Modified"):
        parse_list_blobs(
            b"<EnumerationResults><Blobs><Blob><Name>x</Name></Blob></Blobs></EnumerationResults>"
        )


@pytest.mark.spec("AZURE-035")
def test_the_query_is_percent_encoded() -> None:
    query = list_blobs_query("a b/é&x+y%z=", delimiter=True, page_size=7, metadata=True, marker="2!8 4+")
    assert query.startswith("restype=container&comp=list&")
    assert " " not in query and "é" not in query
    assert dict(parse_qsl(query)) == {
        "restype": "container",
        "comp": "list",
        "prefix": "a b/é&x+y%z=",
        "delimiter": "/",
        "marker": "2!8 4+",
        "maxresults": "7",
        "include": "metadata",
    }
    plain = dict(
        parse_qsl(list_blobs_query("", delimiter=False, page_size=5000, metadata=False, marker=None))
    )
    assert plain == {"restype": "container", "comp": "list", "maxresults": "5000"}


_AWKWARD = [
    "k/a & b <c> \"q\" 'd'.txt",
    "k/é ü 日本.bin",
    "k/x+y %z=1?#.dat",
    "k/sub dir/inner&.txt",
    "k/sub dir/é/deep",
    "k/tab\tand~star*",
]


@pytest.mark.spec("AZURE-035")
def test_listings_match_the_sdk_on_azurite(
    backend: AzureBackend, container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_requests, "PAGE_SIZE", 2)  # several pages, so that markers are followed
    for index, name in enumerate(_AWKWARD):
        container.upload_blob(name, b"x" * index, metadata={"Tag": f"v{index}"})
    sdk = {blob.name: blob for blob in container.list_blobs(name_starts_with="k/")}
    log = RequestLog(backend)
    ctx = backend.context(Operation.LIST_FILES, "k")
    ours = [blob for page in backend._requests.list_blobs(ctx, "k/", delimiter=False) for blob in page.blobs]
    assert [blob.name for blob in ours] == list(sdk)
    assert log.kinds == ["GET list"] * 3
    for blob in ours:
        expected = sdk[blob.name]
        assert blob.size == expected.size and blob.etag == expected.etag.strip('"')
        assert blob.modified_at == expected.last_modified
        assert blob.content_type == expected.content_settings.content_type
        assert dict(blob.metadata) == {}  # not asked for
    with_metadata = [
        blob
        for page in backend._requests.list_blobs(ctx, "k/", delimiter=False, metadata=True)
        for blob in page.blobs
    ]
    assert [dict(blob.metadata) for blob in with_metadata] == [
        {"tag": f"v{_AWKWARD.index(b.name)}"} for b in ours
    ]
    pages = list(backend._requests.list_blobs(ctx, "k/sub dir/", delimiter=True))
    assert [blob.name for page in pages for blob in page.blobs] == ["k/sub dir/inner&.txt"]
    assert [prefix for page in pages for prefix in page.prefixes] == ["k/sub dir/é/"]
    assert sorted(info.path.name for info in backend.list_files("k")) == sorted(n[2:] for n in _AWKWARD[:3])
    assert [*backend.list_folders("k")] == ["k/sub dir"]


@pytest.mark.spec("AZURE-035")
def test_a_listing_error_is_mapped(make_backend: Callable[..., AzureBackend]) -> None:
    backend = make_backend(container="rs-never-created")
    with pytest.raises(BackendUnavailable, match="does not exist") as caught:
        list(backend.list_files(""))
    assert "ContainerNotFound" in str(caught.value)
    assert getattr(caught.value.__cause__, "status_code", None) == 404


@pytest.mark.spec("AZURE-035")
def test_listings_work_with_a_sas(
    azurite: Any, container: ContainerClient, make_backend: Callable[..., AzureBackend]
) -> None:
    key = azurite.connection_string.split("AccountKey=")[1].split(";")[0]
    sas = generate_container_sas(
        "devstoreaccount1",
        container.container_name,
        account_key=key,
        permission=ContainerSasPermissions(read=True, list=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    container.upload_blob("s/a b&c.txt", b"1")
    container.upload_blob("s/d/e", b"1")
    endpoint = azurite.connection_string.split("BlobEndpoint=")[1].split(";")[0]
    as_option = make_backend(connection_string=None, account_url=endpoint, sas_token=sas)
    in_string = make_backend(connection_string=f"BlobEndpoint={endpoint};SharedAccessSignature={sas}")
    for backend in (as_option, in_string):
        assert [info.path.name for info in backend.list_files("s")] == ["a b&c.txt"]
        assert list(backend.list_folders("s")) == ["s/d"]
