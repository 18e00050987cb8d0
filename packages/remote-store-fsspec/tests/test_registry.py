"""The ``rstore://`` protocol over a ``RegistryConfig`` (FSSPEC-013..015) and packaging (FSSPEC-016)."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import fsspec
import pytest

import remote_store
import remote_store.fsspec as bridge
from remote_store import ConfigError, RegistryConfig
from remote_store.fsspec import CONFIG_ENV, RegistryFileSystem


def local_config(root: Path) -> dict[str, Any]:
    return {
        "backends": {"disk": {"type": "local", "options": {"root": str(root)}}},
        "stores": {"reports": {"backend": "disk", "root_path": "reports"}, "raw": {"backend": "disk"}},
    }


@pytest.mark.spec("FSSPEC-013")
def test_protocol_found_through_the_entry_point(tmp_path: Path) -> None:
    assert fsspec.get_filesystem_class("rstore") is RegistryFileSystem
    points = importlib.metadata.entry_points(group="fsspec.specs")
    assert [p.value for p in points if p.name == "rstore"] == ["remote_store.fsspec:RegistryFileSystem"]
    config = local_config(tmp_path)
    with fsspec.open("rstore://reports/2024.csv", "wb", config=config) as handle:
        handle.write(b"a,b\n1,2\n")
    assert (tmp_path / "reports" / "2024.csv").read_bytes() == b"a,b\n1,2\n"
    fs, path = fsspec.core.url_to_fs("rstore://raw/reports/2024.csv", config=config)
    assert path == "raw/reports/2024.csv" and fs.cat_file(path) == b"a,b\n1,2\n"
    assert fs.ls("", detail=False) == ["raw", "reports"]
    assert fs.ls("reports", detail=False) == ["reports/2024.csv"]
    assert fs.info("reports")["type"] == "directory"
    assert fs.find("raw") == ["raw/reports/2024.csv"]
    fs.cp_file("reports/2024.csv", "raw/copy.csv")
    assert fs.cat_file("raw/copy.csv") == b"a,b\n1,2\n"
    fs.close()


@pytest.mark.spec("FSSPEC-014")
def test_config_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    toml = tmp_path / "stores.toml"
    toml.write_text(
        f'[backends.disk]\ntype = "local"\noptions = {{ root = "{tmp_path / "data"}" }}\n'
        '[stores.main]\nbackend = "disk"\n',
        encoding="utf-8",
    )
    (tmp_path / "data" / "f").write_bytes(b"F")
    for source in (str(toml), toml, RegistryConfig.from_toml(toml)):
        fs = RegistryFileSystem(config=source)
        assert fs.cat_file("main/f") == b"F"
        fs.close()
    monkeypatch.setenv(CONFIG_ENV, str(toml))
    fs = fsspec.filesystem("rstore")
    assert fs.cat_file("rstore://main/f") == b"F"
    with pytest.raises(ConfigError, match=r"unknown store 'mian'.*main"):
        fs.cat_file("mian/f")
    fs.close()
    monkeypatch.delenv(CONFIG_ENV)
    with pytest.raises(ConfigError, match=CONFIG_ENV):
        RegistryFileSystem()
    with pytest.raises(ConfigError, match="config: must be"):
        RegistryFileSystem(config=42)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"stores\.main\.backend"):
        RegistryFileSystem(config={"stores": {"main": {"backend": "nope"}}})


@pytest.mark.spec("FSSPEC-015")
def test_one_registry_per_configuration(tmp_path: Path) -> None:
    config = local_config(tmp_path)
    first = fsspec.filesystem("rstore", config=config)
    assert fsspec.filesystem("rstore", config=config) is first
    store = first.get_store("reports")
    first.close()
    assert store.closed
    assert fsspec.filesystem("rstore", config=config) is not first
    fsspec.filesystem("rstore", config=config).close()


@pytest.mark.spec("FSSPEC-016")
def test_ships_only_its_subpackage_beside_core() -> None:
    requires = [r for r in importlib.metadata.requires("remote-store-fsspec") or [] if "extra ==" not in r]
    assert sorted(r.split(">")[0].split("=")[0].split("<")[0].strip() for r in requires) == [
        "fsspec",
        "remote-store-core",
    ]
    ours = Path(bridge.__file__).resolve().parent
    assert ours.parts[-2:] == ("remote_store", "fsspec")
    files = importlib.metadata.files("remote-store-fsspec") or []
    shipped = {str(f) for f in files if str(f).startswith("remote_store/")}
    assert "remote_store/__init__.py" not in shipped
    assert all(name.startswith("remote_store/fsspec/") for name in shipped)
    # Core's package spans every remote_store folder on sys.path: editable installs keep working.
    assert any(Path(folder).resolve() == ours.parent for folder in remote_store.__path__)
