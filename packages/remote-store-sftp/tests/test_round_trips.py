"""Requests and round trips per call (SFTP-019, SFTP-020, SFTP-021), counted on a real sshd."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _requests import RequestLog

from remote_store import AlreadyExists, InvalidPath, PermissionDenied
from remote_store.backends.sftp import SFTPBackend, _remote
from remote_store.backends.sftp._names import is_temp_name


def temps(root: Path) -> list[str]:
    return [name for _, _, names in os.walk(root) for name in names if is_temp_name(name)]


CREATE = ["realpath", "lstat", "open", "write", "close", "hardlink@openssh.com", "remove"]


@pytest.fixture
def log() -> Iterator[RequestLog]:
    with RequestLog().recording() as recorded:
        yield recorded


def counted(log: RequestLog, call: Any) -> tuple[list[str], int]:
    log.clear()
    call()
    return log.requests, log.round_trips


@pytest.mark.spec("SFTP-019")
def test_sftp_019_a_create_in_a_known_folder_is_three_round_trips(
    backend: SFTPBackend, log: RequestLog, server_root: Path
) -> None:
    backend.write("d/first.txt", b"walks")  # the folder is made, then known
    assert counted(log, lambda: backend.write("d/f.txt", b"x" * 1024)) == (CREATE, 3)
    assert (server_root / "d" / "f.txt").read_bytes() == b"x" * 1024
    replace = ["realpath", "lstat", "open", "write", "close", "posix-rename@openssh.com"]
    assert counted(log, lambda: backend.write("d/f.txt", b"y", overwrite=True)) == (replace, 3)
    durable = ["realpath", "lstat", "open", "write", "fsync@openssh.com", "close"]
    requests, trips = counted(log, lambda: backend.write_atomic("d/g.txt", b"z"))
    assert (requests, trips) == ([*durable, "hardlink@openssh.com", "remove"], 3)
    empty = ["realpath", "lstat", "open", "close", "hardlink@openssh.com", "remove"]
    assert counted(log, lambda: backend.write("d/empty.txt", b"")) == (empty, 3)
    # At the root, known since the first write there, alike.
    backend.write("top.txt", b"1")
    assert counted(log, lambda: backend.write("top2.txt", b"2")) == (CREATE, 3)
    assert temps(server_root) == []


@pytest.mark.spec("SFTP-019")
def test_sftp_019_an_existing_file_fails_in_the_first_round_trip(
    backend: SFTPBackend, log: RequestLog, server_root: Path
) -> None:
    backend.write("a.txt", b"old")
    log.clear()
    with pytest.raises(AlreadyExists):
        backend.write("a.txt", b"new")
    requests, trips = log.requests, log.round_trips
    # The lstat answered with the open: the temporary file is closed and removed at once.
    assert requests == ["realpath", "lstat", "open", "close", "remove"] and trips == 2
    assert (server_root / "a.txt").read_bytes() == b"old"
    assert temps(server_root) == []


@pytest.mark.spec("SFTP-019")
def test_sftp_019_the_first_create_in_a_folder_walks_later_ones_do_not(
    backend: SFTPBackend, log: RequestLog, server_root: Path
) -> None:
    (server_root / "existing").mkdir()
    backend.exists("warm-up")  # connected: the counts below are the calls' own
    first, trips = counted(log, lambda: backend.write("existing/a.txt", b"a"))
    assert first == CREATE and trips == 5  # the walk: the path looked up, then its folder
    assert counted(log, lambda: backend.write("existing/b.txt", b"b")) == (CREATE, 3)
    made, _ = counted(log, lambda: backend.write("new/deeper/c.txt", b"c"))
    assert made.count("mkdir") == 2
    assert counted(log, lambda: backend.write("new/deeper/d.txt", b"d")) == (CREATE, 3)


@pytest.mark.spec("SFTP-019")
def test_sftp_019_a_known_folder_changed_behind_the_backend(
    backend: SFTPBackend, server_root: Path, tmp_path: Path
) -> None:
    backend.write("gone/a.txt", b"a")
    shutil.rmtree(server_root / "gone")  # removed by someone else: made again
    backend.write("gone/b.txt", b"b")
    assert (server_root / "gone" / "b.txt").read_bytes() == b"b"
    backend.write("file/a.txt", b"a")
    shutil.rmtree(server_root / "file")
    (server_root / "file").write_bytes(b"now a file")
    with pytest.raises(InvalidPath):
        backend.write("file/b.txt", b"b")
    # Swapped for a link leading out of the root: refused, nothing left outside.
    outside = tmp_path / "outside"
    outside.mkdir()
    backend.write("swapped/a.txt", b"a")
    shutil.rmtree(server_root / "swapped")
    (server_root / "swapped").symlink_to(outside)
    with pytest.raises(PermissionDenied):
        backend.write("swapped/b.txt", b"b")
    assert list(outside.iterdir()) == []
    # A folder deleted through the backend is forgotten at once.
    backend.write("del/a.txt", b"a")
    backend.delete_folder("del", recursive=True)
    assert backend._pool.folders.__contains__(str(server_root / "del")) is False
    backend.write("del/b.txt", b"b")
    assert (server_root / "del" / "b.txt").read_bytes() == b"b"
    assert temps(server_root) == []


@pytest.mark.spec("SFTP-020")
def test_sftp_020_a_small_read_is_three_round_trips(
    backend: SFTPBackend, log: RequestLog, server_root: Path
) -> None:
    content = bytes(range(256)) * 4
    (server_root / "f.bin").write_bytes(content)
    backend.exists("warm-up")
    read = ["realpath", "lstat", "open", "read", "close"]
    requests, trips = counted(log, lambda: backend.read_bytes("f.bin"))
    assert (requests, trips) == (read, 3)
    assert backend.read_bytes("f.bin") == content
    assert counted(log, lambda: backend.read_range("f.bin", 10, 20)) == (read, 3)
    assert backend.read_range("f.bin", 1000, 2000) == content[1000:]
    (server_root / "empty.bin").write_bytes(b"")
    assert counted(log, lambda: backend.read_bytes("empty.bin")) == (read, 3)
    assert backend.read_bytes("empty.bin") == b""


@pytest.mark.spec("SFTP-020")
def test_sftp_020_large_and_growing_files_are_read_whole(
    backend: SFTPBackend, server_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    large = bytes(range(251)) * 4096  # over one read request (255 KiB on OpenSSH)
    (server_root / "large.bin").write_bytes(large)
    assert backend.read_bytes("large.bin") == large
    (server_root / "grew.bin").write_bytes(b"g" * 5000)
    original = _remote.Remote.find_file

    async def stale(self: _remote.Remote, path: str) -> Any:
        real, attrs = await original(self, path)
        attrs.size = 100  # as if it grew after the lookup
        return real, attrs

    monkeypatch.setattr(_remote.Remote, "find_file", stale)
    assert backend.read_bytes("grew.bin") == b"g" * 5000


@pytest.mark.spec("SFTP-021")
def test_sftp_021_listing_pipelines_readdir(backend: SFTPBackend, log: RequestLog, server_root: Path) -> None:
    (server_root / "big").mkdir()
    for index in range(1000):
        (server_root / "big" / f"f{index:04d}").write_bytes(b"x")
    (server_root / "small").mkdir()
    (server_root / "small" / "one").write_bytes(b"x")
    backend.exists("warm-up")
    requests, trips = counted(log, lambda: sum(1 for _ in backend.list_files("big")))
    readdirs = requests.count("readdir")
    assert readdirs >= 11  # OpenSSH answers 100 names per readdir, then end-of-file
    assert 4 <= log.most_in_flight["readdir"] <= _remote.READDIR_AHEAD
    # One readdir at a time: a round trip each, with the lookup, the opendir and the close.
    assert trips < readdirs + 3
    requests, trips = counted(log, lambda: list(backend.list_files("small")))
    assert requests == ["realpath", "lstat", "opendir", "readdir", "readdir", "readdir", "close"]
    assert trips == 5  # as many as one readdir at a time: one more request, no more waiting
    assert [info.name for info in backend.list_files("small")] == ["one"]
    names = sorted(info.name for info in backend.list_files("big"))
    assert names == [f"f{index:04d}" for index in range(1000)]
