"""Tests of what only the local backend promises (specs/local.md)."""

from __future__ import annotations

import errno
import importlib.metadata
import io
import json
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable, Generator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    CapabilitySet,
    ConfigError,
    DirectoryNotEmpty,
    InvalidPath,
    NotFound,
    PermissionDenied,
    Registry,
    RegistryConfig,
    RemoteStoreError,
    Store,
    StoreClosed,
)
from remote_store.backend_tools import DEFAULT_CHUNK_SIZE
from remote_store.backends.local import LocalBackend

posix_only = pytest.mark.skipif(os.name != "posix", reason="needs POSIX file system semantics")

TEMP_NAME = ".~rs-0123456789abcdef.tmp"


# -- helpers ---------------------------------------------------------------------------------


def disk(root: Path) -> dict[str, bytes | None]:
    """Everything below ``root`` on disk, hidden files included: files map to bytes, folders to None."""
    found: dict[str, bytes | None] = {}
    if not root.exists():
        return found
    for folder, folders, files in os.walk(root):
        for name in folders:
            found[os.path.relpath(os.path.join(folder, name), root)] = None
        for name in files:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = None if os.path.islink(path) else Path(path).read_bytes()
    return found


def temp_files(root: Path) -> list[str]:
    return [path for path in disk(root) if os.path.basename(path).startswith(".~rs-")]


class FailingStream:
    """Yields ``good`` bytes, then raises ``error`` from ``read``."""

    def __init__(self, error: BaseException, good: int = 3 * 1024 * 1024) -> None:
        self.error = error
        self.left = good

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            raise self.error
        chunk = min(size, self.left)
        self.left -= chunk
        return b"x" * chunk


class CallbackStream:
    """Calls ``callback`` once, after the first chunk was handed out."""

    def __init__(self, data: bytes, callback: Callable[[], None]) -> None:
        self.stream = io.BytesIO(data)
        self.callback: Callable[[], None] | None = callback

    def read(self, size: int = -1) -> bytes:
        if self.stream.tell() > 0 and self.callback is not None:
            callback, self.callback = self.callback, None
            callback()
        return self.stream.read(min(size, 5))


