"""Small object requests sent past botocore's pipeline (specs/s3.md S3-042 to S3-046).

Each test compares the backend's direct requests with what botocore's own pipeline sends and
raises for the same call: a second backend whose direct path is switched off is the reference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
from _s3_helpers import RequestLog, client_of, fake_response, inject
from botocore.awsrequest import AWSResponse
from botocore.credentials import RefreshableCredentials

from remote_store import AlreadyExists, BackendUnavailable, NotFound, PermissionDenied
from remote_store.backends.s3 import S3Backend
from remote_store.backends.s3._direct import DirectRequests

KEY = "direct/a b+c~é.bin"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _botocore_only(backend: S3Backend) -> S3Backend:
    client_of(backend)
    backend._requests._direct = None
    return backend


def _calls(log: RequestLog, backend: S3Backend) -> list[str]:
    """Count what reached botocore's pipeline (``before-call``) while the four calls ran."""
    called: list[str] = []
    client_of(backend).meta.events.register("before-call.s3", lambda model, **_: called.append(model.name))
    backend.write(KEY, b"x" * 1024, content_type="text/plain", metadata={"k": "v"})
    backend.read_bytes(KEY)
    backend.get_file_info(KEY)
    backend.delete(KEY, missing_ok=True)
    return called


def _comparable(headers: dict[str, str]) -> dict[str, str]:
    """The headers of a request without those that differ per request (time, ids, signature)."""
    varying = {"x-amz-date", "amz-sdk-invocation-id", "authorization"}
    return {name: value for name, value in headers.items() if name not in varying}


def _scope(headers: dict[str, str]) -> str:
    """The credential scope and signed headers of an Authorization header (no date, no signature)."""
    credential = headers["authorization"].split("Credential=", 1)[1].split(",", 1)[0]
    signed = headers["authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0]
    access_key, _date, *rest = credential.split("/")
    return "/".join([access_key, *rest]) + " " + signed


# -- S3-042 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-042")
def test_the_four_small_calls_skip_botocores_pipeline(make_backend: Callable[..., S3Backend]) -> None:
    backend = make_backend()
    log = RequestLog(backend)
    assert _calls(log, backend) == []
    assert log.operations == ["PutObject", "GetObject", "HeadObject", "DeleteObject"]
    reference = _botocore_only(make_backend())
    expected = ["PutObject", "GetObject", "HeadObject", "DeleteObject"]
    assert _calls(RequestLog(reference), reference) == expected


@pytest.mark.spec("S3-042")
def test_other_requests_and_configurations_keep_botocore(make_backend: Callable[..., S3Backend]) -> None:
    backend = make_backend(multipart_threshold=8 * 1024 * 1024)
    called: list[str] = []
    client_of(backend).meta.events.register("before-call.s3", lambda model, **_: called.append(model.name))
    backend.write("big.bin", b"y" * (1024 * 1024 + 1))  # above 1 MiB: botocore, with Expect
    backend.write("small.bin", b"z", overwrite=True)  # direct
    backend.copy("small.bin", "copied.bin")
    assert called == ["PutObject", "CopyObject"]
    for options in ({"addressing_style": "virtual"}, {"endpoint_url": None}):
        other = make_backend(**options)
        client_of(other)
        assert other._requests._direct is None
    assert client_of(backend).meta.config.signature_version == "s3v4"
    anonymous = client_of(make_backend())
    assert (
        DirectRequests.for_client(
            anonymous, bucket="b", endpoint_url="http://h", addressing_style="path", max_attempts=5
        )
        is not None
    )
    anonymous._request_signer._credentials = None
    assert (
        DirectRequests.for_client(
            anonymous, bucket="b", endpoint_url="http://h", addressing_style="path", max_attempts=5
        )
        is None
    )


# -- S3-043 ------------------------------------------------------------------------------------------


Exchange = list[tuple[str, str, dict[str, str]]]


def _exchange(backend: S3Backend, action: Callable[[S3Backend], Any]) -> Exchange:
    log = RequestLog(backend)
    log.clear()
    action(backend)
    return list(zip(log.operations, log.urls, log.headers, strict=True))


_ACTIONS: list[Callable[[S3Backend], Any]] = [
    lambda b: b.write(KEY, b"again", overwrite=True),
    lambda b: b.write(KEY, b"", overwrite=True),
    lambda b: b.read_bytes(KEY),
    lambda b: b.read_range(KEY, 2, 5),
    lambda b: b.get_file_info(KEY),
    lambda b: b.delete(KEY, missing_ok=True),
]


@pytest.mark.spec("S3-043", "S3-040")
def test_direct_requests_are_botocores_requests(make_backend: Callable[..., S3Backend]) -> None:
    direct, reference = make_backend(), _botocore_only(make_backend())

    def create(backend: S3Backend) -> None:
        backend.write(KEY, b"payload" * 100, content_type="text/csv", metadata={"who": "me"})

    for action in [create, *_ACTIONS]:
        reference.delete(KEY, missing_ok=True)
        if action is not create:
            reference.write(KEY, b"0123456789", overwrite=True)
        ours = _exchange(direct, action)
        reference.delete(KEY, missing_ok=True)
        if action is not create:
            reference.write(KEY, b"0123456789", overwrite=True)
        theirs = _exchange(reference, action)
        assert [(op, url) for op, url, _ in ours] == [(op, url) for op, url, _ in theirs]
        for (_, _, mine), (_, _, other) in zip(ours, theirs, strict=True):
            assert _comparable(mine) == _comparable(other)
            assert _scope(mine) == _scope(other)
            assert "content-md5" not in mine and not any(name.startswith("x-amz-checksum") for name in mine)


@pytest.mark.spec("S3-043", "S3-040")
def test_https_requests_hash_their_payload_as_botocore_does(make_backend: Callable[..., S3Backend]) -> None:
    """Over https (answered by a before-send hook: no TLS server needed) the payload rules match too."""
    seen: dict[str, list[dict[str, str]]] = {}
    for name, switch_off in (("direct", False), ("botocore", True)):
        backend = make_backend(endpoint_url="https://s3.example.invalid:9443")
        if switch_off:
            _botocore_only(backend)
        headers: list[dict[str, str]] = seen.setdefault(name, [])

        def answer(request: Any, _headers: list[dict[str, str]] = headers, **_: Any) -> AWSResponse:
            _headers.append({key.lower(): _text(value) for key, value in request.headers.items()})
            return fake_response(200)

        client_of(backend).meta.events.register("before-send.s3", answer)
        backend.write("tls.bin", b"secret body", overwrite=True)
        backend.delete("tls.bin", missing_ok=True)
    assert len(seen["direct"]) == len(seen["botocore"]) == 2
    for mine, other in zip(seen["direct"], seen["botocore"], strict=True):
        assert _comparable(mine) == _comparable(other)
        assert mine["x-amz-content-sha256"] == other["x-amz-content-sha256"]
    # Signed with the body's hash over https too (S3-040): no checksum header goes along.
    assert seen["direct"][0]["x-amz-content-sha256"] == hashlib.sha256(b"secret body").hexdigest()


@pytest.mark.spec("S3-043")
def test_refreshable_credentials_refresh_on_the_direct_path(backend: S3Backend, s3_server: Any) -> None:
    refreshed: list[int] = []

    def refresh() -> dict[str, str]:
        refreshed.append(1)
        expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)  # always within refresh window
        return {
            "access_key": s3_server.access_key,
            "secret_key": s3_server.secret_key,
            "token": None,  # type: ignore[dict-item]
            "expiry_time": expiry.isoformat(),
        }

    client = client_of(backend)  # the direct path reads the signer's credentials on every request
    client._request_signer._credentials = RefreshableCredentials.create_from_metadata(
        refresh(), refresh_using=refresh, method="test"
    )
    refreshed.clear()
    log = RequestLog(backend)
    log.clear()
    backend.write("fresh.bin", b"data")
    assert backend.read_bytes("fresh.bin") == b"data"
    assert log.operations == ["PutObject", "GetObject"]
    assert len(refreshed) >= 2  # asked on each request, as botocore's signer asks


