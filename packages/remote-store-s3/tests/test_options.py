"""Registration, options and their docs, secrets, lazy construction, client, capabilities (specs/s3.md)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from _s3_helpers import client_of

from remote_store import (
    BackendConfig,
    Capability,
    CapabilitySet,
    ConfigError,
    Registry,
    RegistryConfig,
    StoreClosed,
    StoreProfile,
)
from remote_store.backends.s3 import S3Backend
from remote_store.backends.s3._options import option_fields

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
ACCESS = "AKIAIOSFODNN7EXAMPLE"
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN"
MIB = 1024 * 1024
SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = Path(__file__).resolve().parents[3]
DOCUMENTED = (ROOT / "packages" / "remote-store-s3" / "README.md", ROOT / "docs" / "backends" / "s3.md")
TABLE_HEADER = "| Option | Type | Default | Meaning |"


@pytest.mark.spec("S3-001")
def test_entry_point_and_module() -> None:
    entry = {ep.name: ep for ep in metadata.entry_points(group="remote_store.backends")}["s3"]
    assert entry.value == "remote_store.backends.s3:S3Backend"
    assert entry.load() is S3Backend
    assert S3Backend.type_name == "s3"
    # The distribution owns only remote_store/backends/s3/: core owns the packages above it.
    assert not (SRC / "remote_store" / "__init__.py").exists()
    assert not (SRC / "remote_store" / "backends" / "__init__.py").exists()
    assert (SRC / "remote_store" / "backends" / "s3" / "py.typed").exists()


@pytest.mark.spec("S3-001", "S3-004")
def test_registry_builds_it_from_configuration() -> None:
    config = RegistryConfig(
        backends={"data": BackendConfig("s3", {"bucket": "b", "endpoint_url": "http://127.0.0.1:9"})},
        stores={"files": StoreProfile("data", "reports")},
    )
    with Registry(config) as registry:
        backend = registry.get_backend("data")
        assert isinstance(backend, S3Backend)
        assert backend.bucket == "b"


@pytest.mark.spec("S3-002")
def test_options_are_keyword_only_with_documented_defaults() -> None:
    import inspect

    parameters = inspect.signature(S3Backend).parameters
    assert list(parameters) == [
        "bucket",
        "region_name",
        "endpoint_url",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "profile_name",
        "addressing_style",
        "verify",
        "connect_timeout",
        "read_timeout",
        "max_attempts",
        "multipart_threshold",
        "multipart_chunksize",
        "max_concurrency",
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert parameters["bucket"].default is inspect.Parameter.empty
    defaults = {name: p.default for name, p in parameters.items()}
    assert defaults["multipart_threshold"] == 8 * MIB
    assert defaults["multipart_chunksize"] == 8 * MIB
    assert defaults["max_concurrency"] == 4
    assert defaults["connect_timeout"] == 10
    assert defaults["read_timeout"] == 60
    assert defaults["max_attempts"] == 5


@pytest.mark.spec("S3-002")
@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"bucket": ""}, "bucket"),
        ({"bucket": "a/b"}, "bucket"),
        ({"bucket": "a b"}, "bucket"),
        ({"bucket": "a\\b"}, "bucket"),
        ({"bucket": "a\nb"}, "bucket"),
        ({"bucket": 3}, "bucket"),
        ({"endpoint_url": "ftp://host"}, "endpoint_url"),
        ({"endpoint_url": "127.0.0.1:9000"}, "endpoint_url"),
        ({"addressing_style": "dns"}, "addressing_style"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"read_timeout": "-1"}, "read_timeout"),
        ({"read_timeout": "soon"}, "read_timeout"),
        ({"read_timeout": True}, "read_timeout"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 101}, "max_attempts"),
        ({"max_attempts": 2.5}, "max_attempts"),
        ({"multipart_threshold": -1}, "multipart_threshold"),
        ({"multipart_threshold": 5 * 1024**3 + 1}, "multipart_threshold"),
        ({"multipart_chunksize": 5 * MIB - 1}, "multipart_chunksize"),
        ({"multipart_chunksize": "8MiB"}, "multipart_chunksize"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": 257}, "max_concurrency"),
        ({"max_concurrency": False}, "max_concurrency"),
        ({"verify": 3}, "verify"),
        ({"region_name": 3}, "region_name"),
        ({"aws_access_key_id": ACCESS}, "aws_access_key_id"),
        ({"aws_secret_access_key": SECRET}, "aws_secret_access_key"),
        ({"aws_session_token": TOKEN}, "aws_session_token"),
    ],
)
def test_invalid_options_raise_config_error_naming_the_option(options: dict[str, Any], named: str) -> None:
    settings: dict[str, Any] = {"bucket": "bucket"}
    settings.update(options)
    with pytest.raises(ConfigError) as caught:
        S3Backend(**settings)
    assert named in caught.value.message
    for secret in (SECRET, ACCESS, TOKEN):
        assert secret not in str(caught.value)


@pytest.mark.spec("S3-002")
def test_strings_from_environment_interpolation_are_converted() -> None:
    config = RegistryConfig(
        backends={
            "data": BackendConfig(
                "s3",
                {
                    "bucket": "${BUCKET}",
                    "endpoint_url": "${ENDPOINT}",
                    "region_name": "${REGION}",
                    "multipart_threshold": "${THRESHOLD}",
                    "multipart_chunksize": "${CHUNK}",
                    "max_concurrency": "${CONCURRENCY}",
                    "max_attempts": "${ATTEMPTS}",
                    "connect_timeout": "${TIMEOUT}",
                    "read_timeout": " 2.5 ",
                    "verify": "${VERIFY}",
                },
            )
        }
    )
    environ = {
        "BUCKET": "b",
        "ENDPOINT": "http://127.0.0.1:9",
        "REGION": "",
        "THRESHOLD": "16777216",
        "CHUNK": "6291456",
        "CONCURRENCY": "7",
        "ATTEMPTS": "2",
        "TIMEOUT": "3",
        "VERIFY": "false",
    }
    with Registry(config, environ=environ) as registry:
        backend = registry.get_backend("data")
        assert isinstance(backend, S3Backend)
        options = backend._options
        assert options.multipart_threshold == 16 * MIB
        assert options.multipart_chunksize == 6 * MIB
        assert options.max_concurrency == 7
        assert options.max_attempts == 2
        assert options.connect_timeout == 3.0
        assert options.read_timeout == 2.5
        assert options.verify is False
        assert options.region_name is None  # an empty variable means "not set"


@pytest.mark.spec("S3-003")
def test_secrets_are_declared_and_never_in_repr() -> None:
    assert {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"} <= S3Backend.SECRET_OPTIONS
    backend = S3Backend(
        bucket="b",
        endpoint_url="http://user:pw@127.0.0.1:9",
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
    )
    for text in (repr(backend), str(backend), repr(backend._options)):
        assert SECRET not in text and ACCESS not in text and TOKEN not in text and "pw" not in text
    assert "bucket='b'" in repr(backend)
    config = BackendConfig(
        "s3", {"bucket": "b", "aws_secret_access_key": SECRET, "aws_access_key_id": ACCESS}
    )
    assert SECRET not in repr(config) and ACCESS not in repr(config)


@pytest.mark.spec("S3-003")
def test_registry_errors_never_quote_a_secret() -> None:
    config = RegistryConfig(
        backends={
            "data": BackendConfig("s3", {"bucket": "b", "aws_secret_access_key": SECRET, "max_attempts": 0})
        }
    )
    with Registry(config) as registry, pytest.raises(ConfigError) as caught:
        registry.get_backend("data")
    assert SECRET not in str(caught.value)


@pytest.mark.spec("S3-004")
def test_import_and_construction_leave_boto3_unimported() -> None:
    script = textwrap.dedent(
        """
        import socket, sys
        def no_network(*args, **kwargs):
            raise AssertionError("network use during construction")
        socket.socket.connect = no_network
        socket.create_connection = no_network
        from remote_store import BackendConfig, Registry, RegistryConfig
        from remote_store.backend_tools import Operation
        import remote_store.backends.s3 as s3
        assert "boto3" not in sys.modules and "botocore" not in sys.modules, "import"
        backend = s3.S3Backend(bucket="b", endpoint_url="http://127.0.0.1:9",
                               aws_access_key_id="a", aws_secret_access_key="s")
        config = RegistryConfig(backends={"x": BackendConfig("s3", {"bucket": "b"})})
        Registry(config).get_backend("x")
        repr(backend); backend.capabilities
        assert "boto3" not in sys.modules and "botocore" not in sys.modules, "construction"
        backend._requests.client(backend.context(Operation.READ))
        assert "boto3" in sys.modules and "botocore" in sys.modules, "first use"
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.spec("S3-005")
def test_one_client_built_once_under_concurrency() -> None:
    backend = S3Backend(bucket="b", endpoint_url="http://127.0.0.1:9", max_concurrency=6, max_attempts=3)
    clients: list[Any] = []
    barrier = threading.Barrier(8)

    def build() -> None:
        barrier.wait()
        clients.append(client_of(backend))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(clients) == 8
    assert all(client is clients[0] for client in clients)
    config = clients[0].meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert config.connect_timeout == 10
    assert config.read_timeout == 60
    assert config.max_pool_connections == 16
    assert config.s3 == {"addressing_style": "path"}
    if hasattr(config, "request_checksum_calculation"):
        assert config.request_checksum_calculation == "when_required"
    backend.close()