def run_concurrently(count: int, action: Callable[[int], None]) -> list[BaseException | None]:
    """Run ``action(i)`` in ``count`` threads released together; return what each raised."""
    barrier = threading.Barrier(count)
    outcomes: list[BaseException | None] = [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        try:
            action(index)
        except BaseException as error:  # noqa: BLE001 - collected for the assertions
            outcomes[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def assert_mapped(error: RemoteStoreError, kind: type[RemoteStoreError], path: str, operation: str) -> None:
    assert type(error) is kind
    assert error.path == path
    assert error.operation == operation
    assert error.backend == "local"
    assert isinstance(error.__cause__, OSError)
    assert not isinstance(error.__cause__, RemoteStoreError)


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
    assert LocalBackend(root=tmp_path).capabilities == CapabilitySet.all()
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


# -- LOCAL-005, LOCAL-006: publishing and cleaning up -------------------------------------------


def unnamed_files(folder: Path) -> list[str]:
    """This process's open unnamed (``O_TMPFILE``) files in ``folder``, as /proc shows them."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(f"{folder}/#") and target.endswith(" (deleted)"):
            found.append(target)
    return found


@pytest.fixture(params=["unnamed", "named"])
def temp_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with unnamed temporary files for creates (where the system has them) and without."""
    from remote_store.backends.local import _write

    if request.param == "named":
        monkeypatch.setattr(_write, "_UNNAMED", False)
    elif not _write._UNNAMED:
        pytest.skip("no O_TMPFILE here: creates use named temporary files")
    return str(request.param)


@pytest.mark.spec("LOCAL-005")
@pytest.mark.parametrize("operation", ["write", "write_atomic"])
def test_target_absent_while_writing(
    backend: LocalBackend, root: Path, operation: str, temp_kind: str
) -> None:
    seen: dict[str, Any] = {}

    def look() -> None:
        seen["exists"] = (root / "a" / "f.txt").exists()
        seen["temps"] = [name for name in os.listdir(root / "a") if name.startswith(".~rs-")]
        seen["unnamed"] = unnamed_files(root / "a")

    getattr(backend, operation)("a/f.txt", CallbackStream(b"0123456789" * 10, look))
    assert seen["exists"] is False
    # In the destination folder: a hidden named file, or a file with no name at all.
    expected = {"named": (1, 0), "unnamed": (0, 1)}[temp_kind]
    assert (len(seen["temps"]), len(seen["unnamed"])) == expected
    assert (root / "a" / "f.txt").read_bytes() == b"0123456789" * 10
    assert temp_files(root) == []
    assert unnamed_files(root / "a") == []  # closed


@pytest.mark.spec("LOCAL-005")
@posix_only
@pytest.mark.parametrize("operation", ["write", "write_atomic", "copy"])
def test_new_files_get_the_mode_open_gives(
    backend: LocalBackend, root: Path, operation: str, temp_kind: str
) -> None:
    old_mask = os.umask(0o022)
    try:
        backend.write("src.bin", b"x")
        for overwrite in (False, True):
            if operation == "copy":
                backend.copy("src.bin", "made.bin", overwrite=overwrite)
            else:
                getattr(backend, operation)("made.bin", b"content", overwrite=overwrite)
            assert stat.S_IMODE(os.stat(root / "made.bin").st_mode) == 0o644, (operation, overwrite)
    finally:
        os.umask(old_mask)


@pytest.mark.spec("LOCAL-005")
def test_replacing_uses_a_named_temporary_file(backend: LocalBackend, root: Path) -> None:
    backend.write("f.txt", b"old")
    seen: list[list[str]] = []

    def look() -> None:
        seen.append([name for name in os.listdir(root) if name.startswith(".~rs-")])

    backend.write("f.txt", CallbackStream(b"new" * 10, look), overwrite=True)
    assert len(seen) == 1 and len(seen[0]) == 1  # rename(2) needs a name to replace the target with
    assert temp_files(root) == []


@pytest.mark.spec("LOCAL-005")
@pytest.mark.parametrize("operation", ["write", "write_atomic"])
def test_old_content_while_replacing(backend: LocalBackend, root: Path, operation: str) -> None:
    backend.write("f.txt", b"old content")
    seen: list[bytes] = []
    getattr(backend, operation)(
        "f.txt",
        CallbackStream(b"new" * 50, lambda: seen.append((root / "f.txt").read_bytes())),
        overwrite=True,
    )
    assert seen == [b"old content"]
    assert backend.read_bytes("f.txt") == b"new" * 50


@pytest.mark.spec("LOCAL-006")
@pytest.mark.parametrize("operation", ["write", "write_atomic"])
@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt(), SystemExit(3)])
def test_failing_stream_leaves_nothing(
    backend: LocalBackend, root: Path, operation: str, error: BaseException
) -> None:
    backend.write("keep.txt", b"keep")
    before = disk(root)
    with pytest.raises(type(error)):
        getattr(backend, operation)("new/deep/folder/f.txt", FailingStream(error))
    assert disk(root) == before
    with pytest.raises(type(error)):
        getattr(backend, operation)("keep.txt", FailingStream(error), overwrite=True)
    assert disk(root) == before


@pytest.mark.spec("LOCAL-006")
def test_failing_stream_in_missing_root_removes_root(backend: LocalBackend, root: Path) -> None:
    with pytest.raises(RuntimeError):
        backend.write("a/f.txt", FailingStream(RuntimeError("boom")))
    assert not root.exists()


@pytest.mark.spec("LOCAL-006", "LOCAL-020")
@pytest.mark.parametrize("operation", ["write", "write_atomic", "copy"])
@pytest.mark.parametrize("overwrite", [False, True])
def test_publish_failure_leaves_nothing(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch, operation: str, overwrite: bool
) -> None:
    backend.write("src.txt", b"source")
    before = disk(root)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace" if overwrite else "link", refuse)
    with pytest.raises(BackendUnavailable) as caught:
        if operation == "copy":
            backend.copy("src.txt", "new/f.txt", overwrite=overwrite)
        else:
            getattr(backend, operation)("new/f.txt", b"data", overwrite=overwrite)
    assert_mapped(caught.value, BackendUnavailable, "new/f.txt", operation)
    assert disk(root) == before


