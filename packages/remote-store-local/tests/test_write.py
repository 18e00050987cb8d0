"""Writes: publishing a complete file, leaving nothing behind, race-free creates, durability, target
conflicts (LOCAL-005, LOCAL-006, LOCAL-007, LOCAL-008, LOCAL-010)."""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import Any, cast

import pytest
from _local_helpers import (
    CallbackStream,
    FailingStream,
    assert_mapped,
    disk,
    posix_only,
    run_concurrently,
    temp_files,
)

from remote_store import AlreadyExists, BackendUnavailable, InvalidPath
from remote_store.backend_tools import DEFAULT_CHUNK_SIZE
from remote_store.backends.local import LocalBackend

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
@pytest.mark.usefixtures("proc_link")
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
@pytest.mark.usefixtures("proc_link")
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
