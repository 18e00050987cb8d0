"""Deletes, atomic moves and streamed copies (LOCAL-015, LOCAL-016, LOCAL-017)."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path
from typing import Any, cast

import pytest
from _local_helpers import assert_mapped, disk, posix_only, temp_files

from remote_store import DirectoryNotEmpty, InvalidPath, PermissionDenied
from remote_store.backend_tools import DEFAULT_CHUNK_SIZE
from remote_store.backends.local import LocalBackend

# -- LOCAL-015: deletes -----------------------------------------------------------------------------


@pytest.mark.spec("LOCAL-015")
def test_delete_of_a_folder(backend: LocalBackend, root: Path) -> None:
    backend.write("folder/f.txt", b"x")
    (root / "empty").mkdir()
    for path in ("folder", "empty"):
        with pytest.raises(InvalidPath):
            backend.delete(path)
        with pytest.raises(InvalidPath):
            backend.delete(path, missing_ok=True)
    assert backend.read_bytes("folder/f.txt") == b"x"
    assert (root / "empty").is_dir()


@pytest.mark.spec("LOCAL-015")
@posix_only
def test_delete_folder_refuses_the_root(backend: LocalBackend, root: Path) -> None:
    backend.write("a/f.txt", b"x")
    os.symlink(".", root / "self")
    os.symlink("..", root / "a" / "up")
    os.symlink(root, root / "a" / "absolute")
    before = disk(root)
    for path in ("", "self", "a/up", "a/absolute"):
        for recursive in (False, True):
            with pytest.raises(InvalidPath):
                backend.delete_folder(path, recursive=recursive, missing_ok=True)
    assert disk(root) == before


@pytest.mark.spec("LOCAL-015")
def test_delete_folder_not_empty_deletes_nothing(backend: LocalBackend, root: Path) -> None:
    backend.write("a/b/f.txt", b"x")
    (root / "a" / "empty").mkdir()
    before = disk(root)
    with pytest.raises(DirectoryNotEmpty):
        backend.delete_folder("a")
    with pytest.raises(DirectoryNotEmpty):
        backend.delete_folder("a/b")
    assert disk(root) == before
    backend.delete_folder("a", recursive=True)
    assert os.listdir(root) == []


@pytest.mark.spec("LOCAL-015", "LOCAL-018")
@posix_only
def test_recursive_delete_removes_links_not_targets(
    tmp_path: Path, backend: LocalBackend, root: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_bytes(b"keep")
    backend.write("doomed/inner/f.txt", b"x")
    backend.write("kept/g.txt", b"g")
    os.symlink(outside, root / "doomed" / "out")
    os.symlink(root / "kept", root / "doomed" / "inner" / "in")
    backend.delete_folder("doomed", recursive=True)
    assert not (root / "doomed").exists()
    assert (outside / "keep.txt").read_bytes() == b"keep"
    assert backend.read_bytes("kept/g.txt") == b"g"


# -- LOCAL-016, LOCAL-017: move and copy --------------------------------------------------------------


@pytest.mark.spec("LOCAL-016")
@pytest.mark.parametrize("overwrite", [False, True])
def test_move_renames(backend: LocalBackend, root: Path, overwrite: bool) -> None:
    backend.write("src.txt", b"content")
    if overwrite:
        backend.write("dst/f.txt", b"old")
    inode = os.stat(root / "src.txt").st_ino
    backend.move("src.txt", "dst/f.txt", overwrite=overwrite)
    assert os.stat(root / "dst" / "f.txt").st_ino == inode
    assert os.stat(root / "dst" / "f.txt").st_nlink == 1
    assert not (root / "src.txt").exists()
    assert temp_files(root) == []


@pytest.mark.spec("LOCAL-016")
def test_move_overwrite_is_one_rename(backend: LocalBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    backend.write("src.txt", b"new")
    backend.write("dst.txt", b"old")
    calls: list[str] = []
    real_replace = os.replace

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        calls.append(os.path.basename(src) + ">" + os.path.basename(dst))
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    backend.move("src.txt", "dst.txt", overwrite=True)
    assert calls == ["src.txt>dst.txt"]
    assert backend.read_bytes("dst.txt") == b"new"


@pytest.mark.spec("LOCAL-016")
def test_move_undone_when_source_cannot_be_removed(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.write("src.txt", b"content")
    before = disk(root)
    real_unlink = os.unlink

    def unlink(path: Any, **kwargs: Any) -> None:
        if os.path.basename(path) == "src.txt":
            raise OSError(errno.EROFS, "Read-only file system")
        real_unlink(path, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(PermissionDenied) as caught:
        backend.move("src.txt", "dst.txt")
    assert_mapped(caught.value, PermissionDenied, "src.txt", "move")
    assert disk(root) == before


@pytest.mark.spec("LOCAL-017")
def test_copy_streams_into_a_new_file(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = os.urandom(1000) * (3 * DEFAULT_CHUNK_SIZE // 1000 + 7)
    backend.write("src.bin", content)
    sizes: list[Any] = []
    real_open = LocalBackend._open

    class Recording(io.BufferedReader):
        def read(self, size: int | None = -1) -> bytes:
            sizes.append(size)
            return super().read(size)

    def recording_open(self: LocalBackend, call: Any) -> Any:
        return Recording(cast(io.BufferedReader, real_open(self, call)).detach())

    monkeypatch.setattr(LocalBackend, "_open", recording_open)
    backend.copy("src.bin", "dst/copy.bin")
    assert sizes and all(size == DEFAULT_CHUNK_SIZE for size in sizes)
    assert len(sizes) == len(content) // DEFAULT_CHUNK_SIZE + 2  # full chunks, the rest, b""
    assert (root / "dst" / "copy.bin").read_bytes() == content
    assert os.stat(root / "dst" / "copy.bin").st_ino != os.stat(root / "src.bin").st_ino
    backend.write("src.bin", b"changed", overwrite=True)
    assert (root / "dst" / "copy.bin").read_bytes() == content