@pytest.mark.spec("LOCAL-006", "LOCAL-016")
@pytest.mark.parametrize("overwrite", [False, True])
def test_failed_move_leaves_nothing(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch, overwrite: bool
) -> None:
    backend.write("src.txt", b"source")
    before = disk(root)

    def cross_device(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "replace" if overwrite else "link", cross_device)
    with pytest.raises(BackendUnavailable) as caught:
        backend.move("src.txt", "other/mount/f.txt", overwrite=overwrite)
    assert_mapped(caught.value, BackendUnavailable, "other/mount/f.txt", "move")
    assert disk(root) == before


@pytest.mark.spec("LOCAL-006")
def test_failed_copy_read_leaves_nothing(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.write("src.txt", b"x" * (DEFAULT_CHUNK_SIZE + 10))
    before = disk(root)
    real_open = LocalBackend._open

    class Broken(io.BufferedReader):
        calls = 0

        def read(self, size: int | None = -1) -> bytes:
            Broken.calls += 1
            if Broken.calls > 1:
                raise OSError(errno.EIO, "Input/output error")
            return super().read(size)

    def broken_open(self: LocalBackend, call: Any) -> Any:
        stream = real_open(self, call)
        return Broken(cast(io.BufferedReader, stream).detach())

    monkeypatch.setattr(LocalBackend, "_open", broken_open)
    with pytest.raises(BackendUnavailable) as caught:
        backend.copy("src.txt", "dst/copy.txt")
    assert_mapped(caught.value, BackendUnavailable, "src.txt", "copy")
    assert disk(root) == before


# -- LOCAL-007: race-free creates ------------------------------------------------------------------


def _race(backend: LocalBackend, root: Path, operation: str) -> None:
    count = 20
    if operation in ("copy", "move"):
        for index in range(count):
            backend.write(f"sources/{index}.txt", f"content {index} ".encode() * 1000)

    def act(index: int) -> None:
        content = f"content {index} ".encode() * 1000
        if operation == "write":
            backend.write("race/target.txt", content)
        elif operation == "write_atomic":
            backend.write_atomic("race/target.txt", io.BytesIO(content))
        else:
            getattr(backend, operation)(f"sources/{index}.txt", "race/target.txt")

    outcomes = run_concurrently(count, act)
    winners = [index for index, outcome in enumerate(outcomes) if outcome is None]
    assert len(winners) == 1, outcomes
    assert all(isinstance(outcome, AlreadyExists) for outcome in outcomes if outcome is not None), outcomes
    assert backend.read_bytes("race/target.txt") == f"content {winners[0]} ".encode() * 1000
    if operation == "move":
        remaining = sorted(info.name for info in backend.list_files("sources"))
        assert remaining == sorted(f"{index}.txt" for index in range(count) if index != winners[0])
    assert temp_files(root) == []


@pytest.mark.spec("LOCAL-007")
@pytest.mark.parametrize("operation", ["write", "write_atomic", "copy", "move"])
def test_race_free_create(backend: LocalBackend, root: Path, operation: str) -> None:
    for _ in range(3):
        _race(backend, root, operation)
        backend.delete_folder("race", recursive=True)
        backend.delete_folder("sources", recursive=True, missing_ok=True)


@pytest.mark.spec("LOCAL-007")
@pytest.mark.parametrize("operation", ["write", "write_atomic", "copy", "move"])
@pytest.mark.parametrize("code", [errno.EPERM, errno.ENOTSUP, errno.ENOSYS])
def test_race_free_create_without_hard_links(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch, operation: str, code: int
) -> None:
    def no_links(*args: Any, **kwargs: Any) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_links)
    _race(backend, root, operation)


# -- LOCAL-008: durability -----------------------------------------------------------------------