@pytest.mark.spec("S3-043")
@pytest.mark.servers("ceph")  # moto's server checks no signature
def test_a_wrong_secret_is_refused_where_the_server_checks_signatures(
    make_backend: Callable[..., S3Backend],
) -> None:
    backend = make_backend(aws_secret_access_key="not-the-secret-key-0123456789")
    with pytest.raises(PermissionDenied):
        backend.write("signed.bin", b"x")
    with pytest.raises(PermissionDenied):
        backend.get_file_info("signed.bin")


# -- S3-044 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-044")
def test_throttling_and_5xx_are_retried_with_the_attempt_limit(
    make_backend: Callable[..., S3Backend],
) -> None:
    backend = make_backend(max_attempts=3)
    backend.write("r.bin", b"r")
    seen = inject(backend, "HeadObject", fake_response(503, "SlowDown"), times=2)
    assert backend.get_file_info("r.bin").size == 1
    assert seen == [3]
    seen = inject(backend, "GetObject", fake_response(500, "InternalError"), times=None)
    with pytest.raises(BackendUnavailable) as raised:
        backend.read_bytes("r.bin")
    assert seen == [3]
    assert isinstance(raised.value.__cause__, botocore.exceptions.ClientError)
    assert raised.value.__cause__.response["ResponseMetadata"]["MaxAttemptsReached"] is True


@pytest.mark.spec("S3-044")
def test_connection_errors_are_retried_and_then_raised(make_backend: Callable[..., S3Backend]) -> None:
    backend = make_backend(max_attempts=2)
    failure = botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    seen = inject(backend, "DeleteObject", failure, times=1)
    backend.delete("gone.bin", missing_ok=True)
    assert seen == [2]
    seen = inject(backend, "PutObject", failure, times=None)
    with pytest.raises(BackendUnavailable) as raised:
        backend.write("w.bin", b"w")
    assert seen == [2]
    assert raised.value.__cause__ is not None and type(raised.value.__cause__) is type(failure)


