"""Registry: building backends from configuration, entry points, secrets, lifecycle."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Iterator
from importlib import metadata
from typing import Any, ClassVar

import pytest

from remote_store import (
    BackendConfig,
    BackendUnavailable,
    ConfigError,
    Registry,
    RegistryConfig,
    RemoteStoreError,
    Store,
    StoreClosed,
    StoreProfile,
)
from remote_store.backend_tools import ENTRY_POINT_GROUP, is_secret_option, masked_options
from remote_store.backends.memory import MemoryBackend


class OptionsBackend(MemoryBackend):
    """A memory backend that takes options like a real one, and counts how often it is built."""

    type_name: ClassVar[str] = "options"
    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset({"signature"})
    built: ClassVar[list[OptionsBackend]] = []

    def __init__(
        self,
        *,
        bucket: str,
        region: str = "eu-west-1",
        secret_key: str | None = None,
        signature: str | None = None,
        endpoint: str | None = None,
        retries: Any = 3,
    ) -> None:
        super().__init__()
        if region == "invalid":
            # A careless backend quoting every value in its own error message.
            raise ValueError(f"bad region {region!r} for {secret_key!r} {signature!r} at {endpoint!r}")
        if region == "config-error":
            raise ConfigError("region must be a known region")
        if retries == "many":
            raise TypeError("retries must be an int")
        self.options = {
            "bucket": bucket,
            "region": region,
            "secret_key": secret_key,
            "signature": signature,
            "endpoint": endpoint,
            "retries": retries,
        }
        self.closes = 0
        type(self).built.append(self)

    def close(self) -> None:
        self.closes += 1
        super().close()


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    OptionsBackend.built = []
    yield
    OptionsBackend.built = []


def make_registry(
    options: dict[str, Any] | None = None,
    *,
    environ: dict[str, str] | None = None,
    stores: dict[str, StoreProfile] | None = None,
) -> Registry:
    config = RegistryConfig(
        backends={
            "bucket": BackendConfig("options", {"bucket": "reports"} if options is None else options),
            "scratch": BackendConfig("memory"),
        },
        stores=stores
        if stores is not None
        else {
            "reports": StoreProfile("bucket", "reports"),
            "archive": StoreProfile("bucket", "archive"),
            "tmp": StoreProfile("scratch"),
        },
    )
    registry = Registry(config, environ={} if environ is None else environ)
    registry.register_backend("options", OptionsBackend)
    return registry


# -- lazy, once, shared -------------------------------------------------------------------------


@pytest.mark.spec("CONFIG-008")
def test_backends_are_built_lazily_once_and_shared() -> None:
    with make_registry() as registry:
        assert OptionsBackend.built == []
        scratch = registry.get_store("tmp")
        assert OptionsBackend.built == []
        reports = registry.get_store("reports")
        archive = registry.get_store("archive")
        assert len(OptionsBackend.built) == 1
        assert reports.backend is archive.backend is registry.get_backend("bucket") is OptionsBackend.built[0]
        assert scratch.backend is registry.get_backend("scratch")
        assert reports is not archive
        assert str(reports.root_path) == "reports" and str(archive.root_path) == "archive"
        reports.write("a.txt", b"1")
        assert archive.backend.is_file("reports/a.txt")


@pytest.mark.spec("CONFIG-008")
def test_concurrent_first_use_builds_one_backend() -> None:
    class Slow(OptionsBackend):
        def __init__(self, **options: Any) -> None:
            time.sleep(0.02)
            super().__init__(**options)

    registry = make_registry()
    registry.register_backend("options", Slow)
    barrier = threading.Barrier(8)
    stores: list[Store] = []

    def use() -> None:
        barrier.wait()
        stores.append(registry.get_store("reports"))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stores) == 8 and len(OptionsBackend.built) == 1
    assert {id(store.backend) for store in stores} == {id(OptionsBackend.built[0])}
    registry.close()


# -- entry points and register_backend ----------------------------------------------------------


@pytest.mark.spec("CONFIG-009")
def test_memory_backend_is_an_installed_entry_point() -> None:
    found = {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert ENTRY_POINT_GROUP == "remote_store.backends"
    assert found["memory"].load() is MemoryBackend
    with Registry(
        RegistryConfig(backends={"m": BackendConfig("memory")}, stores={"s": StoreProfile("m")})
    ) as r:
        store = r.get_store("s")
        assert type(store.backend) is MemoryBackend
        store.write("x", b"y")
        assert store.read_bytes("x") == b"y"


def _with_entry_points(monkeypatch: pytest.MonkeyPatch, *extra: metadata.EntryPoint) -> None:
    real = metadata.entry_points

    def entry_points(**selection: Any) -> list[metadata.EntryPoint]:
        return [*real(**selection), *(ep for ep in extra if ep.group == selection.get("group"))]

    monkeypatch.setattr(metadata, "entry_points", entry_points)


@pytest.mark.spec("CONFIG-009")
def test_backend_types_are_resolved_by_entry_point_name(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_entry_points(
        monkeypatch, metadata.EntryPoint("opts", f"{__name__}:OptionsBackend", ENTRY_POINT_GROUP)
    )
    config = RegistryConfig(backends={"b": BackendConfig("opts", {"bucket": "x"})})
    with Registry(config) as registry:
        assert type(registry.get_backend("b")) is OptionsBackend


@pytest.mark.spec("CONFIG-009", "ERR-005")
@pytest.mark.parametrize(
    ("value", "fragment", "cause"),
    [
        ("remote_store_no_such_module_xyz:Backend", "failed to load", ImportError),
        ("remote_store._registry:ENTRY_POINT_GROUP", "is not a Backend subclass", None),
        ("remote_store:Store", "is not a Backend subclass", None),
    ],
)
def test_broken_entry_point_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, value: str, fragment: str, cause: type[BaseException] | None
) -> None:
    _with_entry_points(monkeypatch, metadata.EntryPoint("broken", value, ENTRY_POINT_GROUP))
    registry = Registry(RegistryConfig(backends={"b": BackendConfig("broken")}))
    with pytest.raises(ConfigError) as caught:
        registry.get_backend("b")
    text = str(caught.value)
    assert "backends.b.type" in text and value in text and fragment in text
    if cause is not None:
        assert isinstance(caught.value.__cause__, cause)


@pytest.mark.spec("CONFIG-010")
def test_register_backend_takes_precedence_over_an_entry_point() -> None:
    class Custom(MemoryBackend):
        type_name: ClassVar[str] = "memory"

    config = RegistryConfig(backends={"m": BackendConfig("memory")})
    with Registry(config) as registry:
        registry.register_backend("memory", Custom)
        assert type(registry.get_backend("m")) is Custom
    # Registration is per registry.
    with Registry(config) as other:
        assert type(other.get_backend("m")) is MemoryBackend


@pytest.mark.spec("CONFIG-010")
@pytest.mark.parametrize("thing", [object, Store, MemoryBackend(), "memory", None])
def test_register_backend_needs_a_backend_class(thing: Any) -> None:
    with pytest.raises(ConfigError, match="is not a Backend subclass"):
        Registry(RegistryConfig()).register_backend("x", thing)


# -- configuration mistakes ---------------------------------------------------------------------


@pytest.mark.spec("CONFIG-011")
def test_unknown_backend_type_says_what_to_install() -> None:
    registry = Registry(RegistryConfig(backends={"files": BackendConfig("gcs")}))
    registry.register_backend("options", OptionsBackend)
    with pytest.raises(ConfigError) as caught:
        registry.get_backend("files")
    text = str(caught.value)
    assert "backends.files.type" in text and "'gcs'" in text
    assert "'memory'" in text and "'options'" in text
    assert "pip install remote-store-gcs" in text


@pytest.mark.spec("CONFIG-011")
def test_unknown_backend_type_suggests_the_closest() -> None:
    registry = Registry(
        RegistryConfig(backends={"files": BackendConfig("memroy")}, stores={"s": StoreProfile("files")})
    )
    with pytest.raises(ConfigError, match=r"did you mean 'memory'\?"):
        registry.get_store("s")


@pytest.mark.spec("CONFIG-012")
def test_unknown_option_is_named_with_a_suggestion_before_construction() -> None:
    registry = make_registry({"bucket": "reports", "regoin": "eu-west-1"})
    with pytest.raises(ConfigError) as caught:
        registry.get_store("reports")
    text = str(caught.value)
    assert "backends.bucket.options.regoin" in text
    assert "did you mean 'region'?" in text
    assert "'bucket', 'endpoint', 'region', 'retries', 'secret_key', 'signature'" in text
    assert OptionsBackend.built == []


@pytest.mark.spec("CONFIG-012")
def test_memory_backend_accepts_no_options() -> None:
    registry = Registry(RegistryConfig(backends={"m": BackendConfig("memory", {"root": "/tmp"})}))
    with pytest.raises(ConfigError, match=r"backends\.m\.options\.root: unknown option.*valid options: none"):
        registry.get_backend("m")


@pytest.mark.spec("CONFIG-012")
def test_backend_taking_any_keyword_gets_every_option() -> None:
    class Open(MemoryBackend):
        def __init__(self, **options: Any) -> None:
            super().__init__()
            self.options = options

    registry = Registry(RegistryConfig(backends={"o": BackendConfig("open", {"anything": 1})}))
    registry.register_backend("open", Open)
    assert registry.get_backend("o").options == {"anything": 1}  # type: ignore[attr-defined]


@pytest.mark.spec("CONFIG-013")
def test_missing_required_option_is_named_before_construction() -> None:
    registry = make_registry({"region": "eu-west-1"})
    with pytest.raises(ConfigError) as caught:
        registry.get_backend("bucket")
    assert "backends.bucket.options.bucket: required option missing" in str(caught.value)
    assert OptionsBackend.built == []


@pytest.mark.spec("CONFIG-014")
def test_unknown_store_name_lists_the_known_ones() -> None:
    registry = make_registry()
    with pytest.raises(ConfigError) as caught:
        registry.get_store("reprots")
    text = str(caught.value)
    assert "unknown store 'reprots'" in text and "did you mean 'reports'?" in text
    assert "'archive', 'reports', 'tmp'" in text
    with pytest.raises(ConfigError) as caught:
        registry.get_backend("bukket")
    text = str(caught.value)
    assert "unknown backend 'bukket'" in text and "did you mean 'bucket'?" in text
    assert "'bucket', 'scratch'" in text
    assert OptionsBackend.built == []


@pytest.mark.spec("CONFIG-014")
def test_empty_registry_says_none_are_known() -> None:
    with pytest.raises(ConfigError, match="known stores: none"):
        Registry(RegistryConfig()).get_store("anything")


@pytest.mark.spec("CONFIG-015")
def test_backend_value_errors_become_config_errors_with_their_message() -> None:
    registry = make_registry({"bucket": "b", "retries": "many"})
    with pytest.raises(ConfigError) as caught:
        registry.get_backend("bucket")
    text = str(caught.value)
    assert "backends.bucket.options" in text and "retries must be an int" in text
    assert caught.value.backend == "options"


@pytest.mark.spec("CONFIG-015")
def test_backend_config_error_is_prefixed_with_its_location() -> None:
    registry = make_registry({"bucket": "b", "region": "config-error"})
    with pytest.raises(ConfigError) as caught:
        registry.get_backend("bucket")
    assert str(caught.value).startswith("backends.bucket.options: region must be a known region")


@pytest.mark.spec("CONFIG-015", "CONFIG-007")
def test_backend_error_detail_is_dropped_when_a_secret_is_set() -> None:
    registry = make_registry({"bucket": "b", "region": "invalid", "secret_key": "s3cr3t-v4lue"})
    with pytest.raises(ConfigError) as caught:
        registry.get_backend("bucket")
    text = "".join(traceback.format_exception(type(caught.value), caught.value, caught.value.__traceback__))
    assert "invalid options for backend type 'options': ValueError" in text
    assert "s3cr3t-v4lue" not in text


def test_registry_needs_a_registry_config() -> None:
    with pytest.raises(ConfigError, match="needs a RegistryConfig"):
        Registry({"backends": {}})  # type: ignore[arg-type]
    config = RegistryConfig()
    assert Registry(config).config is config


# -- environment variables ----------------------------------------------------------------------


def built_options(options: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, Any]:
    registry = make_registry({"bucket": "b", **options}, environ=environ)
    return registry.get_backend("bucket").options  # type: ignore[attr-defined, no-any-return]


@pytest.mark.spec("CONFIG-006")
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${REGION}", "eu-central-1"),
        ("https://${HOST}:${PORT}/x", "https://example.org:9000/x"),
        ("$${REGION}", "${REGION}"),
        ("$${UNSET_VARIABLE}", "${UNSET_VARIABLE}"),
        ("a$${B}c${PORT}", "a${B}c9000"),
        ("pa$$word", "pa$$word"),
        ("pa$$$word$", "pa$$$word$"),
        ("costs $5", "costs $5"),
        ("$REGION", "$REGION"),
        ("${", "${"),
        ("${not a name}", "${not a name}"),
        ("plain", "plain"),
    ],
)
def test_environment_references_are_resolved(value: str, expected: str) -> None:
    environ = {"REGION": "eu-central-1", "HOST": "example.org", "PORT": "9000"}
    assert built_options({"endpoint": value}, environ)["endpoint"] == expected


@pytest.mark.spec("CONFIG-006")
@pytest.mark.parametrize("value", [3, 2.5, True, None, ["${REGION}"], {"k": "${REGION}"}])
def test_non_string_values_are_passed_unchanged(value: Any) -> None:
    assert built_options({"retries": value}, {"REGION": "x"})["retries"] == value


@pytest.mark.spec("CONFIG-006")
def test_unset_variable_names_the_option_and_the_variable() -> None:
    registry = make_registry({"bucket": "b", "endpoint": "https://${MISSING_HOST}/"})
    with pytest.raises(ConfigError) as caught:
        registry.get_backend("bucket")
    text = str(caught.value)
    assert "backends.bucket.options.endpoint" in text and "'MISSING_HOST'" in text
    assert OptionsBackend.built == []


@pytest.mark.spec("CONFIG-006")
def test_references_are_resolved_at_build_time_from_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REMOTE_STORE_TEST_REGION", raising=False)
    config = RegistryConfig(
        backends={"b": BackendConfig("options", {"bucket": "x", "region": "${REMOTE_STORE_TEST_REGION}"})}
    )
    registry = Registry(config)
    registry.register_backend("options", OptionsBackend)
    monkeypatch.setenv("REMOTE_STORE_TEST_REGION", "us-east-2")
    assert registry.get_backend("b").options["region"] == "us-east-2"  # type: ignore[attr-defined]
    assert config.backends["b"].options["region"] == "${REMOTE_STORE_TEST_REGION}"


@pytest.mark.spec("CONFIG-006")
def test_given_environ_replaces_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMOTE_STORE_TEST_REGION", "from-os")
    given = {"REMOTE_STORE_TEST_REGION": "given"}
    assert built_options({"region": "${REMOTE_STORE_TEST_REGION}"}, given)["region"] == "given"
    with pytest.raises(ConfigError):
        built_options({"region": "${REMOTE_STORE_TEST_REGION}"}, {})


# -- secrets ------------------------------------------------------------------------------------

LITERAL_SECRET = "literal-S3CR3T-value"
ENV_SECRET = "env-S3CR3T-value"
URL_PASSWORD = "url-S3CR3T-password"


@pytest.mark.spec("CONFIG-007")
def test_secrets_never_appear_in_reprs_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    secrets = (LITERAL_SECRET, ENV_SECRET, URL_PASSWORD)
    environ = {"SIGNATURE": ENV_SECRET, "PASSWORD": URL_PASSWORD}
    options = {
        "bucket": "reports",
        # Secret by its name.
        "secret_key": LITERAL_SECRET,
        # Secret by the backend's SECRET_OPTIONS, its value read from the environment.
        "signature": "${SIGNATURE}",
        # Not a secret name, but part of its value (a password) is read from the environment.
        "endpoint": "https://user:${PASSWORD}@example.org",
    }
    shown: list[str] = []
    caplog.set_level(logging.DEBUG)
    registry = make_registry(options, environ=environ)
    store = registry.get_store("reports")
    backend = registry.get_backend("bucket")
    assert backend.options["signature"] == ENV_SECRET  # type: ignore[attr-defined]
    assert backend.options["endpoint"] == f"https://user:{URL_PASSWORD}@example.org"  # type: ignore[attr-defined]
    config = registry.config
    for thing in (config, config.backends["bucket"], config.stores["reports"], registry, store, backend):
        shown += [repr(thing), str(thing)]

    def failure(**extra: Any) -> None:
        failing = make_registry({**options, **extra}, environ=environ)
        with pytest.raises(RemoteStoreError) as caught:
            failing.get_store("reports")
        error = caught.value
        shown.extend(
            [str(error), repr(error), *traceback.format_exception(type(error), error, error.__traceback__)]
        )

    failure(region="invalid")  # the backend quotes every value in its error
    failure(regoin="x")  # unknown option
    failure(endpoint="${PASSWORD}-${UNSET}")  # missing variable next to a resolved one
    failure(retries="many")
    registry.close()
    shown += [record.getMessage() for record in caplog.records]
    shown += [caplog.text]
    assert any("building backend" in record.getMessage() for record in caplog.records)
    assert any("${PASSWORD}" in record.getMessage() for record in caplog.records)  # logged as configured
    for text in shown:
        for secret in secrets:
            assert secret not in text, (secret, text)


@pytest.mark.spec("CONFIG-007")
@pytest.mark.parametrize(
    "name",
    [
        "password",
        "db_password",
        "secret",
        "aws_secret_access_key",
        "token",
        "session_token",
        "api_key",
        "access_key_id",
        "account_key",
        "sas_token",
        "connection_string",
        "private_key",
        "passphrase",
        "credentials",
    ],
)
def test_credential_like_option_names_are_secret(name: str) -> None:
    assert is_secret_option(name)
    assert masked_options({name: "value", "region": "eu"}) == {name: "***", "region": "eu"}
    assert "value" not in repr(BackendConfig("x", {name: "value"}))


@pytest.mark.spec("CONFIG-007")
def test_declared_secret_options_are_masked_and_plain_ones_shown() -> None:
    assert not is_secret_option("region") and not is_secret_option("bucket")
    assert is_secret_option("signature", OptionsBackend.SECRET_OPTIONS)
    assert masked_options({"signature": "v", "bucket": "b", "password": None}, {"signature"}) == {
        "signature": "***",
        "bucket": "b",
        "password": None,
    }
    assert (
        repr(BackendConfig("s3", {"bucket": "reports"}))
        == "BackendConfig(type='s3', options={'bucket': 'reports'})"
    )


# -- close --------------------------------------------------------------------------------------


@pytest.mark.spec("CONFIG-016")
def test_close_closes_every_backend_built_and_every_store_handed_out() -> None:
    registry = make_registry()
    reports = registry.get_store("reports")
    archive = registry.get_store("archive")
    tmp = registry.get_store("tmp")
    bucket = registry.get_backend("bucket")
    registry.close()
    assert reports.closed and archive.closed and tmp.closed
    assert bucket.closes == 1  # type: ignore[attr-defined]
    with pytest.raises(StoreClosed):
        tmp.backend.is_file("x")
    registry.close()
    assert bucket.closes == 1  # type: ignore[attr-defined]


@pytest.mark.spec("CONFIG-016")
def test_with_block_closes_and_unused_backends_are_never_built() -> None:
    with make_registry() as registry:
        store = registry.get_store("tmp")
    assert store.closed
    assert OptionsBackend.built == []


@pytest.mark.spec("CONFIG-016")
def test_closing_a_handed_out_store_leaves_the_shared_backend_open() -> None:
    with make_registry() as registry:
        reports = registry.get_store("reports")
        archive = registry.get_store("archive")
        reports.close()
        archive.write("still.txt", b"open")
        assert archive.read_bytes("still.txt") == b"open"
        assert OptionsBackend.built[0].closes == 0


@pytest.mark.spec("CONFIG-016")
@pytest.mark.parametrize("failure", [RuntimeError("boom"), BackendUnavailable("gone", operation="close")])
def test_a_failing_close_does_not_stop_the_others(failure: Exception) -> None:
    class Failing(MemoryBackend):
        def close(self) -> None:
            raise failure

    config = RegistryConfig(
        backends={
            "a": BackendConfig("failing"),
            "b": BackendConfig("options", {"bucket": "x"}),
            "c": BackendConfig("failing"),
        }
    )
    registry = Registry(config)
    registry.register_backend("failing", Failing)
    registry.register_backend("options", OptionsBackend)
    for name in ("a", "b", "c"):
        registry.get_backend(name)
    with pytest.raises(RemoteStoreError) as caught:
        registry.close()
    if isinstance(failure, RemoteStoreError):
        assert caught.value is failure
    else:
        assert caught.value.__cause__ is failure and caught.value.operation == "close"
    assert OptionsBackend.built[0].closes == 1
    registry.close()  # idempotent, even after a failure


@pytest.mark.spec("CONFIG-017")
def test_use_after_close_raises_store_closed() -> None:
    registry = make_registry()
    store = registry.get_store("reports")
    registry.close()
    with pytest.raises(StoreClosed):
        registry.get_store("reports")
    with pytest.raises(StoreClosed):
        registry.get_store("tmp")
    with pytest.raises(StoreClosed):
        registry.get_backend("bucket")
    with pytest.raises(StoreClosed):
        store.write("a", b"x")
    with pytest.raises(StoreClosed):
        list(store.list_files(""))
    with pytest.raises(StoreClosed):
        store.exists("")


def test_repr_names_only() -> None:
    registry = make_registry()
    assert repr(registry) == "Registry(backends=['bucket', 'scratch'], stores=['archive', 'reports', 'tmp'])"