@pytest.mark.spec("LOCAL-008")
@pytest.mark.parametrize("operation", ["write", "write_atomic", "copy"])
def test_fsync_only_for_atomic_writes(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    backend.write("src.txt", b"source")
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            synced.append("folder")
        else:
            # The temporary file is synced before it is published under the target name.
            synced.append("file" if not (root / "a" / "f.txt").exists() else "published file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    if operation == "copy":
        backend.copy("src.txt", "a/f.txt")
    else:
        getattr(backend, operation)("a/f.txt", b"data")
    if operation == "write_atomic":
        assert synced == (["file", "folder"] if os.name == "posix" else ["file"])
    else:
        assert synced == []


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


# -- LOCAL-010: target conflicts --------------------------------------------------------------------


@pytest.mark.spec("LOCAL-010")
@pytest.mark.parametrize("operation", ["write", "write_atomic", "copy", "move"])
@pytest.mark.parametrize("target", ["folder", "file.txt/below", "file.txt/deeper/below"])
def test_target_conflicts(backend: LocalBackend, root: Path, operation: str, target: str) -> None:
    backend.write("folder/inside.txt", b"in")
    backend.write("file.txt", b"file")
    backend.write("src.txt", b"src")
    before = disk(root)
    for overwrite in (False, True):
        with pytest.raises(InvalidPath) as caught:
            if operation in ("copy", "move"):
                getattr(backend, operation)("src.txt", target, overwrite=overwrite)
            else:
                getattr(backend, operation)(target, b"data", overwrite=overwrite)
        assert caught.value.path == target
        assert caught.value.operation == operation
        assert disk(root) == before


@pytest.mark.spec("LOCAL-010")
@pytest.mark.parametrize("target", ["folder", "file.txt/below", "exists.txt"])
def test_conflicts_detected_before_reading(backend: LocalBackend, target: str) -> None:
    backend.write("folder/inside.txt", b"in")
    backend.write("file.txt", b"file")
    backend.write("exists.txt", b"old")
    stream = io.BytesIO(b"content")
    with pytest.raises((InvalidPath, AlreadyExists)):
        backend.write(target, stream)
    assert stream.tell() == 0


# -- LOCAL-011: read --------------------------------------------------------------------------------


@pytest.mark.spec("LOCAL-011")
def test_read_returns_the_file(backend: LocalBackend, root: Path) -> None:
    backend.write("a/f.bin", b"0123456789")
    with backend.read("a/f.bin") as stream:
        assert type(stream) is io.BufferedReader
        assert stream.name == str(root / "a" / "f.bin")
        assert os.path.samestat(os.fstat(stream.fileno()), os.stat(root / "a" / "f.bin"))
        assert stream.read(4) == b"0123"
        stream.seek(8)
        assert stream.read() == b"89"
    assert stream.closed


@pytest.mark.spec("LOCAL-011")
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_special_files_are_not_files(backend: LocalBackend, root: Path) -> None:
    backend.write("f.txt", b"x")
    os.mkfifo(root / "pipe")
    assert not backend.is_file("pipe")
    assert not backend.exists("pipe")
    assert [str(info.path) for info in backend.list_files("")] == ["f.txt"]
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            backend.read("pipe")
        except BaseException as error:  # noqa: BLE001 - inspected below
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # unblock the reader before failing
        with open(root / "pipe", "wb"):
            pass
        pytest.fail("read of a FIFO blocked")
    assert len(outcome) == 1
    assert isinstance(outcome[0], NotFound)
    with pytest.raises(NotFound):
        backend.get_file_info("pipe")


# -- LOCAL-012, LOCAL-013: listings -----------------------------------------------------------------


class ScanLog:
    def __init__(self) -> None:
        self.opened: list[str] = []
        self.open_now = 0
        self.most_open = 0
        self.pulled = 0


class LoggingScandir:
    def __init__(self, inner: Any, log: ScanLog) -> None:
        self.inner = inner
        self.log = log

    def __enter__(self) -> LoggingScandir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()
            self.inner = None
            self.log.open_now -= 1

    def __iter__(self) -> LoggingScandir:
        return self

    def __next__(self) -> os.DirEntry[str]:
        entry: os.DirEntry[str] = next(self.inner)
        self.log.pulled += 1
        return entry


@pytest.fixture
def scan_log(monkeypatch: pytest.MonkeyPatch) -> ScanLog:
    log = ScanLog()
    real_scandir = os.scandir

    def scandir(path: Any) -> LoggingScandir:
        inner = real_scandir(path)
        log.opened.append(os.path.basename(path) if isinstance(path, str) else f"fd {path}")
        log.open_now += 1
        log.most_open = max(log.most_open, log.open_now)
        return LoggingScandir(inner, log)

    monkeypatch.setattr(os, "scandir", scandir)
    return log


@pytest.mark.spec("LOCAL-012")
def test_listing_reads_as_consumed(backend: LocalBackend, root: Path, scan_log: ScanLog) -> None:
    root.mkdir()
    for index in range(200):
        (root / f"f{index}.txt").write_bytes(b"x")
    listing = backend.list_files("")
    assert isinstance(listing, Generator)
    assert scan_log.opened == []  # nothing read before the first next()
    next(listing)
    assert scan_log.pulled == 1
    next(listing)
    assert scan_log.pulled == 2
    listing.close()
    assert scan_log.open_now == 0


@pytest.mark.spec("LOCAL-012")
def test_recursive_listing_one_folder_at_a_time(backend: LocalBackend, root: Path, scan_log: ScanLog) -> None:
    for folder in range(5):
        (root / f"sub{folder}" / "deeper").mkdir(parents=True)
        for index in range(50):
            (root / f"sub{folder}" / f"f{index}.txt").write_bytes(b"x")
        (root / f"sub{folder}" / "deeper" / "d.txt").write_bytes(b"x")
    listing = backend.list_files("", recursive=True)
    next(listing)
    # The root's five entries, then the first entry of one subfolder: nothing else was read.
    assert len(scan_log.opened) == 2
    assert scan_log.pulled == 6
    rest = list(listing)
    assert len(rest) + 1 == 5 * 51
    assert scan_log.most_open == 1
    assert scan_log.open_now == 0
    pulled = scan_log.pulled
    folders = backend.list_folders("")
    next(folders)
    assert scan_log.pulled == pulled + 1


@pytest.mark.spec("LOCAL-012")
def test_folder_info_one_folder_at_a_time(backend: LocalBackend, root: Path, scan_log: ScanLog) -> None:
    for folder in range(4):
        (root / f"s{folder}" / "t").mkdir(parents=True)
        (root / f"s{folder}" / "t" / "f.txt").write_bytes(b"abc")
    info = backend.get_folder_info("")
    assert (info.file_count, info.total_size) == (4, 12)
    assert scan_log.most_open == 1


@pytest.mark.spec("LOCAL-013")
def test_unaddressable_names_skipped(backend: LocalBackend, root: Path) -> None:
    if os.name != "posix":
        pytest.skip("backslashes and control characters are not valid in Windows names")
    root.mkdir()
    for name in ("good.txt", "back\\slash.txt", "bell\x07.txt", "del\x7f.txt", "tab\t.txt"):
        (root / name).write_bytes(b"x")
    (root / "folder\\x").mkdir()
    (root / "okfolder").mkdir()
    assert [str(info.path) for info in backend.list_files("", recursive=True)] == ["good.txt"]
    assert list(backend.list_folders("")) == ["okfolder"]
    assert backend.get_folder_info("").file_count == 1


# -- LOCAL-014: metadata ----------------------------------------------------------------------------


@pytest.mark.spec("LOCAL-014")
def test_file_info_from_stat(backend: LocalBackend, root: Path) -> None:
    backend.write("a/f.txt", b"12345")
    when = datetime(2001, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    os.utime(root / "a" / "f.txt", (when.timestamp(), when.timestamp()))
    info = backend.get_file_info("a/f.txt")
    assert info.size == 5
    assert info.modified_at == when
    assert info.modified_at.tzinfo is timezone.utc
    assert (info.etag, info.checksum, info.content_type) == (None, None, None)
    (listed,) = backend.list_files("a")
    assert listed == info
    assert backend.get_folder_info("a").modified_at == when


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


# -- LOCAL-020: operating system errors ------------------------------------------------------------------


@pytest.mark.spec("LOCAL-020")
@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (errno.ENOSPC, BackendUnavailable),
        (errno.EDQUOT, BackendUnavailable),
        (errno.EIO, BackendUnavailable),
        (errno.EMFILE, BackendUnavailable),
        (errno.EACCES, PermissionDenied),
        (errno.EROFS, PermissionDenied),
        (errno.ENOLINK, RemoteStoreError),
    ],
)
def test_os_errors_are_mapped(
    backend: LocalBackend, monkeypatch: pytest.MonkeyPatch, code: int, kind: type[RemoteStoreError]
) -> None:
    backend.write("dir/f.txt", b"content")
    backend.write("dir/g.txt", b"content")
    os.mkdir(os.path.join(backend.root, "empty"))
    failing = OSError(code, os.strerror(code))

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise failing

    cases: list[tuple[str, str, Callable[[], Any], str]] = [
        ("open", "read", lambda: backend.read("dir/f.txt"), "dir/f.txt"),
        ("open", "read_bytes", lambda: backend.read_bytes("dir/f.txt"), "dir/f.txt"),
        ("open", "write", lambda: backend.write("dir/new.txt", b"x"), "dir/new.txt"),
        ("mkdir", "write_atomic", lambda: backend.write_atomic("new/f.txt", b"x"), "new/f.txt"),
        ("unlink", "delete", lambda: backend.delete("dir/f.txt"), "dir/f.txt"),
        ("rmdir", "delete_folder", lambda: backend.delete_folder("empty"), "empty"),
        ("replace", "move", lambda: backend.move("dir/f.txt", "dir/h.txt", overwrite=True), "dir/h.txt"),
        ("open", "copy", lambda: backend.copy("dir/f.txt", "dir/h.txt"), "dir/f.txt"),
        ("stat", "get_file_info", lambda: backend.get_file_info("dir/f.txt"), "dir/f.txt"),
        ("stat", "is_file", lambda: backend.is_file("dir/f.txt"), "dir/f.txt"),
        ("scandir", "list_files", lambda: list(backend.list_files("dir")), "dir"),
        ("scandir", "list_folders", lambda: list(backend.list_folders("dir")), "dir"),
        ("scandir", "get_folder_info", lambda: backend.get_folder_info("dir"), "dir"),
    ]
    for function, operation, action, path in cases:
        with monkeypatch.context() as patch:
            patch.setattr(os, function, fail)
            with pytest.raises(RemoteStoreError) as caught:
                action()
        assert_mapped(caught.value, kind, path, operation)
        assert caught.value.__cause__ is failing
    assert backend.read_bytes("dir/f.txt") == b"content"


@pytest.mark.spec("LOCAL-020")
def test_name_too_long(backend: LocalBackend, root: Path) -> None:
    long = "n" * 300
    for call in (
        lambda: backend.write(long, b"x"),
        lambda: backend.write_atomic(f"a/{long}/f.txt", b"x"),
        lambda: backend.read(long),
        lambda: backend.copy("src.txt", long),
    ):
        backend.write("src.txt", b"x", overwrite=True)
        with pytest.raises(InvalidPath) as caught:
            call()
        assert isinstance(caught.value.__cause__, OSError)
        assert caught.value.__cause__.errno == errno.ENAMETOOLONG
    assert not backend.is_file(long)
    assert not backend.exists(long)
    assert sorted(os.listdir(root)) == ["src.txt"]


_PERMISSION_SCRIPT: list[tuple[str, Callable[[LocalBackend], Any]]] = [
    ("write", lambda b: b.write("new.txt", b"x")),
    ("write_atomic", lambda b: b.write_atomic("sub/new.txt", b"x")),
    ("read", lambda b: b.read("private.txt")),
    ("delete", lambda b: b.delete("public.txt")),
    ("delete_folder", lambda b: b.delete_folder("sub", recursive=True)),
    ("move", lambda b: b.move("public.txt", "moved.txt")),
    ("copy", lambda b: b.copy("public.txt", "copied.txt")),
    ("list_files", lambda b: list(b.list_files("locked"))),
    ("get_folder_info", lambda b: b.get_folder_info("locked")),
]


def _try_permissions(folder: str) -> dict[str, str]:
    backend = LocalBackend(root=folder)
    outcomes: dict[str, str] = {}
    for operation, action in _PERMISSION_SCRIPT:
        try:
            action(backend)
            outcomes[operation] = "succeeded"
        except RemoteStoreError as error:
            cause = type(error.__cause__).__name__
            outcomes[operation] = f"{type(error).__name__} {error.path} {error.operation} {cause}"
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            outcomes[operation] = f"raw {type(error).__name__}"
    return outcomes


@pytest.mark.spec("LOCAL-020")
@posix_only
def test_permission_denied_by_the_system() -> None:
    # As root, permission bits do not deny: run the operations in a child that drops to nobody.
    folder = tempfile.mkdtemp()
    try:
        os.chmod(folder, 0o755)
        for name, mode in (("private.txt", 0o600), ("public.txt", 0o644)):
            Path(folder, name).write_bytes(b"x")
            os.chmod(os.path.join(folder, name), mode)
        os.mkdir(os.path.join(folder, "sub"), 0o755)
        Path(folder, "sub", "f.txt").write_bytes(b"x")
        os.mkdir(os.path.join(folder, "locked"), 0o700)
        Path(folder, "locked", "f.txt").write_bytes(b"x")
        before = disk(Path(folder))
        if os.geteuid() == 0:
            outcomes = _in_child_as_nobody(folder)
        else:
            os.chmod(folder, 0o555)
            try:
                outcomes = _try_permissions(folder)
            finally:
                os.chmod(folder, 0o755)
        os.chmod(os.path.join(folder, "locked"), 0o700)
        assert disk(Path(folder)) == before
    finally:
        shutil.rmtree(folder)
    paths = {"write": "new.txt", "write_atomic": "sub/new.txt", "read": "private.txt", "delete": "public.txt"}
    paths |= {"delete_folder": "sub", "move": "moved.txt", "copy": "copied.txt"}
    paths |= {"list_files": "locked", "get_folder_info": "locked"}
    expected = {op: f"PermissionDenied {paths[op]} {op} PermissionError" for op, _ in _PERMISSION_SCRIPT}
    assert outcomes == expected


def _in_child_as_nobody(folder: str) -> dict[str, str]:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(reader)
            os.setgid(65534)
            os.setuid(65534)
            with os.fdopen(writer, "w") as out:
                json.dump(_try_permissions(folder), out)
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    with os.fdopen(reader) as incoming:
        data = incoming.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, data
    result: dict[str, str] = json.loads(data)
    return result


# -- LOCAL-021, LOCAL-022, LOCAL-023 --------------------------------------------------------------------


@pytest.mark.spec("LOCAL-021")
def test_many_threads(backend: LocalBackend) -> None:
    backend.write("shared/seed.txt", b"seed")

    def work(index: int) -> None:
        for step in range(15):
            path = f"t{index}/f{step}.txt"
            content = f"{index}:{step}".encode() * 100
            backend.write_atomic(path, io.BytesIO(content))
            assert backend.read_bytes(path) == content
            backend.copy(path, f"t{index}/copy{step}.txt")
            backend.move(f"t{index}/copy{step}.txt", f"moved/{index}-{step}.txt")
            assert backend.get_file_info(f"moved/{index}-{step}.txt").size == len(content)
            listed = {str(info.path) for info in backend.list_files(f"t{index}")}
            assert path in listed
            assert "shared/seed.txt" in {str(info.path) for info in backend.list_files("", recursive=True)}
            backend.delete(path)
        backend.delete_folder(f"t{index}")

    outcomes = run_concurrently(8, work)
    assert outcomes == [None] * 8
    assert sorted(backend.list_folders("")) == ["moved", "shared"]
    assert backend.get_folder_info("moved").file_count == 8 * 15


@pytest.mark.spec("LOCAL-022")
def test_close(backend: LocalBackend, root: Path) -> None:
    backend.write("a/f.txt", b"x")
    before = disk(root)
    backend.close()
    backend.close()
    calls: list[Callable[[], Any]] = [
        lambda: backend.is_file("a/f.txt"),
        lambda: backend.is_folder(""),
        lambda: backend.exists(""),
        lambda: backend.write("b.txt", b"x"),
        lambda: backend.write_atomic("b.txt", b"x"),
        lambda: backend.read("a/f.txt"),
        lambda: backend.read_bytes("a/f.txt"),
        lambda: backend.delete("a/f.txt"),
        lambda: backend.delete_folder("a", recursive=True),
        lambda: backend.move("a/f.txt", "b.txt"),
        lambda: backend.copy("a/f.txt", "b.txt"),
        lambda: next(backend.list_files("")),
        lambda: next(backend.list_folders("")),
        lambda: backend.get_file_info("a/f.txt"),
        lambda: backend.get_folder_info(""),
    ]
    for call in calls:
        with pytest.raises(StoreClosed):
            call()
    assert disk(root) == before


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


# -- through a Store ---------------------------------------------------------------------------------------


@pytest.mark.spec("LOCAL-018", "LOCAL-020")
@posix_only
def test_errors_through_a_store(tmp_path: Path, root: Path) -> None:
    (tmp_path / "outside").mkdir()
    with Store(LocalBackend(root=root), "scoped") as store:
        store.write("f.txt", b"x")
        os.symlink(tmp_path / "outside", root / "scoped" / "out")
        with pytest.raises(PermissionDenied) as caught:
            store.write("out/f.txt", b"x")
        assert caught.value.path == "out/f.txt"
        with pytest.raises(InvalidPath) as too_long:
            store.write("n" * 300, b"x")
        assert too_long.value.path == "n" * 300
    assert os.listdir(tmp_path / "outside") == []


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
