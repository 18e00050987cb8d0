"""Temporary files: invisible to every operation, and swept up after a crash (LOCAL-009, LOCAL-024)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from _local_helpers import TEMP_NAME, CallbackStream, posix_only, temp_files

from remote_store import ConfigError, InvalidPath, NotFound, StoreClosed
from remote_store.backends.local import LocalBackend

# -- LOCAL-009: temporary files ---------------------------------------------------------------------


@pytest.mark.spec("LOCAL-009")
def test_temporary_files_are_invisible(backend: LocalBackend, root: Path) -> None:
    backend.write("sub/f.txt", b"data")
    (root / TEMP_NAME).write_bytes(b"leftover")
    (root / "sub" / TEMP_NAME).write_bytes(b"leftover")
    assert [str(info.path) for info in backend.list_files("", recursive=True)] == ["sub/f.txt"]
    assert list(backend.list_files("sub")) != []
    assert list(backend.list_folders("")) == ["sub"]
    info = backend.get_folder_info("")
    assert (info.file_count, info.total_size) == (1, 4)
    for path in (TEMP_NAME, f"sub/{TEMP_NAME}"):
        assert not backend.is_file(path)
        assert not backend.exists(path)
        assert not backend.is_folder(path)
        for call in (backend.read, backend.read_bytes, backend.get_file_info, backend.delete):
            with pytest.raises(NotFound):
                call(path)
        backend.delete(path, missing_ok=True)
        for write in (backend.write, backend.write_atomic):
            with pytest.raises(InvalidPath):
                write(path, b"x", overwrite=True)
        with pytest.raises(InvalidPath):
            backend.copy("sub/f.txt", path)
        with pytest.raises(InvalidPath):
            backend.move("sub/f.txt", path)
        with pytest.raises(NotFound):
            backend.move(path, "moved.txt")
    assert (root / TEMP_NAME).read_bytes() == b"leftover"
    assert (root / "sub" / TEMP_NAME).read_bytes() == b"leftover"


@pytest.mark.spec("LOCAL-009")
def test_temporary_file_not_listed_during_write(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from remote_store.backends.local import _write

    monkeypatch.setattr(_write, "_UNNAMED", False)  # a named temporary file, for listings to skip
    backend.write("a/other.txt", b"x")
    listed: list[Any] = []

    def look() -> None:
        assert temp_files(root) != []
        listed.append(sorted(str(info.path) for info in backend.list_files("", recursive=True)))
        listed.append(backend.get_folder_info("a").file_count)

    backend.write("a/f.txt", CallbackStream(b"content" * 10, look))
    assert listed == [["a/other.txt"], 1]


@pytest.mark.spec("LOCAL-009")
def test_similar_names_are_ordinary(backend: LocalBackend) -> None:
    for name in (".~rs-notes.tmp", ".~rs-0123456789ABCDEF.tmp", ".~rs-0123456789abcdef.tmp.bak"):
        backend.write(name, b"mine")
        assert backend.is_file(name)
    assert len(list(backend.list_files(""))) == 3


@pytest.mark.spec("LOCAL-009")
def test_folder_with_only_leftover_temporary_files_is_empty(backend: LocalBackend, root: Path) -> None:
    (root / "left").mkdir(parents=True)
    (root / "left" / TEMP_NAME).write_bytes(b"leftover")
    assert list(backend.list_files("left")) == []
    backend.delete_folder("left")
    assert not (root / "left").exists()


# -- LOCAL-024: sweeping up crash litter --------------------------------------------------------------


def _litter(folder: Path, name: str = TEMP_NAME, *, age: float = 7200.0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"half a file")
    stamp = datetime.now(timezone.utc).timestamp() - age
    os.utime(path, (stamp, stamp))
    return path


@pytest.mark.spec("LOCAL-024", "GUAR-023")
@posix_only
def test_remove_temp_files_sweeps_idle_litter_only(tmp_path: Path, backend: LocalBackend, root: Path) -> None:
    backend.write("keep/user.txt", b"user")
    old = [
        _litter(root),
        _litter(root / "keep"),
        _litter(root / "a" / "b" / "c", ".~rs-fedcba9876543210.tmp"),
    ]
    fresh = _litter(root / "keep", ".~rs-00000000000000aa.tmp", age=5)
    lookalike = _litter(root, ".~rs-notes.tmp")  # not the reserved shape: a user's file
    outside = _litter(tmp_path / "outside")
    os.symlink(tmp_path / "outside", root / "link_out")
    assert backend.remove_temp_files() == len(old)
    assert not any(path.exists() for path in old)
    assert fresh.exists() and lookalike.exists() and outside.exists()
    assert backend.read_bytes("keep/user.txt") == b"user"
    assert backend.is_folder("a/b/c")  # folders stay: only litter goes
    assert backend.remove_temp_files(older_than=0) == 1
    assert not fresh.exists() and lookalike.exists() and outside.exists()
    assert backend.remove_temp_files(older_than=0) == 0


@pytest.mark.spec("LOCAL-024")
def test_remove_temp_files_refuses_bad_ages_and_closed_backends(backend: LocalBackend, root: Path) -> None:
    assert backend.remove_temp_files() == 0  # the root need not exist
    for bad in (-1, float("nan"), "60", True, None):
        with pytest.raises(ConfigError, match="older_than"):
            backend.remove_temp_files(older_than=bad)  # type: ignore[arg-type]
    backend.close()
    with pytest.raises(StoreClosed):
        backend.remove_temp_files()
