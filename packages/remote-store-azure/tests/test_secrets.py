"""Secrets never shown: the account key and a SAS through every operation, log and error (AZURE-004)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from azure.storage.blob import ContainerClient, ContainerSasPermissions, generate_container_sas

from remote_store import ConfigError, Registry, RegistryConfig, Store
from remote_store.backends.azure import AzureBackend
from remote_store_conformance.secrets_scan import Recorder, capture_logs, check_the_scan, leaks, store_calls


@pytest.fixture
def sas_token(azurite: Any, container: ContainerClient) -> str:
    key = azurite.connection_string.split("AccountKey=")[1].split(";")[0]
    return generate_container_sas(
        "devstoreaccount1",
        container.container_name,
        account_key=key,
        permission=ContainerSasPermissions(
            read=True, write=True, delete=True, list=True, add=True, create=True
        ),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )


def _secrets(azurite: Any, sas_token: str) -> dict[str, str]:
    key = azurite.connection_string.split("AccountKey=")[1].split(";")[0]
    signature = dict(part.split("=", 1) for part in sas_token.split("&"))["sig"]
    return {"account key": key, "SAS signature": signature, "SAS token": sas_token}


@pytest.fixture
def debug_everything() -> Iterator[None]:
    # The SDK logs requests (headers, URLs) at DEBUG through azure.* loggers: all of them count.
    loggers = [logging.getLogger(name) for name in ("azure", "urllib3", "remote_store")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.spec("AZURE-004")
@pytest.mark.parametrize("auth", ["account_key", "sas_token", "connection_string", "connection_string_sas"])
@pytest.mark.usefixtures("debug_everything")
def test_no_operation_log_or_error_shows_a_secret(
    azurite: Any, container: ContainerClient, sas_token: str, auth: str
) -> None:
    secrets = _secrets(azurite, sas_token)
    check_the_scan(secrets)
    options: dict[str, Any] = {"container": container.container_name}
    if auth == "connection_string":
        options["connection_string"] = azurite.connection_string
    elif auth == "connection_string_sas":
        options["connection_string"] = f"BlobEndpoint={azurite.account_url};SharedAccessSignature={sas_token}"
    else:
        options["account_url"] = azurite.account_url
        options[auth] = secrets["account key"] if auth == "account_key" else sas_token
    recorder = Recorder()
    with capture_logs() as capture:
        backend = AzureBackend(**options)
        recorder.show(backend, backend.options)
        with Store(backend, "scan") as store:
            recorder.show(store)
            calls = recorder.call_all(store_calls(store, files=6))
        wrong = AzureBackend(**{**options, "container": "no-such-container"})
        recorder.call(lambda: wrong.write("f", b"1"))
        recorder.call(lambda: wrong.read_bytes("f"))
        bad = {**options, "max_concurrency": "many"}
        recorder.call(lambda: AzureBackend(**bad))
        config = RegistryConfig.from_dict({"backends": {"b": {"type": "azure", "options": bad}}})
        with Registry(config) as registry:
            recorder.call(lambda: registry.get_backend("b"))
    assert calls > 80 and recorder.errors > 20
    assert len(capture.texts) > 50, "the SDK's DEBUG log was not captured"
    found = leaks([*recorder.texts, *capture.texts], secrets)
    assert not found, found[:5]


@pytest.mark.spec("AZURE-004")
def test_config_errors_quote_no_secret(sas_token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        AzureBackend(container="data", account_name="acct", sas_token=sas_token, account_key=sas_token)
    assert sas_token not in str(caught.value)
