"""Shareable URLs (specs/urls.md): what ``url`` mints, fetched with a plain HTTP client (urllib)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import timedelta

import pytest

from remote_store import Backend, Capability, CapabilityNotSupported, InvalidPath, Store

from .._markers import requires
from .._requirements import Requirements
from .._support import RecordingBackend, random_bytes

__all__ = ["TestUrls", "TestUrlsArguments", "http"]

CONTENT = random_bytes(100_003, "shareable url")
LIFETIME = timedelta(minutes=5)

# Straight to the server: a proxy from the environment must not stand between the test and it.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(
    method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] = {}
) -> tuple[int, bytes]:
    """Send one plain HTTP request, without credentials; the status and the body of the answer.

    A body goes as ``application/octet-stream``: urllib's default, a form type, makes some servers
    (moto) parse it as a form.
    """
    sent = {"Content-Type": "application/octet-stream"} if body is not None else {}
    request = urllib.request.Request(url, data=body, method=method, headers={**sent, **headers})
    try:
        with _OPENER.open(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


@requires(Capability.PRESIGNED_URL, Capability.WRITE)
class TestUrls:
    @pytest.mark.spec("URL-001")
    def test_a_get_url_downloads_the_file(self, store: Store) -> None:
        store.write("shared/report.bin", CONTENT)
        url = store.url("shared/report.bin", expires_in=LIFETIME)
        assert isinstance(url, str)
        assert urllib.parse.urlsplit(url).scheme in ("http", "https")
        assert http("GET", url) == (200, CONTENT)

    @pytest.mark.spec("URL-001")
    def test_a_put_url_uploads_a_file(self, store: Store, requirements: Requirements) -> None:
        url = store.url("shared/upload.bin", expires_in=LIFETIME, method="PUT")
        status, _ = http("PUT", url, CONTENT, requirements.url_put_headers)
        assert status in (200, 201)
        assert store.read_bytes("shared/upload.bin") == CONTENT

    @pytest.mark.spec("URL-001")
    def test_a_put_url_replaces_an_existing_file(self, store: Store, requirements: Requirements) -> None:
        store.write("shared/replaced.txt", b"a longer old content")
        url = store.url("shared/replaced.txt", expires_in=LIFETIME, method="put")
        status, _ = http("PUT", url, b"new", requirements.url_put_headers)
        assert status in (200, 201)
        assert store.read_bytes("shared/replaced.txt") == b"new"

    @pytest.mark.spec("URL-001", "STORE-030")
    def test_the_url_names_the_file_below_the_root_path(self, nested_store: Store, store: Store) -> None:
        store.write("nested/inner root/a b/c.txt", b"below the root")
        store.write("a b/c.txt", b"at the backend root")
        url = nested_store.url("a b/c.txt", expires_in=LIFETIME)
        assert http("GET", url) == (200, b"below the root")
        child = store.child("nested").url("inner root/a b/c.txt", expires_in=LIFETIME)
        assert http("GET", child) == (200, b"below the root")

    @pytest.mark.spec("URL-005")
    def test_no_existence_check(self, store: Store) -> None:
        url = store.url("shared/missing.txt", expires_in=LIFETIME)
        status, _ = http("GET", url)
        assert status == 404
        assert not store.exists("shared/missing.txt")


class TestUrlsArguments:
    @pytest.mark.spec("URL-002")
    @pytest.mark.parametrize(
        ("call", "error", "named"),
        [
            (lambda s: s.url("", expires_in=LIFETIME), InvalidPath, ""),
            (lambda s: s.url("../up.txt", expires_in=LIFETIME), InvalidPath, ""),
            (lambda s: s.url("f.txt", expires_in=LIFETIME, method="DELETE"), ValueError, "method"),
            (lambda s: s.url("f.txt", expires_in=LIFETIME, method=None), ValueError, "method"),
            (lambda s: s.url("f.txt", expires_in=300), TypeError, "expires_in"),
            (lambda s: s.url("f.txt", expires_in=timedelta(milliseconds=999)), ValueError, "expires_in"),
            (lambda s: s.url("f.txt", expires_in=timedelta(seconds=-5)), ValueError, "expires_in"),
        ],
        ids=["root", "dotdot", "method", "method-none", "not-timedelta", "under-a-second", "negative"],
    )
    def test_bad_arguments_are_refused_before_anything(
        self,
        conformance_backend: Backend,
        open_store: Callable[..., Store],
        call: Callable[[Store], object],
        error: type[Exception],
        named: str,
    ) -> None:
        for without in ([], [Capability.PRESIGNED_URL]):
            recorder = RecordingBackend(conformance_backend, without=without)
            with open_store(recorder, owns_backend=False) as view, pytest.raises(error) as caught:
                call(view)
            assert not isinstance(caught.value, CapabilityNotSupported)
            assert named in str(caught.value)
            assert recorder.calls == [], f"the backend was called: {recorder.calls}"
