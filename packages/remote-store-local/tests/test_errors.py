"""Operating system errors mapped to the library's errors, directly and through a Store (LOCAL-020)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _local_helpers import assert_mapped, disk, posix_only

from remote_store import BackendUnavailable, InvalidPath, PermissionDenied, RemoteStoreError, Store
from remote_store.backends.local import LocalBackend

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
