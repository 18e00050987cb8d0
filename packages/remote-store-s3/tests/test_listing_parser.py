"""The backend's ListObjectsV2 parser, on answers written by hand and through the client (specs/s3.md)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote_plus
from xml.sax.saxutils import escape

import pytest
from _s3_helpers import RequestLog, client_of, inject
from botocore.awsrequest import AWSResponse
from hypothesis import given
from hypothesis import strategies as st

from remote_store import BackendUnavailable, RemoteStoreError
from remote_store.backends.s3 import S3Backend, _backend
from remote_store.backends.s3._listing import ListedObject, MalformedListing, NotAListing, parse_listing

_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def answer(inner: str, *, namespace: bool = True, encoded: bool = False) -> bytes:
    head = f'<ListBucketResult xmlns="{_NS}">' if namespace else "<ListBucketResult>"
    encoding = "<EncodingType>url</EncodingType>" if encoded else ""
    text = f'<?xml version="1.0" encoding="UTF-8"?>{head}<Name>b</Name>{inner}{encoding}</ListBucketResult>'
    return text.encode()


def entry(
    key: str, size: str = "3", modified: str = "2026-12-07T06:55:02.123Z", etag: str = "&quot;e&quot;"
) -> str:
    return (
        f"<Contents><Key>{key}</Key><LastModified>{modified}</LastModified><ETag>{etag}</ETag>"
        f"<Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>"
    )


# -- S3-037 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-037")
def test_entries_prefixes_and_token_are_read() -> None:
    page = parse_listing(
        answer(
            "<IsTruncated>true</IsTruncated><NextContinuationToken>1%2Fa+b==</NextContinuationToken>"
            + entry("d/a.txt", size="1024")
            + "<CommonPrefixes><Prefix>d/sub/</Prefix></CommonPrefixes>"
            + entry("d/b", etag="&quot;abc-2&quot;")
        )
    )
    when = datetime(2026, 12, 7, 6, 55, 2, 123000, tzinfo=timezone.utc)
    assert page.objects == [
        ListedObject("d/a.txt", 1024, when, '"e"'),
        ListedObject("d/b", 3, when, '"abc-2"'),
    ]
    assert page.objects[0].last_modified.tzinfo is timezone.utc
    assert page.prefixes == ["d/sub/"]
    assert page.truncated is True
    assert page.next_token == "1%2Fa+b=="  # never decoded: it goes back as it came


@pytest.mark.spec("S3-037")
def test_xml_escapes_and_non_ascii_keys_read_as_xml_defines_them() -> None:
    keys = ["a&amp;b", "&lt;x&gt;", "caf\u00e9/\u65e5\u672c", "q&#x22;&#39;", "emoji\U0001f600"]
    page = parse_listing(answer("".join(entry(key) for key in keys)))
    assert [item.key for item in page.objects] == [
        "a&b",
        "<x>",
        "caf\u00e9/\u65e5\u672c",
        "q\"'",
        "emoji\U0001f600",
    ]


@pytest.mark.spec("S3-037")
def test_url_encoded_keys_and_prefixes_are_decoded_wherever_the_answer_says_so() -> None:
    body = answer(
        entry("d%2Fa+b%26c")
        + entry("caf%C3%A9%0A")
        + "<CommonPrefixes><Prefix>d%2Fs+t%2F</Prefix></CommonPrefixes>",
        encoded=True,
    )
    page = parse_listing(body)
    assert [item.key for item in page.objects] == ["d/a b&c", "caf\u00e9\n"]
    assert page.prefixes == ["d/s t/"]
    # EncodingType before the entries reads the same.
    moved = body.replace(b"<EncodingType>url</EncodingType>", b"").replace(
        b"<Name>b</Name>", b"<Name>b</Name><EncodingType>url</EncodingType>"
    )
    assert parse_listing(moved) == page


@pytest.mark.spec("S3-037")
def test_keys_are_taken_as_they_are_when_the_answer_is_not_url_encoded() -> None:
    page = parse_listing(answer(entry("a%2Fb+c") + "<CommonPrefixes><Prefix>p%20/</Prefix></CommonPrefixes>"))
    assert [item.key for item in page.objects] == ["a%2Fb+c"]
    assert page.prefixes == ["p%20/"]


@pytest.mark.spec("S3-037")
def test_answers_without_namespace_or_optional_fields() -> None:
    page = parse_listing(answer(entry("k", etag="") + "<IsTruncated>false</IsTruncated>", namespace=False))
    assert [item.key for item in page.objects] == ["k"]
    assert page.objects[0].etag is None or page.objects[0].etag == ""
    assert page.truncated is False and page.next_token is None
    empty = parse_listing(answer("<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"))
    assert empty.objects == [] and empty.prefixes == [] and not empty.truncated


@pytest.mark.spec("S3-037")
def test_times_in_other_forms_are_read_as_botocore_reads_them() -> None:
    forms = {
        "2026-12-07T06:55:02Z": datetime(2026, 12, 7, 6, 55, 2, tzinfo=timezone.utc),
        "2026-12-07T06:55:02.1234567Z": datetime(2026, 12, 7, 6, 55, 2, 123456, tzinfo=timezone.utc),
        "2026-12-07T07:55:02.000+01:00": datetime(2026, 12, 7, 6, 55, 2, tzinfo=timezone.utc),
        "Mon, 07 Dec 2026 06:55:02 GMT": datetime(2026, 12, 7, 6, 55, 2, tzinfo=timezone.utc),
    }
    for text, expected in forms.items():
        moment = parse_listing(answer(entry("k", modified=text))).objects[0].last_modified
        assert moment == expected, text
        assert moment.utcoffset() == timezone.utc.utcoffset(None), text


@pytest.mark.spec("S3-037")
def test_listing_goes_through_botocore_and_asks_url_encoding(
    backend: S3Backend, admin: Any, bucket: str
) -> None:
    keys = [
        "odd/a&b<c>",
        "odd/caf\u00e9 \u65e5\u672c",
        "odd/plus+sign",
        "odd/pct%2Fx",
        "odd/tab\there",
        "odd/s/q\"'",
    ]
    for key in keys:
        admin.put_object(Bucket=bucket, Key=key, Body=b"x")
    log = RequestLog(backend)
    listed = sorted(str(info.path) for info in backend.list_files("odd"))
    assert listed == sorted(key for key in keys if "\t" not in key and "/s/" not in key)
    assert list(backend.list_folders("odd")) == ["odd/s"]
    assert log.operations == ["ListObjectsV2", "ListObjectsV2"]
    assert all("encoding-type=url" in url for url in log.urls)
    # The signed request is botocore's own.
    assert all(headers["authorization"].startswith("AWS4-HMAC-SHA256 ") for headers in log.headers)


@pytest.mark.spec("S3-037")
def test_continuation_tokens_go_back_as_received(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_backend, "PAGE_SIZE", 2)
    keys = [f"t/k{index} +%&\u00e9" for index in range(5)]
    for key in keys:
        admin.put_object(Bucket=bucket, Key=key, Body=b"x")
    log = RequestLog(backend)
    assert sorted(str(info.path) for info in backend.list_files("t")) == sorted(keys)
    assert log.operations == ["ListObjectsV2"] * 3


@pytest.mark.spec("S3-037")
def test_a_200_error_document_is_retried_as_botocore_retries_it(
    backend: S3Backend, admin: Any, bucket: str
) -> None:
    admin.put_object(Bucket=bucket, Key="r/k", Body=b"x")
    body = b"<Error><Code>InternalError</Code><Message>try again</Message></Error>"
    seen = inject(backend, "ListObjectsV2", _response(200, body), times=1)
    assert [str(info.path) for info in backend.list_files("r")] == ["r/k"]
    assert seen == [2]


# -- S3-038 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-038")
@pytest.mark.parametrize(
    "body",
    [
        answer(entry("a"))[:-30],
        b"<ListBucketResult><Contents><Key>a</Key>",
        b"\xff\xfe garbage",
        b"<Error><Code>InternalError</Code></Error>",
    ],
)
def test_bodies_that_are_no_xml_or_an_error_document_are_not_a_listing(body: bytes) -> None:
    with pytest.raises(NotAListing):
        parse_listing(body)


@pytest.mark.spec("S3-038")
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<Other/>", "<Other>"),
        (answer("<Contents><Size>1</Size></Contents>"), "no Key"),
        (answer(entry("a", size="many")), "Size"),
        (answer(entry("a", size="-1")), "Size"),
        (answer(entry("a", modified="yesterday")), "LastModified"),
    ],
)
def test_well_formed_answers_that_are_no_listing_raise_malformed_listing(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedListing, match=reason) as caught:
        parse_listing(body)
    assert not isinstance(caught.value, NotAListing)


@pytest.mark.spec("S3-038")
def test_an_empty_body_is_an_empty_last_page() -> None:
    page = parse_listing(b"")
    assert page.objects == [] and page.prefixes == [] and not page.truncated and page.next_token is None


@pytest.mark.spec("S3-038")
def test_a_truncated_page_is_retried_then_backend_unavailable(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_backend, "PAGE_SIZE", 1)
    admin.put_object(Bucket=bucket, Key="m/a", Body=b"x")
    admin.put_object(Bucket=bucket, Key="m/b", Body=b"x")
    truncated = answer(entry("m/b"))[:-40]
    seen = inject(backend, "ListObjectsV2", _response(200, truncated), skip=1, times=2)
    assert [str(info.path) for info in backend.list_files("m")] == ["m/a", "m/b"]
    assert seen == [4]  # the page of m/b: two truncated answers, then the server's
    client_of(backend).meta.events.unregister("before-send.s3.ListObjectsV2")
    inject(backend, "ListObjectsV2", _response(200, truncated), times=None)
    with pytest.raises(BackendUnavailable) as caught:
        next(backend.list_files("m"))
    assert bucket in str(caught.value)


@pytest.mark.spec("S3-038")
def test_an_unreadable_page_raises_remote_store_error_naming_bucket_and_endpoint(
    backend: S3Backend, admin: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_backend, "PAGE_SIZE", 1)
    admin.put_object(Bucket=bucket, Key="m/a", Body=b"x")
    admin.put_object(Bucket=bucket, Key="m/b", Body=b"x")
    inject(backend, "ListObjectsV2", _response(200, answer(entry("m/b", size="big"))), skip=1)
    files = backend.list_files("m")
    assert str(next(files).path) == "m/a"
    with pytest.raises(RemoteStoreError) as caught:
        next(files)
    error = caught.value
    assert type(error) is RemoteStoreError
    assert isinstance(error.__cause__, MalformedListing)
    assert bucket in str(error) and "127.0.0.1" in str(error) and "cannot be read" in str(error)
    # Also for the listings behind the queries.
    client_of(backend).meta.events.unregister("before-send.s3.ListObjectsV2")
    inject(backend, "ListObjectsV2", _response(200, b"<ListBucketResult><Contents/></ListBucketResult>"))
    with pytest.raises(RemoteStoreError, match="cannot be read"):
        backend.is_folder("m")


def _response(status: int, body: bytes) -> AWSResponse:
    class Raw:
        def stream(self, **_: Any) -> Any:
            yield body

    headers = {"Content-Type": "application/xml", "Content-Length": str(len(body))}
    return AWSResponse("http://fake", status, headers, Raw())  # type: ignore[arg-type]


@pytest.mark.spec("S3-037")
@given(
    st.lists(st.sampled_from(["%2F", "%2f", "+", "%", "%25", "%C3%A9", "a", "/", "%%2F41", "%2", "%G1", " "]))
)
def test_keys_decode_as_botocore_decodes_them(parts: list[str]) -> None:
    text = "".join(parts)
    body = answer(entry(escape(text)), encoded=True)
    assert parse_listing(body).objects[0].key == unquote_plus(text)
