"""Symbolic-link swaps while calls run: a thread flips a folder inside the root to a link leading out.

The flipper renames ``root/swap`` (a real folder) aside, puts a link to the sentinel folder
outside the root in its place, then swaps them back, as fast as it can; meanwhile the main thread
reads, writes, deletes, moves, copies and lists below ``swap/``. Nothing outside the root may be
read, listed, created, changed or deleted, and every failure must be a ``RemoteStoreError``.

CI: 4 seconds of calls; ``REMOTE_STORE_SOAK=1``: 60 seconds; ``REMOTE_STORE_SWAP_SECONDS=N``.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from remote_store import RemoteStoreError, Store
from remote_store.backends.local import LocalBackend
from remote_store_conformance.reliability import budget

from ._support import SENTINEL_MARK, access_times_work, age_access_times, diff_states, tree_state

# The sandbox must hold whichever way paths are resolved (LOCAL-026, LOCAL-027).
pytestmark = pytest.mark.usefixtures("resolution")


class Flipper(threading.Thread):
    """Flips ``root/swap`` between a real folder and a link to ``outside`` until stopped."""

    def __init__(self, root: Path, outside: Path) -> None:
        super().__init__(name="flipper", daemon=True)
        self.root = root
        self.outside = outside
        self.stopping = threading.Event()
        self.flips = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        swap, held = self.root / "swap", self.root / "held"
        try:
            while not self.stopping.is_set():
                try:
                    self._flip(swap, held)
                except OSError:
                    # A call below swap/ changed things mid-flip (created the folder again, filled
                    # held/): start over from a real folder. Everything touched is inside the root.
                    for path in (swap, held):
                        if path.is_symlink():
                            path.unlink()
                        else:
                            shutil.rmtree(path, ignore_errors=True)
                    swap.mkdir(exist_ok=True)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error

    def _flip(self, swap: Path, held: Path) -> None:
        os.rename(swap, held)
        os.symlink(self.outside, swap)
        time.sleep(0.0002)
        os.unlink(swap)
        os.rename(held, swap)
        self.flips += 1
        time.sleep(0.0002)


def _calls(store: Store, number: int) -> list[tuple[str, Any]]:
    return [
        ("read_bytes", lambda: store.read_bytes("swap/secret.txt")),
        ("read", lambda: _read(store, "swap/secret.txt")),
        ("read_deep", lambda: store.read_bytes("swap/sub/deep.txt")),
        ("write", lambda: store.write(f"swap/new-{number}", b"written", overwrite=True)),
        ("write_atomic", lambda: store.write_atomic("swap/secret.txt", b"clobbered", overwrite=True)),
        ("create", lambda: store.write(f"swap/sub/created-{number}", b"created")),
        ("delete", lambda: store.delete("swap/secret.txt")),
        ("delete_folder", lambda: store.delete_folder("swap/sub", recursive=True)),
        ("delete_empty", lambda: store.delete_folder("swap/empty")),
        ("move_in", lambda: store.move("swap/secret.txt", f"moved-{number}")),
        ("move_out", lambda: store.move("file.txt", "swap/dropped.txt", overwrite=True)),
        ("copy", lambda: store.copy("swap/secret.txt", f"copied-{number}")),
        ("list_files", lambda: list(store.list_files("swap", recursive=True))),
        ("list_folders", lambda: list(store.list_folders("swap"))),
        ("get_file_info", lambda: store.get_file_info("swap/secret.txt")),
        ("get_folder_info", lambda: store.get_folder_info("swap")),
    ]


def _read(store: Store, path: str) -> bytes:
    with store.read(path) as stream:
        return stream.read()


@pytest.mark.spec("LOCAL-018", "GUAR-022")
def test_link_swaps_during_calls_stay_inside_the_root(fast_tmp: Path, figures: dict[str, Any]) -> None:
    root, outside = fast_tmp / "root", fast_tmp / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "empty").mkdir()
    (outside / "secret.txt").write_bytes(SENTINEL_MARK + b" secret")
    (outside / "sub" / "deep.txt").write_bytes(SENTINEL_MARK + b" deep")
    (root / "swap" / "sub").mkdir(parents=True)
    (root / "swap" / "secret.txt").write_bytes(b"inside")
    (root / "file.txt").write_bytes(b"inside")
    atimes = access_times_work(fast_tmp)
    age_access_times(outside)
    before = tree_state(outside, atimes=atimes)
    store = Store(LocalBackend(root=root))
    flipper = Flipper(root, outside)
    escapes: list[str] = []
    raw_errors: list[str] = []
    calls = 0
    deadline = time.monotonic() + budget(4, 60, "REMOTE_STORE_SWAP_SECONDS")
    flipper.start()
    try:
        number = 0
        while time.monotonic() < deadline:
            number += 1
            for name, call in _calls(store, number):
                calls += 1
                try:
                    result = call()
                except RemoteStoreError:
                    continue
                except Exception as error:  # noqa: BLE001 - a raw exception is what this looks for
                    raw_errors.append(f"{name}: {type(error).__name__}: {error}")
                    continue
                shown = repr(result)
                if (isinstance(result, bytes) and SENTINEL_MARK in result) or "deep.txt" in shown:
                    escapes.append(f"{name} returned what is outside the root: {shown[:80]}")
            (root / "file.txt").write_bytes(b"inside")
    finally:
        flipper.stopping.set()
        flipper.join(timeout=10)
    assert flipper.error is None, f"the flipper failed: {flipper.error!r}"
    outside_changes = diff_states(before, tree_state(outside, atimes=atimes))
    figures.update(calls=calls, flips=flipper.flips, escapes=len(escapes) + len(outside_changes))
    assert flipper.flips > 100, "the flipper hardly ran: the test proves nothing"
    assert not raw_errors, "\n".join(raw_errors[:10])
    assert not escapes and not outside_changes, "\n".join((escapes + outside_changes)[:20])
