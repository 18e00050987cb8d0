"""Construction, registration, the root, real files and folders (LOCAL-001, LOCAL-002, LOCAL-003,
LOCAL-004)."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path
from typing import Any

import pytest

from remote_store import Capability, CapabilitySet, ConfigError, Registry, RegistryConfig
from remote_store.backends.local import LocalBackend

# -- LOCAL-001, LOCAL-002, LOCAL-003: construction, registration, the root ---------------------


@pytest.mark.spec("LOCAL-001")
def test_construction_touches_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"x")
    LocalBackend(root=tmp_path / "a" / "b")
    LocalBackend(root=str(blocker / "below"))
    assert sorted(os.listdir(tmp_path)) == ["file"]


@pytest.mark.spec("LOCAL-001")
def test_relative_root_is_fixed_at_construction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    backend = LocalBackend(root="data")
    assert backend.root == str(tmp_path / "one" / "data")
    monkeypatch.chdir(tmp_path / "two")
    backend.write("f.txt", b"x")
    assert (tmp_path / "one" / "data" / "f.txt").read_bytes() == b"x"
    assert not (tmp_path / "two" / "data").exists()


@pytest.mark.spec("LOCAL-001")
def test_pathlike_root(tmp_path: Path) -> None:
    backend = LocalBackend(root=tmp_path / "r")
    assert backend.root == str(tmp_path / "r")
    assert str(tmp_path / "r") in repr(backend)


@pytest.mark.spec("LOCAL-001", "BACKEND-001")
def test_repr_names_a_subclass(tmp_path: Path) -> None:
    class ArchiveBackend(LocalBackend):
        type_name = "archive"

    text = repr(ArchiveBackend(root=tmp_path / "r"))
    assert text == f"<ArchiveBackend type='archive' root={str(tmp_path / 'r')!r}>"
    assert repr(LocalBackend(root=tmp_path / "r")).startswith("<LocalBackend type='local' root=")


@pytest.mark.spec("LOCAL-001")
@pytest.mark.parametrize("root", ["", "a\0b", b"/tmp/x", 3, None])
def test_invalid_root(root: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        LocalBackend(root=root)
    assert "root" in caught.value.message


@pytest.mark.spec("LOCAL-002")
def test_entry_point_and_capabilities(tmp_path: Path) -> None:
    (entry_point,) = [
        ep for ep in importlib.metadata.entry_points(group="remote_store.backends") if ep.name == "local"
    ]
    assert entry_point.load() is LocalBackend
    assert LocalBackend.type_name == "local"
    not_offered = {
        Capability.CONTENT_TYPE,
        Capability.USER_METADATA,
        Capability.CONDITIONAL_WRITE,
        Capability.PRESIGNED_URL,
    }
    assert LocalBackend(root=tmp_path).capabilities == CapabilitySet.all() - not_offered
    config = RegistryConfig.from_dict(
        {
            "backends": {"files": {"type": "local", "options": {"root": str(tmp_path / "r")}}},
            "stores": {"data": {"backend": "files", "root_path": "data"}},
        }
    )
    with Registry(config) as registry:
        backend = registry.get_backend("files")
        assert isinstance(backend, LocalBackend)
        registry.get_store("data").write("f.txt", b"hi")
    assert (tmp_path / "r" / "data" / "f.txt").read_bytes() == b"hi"


@pytest.mark.spec("LOCAL-003")
def test_missing_root_is_an_empty_folder(backend: LocalBackend, root: Path) -> None:
    assert backend.is_folder("")
    assert backend.exists("")
    assert not backend.is_file("")
    assert list(backend.list_files("", recursive=True)) == []
    assert list(backend.list_folders("")) == []
    info = backend.get_folder_info("")
    assert (info.file_count, info.total_size, info.modified_at) == (0, 0, None)
    assert not root.exists()


@pytest.mark.spec("LOCAL-003")
@pytest.mark.parametrize("operation", ["write", "write_atomic"])
def test_first_write_creates_root(tmp_path: Path, operation: str) -> None:
    root = tmp_path / "deep" / "er" / "root"
    backend = LocalBackend(root=root)
    getattr(backend, operation)("a/f.txt", b"content")
    assert (root / "a" / "f.txt").read_bytes() == b"content"


@pytest.mark.spec("LOCAL-003")
@pytest.mark.parametrize("where", ["root", "above"])
def test_root_that_is_a_file(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"keep")
    backend = LocalBackend(root=blocker if where == "root" else blocker / "root")
    with pytest.raises(ConfigError) as caught:
        backend.write("f.txt", b"x")
    assert caught.value.operation == "write"
    assert blocker.read_bytes() == b"keep"
    assert sorted(os.listdir(tmp_path)) == ["blocker"]


# -- LOCAL-004: real files and folders ---------------------------------------------------------


@pytest.mark.spec("LOCAL-004")
def test_paths_map_to_disk(backend: LocalBackend, root: Path) -> None:
    backend.write("a/b/c.txt", b"abc")
    assert (root / "a" / "b" / "c.txt").read_bytes() == b"abc"
    (root / "x" / "y").mkdir(parents=True)
    (root / "x" / "y" / "z.bin").write_bytes(b"z")
    assert backend.read_bytes("x/y/z.bin") == b"z"
    assert backend.is_file("x/y/z.bin")


@pytest.mark.spec("LOCAL-004")
def test_empty_folders_are_real(backend: LocalBackend, root: Path) -> None:
    (root / "made" / "by" / "mkdir").mkdir(parents=True)
    assert backend.is_folder("made/by/mkdir")
    assert backend.exists("made/by/mkdir")
    assert list(backend.list_folders("made/by")) == ["made/by/mkdir"]
    backend.write("w/f.txt", b"x")
    backend.delete("w/f.txt")
    assert backend.is_folder("w")
    backend.write("m/f.txt", b"x")
    backend.move("m/f.txt", "n/f.txt")
    assert backend.is_folder("m")
    assert sorted(backend.list_folders("")) == ["m", "made", "n", "w"]
    backend.delete_folder("m")
    assert not (root / "m").exists()
