"""Shareable URLs of the Azure backend (specs/urls.md: URL-004, URL-005, URL-006, URL-009), on Azurite."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from remote_store import Capability, CapabilityNotSupported, ConfigError, Store
from remote_store.backends.azure import AzureBackend
from remote_store_conformance.suite.test_urls import http

BLOCK_BLOB = {"x-ms-blob-type": "BlockBlob"}


def _account_key(connection_string: str) -> str:
    """The development account's key, as the running Azurite's connection string gives it."""
    fields = dict(item.split("=", 1) for item in connection_string.split(";") if "=" in item)
    return fields["AccountKey"]


def _requests_of(backend: AzureBackend) -> list[Any]:
    sent: list[Any] = []
    backend._requests.observers.append(sent.append)
    return sent


@pytest.mark.spec("URL-009", "URL-005")
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_a_blob_sas_signed_locally(backend: AzureBackend, method: str) -> None:
    sent = _requests_of(backend)
    with Store(backend, "share", owns_backend=False) as store:
        assert store.supports(Capability.PRESIGNED_URL)
        url = store.url("a b.txt", expires_in=timedelta(hours=2), method=method)
    assert sent == [], "signing sent a request"
    parts = urllib.parse.urlsplit(url)
    assert urllib.parse.unquote(parts.path).endswith(f"/{backend.options.container}/share/a b.txt")
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert query["sr"] == "b"
    assert query["sp"] == ("r" if method == "GET" else "cw")
    key = _account_key(backend.options.connection_string or "")
    assert key not in url and key not in urllib.parse.unquote(url)


@pytest.mark.spec("URL-009")
def test_the_capability_follows_the_authentication(
    make_backend: Callable[..., AzureBackend], azurite: Any
) -> None:
    account_url = azurite.account_url
    key = _account_key(azurite.connection_string)
    with_key = make_backend(connection_string=None, account_url=account_url, account_key=key)
    assert Capability.PRESIGNED_URL in with_key.capabilities
    store = Store(with_key, owns_backend=False)
    store.write("k.txt", b"by account key")
    assert http("GET", store.url("k.txt", expires_in=timedelta(minutes=5))) == (200, b"by account key")
    without = [
        make_backend(connection_string=None, account_url=account_url, sas_token="sv=2021-08-06&sig=abc"),
        make_backend(connection_string=None, account_url=account_url),  # anonymous
        make_backend(
            connection_string=f"BlobEndpoint={account_url};SharedAccessSignature=sv=2021-08-06&sig=abc"
        ),
    ]
    for backend in without:
        assert Capability.PRESIGNED_URL not in backend.capabilities
        sent = _requests_of(backend)
        with pytest.raises(CapabilityNotSupported) as caught:
            Store(backend, owns_backend=False).url("k.txt", expires_in=timedelta(minutes=5))
        assert caught.value.capability == "presigned_url" and caught.value.operation == "url"
        with pytest.raises(CapabilityNotSupported):
            backend.url("k.txt", expires_in=timedelta(minutes=5))
        assert sent == []


@pytest.mark.spec("URL-009", "URL-004")
def test_the_expiry_must_be_a_time_azure_can_write(backend: AzureBackend) -> None:
    sent = _requests_of(backend)
    store = Store(backend, owns_backend=False)
    assert store.url("a.txt", expires_in=timedelta(days=3650))
    with pytest.raises(ValueError, match=r"expires_in: Azure"):
        store.url("a.txt", expires_in=timedelta(days=3_000_000))
    assert sent == []


@pytest.mark.spec("URL-009")
def test_a_put_needs_the_blob_type_header(backend: AzureBackend) -> None:
    store = Store(backend, owns_backend=False)
    url = store.url("typed.bin", expires_in=timedelta(minutes=5), method="PUT")
    status, _ = http("PUT", url, b"no blob type")
    assert status == 400
    assert not store.exists("typed.bin")
    assert http("PUT", url, b"typed", BLOCK_BLOB)[0] == 201
    assert store.read_bytes("typed.bin") == b"typed"


@pytest.mark.spec("URL-009")
def test_a_get_url_cannot_upload(backend: AzureBackend) -> None:
    store = Store(backend, owns_backend=False)
    store.write("read-only.txt", b"old")
    url = store.url("read-only.txt", expires_in=timedelta(minutes=5))
    assert http("PUT", url, b"new", BLOCK_BLOB)[0] == 403
    assert store.read_bytes("read-only.txt") == b"old"


@pytest.mark.spec("URL-006")
def test_azurite_refuses_an_expired_url(backend: AzureBackend) -> None:
    store = Store(backend, owns_backend=False)
    store.write("expiring.txt", b"old")
    get = store.url("expiring.txt", expires_in=timedelta(seconds=1))
    put = store.url("expiring.txt", expires_in=timedelta(seconds=1), method="PUT")
    time.sleep(2.5)
    assert http("GET", get)[0] == 403
    assert http("PUT", put, b"new", BLOCK_BLOB)[0] == 403
    assert store.read_bytes("expiring.txt") == b"old"


@pytest.mark.spec("URL-009")
def test_a_key_that_is_not_base64_is_a_config_error_without_the_key(
    make_backend: Callable[..., AzureBackend], azurite: Any
) -> None:
    secret = "not-base64-secret!"
    backend = make_backend(connection_string=None, account_url=azurite.account_url, account_key=secret)
    sent = _requests_of(backend)
    with pytest.raises(ConfigError) as caught:
        Store(backend, owns_backend=False).url("a.txt", expires_in=timedelta(minutes=5))
    assert "account key" in str(caught.value) and secret not in str(caught.value)
    assert sent == []
