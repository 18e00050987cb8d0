"""The sandbox: links that lead out, links inside followed, paths validated again (LOCAL-018,
LOCAL-019, LOCAL-023)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _local_helpers import disk, posix_only

from remote_store import AlreadyExists, InvalidPath, PermissionDenied, RemoteStoreError
from remote_store.backends.local import LocalBackend

# The sandbox must hold whichever way paths are resolved (LOCAL-026, LOCAL-027).
pytestmark = pytest.mark.usefixtures("resolution")

# -- LOCAL-018, LOCAL-019: the sandbox and links --------------------------------------------------------


@pytest.fixture
def escapes(tmp_path: Path, backend: LocalBackend, root: Path) -> Path:
    """Links inside ``root`` that lead outside, to ``tmp_path/outside``; returns ``outside``."""
    if os.name != "posix":
        pytest.skip("symbolic links need privileges on Windows")
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_bytes(b"secret")
    (outside / "folder" / "deep.txt").write_bytes(b"deep")
    backend.write("mine.txt", b"mine")
    backend.write("sub/inner.txt", b"inner")
    os.symlink(outside, root / "abs_dir")
    os.symlink("../outside", root / "rel_dir")
    os.symlink("../../outside/secret.txt", root / "sub" / "rel_file")
    os.symlink(outside / "secret.txt", root / "abs_file")
    os.symlink(outside / "missing", root / "dangling_dir")
    os.symlink(outside / "missing.txt", root / "dangling_file")
    return outside


ESCAPING = [
    "abs_dir",
    "rel_dir",
    "abs_dir/secret.txt",
    "rel_dir/folder/deep.txt",
    "rel_dir/folder",
    "sub/rel_file",
    "abs_file",
    "dangling_dir",
    "dangling_dir/new/f.txt",
    "dangling_file",
]

OPERATIONS: dict[str, Callable[[LocalBackend, str], Any]] = {
    "is_file": lambda b, p: b.is_file(p),
    "is_folder": lambda b, p: b.is_folder(p),
    "exists": lambda b, p: b.exists(p),
    "read": lambda b, p: b.read(p).close(),
    "read_bytes": lambda b, p: b.read_bytes(p),
    "write": lambda b, p: b.write(p, b"evil"),
    "write overwrite": lambda b, p: b.write(p, b"evil", overwrite=True),
    "write_atomic": lambda b, p: b.write_atomic(p, b"evil", overwrite=True),
    "delete": lambda b, p: b.delete(p, missing_ok=True),
    "delete_folder": lambda b, p: b.delete_folder(p, missing_ok=True),
    "delete_folder recursive": lambda b, p: b.delete_folder(p, recursive=True, missing_ok=True),
    "move from": lambda b, p: b.move(p, "stolen.txt", overwrite=True),
    "move to": lambda b, p: b.move("mine.txt", p, overwrite=True),
    "copy from": lambda b, p: b.copy(p, "stolen.txt", overwrite=True),
    "copy to": lambda b, p: b.copy("mine.txt", p, overwrite=True),
    "list_files": lambda b, p: list(b.list_files(p)),
    "list_files recursive": lambda b, p: list(b.list_files(p, recursive=True)),
    "list_folders": lambda b, p: list(b.list_folders(p)),
    "get_file_info": lambda b, p: b.get_file_info(p),
    "get_folder_info": lambda b, p: b.get_folder_info(p),
}


@pytest.mark.spec("LOCAL-018")
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_sandbox(tmp_path: Path, backend: LocalBackend, root: Path, escapes: Path, operation: str) -> None:
    outside_before = disk(escapes)
    outside_stat = {path: os.stat(escapes / path).st_mtime_ns for path in outside_before}
    inside_before = disk(root)
    for path in ESCAPING:
        with pytest.raises(PermissionDenied) as caught:
            OPERATIONS[operation](backend, path)
        assert caught.value.path in (path, "mine.txt")
        assert caught.value.backend == "local"
        assert disk(escapes) == outside_before
        assert {p: os.stat(escapes / p).st_mtime_ns for p in outside_before} == outside_stat
        assert disk(root) == inside_before
    assert sorted(os.listdir(tmp_path)) == ["outside", "root"]


@pytest.mark.spec("LOCAL-018", "LOCAL-013")
def test_listings_hide_escaping_links(backend: LocalBackend, escapes: Path) -> None:
    assert sorted(str(info.path) for info in backend.list_files("", recursive=True)) == [
        "mine.txt",
        "sub/inner.txt",
    ]
    assert sorted(backend.list_folders("")) == ["sub"]
    info = backend.get_folder_info("")
    assert (info.file_count, info.total_size) == (2, 9)


@pytest.mark.spec("LOCAL-018")
@posix_only
def test_root_may_be_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    backend = LocalBackend(root=tmp_path / "link")
    backend.write("a/f.txt", b"x")
    assert (tmp_path / "real" / "a" / "f.txt").read_bytes() == b"x"
    assert [str(info.path) for info in backend.list_files("", recursive=True)] == ["a/f.txt"]
    backend.delete_folder("a", recursive=True)
    assert os.listdir(tmp_path / "real") == []


@pytest.mark.spec("LOCAL-019")
@posix_only
def test_links_inside_are_followed(backend: LocalBackend, root: Path) -> None:
    backend.write("data/real.txt", b"real")
    os.symlink("data/real.txt", root / "alias.txt")
    os.symlink("data", root / "dlink")
    assert backend.is_file("alias.txt")
    assert backend.read_bytes("alias.txt") == b"real"
    assert backend.is_folder("dlink")
    assert backend.get_file_info("dlink/real.txt").size == 4
    assert sorted(backend.list_folders("")) == ["data", "dlink"]
    assert sorted(str(info.path) for info in backend.list_files("", recursive=True)) == [
        "alias.txt",
        "data/real.txt",
    ]
    assert [str(info.path) for info in backend.list_files("dlink")] == ["dlink/real.txt"]
    backend.write("alias.txt", b"through", overwrite=True)
    assert (root / "data" / "real.txt").read_bytes() == b"through"
    assert os.path.islink(root / "alias.txt")
    backend.write("dlink/new.txt", b"new")
    assert (root / "data" / "new.txt").read_bytes() == b"new"
    # A link deeper in the path, and one whose target has several segments.
    (root / "deep" / "er").mkdir(parents=True)
    os.symlink("../../data", root / "deep" / "er" / "up2")
    os.symlink("data/real.txt", root / "two_segments.txt")
    assert backend.read_bytes("deep/er/up2/real.txt") == b"through"
    assert backend.read_bytes("two_segments.txt") == b"through"
    # Absolute targets inside the root are followed too.
    os.symlink(root / "data" / "real.txt", root / "absolute.txt")
    os.symlink(root / "data", root / "deep" / "absolute_dir")
    assert backend.read_bytes("absolute.txt") == b"through"
    assert backend.get_file_info("deep/absolute_dir/real.txt").size == len(b"through")
    assert sorted(str(info.path) for info in backend.list_files("deep/er/up2")) == [
        "deep/er/up2/new.txt",
        "deep/er/up2/real.txt",
    ]
    with pytest.raises(AlreadyExists):
        backend.write("alias.txt", b"again")


@pytest.mark.spec("LOCAL-019")
@posix_only
def test_link_cycles_are_harmless(backend: LocalBackend, root: Path) -> None:
    backend.write("a/f.txt", b"x")
    os.symlink("..", root / "a" / "parent")
    os.symlink("loop", root / "loop")
    assert sorted(str(info.path) for info in backend.list_files("", recursive=True)) == ["a/f.txt"]
    assert backend.get_folder_info("").file_count == 1
    assert not backend.is_file("loop")
    assert not backend.is_folder("loop")
    assert sorted(backend.list_folders("a")) == ["a/parent"]
    with pytest.raises(RemoteStoreError):
        backend.read("loop")


# -- LOCAL-023: paths are validated again --------------------------------------------------------


@pytest.mark.spec("LOCAL-023")
@pytest.mark.parametrize(
    "path", ["../outside.txt", "/etc/passwd", "a/../../x", "a//b", "./a", "a\\b", "a\0b"]
)
def test_direct_calls_validate_paths(tmp_path: Path, backend: LocalBackend, root: Path, path: str) -> None:
    backend.write("a/f.txt", b"x")
    before = disk(tmp_path)
    calls: list[Callable[[], Any]] = [
        lambda: backend.write(path, b"x", overwrite=True),
        lambda: backend.read(path),
        lambda: backend.delete(path, missing_ok=True),
        lambda: backend.delete_folder(path, recursive=True, missing_ok=True),
        lambda: backend.move("a/f.txt", path),
        lambda: backend.copy(path, "b.txt"),
        lambda: list(backend.list_files(path, recursive=True)),
        lambda: backend.is_file(path),
        lambda: backend.get_folder_info(path),
    ]
    operations = ["write", "read", "delete", "delete_folder", "move", "copy", "list_files", "is_file"]
    for call, operation in zip(calls, [*operations, "get_folder_info"], strict=True):
        with pytest.raises(InvalidPath) as caught:
            call()
        assert (caught.value.operation, caught.value.backend) == (operation, "local")
    assert disk(tmp_path) == before


@pytest.mark.spec("LOCAL-023")
def test_trailing_slash_accepted(backend: LocalBackend) -> None:
    backend.write("a/b/f.txt", b"x")
    assert backend.is_folder("a/b/")
    assert [str(info.path) for info in backend.list_files("a/b/")] == ["a/b/f.txt"]
    assert list(backend.list_folders("a/")) == ["a/b"]
