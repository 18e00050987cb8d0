"""LOCAL-030: an unnamed file is named with ``linkat(AT_EMPTY_PATH)``, the ``/proc`` link where refused."""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _local_helpers import assert_mapped, temp_files

from remote_store import AlreadyExists, BackendUnavailable, Store
from remote_store.backends.local import LocalBackend, _flink, _write

pytestmark = pytest.mark.skipif(not _write._UNNAMED, reason="no O_TMPFILE here: creates use named files")


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    _flink.enable()


def _failing(code: int, calls: list[tuple[int, bytes, int, bytes, int]]) -> Callable[..., int]:
    """A stand-in for libc's ``linkat`` that records its arguments and fails with ``code``."""

    def linkat(fd: int, source: bytes, folder: int, entry: bytes, flags: int) -> int:
        calls.append((fd, source, folder, entry, flags))
        ctypes.set_errno(code)
        return -1

    return linkat


def _no_os_link(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("os.link must not be called: the file is linked through its descriptor")


@pytest.mark.spec("LOCAL-030")
@pytest.mark.parametrize("operation", ["write", "write_atomic", "copy"])
def test_creates_link_the_descriptor_itself(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    if not _flink.available():
        pytest.skip("linkat(AT_EMPTY_PATH) is refused to this process here")
    backend.write("src.txt", b"source")
    monkeypatch.setattr(os, "link", _no_os_link)
    if operation == "copy":
        backend.copy("src.txt", "d/e/f.txt")
    else:
        getattr(backend, operation)("d/e/f.txt", b"source")
    backend.write("top.txt", b"at the root")  # a file of the root: no folder descriptor
    assert (root / "d" / "e" / "f.txt").read_bytes() == b"source"
    assert (root / "top.txt").read_bytes() == b"at the root"
    assert temp_files(root) == []
    assert _flink.available()


@pytest.mark.spec("LOCAL-030")
def test_a_refused_call_falls_back_to_the_proc_link_and_stops_trying(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, bytes, int, bytes, int]] = []
    monkeypatch.setattr(_flink, "_state", {"call": _failing(errno.ENOENT, calls)})
    backend.write("d/one.txt", b"one")
    assert (root / "d" / "one.txt").read_bytes() == b"one"
    assert len(calls) == 1 and calls[0][1] == b"" and calls[0][3] == b"one.txt" and calls[0][4] == 0x1000
    assert not _flink.available()  # refused with the folder still there: not tried again
    backend.write("d/two.txt", b"two")
    assert len(calls) == 1
    assert (root / "d" / "two.txt").read_bytes() == b"two"
    assert temp_files(root) == []


@pytest.mark.spec("LOCAL-030")
def test_enoent_for_a_removed_folder_is_not_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, bytes, int, bytes, int]] = []
    fake = _failing(errno.ENOENT, calls)
    monkeypatch.setattr(_flink, "_state", {"call": fake})
    folder = tmp_path / "gone"
    folder.mkdir()
    folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    file_fd = os.open(folder, os.O_RDWR | os.O_TMPFILE, 0o666)
    try:
        folder.rmdir()
        with pytest.raises(FileNotFoundError):
            _flink.link_unnamed(file_fd, folder_fd, "f.txt")
        assert _flink._state["call"] is fake  # the folder went away: keep trying next time
    finally:
        os.close(file_fd)
        os.close(folder_fd)


@pytest.mark.spec("LOCAL-030", "LOCAL-006", "LOCAL-020")
@pytest.mark.parametrize("operation", ["write", "write_atomic", "copy"])
def test_a_failing_call_is_mapped_and_leaves_nothing(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    backend.write("src.txt", b"source")
    before = sorted(str(path.relative_to(root)) for path in root.rglob("*"))
    calls: list[tuple[int, bytes, int, bytes, int]] = []
    monkeypatch.setattr(_flink, "_state", {"call": _failing(errno.ENOSPC, calls)})
    monkeypatch.setattr(os, "link", _no_os_link)
    with pytest.raises(BackendUnavailable) as caught:
        if operation == "copy":
            backend.copy("src.txt", "new/f.txt")
        else:
            getattr(backend, operation)("new/f.txt", b"data")
    assert calls
    assert_mapped(caught.value, BackendUnavailable, "new/f.txt", operation)
    assert sorted(str(path.relative_to(root)) for path in root.rglob("*")) == before
    assert _flink.available()  # a failure of the call is not a refusal of AT_EMPTY_PATH


@pytest.mark.spec("LOCAL-030", "LOCAL-007")
@pytest.mark.parametrize("code", [errno.EPERM, errno.ENOTSUP])
def test_no_hard_links_through_the_descriptor_still_creates_once(
    backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    calls: list[tuple[int, bytes, int, bytes, int]] = []
    monkeypatch.setattr(_flink, "_state", {"call": _failing(code, calls)})
    backend.write("d/f.txt", b"content")
    assert calls
    assert (root / "d" / "f.txt").read_bytes() == b"content"
    with pytest.raises(AlreadyExists):
        backend.write("d/f.txt", b"other")
    assert (root / "d" / "f.txt").read_bytes() == b"content"
    assert temp_files(root) == []


@pytest.mark.spec("LOCAL-030")
def test_a_taken_name_raises_already_exists_through_the_descriptor(root: Path) -> None:
    if not _flink.available():
        pytest.skip("linkat(AT_EMPTY_PATH) is refused to this process here")
    store = Store(LocalBackend(root=root))
    store.write("d/f.txt", b"first")
    with pytest.raises(AlreadyExists):
        store.write("d/f.txt", b"second")
    assert store.read_bytes("d/f.txt") == b"first"
    assert temp_files(root) == []
