"""One error mapping (AZURE-017), copies Azurite completes at once (AZURE-020), retries (AZURE-022)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from _azure_helpers import RequestLog
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.storage.blob import BlobClient, ContainerClient

from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RemoteStoreError,
)
from remote_store.backend_tools import Operation, OperationContext
from remote_store.backends.azure import AzureBackend
from remote_store.backends.azure._errors import map_error

CTX = OperationContext(Operation.WRITE, "azure", "a/b")
PLACE = "container 'c' at http://127.0.0.1:1/devstoreaccount1"


def _answer(status: int, code: str) -> HttpResponseError:
    """An SDK error as the service's answer makes it (the SDK sets status_code and error_code)."""
    error = HttpResponseError(message=f"Azure says {code}. RequestId:1 secret-ish text")
    error.status_code = status
    error.error_code = code
    return error


@pytest.mark.spec("AZURE-017")
@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (404, "BlobNotFound", NotFound),
        (404, "", NotFound),
        (404, "CannotVerifyCopySource", NotFound),
        (404, "ContainerNotFound", BackendUnavailable),
        (409, "BlobAlreadyExists", AlreadyExists),
        (412, "ConditionNotMet", AlreadyExists),
        (403, "AuthenticationFailed", PermissionDenied),
        (403, "AuthorizationPermissionMismatch", PermissionDenied),
        (401, "", PermissionDenied),
        (429, "", BackendUnavailable),
        (503, "ServerBusy", BackendUnavailable),
        (500, "InternalError", BackendUnavailable),
        (502, "", BackendUnavailable),
        (400, "InvalidResourceName", InvalidPath),
        (400, "InvalidHeaderValue", RemoteStoreError),
    ],
)
def test_answers_map_to_our_errors(status: int, code: str, kind: type[RemoteStoreError]) -> None:
    cause = _answer(status, code)
    error = map_error(cause, CTX, PLACE)
    assert type(error) is kind
    assert (error.path, error.operation, error.backend) == ("a/b", "write", "azure")
    assert "Azure says" not in error.message and "a/b" not in error.message
    if kind is BackendUnavailable:
        assert "container 'c' at http://127.0.0.1:1" in error.message


@pytest.mark.spec("AZURE-017")
def test_the_sdks_error_code_enum_maps_as_its_value() -> None:
    from azure.storage.blob import StorageErrorCode

    error = _answer(404, "")
    error.error_code = StorageErrorCode.BLOB_NOT_FOUND
    assert type(map_error(error, CTX, PLACE)) is NotFound
    error.error_code = StorageErrorCode.CONDITION_NOT_MET
    assert type(map_error(error, CTX, PLACE)) is AlreadyExists


@pytest.mark.spec("AZURE-017")
def test_failures_without_an_answer() -> None:
    assert type(map_error(ServiceRequestError("refused"), CTX, PLACE)) is BackendUnavailable
    assert type(map_error(ConnectionResetError(), CTX, PLACE)) is BackendUnavailable
    other = map_error(KeyError("x"), CTX, PLACE)
    assert type(other) is RemoteStoreError and "KeyError" in other.message
    ours = NotFound("x")
    assert map_error(ours, CTX, PLACE) is ours


@pytest.mark.spec("AZURE-017")
def test_a_pinned_read_that_lost_its_version_is_unavailable() -> None:
    error = map_error(_answer(412, "ConditionNotMet"), CTX, PLACE, exists=BackendUnavailable)
    assert type(error) is BackendUnavailable and "changed while it was read" in error.message


@pytest.mark.spec("AZURE-017")
def test_a_missing_container_is_unavailable(make_backend: Callable[..., AzureBackend]) -> None:
    backend = make_backend(container="no-such-container")
    for call in (
        lambda: backend.write("f", b"1"),
        lambda: backend.read_bytes("f"),
        lambda: list(backend.list_files("")),
    ):
        with pytest.raises(
            BackendUnavailable, match=r"container 'no-such-container' at http://127\.0\.0\.1"
        ) as caught:
            call()
        assert caught.value.__cause__ is not None


@pytest.mark.spec("AZURE-017")
def test_a_wrong_key_is_permission_denied(make_backend: Callable[..., AzureBackend], azurite: Any) -> None:
    backend = make_backend(
        connection_string=None, account_url=azurite.account_url, account_key="d3Jvbmcga2V5IGZvciB0ZXN0cw=="
    )
    with pytest.raises(PermissionDenied, match="access denied to container") as caught:
        backend.write("f", b"1")
    assert isinstance(caught.value.__cause__, HttpResponseError)


@pytest.mark.spec("AZURE-020")
def test_a_pending_copy_is_polled(
    backend: AzureBackend, container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = BlobClient.start_copy_from_url

    def pending(self: BlobClient, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**real(self, *args, **kwargs), "copy_status": "pending"}

    monkeypatch.setattr(BlobClient, "start_copy_from_url", pending)
    container.upload_blob("src", b"data")
    log = RequestLog(backend)
    backend.copy("src", "dst")
    assert log.kinds == ["PUT copy", "HEAD"]
    assert container.download_blob("dst").readall() == b"data"


@pytest.mark.spec("AZURE-020")
def test_a_copy_that_fails_on_the_server_is_an_error(
    backend: AzureBackend, container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = BlobClient.start_copy_from_url
    monkeypatch.setattr(
        BlobClient,
        "start_copy_from_url",
        lambda self, *a, **k: {**real(self, *a, **k), "copy_status": "pending"},
    )
    real_properties = BlobClient.get_blob_properties

    def failed(self: BlobClient, **kwargs: Any) -> Any:
        properties = real_properties(self, **kwargs)
        properties.copy.status = "failed"
        return properties

    monkeypatch.setattr(BlobClient, "get_blob_properties", failed)
    container.upload_blob("src", b"data")
    with pytest.raises(RemoteStoreError, match="copy ended 'failed'") as caught:
        backend.copy("src", "dst")
    assert caught.value.path == "dst"


@pytest.mark.spec("AZURE-022")
def test_connection_failures_are_retried_then_unavailable(make_backend: Callable[..., AzureBackend]) -> None:
    backend = make_backend(retry_total=1)
    failures = [0]

    def refuse_first(request: object) -> None:
        if failures[0] < 1:
            failures[0] += 1
            raise ServiceRequestError("connection refused")

    log = RequestLog(backend)
    backend._requests.observers.append(refuse_first)
    started = time.monotonic()
    backend.write("f", b"1")
    pause = time.monotonic() - started
    assert log.kinds == ["PUT", "PUT"]
    assert 1.4 <= pause < 6.0  # 0.5 + 1.5 s +- 0.5 s, not the SDK's 15 s
    stubborn = make_backend(retry_total=0)
    stubborn._requests.observers.append(lambda request: (_ for _ in ()).throw(ServiceRequestError("down")))
    with pytest.raises(BackendUnavailable, match="cannot reach container") as caught:
        stubborn.write("g", b"1")
    assert isinstance(caught.value.__cause__, ServiceRequestError)
