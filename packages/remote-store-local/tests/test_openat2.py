"""openat2(2) and its fallback (LOCAL-026, LOCAL-027), bytes creates (LOCAL-028), listings (LOCAL-029)."""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from remote_store import AlreadyExists, InvalidPath, PermissionDenied, RemotePath, Store
from remote_store.backends.local import LocalBackend, _openat2, _write

LINUX_WITH_OPENAT2 = sys.platform.startswith("linux") and platform.machine().lower() in (
    "x86_64",
    "amd64",
    "aarch64",
    "arm64",
)
linux_only = pytest.mark.skipif(not LINUX_WITH_OPENAT2, reason="openat2 is tried on Linux x86_64/aarch64")


def _kernel_has_openat2() -> bool:
    major, minor = (int(part) for part in platform.release().split(".")[:2])
    return (major, minor) >= (5, 6)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(LocalBackend(tmp_path / "root")) as store:
        yield store


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Every open_beneath call with its result (an fd, None) or the errno it raised."""
    calls: list[tuple[str, Any]] = []
    original = _openat2.open_beneath

    def recording(folder: int, relative: str, flags: int) -> int | None:
        try:
            result = original(folder, relative, flags)
        except OSError as error:
            calls.append((relative, error.errno))
            raise
        calls.append((relative, result))
        return result

    monkeypatch.setattr(_openat2, "open_beneath", recording)
    return calls


class FakeSyscall:
    """Stands in for syscall(2): fails with ``code`` and counts its calls."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.calls = 0

    def __call__(self, *args: Any) -> int:
        self.calls += 1
        ctypes.set_errno(self.code)
        return -1


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def install(code: int) -> FakeSyscall:
        syscall = FakeSyscall(code)
        monkeypatch.setitem(_openat2._state, "call", (syscall, 437))
        return syscall

    yield install
    _openat2.enable()


# -- LOCAL-026 -----------------------------------------------------------------------------------


@pytest.mark.spec("LOCAL-026")
@linux_only
def test_openat2_is_used_where_the_kernel_has_it(store: Store, spy: list[tuple[str, Any]]) -> None:
    if not _kernel_has_openat2():
        pytest.skip(f"kernel {platform.release()} predates openat2 (5.6)")
    assert _openat2.available()
    store.write("a/b/c/d/file.txt", b"deep")
    spy.clear()
    assert store.read_bytes("a/b/c/d/file.txt") == b"deep"
    store.delete("a/b/c/d/file.txt")
    # The folders below the first, in one call each time; nothing walked segment by segment.
    assert spy == [("b/c/d", spy[0][1]), ("b/c/d", spy[1][1])]
    assert all(isinstance(result, int) and result >= 0 for _, result in spy)


@pytest.mark.spec("LOCAL-026")
@linux_only
def test_openat2_refuses_links_and_escapes(tmp_path: Path) -> None:
    if not _openat2.available():
        pytest.skip("openat2 is not available here")
    (tmp_path / "top" / "real" / "deeper").mkdir(parents=True)
    (tmp_path / "top" / "link").symlink_to("real")
    fd = os.open(tmp_path / "top", os.O_RDONLY | os.O_DIRECTORY)
    try:
        found = _openat2.open_beneath(fd, "real/deeper", os.O_RDONLY | os.O_DIRECTORY)
        assert found is not None
        os.close(found)
        with pytest.raises(OSError) as link:
            _openat2.open_beneath(fd, "link/deeper", os.O_RDONLY | os.O_DIRECTORY)
        assert link.value.errno == errno.ELOOP
        with pytest.raises(OSError) as escape:
            _openat2.open_beneath(fd, "real/../..", os.O_RDONLY | os.O_DIRECTORY)
        assert escape.value.errno == errno.EXDEV
    finally:
        os.close(fd)


@pytest.mark.spec("LOCAL-026", "LOCAL-019")
def test_links_on_the_way_are_walked(store: Store, tmp_path: Path, resolution: str) -> None:
    root = tmp_path / "root"
    (root / "a" / "real" / "c").mkdir(parents=True)
    (root / "a" / "link").symlink_to("real")
    store.write("a/link/c/file.txt", b"through a link")
    assert (root / "a" / "real" / "c" / "file.txt").read_bytes() == b"through a link"
    assert [str(info.path) for info in store.list_files("a/link/c")] == ["a/link/c/file.txt"]
    (tmp_path / "outside").mkdir()
    (root / "a" / "out").symlink_to(tmp_path / "outside")
    (tmp_path / "outside" / "c").mkdir()
    with pytest.raises(PermissionDenied):
        store.write("a/out/c/file.txt", b"must not land outside")
    assert list((tmp_path / "outside" / "c").iterdir()) == []


