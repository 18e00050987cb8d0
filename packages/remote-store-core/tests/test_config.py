"""Configuration data: BackendConfig, StoreProfile, RegistryConfig, from_dict and from_toml."""

from __future__ import annotations

import dataclasses
import importlib
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from remote_store import BackendConfig, ConfigError, RegistryConfig, RemotePath, StoreProfile, _config

# -- BackendConfig ------------------------------------------------------------------------------


@pytest.mark.spec("CONFIG-001")
@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"type": ""}, "type: must be a non-empty string"),
        ({"type": None}, "type: must be a non-empty string"),
        ({"type": 3}, "type: must be a non-empty string"),
        ({"type": "memory", "options": ["root", "x"]}, "options: must be a mapping"),
        ({"type": "memory", "options": {"": 1}}, "options: keys must be non-empty strings"),
        ({"type": "memory", "options": {1: 1}}, "options: keys must be non-empty strings"),
    ],
)
def test_backend_config_is_validated(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        BackendConfig(**kwargs)
    assert fragment in str(caught.value)


@pytest.mark.spec("CONFIG-001")
def test_backend_config_is_frozen_with_a_read_only_copy_of_options() -> None:
    options = {"root": "/srv"}
    config = BackendConfig(type="local", options=options)
    options["root"] = "/elsewhere"
    assert config.options == {"root": "/srv"}
    with pytest.raises(TypeError):
        config.options["root"] = "/x"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.type = "s3"  # type: ignore[misc]
    assert BackendConfig("memory").options == {}
    assert config == BackendConfig("local", {"root": "/srv"})
    assert hash(config) == hash(BackendConfig("local", {"root": "/srv"}))


# -- StoreProfile -------------------------------------------------------------------------------


@pytest.mark.spec("CONFIG-002")
@pytest.mark.parametrize("backend", ["", None, 1])
def test_store_profile_needs_a_backend_name(backend: object) -> None:
    with pytest.raises(ConfigError, match="backend: must be a non-empty string"):
        StoreProfile(backend=backend)  # type: ignore[arg-type]


@pytest.mark.spec("CONFIG-002")
@pytest.mark.parametrize("root", ["/abs", "a/../b", "a//b", "a\\b", "a\x00", 5])
def test_store_profile_root_path_follows_the_path_rules(root: object) -> None:
    with pytest.raises(ConfigError) as caught:
        StoreProfile(backend="files", root_path=root)  # type: ignore[arg-type]
    assert str(caught.value).startswith("root_path: ")


@pytest.mark.spec("CONFIG-002")
def test_store_profile_root_path_is_canonical() -> None:
    assert StoreProfile("files", "reports/2024/").root_path == "reports/2024"
    assert StoreProfile("files", RemotePath("a/b")).root_path == "a/b"  # type: ignore[arg-type]
    assert StoreProfile("files").root_path == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        StoreProfile("files").backend = "x"  # type: ignore[misc]


# -- RegistryConfig -----------------------------------------------------------------------------


@pytest.mark.spec("CONFIG-003")
def test_store_naming_an_unknown_backend_is_rejected() -> None:
    with pytest.raises(ConfigError) as caught:
        RegistryConfig(
            backends={"files": BackendConfig("memory"), "archive": BackendConfig("memory")},
            stores={"reports": StoreProfile(backend="filez")},
        )
    text = str(caught.value)
    assert "stores.reports.backend" in text and "'filez'" in text
    assert "did you mean 'files'?" in text
    assert "'archive', 'files'" in text


@pytest.mark.spec("CONFIG-003")
@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"backends": [("a", BackendConfig("memory"))]}, "backends: must be a mapping"),
        ({"stores": "x"}, "stores: must be a mapping"),
        ({"backends": {"": BackendConfig("memory")}}, "backends: names must be non-empty strings"),
        ({"backends": {"a": {"type": "memory"}}}, "backends.a: must be a BackendConfig, not dict"),
        (
            {"backends": {"a": BackendConfig("memory")}, "stores": {"s": "a"}},
            "stores.s: must be a StoreProfile",
        ),
    ],
)
def test_registry_config_sections_are_checked(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        RegistryConfig(**kwargs)
    assert fragment in str(caught.value)


@pytest.mark.spec("CONFIG-003")
def test_registry_config_keeps_read_only_copies() -> None:
    backends = {"files": BackendConfig("memory")}
    stores = {"data": StoreProfile("files", "data")}
    config = RegistryConfig(backends=backends, stores=stores)
    backends.clear()
    stores.clear()
    assert set(config.backends) == {"files"} and set(config.stores) == {"data"}
    with pytest.raises(TypeError):
        config.stores["other"] = StoreProfile("files")  # type: ignore[index]
    assert RegistryConfig() == RegistryConfig(backends={}, stores={})


# -- from_dict ----------------------------------------------------------------------------------

DATA: dict[str, Any] = {
    "backends": {
        "files": {"type": "memory"},
        "bucket": {"type": "s3", "options": {"bucket": "reports", "region": "eu-west-1"}},
    },
    "stores": {
        "data": {"backend": "files", "root_path": "data/"},
        "reports": {"backend": "bucket"},
    },
}


@pytest.mark.spec("CONFIG-004")
def test_from_dict_builds_the_same_config_as_the_constructors() -> None:
    expected = RegistryConfig(
        backends={
            "files": BackendConfig("memory"),
            "bucket": BackendConfig("s3", {"bucket": "reports", "region": "eu-west-1"}),
        },
        stores={"data": StoreProfile("files", "data"), "reports": StoreProfile("bucket")},
    )
    assert RegistryConfig.from_dict(DATA) == expected
    assert RegistryConfig.from_dict({}) == RegistryConfig()
    assert RegistryConfig.from_dict({"backends": {"m": {"type": "memory"}}}).stores == {}


@pytest.mark.spec("CONFIG-004")
@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        ({"backend": {}}, ["backend: unknown key", "did you mean 'backends'?"]),
        (
            {"backends": {"files": {"typ": "memory"}}},
            ["backends.files.typ: unknown key", "did you mean 'type'?"],
        ),
        (
            {"backends": {"files": {"type": "memory", "option": {}}}},
            ["backends.files.option: unknown key", "did you mean 'options'?"],
        ),
        (
            {"backends": {"f": {"type": "memory"}}, "stores": {"s": {"backend": "f", "rootpath": "x"}}},
            ["stores.s.rootpath: unknown key", "did you mean 'root_path'?"],
        ),
    ],
)
def test_from_dict_unknown_keys_name_their_location_and_suggest(
    data: dict[str, Any], fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        RegistryConfig.from_dict(data)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.spec("CONFIG-004")
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (["backends"], "config must be a mapping"),
        ({"backends": ["files"]}, "backends: must be a table"),
        ({"backends": {"files": "memory"}}, "backends.files: must be a table"),
        ({"backends": {"files": {}}}, "backends.files: "),
        ({"backends": {"files": {"type": ""}}}, "backends.files.type: must be a non-empty string"),
        (
            {"backends": {"files": {"type": "memory", "options": 3}}},
            "backends.files.options: must be a mapping",
        ),
        ({"backends": {"f": {"type": "memory"}}, "stores": {"s": {}}}, "stores.s: "),
        (
            {"backends": {"f": {"type": "memory"}}, "stores": {"s": {"backend": "f", "root_path": "/abs"}}},
            "stores.s.root_path: ",
        ),
        ({"stores": {"s": {"backend": "nowhere"}}}, "stores.s.backend: unknown backend 'nowhere'"),
    ],
)
def test_from_dict_bad_values_name_their_location(data: Any, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        RegistryConfig.from_dict(data)
    assert fragment in str(caught.value)


# -- from_toml ----------------------------------------------------------------------------------

TOML = """
[backends.files]
type = "memory"

[backends.bucket]
type = "s3"
options = { bucket = "reports", region = "eu-west-1" }

[stores.data]
backend = "files"
root_path = "data/"

[stores.reports]
backend = "bucket"
"""


@pytest.mark.spec("CONFIG-005")
def test_from_toml_reads_the_same_config_as_from_dict(tmp_path: Path) -> None:
    path = tmp_path / "remote-store.toml"
    path.write_text(TOML, encoding="utf-8")
    assert RegistryConfig.from_toml(path) == RegistryConfig.from_dict(DATA)
    assert RegistryConfig.from_toml(str(path)) == RegistryConfig.from_dict(DATA)


@pytest.mark.spec("CONFIG-005", "ERR-005")
def test_from_toml_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[backends.files\ntype = ", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        RegistryConfig.from_toml(path)
    assert caught.value.path == str(path) and "invalid TOML" in caught.value.message
    assert caught.value.__cause__ is not None


@pytest.mark.spec("CONFIG-005")
def test_from_toml_unreadable_file_names_the_file(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.toml", tmp_path):
        with pytest.raises(ConfigError) as caught:
            RegistryConfig.from_toml(path)
        assert caught.value.path == str(path) and "cannot read config file" in caught.value.message
        assert isinstance(caught.value.__cause__, OSError)


@pytest.mark.spec("CONFIG-005")
def test_from_toml_content_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text('[backends.files]\ntype = "memory"\nroot = "/srv"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"backends\.files\.root: unknown key"):
        RegistryConfig.from_toml(path)


@pytest.mark.spec("CONFIG-005")
def test_from_toml_on_python_3_10_without_tomli_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "remote-store.toml"
    path.write_text(TOML, encoding="utf-8")
    # Take the 3.10 branch on any Python, with tomli made unimportable.
    monkeypatch.setattr(_config, "sys", types.SimpleNamespace(version_info=(3, 10, 13)))
    monkeypatch.setitem(sys.modules, "tomli", None)
    with pytest.raises(ConfigError) as caught:
        RegistryConfig.from_toml(path)
    assert 'pip install "remote-store-core[toml]"' in str(caught.value)
    assert isinstance(caught.value.__cause__, ImportError)


@pytest.mark.spec("CONFIG-005")
@pytest.mark.skipif(sys.version_info >= (3, 11), reason="tomllib is used from 3.11 on")
def test_from_toml_on_python_3_10_uses_tomli(tmp_path: Path) -> None:
    # The "toml" extra of remote-store-core installs tomli on 3.10.
    tomli = importlib.import_module("tomli")
    path = tmp_path / "remote-store.toml"
    path.write_text(TOML, encoding="utf-8")
    assert tomli.loads(TOML)["stores"]["data"]["root_path"] == "data/"
    assert RegistryConfig.from_toml(path) == RegistryConfig.from_dict(DATA)
