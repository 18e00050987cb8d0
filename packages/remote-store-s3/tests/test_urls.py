"""Presigned URLs of the S3 backend (specs/urls.md: URL-004, URL-005, URL-006, URL-008)."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from datetime import timedelta

import pytest
from _s3_helpers import RequestLog

from remote_store import Capability, Store, StoreClosed
from remote_store.backends.s3 import S3Backend
from remote_store_conformance.suite.test_urls import http


def _query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


@pytest.mark.spec("URL-008", "URL-005")
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_sigv4_query_signing_on_the_backend_client_and_no_request(backend: S3Backend, method: str) -> None:
    log = RequestLog(backend, warm=False)
    with Store(backend, "reports", owns_backend=False) as store:
        assert store.supports(Capability.PRESIGNED_URL)
        url = store.url("2024/q 1.csv", expires_in=timedelta(minutes=10, microseconds=700), method=method)
    assert log.operations == [], "presigning sent a request"
    parts = urllib.parse.urlsplit(url)
    endpoint = urllib.parse.urlsplit(backend._options.endpoint_url or "")
    assert (parts.scheme, parts.netloc) == (endpoint.scheme, endpoint.netloc)
    # Path-style addressing, as the backend's client is configured for an endpoint_url.
    assert urllib.parse.unquote(parts.path) == f"/{backend.bucket}/reports/2024/q 1.csv"
    query = _query(url)
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "600"  # whole seconds: the fraction is dropped (URL-002)
    assert query["X-Amz-Credential"].startswith(f"{backend._options.aws_access_key_id}/")


@pytest.mark.spec("URL-008")
def test_the_url_carries_a_signature_never_the_secret(make_backend: Callable[..., S3Backend]) -> None:
    secret = "a-secret-key-that-must-not-leak"
    backend = make_backend(aws_access_key_id="an-access-key", aws_secret_access_key=secret)
    url = Store(backend, owns_backend=False).url("a.txt", expires_in=timedelta(hours=1))
    assert secret not in url and secret not in urllib.parse.unquote(url)
    assert len(_query(url)["X-Amz-Signature"]) == 64


@pytest.mark.spec("URL-008", "URL-004")
def test_seven_days_at_most_checked_before_any_request(backend: S3Backend) -> None:
    log = RequestLog(backend, warm=False)
    store = Store(backend, owns_backend=False)
    assert _query(store.url("a.txt", expires_in=timedelta(days=7)))["X-Amz-Expires"] == "604800"
    assert _query(store.url("a.txt", expires_in=timedelta(seconds=1)))["X-Amz-Expires"] == "1"
    for too_long in (timedelta(days=7, seconds=1), timedelta(days=30)):
        with pytest.raises(ValueError, match=r"expires_in: .*7 days") as caught:
            store.url("a.txt", expires_in=too_long, method="PUT")
        assert not isinstance(caught.value, StoreClosed)
    assert log.operations == []


@pytest.mark.spec("URL-003")
def test_a_closed_backend_refuses(make_backend: Callable[..., S3Backend]) -> None:
    backend = make_backend()
    backend.close()
    with pytest.raises(StoreClosed) as caught:
        Store(backend).url("a.txt", expires_in=timedelta(minutes=1))
    assert caught.value.operation == "url"


@pytest.mark.spec("URL-006")
@pytest.mark.servers("ceph")
def test_ceph_refuses_an_expired_url(backend: S3Backend) -> None:
    store = Store(backend, owns_backend=False)
    store.write("expiring.txt", b"old")
    get = store.url("expiring.txt", expires_in=timedelta(seconds=1))
    put = store.url("expiring.txt", expires_in=timedelta(seconds=1), method="PUT")
    time.sleep(2.5)
    assert http("GET", get)[0] == 403
    assert http("PUT", put, b"new")[0] == 403
    assert store.read_bytes("expiring.txt") == b"old"
    fresh = store.url("expiring.txt", expires_in=timedelta(minutes=1))
    assert http("GET", fresh) == (200, b"old")


@pytest.mark.spec("URL-006")
@pytest.mark.servers("moto")
def test_moto_does_not_check_expiry(backend: S3Backend) -> None:
    # URL-006 states this limit of moto; this test fails once moto enforces expiry, so that the
    # spec and the expiry tests can be brought up to date.
    store = Store(backend, owns_backend=False)
    store.write("expiring.txt", b"old")
    get = store.url("expiring.txt", expires_in=timedelta(seconds=1))
    time.sleep(2.5)
    assert http("GET", get) == (200, b"old")