@pytest.mark.spec("S3-005")
def test_addressing_style_defaults() -> None:
    aws = S3Backend(bucket="b", region_name="eu-west-1")
    assert not (client_of(aws).meta.config.s3 or {}).get("addressing_style")
    virtual = S3Backend(bucket="b", endpoint_url="http://127.0.0.1:9", addressing_style="virtual")
    assert client_of(virtual).meta.config.s3 == {"addressing_style": "virtual"}
    aws.close()
    virtual.close()


@pytest.mark.spec("S3-005")
def test_close_is_idempotent_and_later_calls_raise_store_closed() -> None:
    backend = S3Backend(bucket="b", endpoint_url="http://127.0.0.1:9")
    client_of(backend)
    backend.close()
    backend.close()
    for call in (
        lambda: backend.is_file("x"),
        lambda: backend.is_folder("x"),
        lambda: backend.is_folder(""),
        lambda: backend.write("x", b"x"),
        lambda: backend.read_bytes("x"),
        lambda: backend.list_files(""),
        lambda: backend.list_folders(""),
        lambda: backend.delete("x"),
    ):
        with pytest.raises(StoreClosed):
            call()


@pytest.mark.spec("S3-006")
def test_capabilities() -> None:
    backend = S3Backend(bucket="b")
    assert backend.capabilities == CapabilitySet(
        {
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
            Capability.PRESIGNED_URL,
        }
    )
    assert Capability.ATOMIC_MOVE not in backend.capabilities


