"""S3's timestamps and the integrity protection of bodies (specs/s3.md S3-039, S3-040)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from _s3_helpers import RequestLog
from botocore.utils import parse_timestamp as botocore_parse_timestamp
from hypothesis import given
from hypothesis import strategies as st

from remote_store.backends.s3 import S3Backend
from remote_store.backends.s3._timestamps import parse_timestamp

# -- S3-039 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-039")
@pytest.mark.parametrize(
    "text",
    [
        "Mon, 07 Dec 2026 06:55:02 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "2026-12-07T06:55:02.000Z",
        "2026-12-07T06:55:02Z",
        "2026-12-07T06:55:02.1234567Z",
        "Mon, 7 Dec 2026 06:55:02 GMT",
        "2026-12-07T07:55:02+01:00",
        "Monday, 07-Dec-26 06:55:02 GMT",
        1700000000,
    ],
)
def test_timestamps_read_as_botocore_reads_them(text: Any) -> None:
    ours, theirs = parse_timestamp(text), botocore_parse_timestamp(text)
    assert ours == theirs
    assert ours.utcoffset() == theirs.utcoffset()


@pytest.mark.spec("S3-039")
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 1, 1)))
def test_s3_forms_are_exact(moment: datetime) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=timezone.utc)
    http = moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
    iso = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert parse_timestamp(http) == moment.replace(microsecond=0)
    assert parse_timestamp(iso) == moment
    assert parse_timestamp(iso).tzinfo is timezone.utc


@pytest.mark.spec("S3-039")
@pytest.mark.parametrize("text", ["yesterday", "Mon, 99 Dec 2026 06:55:02 GMT", ""])
def test_what_botocore_cannot_read_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)


@pytest.mark.spec("S3-039")
def test_head_and_listing_times_are_utc_and_agree(backend: S3Backend) -> None:
    before = datetime.now(timezone.utc)
    backend.write("t/a.txt", b"a")
    info = backend.get_file_info("t/a.txt")
    listed = next(backend.list_files("t"))
    assert info.modified_at.tzinfo is timezone.utc and listed.modified_at.tzinfo is timezone.utc
    assert abs(info.modified_at - before) < timedelta(seconds=60)
    # The header has whole seconds, the listing milliseconds.
    assert abs(info.modified_at - listed.modified_at) < timedelta(seconds=1)


# -- S3-040 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-040")
def test_a_put_over_http_is_signed_with_its_body_hash(backend: S3Backend) -> None:
    log = RequestLog(backend)
    body = b"integrity" * 100
    backend.write("i/one.bin", body)
    (headers,) = log.headers_of("PutObject")
    assert headers["x-amz-content-sha256"] == hashlib.sha256(body).hexdigest()
    assert "x-amz-content-sha256" in headers["authorization"]  # signed, so the server checks it
    assert not any(name.startswith("x-amz-checksum-") or name == "content-md5" for name in headers)
    assert backend.read_bytes("i/one.bin") == body
