"""Listings: lazy, one folder at a time, addressable names only (LOCAL-012, LOCAL-013)."""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from remote_store.backends.local import LocalBackend

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