@pytest.mark.spec("LOCAL-026", "LOCAL-020")
@linux_only
def test_openat2_failures_are_mapped(store: Store, fake: Any) -> None:
    store.write("a/b/c/file.txt", b"x")
    fake(errno.EIO)
    with pytest.raises(Exception) as caught:
        store.read_bytes("a/b/c/file.txt")
    assert type(caught.value).__name__ == "BackendUnavailable"
    assert caught.value.path == "a/b/c/file.txt"  # type: ignore[attr-defined]


# -- LOCAL-027 -----------------------------------------------------------------------------------


@pytest.mark.spec("LOCAL-027")
def test_enosys_stops_trying_and_the_walk_serves(store: Store, fake: Any) -> None:
    store.write("a/b/c/file.txt", b"walked")
    syscall = fake(errno.ENOSYS)
    assert store.read_bytes("a/b/c/file.txt") == b"walked"
    store.write("a/b/c/other.txt", b"walked too")
    assert store.read_bytes("a/b/c/other.txt") == b"walked too"
    assert syscall.calls == 1  # tried once, then never again
    assert not _openat2.available()


@pytest.mark.spec("LOCAL-027")
@pytest.mark.parametrize("code", [errno.EPERM, errno.EINVAL, errno.E2BIG])
def test_refusals_walk_this_call_only(store: Store, fake: Any, code: int) -> None:
    store.write("a/b/c/file.txt", b"walked")
    syscall = fake(code)
    assert store.read_bytes("a/b/c/file.txt") == b"walked"
    store.write("a/b/c/other.txt", b"walked too")
    assert syscall.calls == 2  # asked again on the next call
    assert _openat2.available()


@pytest.mark.spec("LOCAL-027")
def test_disable_forces_the_walk(store: Store, spy: list[tuple[str, Any]]) -> None:
    _openat2.disable()
    try:
        store.write("a/b/c/file.txt", b"walked")
        assert store.read_bytes("a/b/c/file.txt") == b"walked"
        assert all(result is None for _, result in spy)
    finally:
        _openat2.enable()


@pytest.mark.spec("LOCAL-027")
def test_environment_variable_forces_the_walk() -> None:
    code = "from remote_store.backends.local import _openat2; print(_openat2.available())"
    env = {**os.environ, "REMOTE_STORE_LOCAL_NO_OPENAT2": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.spec("LOCAL-027")
def test_no_call_where_the_architecture_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "machine", lambda: "sparc64")
    assert _openat2._load() is None
    monkeypatch.setattr(sys, "platform", "darwin")
    assert _openat2._load() is None


# -- LOCAL-028 -----------------------------------------------------------------------------------


@pytest.mark.spec("LOCAL-028")
def test_bytes_create_does_not_look_at_the_target_first(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write("folder/first.txt", b"makes the folder")
    looked: list[Any] = []
    original = os.stat

    def counting(*args: Any, **kwargs: Any) -> os.stat_result:
        looked.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(os, "stat", counting)
    store.write("folder/second.txt", b"created")
    monkeypatch.undo()
    assert looked == []
    assert (tmp_path / "root" / "folder" / "second.txt").read_bytes() == b"created"


@pytest.mark.spec("LOCAL-028")
def test_bytes_create_gives_way_when_the_name_is_taken(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "root"
    store.write("f/existing.txt", b"old")
    with pytest.raises(AlreadyExists):
        store.write("f/existing.txt", b"new")
    assert (root / "f" / "existing.txt").read_bytes() == b"old"
    (root / "f" / "sub").mkdir()
    with pytest.raises(InvalidPath):
        store.write("f/sub", b"onto a folder")
    (root / "f" / "dangling").symlink_to("target.txt")
    store.write("f/dangling", b"through the link")
    assert (root / "f" / "target.txt").read_bytes() == b"through the link"
    assert (root / "f" / "dangling").is_symlink()
    # Nothing left behind by the attempts that gave way.
    assert sorted(os.listdir(root / "f")) == ["dangling", "existing.txt", "sub", "target.txt"]


@pytest.mark.spec("LOCAL-028")
def test_bytes_create_without_unnamed_files(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_write, "_UNNAMED", False)
    store.write("g/file.txt", b"named temporary file")
    assert store.read_bytes("g/file.txt") == b"named temporary file"
    with pytest.raises(AlreadyExists):
        store.write("g/file.txt", b"again")


# -- LOCAL-029 -----------------------------------------------------------------------------------


@pytest.mark.spec("LOCAL-029", "LOCAL-014")
def test_listed_file_info_matches_stat(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "root"
    for index in range(20):
        store.write(f"many/file-{index}.bin", bytes(index))
    (root / "many" / "sub").mkdir()
    (root / "many" / "bad\\name").write_bytes(b"no RemotePath can hold this name")
    infos = sorted(store.list_files("many"), key=lambda info: info.name)
    assert [info.name for info in infos] == sorted(f"file-{index}.bin" for index in range(20))
    for info in infos:
        result = os.stat(root / str(info.path))
        assert info.path == RemotePath(f"many/{info.name}")
        assert info.size == result.st_size
        assert info.modified_at == datetime.fromtimestamp(result.st_mtime, timezone.utc)