def _default_cell(field: dataclasses.Field[Any]) -> str:
    shown: str | None = field.metadata["default"]
    if shown is not None:
        return shown
    value = field.default
    if value is dataclasses.MISSING:
        return "required"
    if value is None:
        return "none"
    if isinstance(value, int) and value >= MIB and value % MIB == 0:
        return f"{value // MIB} MiB"
    return f"`{value:g}`"


def _type_cell(field: dataclasses.Field[Any]) -> str:
    shown: str | None = field.metadata["type"]
    return shown if shown is not None else f"`{str(field.type).removesuffix(' | None')}`"


def options_table() -> str:
    """The options table the README and the backend's page must show, rendered from S3Options."""
    lines = [TABLE_HEADER, "| --- | --- | --- | --- |"]
    for field in option_fields():
        meaning = field.metadata["doc"] + (" **Secret.**" if field.metadata["secret"] else "")
        lines.append(f"| `{field.name}` | {_type_cell(field)} | {_default_cell(field)} | {meaning} |")
    return "\n".join(lines)


@pytest.mark.spec("S3-032")
@pytest.mark.parametrize("page", DOCUMENTED, ids=[path.name for path in DOCUMENTED])
def test_the_documented_options_are_the_declared_ones(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    start = text.index(TABLE_HEADER)
    end = text.find("\n\n", start)
    shown = text[start : end if end >= 0 else len(text)].strip()
    expected = options_table()
    assert shown == expected, f"{page}: the options table must read (from S3Options):\n{expected}"


@pytest.mark.spec("S3-032", "S3-003")
def test_keyword_arguments_and_secrets_derive_from_the_options() -> None:
    import inspect

    assert list(inspect.signature(S3Backend).parameters) == [field.name for field in option_fields()]
    secrets = {field.name for field in option_fields() if field.metadata["secret"]}
    assert secrets == S3Backend.SECRET_OPTIONS
