"""Error mapping, connection failures, retries and secrets in errors (S3-028, S3-029, S3-003)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import botocore.exceptions as bx
import pytest
import urllib3.exceptions
from _s3_helpers import RequestLog, fake_response, inject

from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    ConfigError,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RemoteStoreError,
)
from remote_store.backend_tools import Operation, OperationContext
from remote_store.backends.s3 import S3Backend
from remote_store.backends.s3._errors import map_error

Make = Callable[..., S3Backend]
WHERE = {"bucket": "my-bucket", "endpoint": "http://127.0.0.1:9000"}


def call(operation: Operation, path: str) -> OperationContext:
    return OperationContext(operation, "s3", path)


def client_error(code: str, status: int, message: str = "server says no") -> bx.ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return bx.ClientError(response, "GetObject")


CLIENT_ERRORS = [
    ("NoSuchKey", 404, NotFound),
    ("404", 404, NotFound),
    ("NotFound", 404, NotFound),
    ("PreconditionFailed", 412, AlreadyExists),
    ("412", 412, AlreadyExists),
    ("AccessDenied", 403, PermissionDenied),
    ("403", 403, PermissionDenied),
    ("InvalidAccessKeyId", 403, PermissionDenied),
    ("SignatureDoesNotMatch", 403, PermissionDenied),
    ("ExpiredToken", 400, PermissionDenied),
    ("SomethingForbidden", 403, PermissionDenied),
    ("NoSuchBucket", 404, BackendUnavailable),
    ("SlowDown", 503, BackendUnavailable),
    ("ServiceUnavailable", 503, BackendUnavailable),
    ("InternalError", 500, BackendUnavailable),
    ("BadGateway", 502, BackendUnavailable),
    ("InvalidObjectName", 400, InvalidPath),
    ("KeyTooLongError", 400, InvalidPath),
    ("InvalidBucketName", 400, ConfigError),
    ("NoSuchUpload", 404, RemoteStoreError),
    ("MalformedXML", 400, RemoteStoreError),
]


@pytest.mark.spec("S3-028")
@pytest.mark.parametrize(("code", "status", "kind"), CLIENT_ERRORS, ids=[case[0] for case in CLIENT_ERRORS])
def test_client_errors_map_by_code_and_status(code: str, status: int, kind: type[RemoteStoreError]) -> None:
    error = map_error(client_error(code, status), call(Operation.READ, "dir/key.txt"), **WHERE)
    assert type(error) is kind
    assert error.path == "dir/key.txt"
    assert error.operation == "read"
    assert error.backend == "s3"
    assert "dir/key.txt" not in error.message
    if kind is BackendUnavailable:
        assert "my-bucket" in error.message and "http://127.0.0.1:9000" in error.message
    if kind is RemoteStoreError:
        assert code in error.message


OTHER_ERRORS = [
    (bx.EndpointConnectionError(endpoint_url="http://h/my-bucket/dir/key.txt"), BackendUnavailable),
    (bx.ConnectTimeoutError(endpoint_url="http://h/my-bucket/dir/key.txt"), BackendUnavailable),
    (bx.ReadTimeoutError(endpoint_url="http://h/my-bucket/dir/key.txt"), BackendUnavailable),
    (bx.ConnectionClosedError(endpoint_url="http://h/my-bucket/dir/key.txt"), BackendUnavailable),
    (bx.ResponseStreamingError(error="broken"), BackendUnavailable),
    (bx.IncompleteReadError(actual_bytes=1, expected_bytes=2), BackendUnavailable),
    (urllib3.exceptions.ProtocolError("broken"), BackendUnavailable),
    (ConnectionResetError(104, "reset"), BackendUnavailable),
    (bx.NoCredentialsError(), ConfigError),
    (bx.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), ConfigError),
    (bx.ProfileNotFound(profile="nope"), ConfigError),
    (bx.ParamValidationError(report='Invalid bucket name "a b": Bucket name must match'), ConfigError),
    (bx.ParamValidationError(report="Invalid length for parameter Key"), RemoteStoreError),
    (bx.UnknownServiceError(service_name="x", known_service_names="s3"), RemoteStoreError),
    (ValueError("unexpected"), RemoteStoreError),
]


@pytest.mark.spec("S3-028")
@pytest.mark.parametrize(
    ("error", "kind"), OTHER_ERRORS, ids=[type(case[0]).__name__ for case in OTHER_ERRORS]
)
def test_client_side_errors(error: Exception, kind: type[RemoteStoreError]) -> None:
    mapped = map_error(error, call(Operation.WRITE, "dir/key.txt"), **WHERE)
    assert type(mapped) is kind
    assert "dir/key.txt" not in mapped.message
    assert "http://h/" not in mapped.message
    if kind is BackendUnavailable:
        assert "my-bucket" in mapped.message and "http://127.0.0.1:9000" in mapped.message


@pytest.mark.spec("S3-028")
def test_our_errors_pass_through_unchanged() -> None:
    ours = NotFound("no such file", path="p")
    assert map_error(ours, call(Operation.READ, "q"), **WHERE) is ours


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.spec("S3-028", "S3-029")
def test_connection_refused_is_backend_unavailable_naming_bucket_and_endpoint() -> None:
    port = _closed_port()
    backend = S3Backend(
        bucket="unreachable",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="a",
        aws_secret_access_key="s",
        max_attempts=1,
        connect_timeout=2,
    )
    calls: dict[str, Callable[[], Any]] = {
        "is_file": lambda: backend.is_file("dir/key.txt"),
        "write": lambda: backend.write("dir/key.txt", b"x"),
        "read_bytes": lambda: backend.read_bytes("dir/key.txt"),
        "list_files": lambda: list(backend.list_files("dir")),
    }
    for operation, call in calls.items():
        with pytest.raises(BackendUnavailable) as caught:
            call()
        error = caught.value
        assert isinstance(error.__cause__, bx.EndpointConnectionError), operation
        assert error.operation == operation
        assert "unreachable" in error.message and f"127.0.0.1:{port}" in error.message
        assert "dir/key.txt" not in error.message
    backend.close()


@pytest.fixture
def no_retry_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's backoff sleeps up to seconds between tries: not in tests."""
    import botocore.retries.standard

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.mark.spec("S3-029")
@pytest.mark.usefixtures("no_retry_delay")
@pytest.mark.parametrize(
    "failure",
    [
        fake_response(503, "SlowDown", "slow down"),
        fake_response(500, "InternalError", "oops"),
        bx.EndpointConnectionError(endpoint_url="http://x"),
    ],
    ids=["SlowDown", "InternalError", "connection"],
)
def test_transient_failures_are_retried(make_backend: Make, admin: Any, bucket: str, failure: Any) -> None:
    backend = make_backend(max_attempts=3)
    seen = inject(backend, "PutObject", failure, times=2)
    backend.write("retried.txt", b"made it")
    assert seen == [3]
    assert admin.get_object(Bucket=bucket, Key="retried.txt")["Body"].read() == b"made it"


