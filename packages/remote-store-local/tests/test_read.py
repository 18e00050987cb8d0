"""Reads return the file itself; file metadata comes from stat (LOCAL-011, LOCAL-014)."""

from __future__ import annotations

import io
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from remote_store import NotFound
from remote_store.backends.local import LocalBackend

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
    os.symlink("pipe", root / "to-pipe")  # followed (BACKEND-015): a special file too
    for special in ("pipe", "to-pipe"):
        assert not backend.is_file(special)
        assert not backend.exists(special)
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
    with pytest.raises(NotFound):
        backend.delete("pipe")
    backend.delete("pipe", missing_ok=True)
    assert (root / "pipe").is_fifo()  # not a file of the store: delete leaves it


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
