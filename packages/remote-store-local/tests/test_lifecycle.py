"""One instance used by many threads, and close (LOCAL-021, LOCAL-022)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _local_helpers import disk, run_concurrently

from remote_store import StoreClosed
from remote_store.backends.local import LocalBackend

# -- LOCAL-021, LOCAL-022: threads and close -----------------------------------------------------


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