@pytest.mark.spec("S3-029", "S3-028")
@pytest.mark.usefixtures("no_retry_delay")
def test_exhausted_retries_are_backend_unavailable(make_backend: Make, bucket: str) -> None:
    backend = make_backend(max_attempts=2)
    log = RequestLog(backend)
    inject(backend, "GetObject", fake_response(503, "SlowDown", "slow down"), times=None)
    with pytest.raises(BackendUnavailable) as caught:
        backend.read_bytes("any.txt")
    assert log.count("GetObject") == 2
    assert isinstance(caught.value.__cause__, bx.ClientError)
    assert "SlowDown" in caught.value.message


@pytest.mark.spec("S3-028", "S3-003")
@pytest.mark.servers("ceph")
def test_wrong_credentials_are_permission_denied_without_the_secret(
    make_backend: Make, s3_server: Any
) -> None:
    secret = "not-the-real-secret-0123456789abcdefghij"
    backend = make_backend(aws_secret_access_key=secret)
    for call in (
        lambda: backend.is_file("k"),
        lambda: backend.write("k", b"x"),
        lambda: list(backend.list_files("")),
    ):
        with pytest.raises(PermissionDenied) as caught:
            call()
        assert isinstance(caught.value.__cause__, bx.ClientError)
        for text in (str(caught.value), repr(caught.value), caught.value.message):
            assert secret not in text
            assert s3_server.access_key not in text
    unknown = make_backend(aws_access_key_id="NOSUCHKEY")
    with pytest.raises(PermissionDenied):
        unknown.write("k", b"x")


@pytest.mark.spec("S3-028")
@pytest.mark.servers("ceph")
def test_a_key_the_server_rejects_is_invalid_path(backend: S3Backend) -> None:
    with pytest.raises(InvalidPath) as caught:
        backend.write("k" * 1100, b"x")
    assert isinstance(caught.value.__cause__, bx.ClientError)


@pytest.mark.spec("S3-028")
def test_missing_credentials_and_profiles_are_config_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    # Never ask an instance metadata service: these tests talk to 127.0.0.1 only.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    anonymous = S3Backend(bucket="b", endpoint_url=f"http://127.0.0.1:{_closed_port()}", max_attempts=1)
    with pytest.raises(ConfigError) as caught:
        anonymous.is_file("k")
    assert isinstance(caught.value.__cause__, bx.NoCredentialsError)
    profiled = S3Backend(bucket="b", endpoint_url="http://127.0.0.1:9", profile_name="no-such-profile")
    with pytest.raises(ConfigError) as caught:
        profiled.is_file("k")
    assert "profile_name" in caught.value.message
    assert isinstance(caught.value.__cause__, bx.ProfileNotFound)