@pytest.mark.spec("S3-044")
def test_errors_are_the_exceptions_botocore_raises(make_backend: Callable[..., S3Backend]) -> None:
    outcomes: dict[str, list[tuple[type[BaseException], str, Any]]] = {}
    for name, switch_off in (("direct", False), ("botocore", True)):
        backend = make_backend()
        if switch_off:
            _botocore_only(backend)
        backend.write("exists.bin", b"1", overwrite=True)
        results = outcomes.setdefault(name, [])
        calls: list[Callable[[], Any]] = [
            lambda b=backend: b.read_bytes("missing.bin"),
            lambda b=backend: b.write("exists.bin", b"2"),
            lambda b=backend: b.write("exists.bin", b"3", if_match="0" * 32),
        ]
        for call in calls:
            with pytest.raises(Exception) as raised:
                call()
            cause = raised.value.__cause__
            code = getattr(cause, "response", {}).get("Error", {}).get("Code")
            results.append((type(raised.value), type(cause).__name__, code))
        inject(backend, "HeadObject", fake_response(403, "AccessDenied", "no"), times=1)
        with pytest.raises(PermissionDenied) as denied:
            backend.get_file_info("exists.bin")
        cause = denied.value.__cause__
        code = getattr(cause, "response", {})["Error"]["Code"]
        results.append((type(denied.value), type(cause).__name__, code))
    assert outcomes["direct"] == outcomes["botocore"]
    kinds = [kind for kind, _, _ in outcomes["direct"]]
    assert kinds[:2] == [NotFound, AlreadyExists] and kinds[3] is PermissionDenied


# -- S3-045 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-045")
def test_answers_read_as_botocores(make_backend: Callable[..., S3Backend]) -> None:
    direct, reference = make_backend(), _botocore_only(make_backend())
    direct.write(KEY, b"0123456789", content_type="text/plain", metadata={"colour": "blue", "Mixed": "Case"})
    fields = (
        "ContentLength",
        "LastModified",
        "ETag",
        "ContentType",
        "ContentRange",
        "ContentEncoding",
        "ContentDisposition",
        "ContentLanguage",
        "CacheControl",
        "VersionId",
        "Metadata",
    )
    from remote_store.backend_tools import Operation

    for extra in ({}, {"Range": "bytes=2-5"}):
        context = direct.context(Operation.READ, KEY)
        ours = direct._requests.get(context, **extra)
        theirs = reference._requests.get(reference.context(Operation.READ, KEY), **extra)
        assert {f: ours.get(f) for f in fields} == {f: theirs.get(f) for f in fields}  # type: ignore[misc]
        assert type(ours["Body"]) is type(theirs["Body"])
        assert ours["Body"].read() == theirs["Body"].read()
    head_ours = direct._requests.head(direct.context(Operation.GET_FILE_INFO, KEY))
    head_theirs = reference._requests.head(reference.context(Operation.GET_FILE_INFO, KEY))
    assert head_ours is not None and head_theirs is not None
    assert {f: head_ours.get(f) for f in fields} == {f: head_theirs.get(f) for f in fields}  # type: ignore[misc]
    assert direct.get_file_info(KEY) == reference.get_file_info(KEY)


@pytest.mark.spec("S3-045")
def test_a_short_body_is_a_broken_read(backend: S3Backend) -> None:
    backend.write("short.bin", b"abcdef")

    def truncated(request: Any) -> AWSResponse:
        response = fake_response(200)
        response.headers["Content-Length"] = "6"
        response.raw = _ShortRaw(b"abc")  # type: ignore[assignment]
        return response

    inject(backend, "GetObject", truncated, times=None)
    with pytest.raises(BackendUnavailable):
        backend.read_bytes("short.bin")


class _ShortRaw:
    """A raw body that ends early (3 of 6 bytes)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int | None = None) -> bytes:
        data, self._data = self._data, b""
        return data

    def stream(self, **_: Any) -> Any:
        yield self.read()

    def close(self) -> None:
        pass


# -- S3-046 ------------------------------------------------------------------------------------------


@pytest.mark.spec("S3-046")
def test_a_redirected_request_goes_through_botocore(backend: S3Backend, s3_server: Any) -> None:
    backend.write("here.bin", b"h")
    moved = fake_response(301, "PermanentRedirect", "elsewhere")
    moved.headers["x-amz-bucket-region"] = s3_server.region
    log = RequestLog(backend)
    log.clear()
    called: list[str] = []
    client_of(backend).meta.events.register("before-call.s3", lambda model, **_: called.append(model.name))
    inject(backend, "HeadObject", moved, times=1)
    assert backend.get_file_info("here.bin").size == 1
    assert called == ["HeadObject"]  # the call again, through botocore
    assert backend._requests._direct is None
    backend.delete("here.bin", missing_ok=True)
    assert called == ["HeadObject", "DeleteObject"]
