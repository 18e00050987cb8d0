"""Options, authentication, construction and packaging of the azure backend (AZURE-001 to -006, -021)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from remote_store import BackendConfig, ConfigError, Registry, RegistryConfig, StoreClosed
from remote_store.backends.azure import AzureBackend, AzureOptions

KEY = "c2VjcmV0LWtleS1ub3QtdG8tYmUtc2hvd24="
SAS = "sv=2024-01-01&sig=TOPSECRETSIGNATURE"
BASE: dict[str, Any] = {"container": "data", "account_url": "https://acct.blob.core.windows.net"}


@pytest.mark.spec("AZURE-001")
def test_registered_as_entry_point_azure_without_core_files() -> None:
    entry = {ep.name: ep for ep in metadata.entry_points(group="remote_store.backends")}["azure"]
    assert entry.load() is AzureBackend
    assert AzureBackend.type_name == "azure"
    root = Path(__file__).resolve().parents[1] / "src" / "remote_store"
    assert not (root / "__init__.py").exists() and not (root / "backends" / "__init__.py").exists()
    meta = (Path(__file__).resolve().parents[2] / "remote-store" / "pyproject.toml").read_text()
    assert 'azure = ["remote-store-azure==' in meta


@pytest.mark.spec("AZURE-002")
def test_the_signature_and_secrets_derive_from_the_options_object() -> None:
    import dataclasses

    names = [field.name for field in dataclasses.fields(AzureOptions)]
    parameters = inspect.signature(AzureBackend).parameters
    assert list(parameters) == names
    assert parameters["container"].default is inspect.Parameter.empty
    assert parameters["max_block_size"].default == 8 * 1024 * 1024
    assert {"connection_string", "account_key", "sas_token"} == AzureBackend.SECRET_OPTIONS


@pytest.mark.spec("AZURE-002")
def test_defaults_and_strings_are_converted() -> None:
    options = AzureBackend(**BASE, max_concurrency="8", read_timeout="2.5", account_name="").options
    assert options.max_concurrency == 8 and options.read_timeout == 2.5
    assert options.account_name is None
    assert (options.connection_timeout, options.retry_total) == (20.0, 5)
    assert (options.max_single_put_size, options.max_block_size, options.max_chunk_get_size) == (
        8 * 1024 * 1024,
        8 * 1024 * 1024,
        4 * 1024 * 1024,
    )
    typed = AzureBackend(AzureOptions(container="data", account_name="acct"))
    assert typed.options.endpoint == "https://acct.blob.core.windows.net"


@pytest.mark.spec("AZURE-002")
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("container", "Bad_Name"),
        ("container", "ab"),
        ("container", ""),
        ("account_url", "ftp://host"),
        ("account_url", "https://acct.blob.core.windows.net/?sv=1"),
        ("account_name", "Not-An-Account"),
        ("connection_timeout", 0),
        ("read_timeout", "soon"),
        ("retry_total", 101),
        ("max_single_put_size", -1),
        ("max_block_size", 1024),
        ("max_concurrency", 0),
        ("max_concurrency", "2.5"),
        ("max_chunk_get_size", 512 * 1024 * 1024),
        ("blob_size", 1),
    ],
)
def test_invalid_options_name_the_option(option: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        AzureBackend(**{**BASE, option: value})
    assert caught.value.message.startswith(f"{option}:")


@pytest.mark.spec("AZURE-002")
def test_a_missing_container_names_it() -> None:
    with pytest.raises(ConfigError, match=r"^container:"):
        AzureBackend(account_name="acct")
    config = RegistryConfig(backends={"b": BackendConfig(type="azure", options={"account_name": "acct"})})
    with Registry(config) as registry, pytest.raises(ConfigError, match="container"):
        registry.get_backend("b")


@pytest.mark.spec("AZURE-003")
@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"connection_string": "AccountName=a;AccountKey=k", "account_name": "acct"}, "connection_string"),
        ({"connection_string": "nothing here"}, "connection_string"),
        ({"account_name": "acct", "account_key": KEY, "sas_token": SAS}, "account_key and sas_token"),
        ({"account_name": "acct", "sas_token": SAS, "credential": "default"}, "sas_token and credential"),
        ({}, "account_url or account_name"),
        ({"account_url": "http://127.0.0.1:1", "account_key": KEY}, "account_name"),
        ({"account_name": "acct", "credential": "managed"}, "credential"),
        ({"account_name": "acct", "credential": object()}, "credential"),
    ],
)
def test_one_way_to_authenticate(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        AzureBackend(container="data", **options)
    assert caught.value.message.startswith(named)
    assert KEY not in str(caught.value) and "TOPSECRET" not in str(caught.value)


@pytest.mark.spec("AZURE-003")
def test_each_way_to_authenticate_is_accepted() -> None:
    class Token:
        def get_token(self, *scopes: str) -> Any:
            raise NotImplementedError

    AzureBackend(container="data", connection_string="UseDevelopmentStorage=true")
    AzureBackend(container="data", account_url="https://acct.blob.core.windows.net", account_key=KEY)
    AzureBackend(container="data", account_url="http://127.0.0.1:10000/devstoreaccount1", account_key=KEY)
    AzureBackend(container="data", account_name="acct", sas_token=SAS)
    AzureBackend(container="data", account_name="acct", credential=Token())
    AzureBackend(container="data", account_name="acct", credential="default")
    AzureBackend(container="data", account_name="acct")  # anonymous


@pytest.mark.spec("AZURE-003")
def test_default_credential_without_azure_identity_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "azure.identity" else real(name, *a)
    )
    with pytest.raises(ConfigError, match=r'^credential: "default" needs azure-identity: pip install'):
        AzureBackend(container="data", account_name="acct", credential="default")


@pytest.mark.spec("AZURE-004")
def test_repr_and_config_errors_never_show_secrets() -> None:
    backend = AzureBackend(container="data", account_name="acct", account_key=KEY)
    sas = AzureBackend(container="data", account_name="acct", sas_token=SAS)
    conn = AzureBackend(container="data", connection_string=f"AccountName=acct;AccountKey={KEY}")
    for shown in (
        repr(backend),
        repr(backend.options),
        repr(sas),
        repr(sas.options),
        repr(conn),
        repr(conn.options),
    ):
        assert KEY not in shown and "TOPSECRET" not in shown
    assert "account_key='***'" in repr(backend.options)
    with pytest.raises(ConfigError) as caught:
        AzureBackend(
            container="data", account_name="acct", account_key=KEY, sas_token=SAS, max_concurrency="x"
        )
    assert KEY not in str(caught.value) and "TOPSECRET" not in str(caught.value)


@pytest.mark.spec("AZURE-005")
def test_import_and_construction_import_no_sdk_and_send_nothing() -> None:
    code = (
        "import sys\n"
        "from remote_store import Registry, RegistryConfig\n"
        "from remote_store.backends.azure import AzureBackend\n"
        "b = AzureBackend(container='data', account_url='http://127.0.0.1:9/devstoreaccount1',\n"
        "                 account_key='a2V5')\n"
        "config = RegistryConfig.from_dict({'backends': {'a': {'type': 'azure', 'options': "
        "{'container': 'data', 'account_name': 'acct'}}}})\n"
        "Registry(config).get_backend('a')\n"
        "loaded = sorted(m for m in sys.modules if m == 'azure' or m.startswith('azure.'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.spec("AZURE-006")
def test_one_client_for_many_threads_and_closed_means_closed(
    backend: AzureBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    requests = backend._requests
    assert requests._client is None  # built on first use
    build = requests._build
    built: list[object] = []

    def counting_build() -> Any:
        client = build()
        built.append(client)
        return client

    monkeypatch.setattr(requests, "_build", counting_build)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: backend.is_file(f"f{i}"), range(16)))
    client = requests._client
    assert client is not None
    backend.is_file("again")
    assert requests._client is client
    assert built == [client]  # one client built, by all 8 threads together
    closes: list[int] = []
    close = client.close
    monkeypatch.setattr(client, "close", lambda: (closes.append(1), close())[1])
    backend.close()
    backend.close()
    assert closes == [1]  # the client itself is closed, once
    with pytest.raises(StoreClosed):
        backend.is_file("x")
    with pytest.raises(StoreClosed):
        backend.list_files("")


@pytest.mark.spec("AZURE-031")
@pytest.mark.parametrize(("value", "expected"), [("true", "true"), (True, "true"), ("AUTO", "auto")])
def test_hierarchical_namespace_true_and_auto_are_accepted(value: object, expected: str) -> None:
    assert AzureBackend(**BASE, hierarchical_namespace=value).options.hierarchical_namespace == expected


@pytest.mark.spec("AZURE-031")
def test_hierarchical_namespace_without_datalake_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "azure.storage.filedatalake" else find_spec(name, *args),
    )
    with pytest.raises(
        ConfigError, match=r"^hierarchical_namespace: 'auto' needs azure-storage-file-datalake"
    ):
        AzureBackend(**BASE, hierarchical_namespace="auto")
    assert AzureBackend(**BASE, hierarchical_namespace=False).options.hierarchical_namespace == "false"


@pytest.mark.spec("AZURE-031")
@pytest.mark.parametrize("value", ["yes", "hns", "on"])
def test_hierarchical_namespace_other_values_are_refused(value: object) -> None:
    with pytest.raises(ConfigError, match=r"^hierarchical_namespace: must be one of"):
        AzureBackend(**BASE, hierarchical_namespace=value)


@pytest.mark.spec("AZURE-031")
@pytest.mark.parametrize("value", ["false", False, "", "FALSE"])
def test_hierarchical_namespace_false_is_the_flat_namespace(value: object) -> None:
    assert AzureBackend(**BASE, hierarchical_namespace=value).options.hierarchical_namespace == "false"


@pytest.mark.spec("AZURE-007")
def test_capabilities_and_behaviour() -> None:
    from remote_store import Behaviour, Capability

    backend = AzureBackend(**BASE)
    assert set(backend.capabilities) == {
        Capability.READ,
        Capability.SEEKABLE_READ,
        Capability.WRITE,
        Capability.ATOMIC_WRITE,
        Capability.DELETE,
        Capability.LIST,
        Capability.MOVE,
        Capability.COPY,
        Capability.METADATA,
        Capability.CONTENT_TYPE,
        Capability.USER_METADATA,
        Capability.CONDITIONAL_WRITE,
    }
    assert backend.behaviour == Behaviour(
        real_empty_folders=False,
        file_folder_conflicts_rejected=False,
        missing_ok_delete_detects_folders=False,
        retries_storage_faults=True,
        thread_safe=True,
    )
