"""Crash harness: forked writers killed with SIGKILL at random moments, and the checks after.

The parent has imported remote_store already, so ``os.fork()`` makes each writer cheap (about a
millisecond) and a thousand kills fit in seconds. A writer loops over a small set of keys doing
``write_atomic``, ``write``, create-only writes, ``move`` and ``copy`` with self-checking content
(``make_content``) until it is killed; it never exits on its own. Before each operation it notes
the operation's code in shared memory, so the parent knows what each kill interrupted.

Keys and what must hold after any number of kills (``check``):

- ``w/k0`` .. ``w/k5``: only ever replaced (``write``/``write_atomic``/``copy`` with
  ``overwrite=True``, or a staged file moved over them with ``overwrite=True``). Once present,
  a key MUST stay present, and whole.
- ``c/k0`` .. ``c/k3``: created with ``overwrite=False`` and deleted again: absent or whole.
- ``ra/s0`` .. ``ra/s3``: one token moved round with ``move(overwrite=True)`` (``rename(2)``):
  exactly one slot holds it.
- ``rb/s0`` .. ``rb/s3``: one token moved round with ``move(overwrite=False)`` (``link(2)`` then
  ``unlink(2)``): one slot holds it, or two (a kill between the two calls), never none.
- ``n/<a>/<b>/f``: written into new folders, then the folder deleted recursively: whole if present.
- ``mv/<n>``: staged files waiting to be moved: whole if present.

Everywhere: every listed file is whole, no temporary file is listed or reported, and crash litter
(temporary files, empty folders made for a write) is counted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import mmap
import os
import random
import signal
import struct
import threading
import time
from collections import Counter
from pathlib import Path

from remote_store import AlreadyExists, NotFound, RemoteStoreError, Store
from remote_store.backends.local import LocalBackend
from remote_store_conformance.workload import make_content, parse_content

from ._support import TEMP_NAME

PERSISTENT = [f"w/k{index}" for index in range(6)]
CREATED = [f"c/k{index}" for index in range(4)]
RING_RENAME = [f"ra/s{index}" for index in range(4)]
RING_LINK = [f"rb/s{index}" for index in range(4)]

OPERATIONS = (
    "start",
    "write_atomic",
    "write",
    "stage+move",
    "create",
    "delete",
    "ring-rename",
    "ring-link",
    "copy",
    "nested",
)
"""Codes the writer notes in shared memory before each operation (index = code)."""

_SLOT = struct.Struct("QQ")  # operations completed, code of the operation under way


@dataclasses.dataclass
class CrashReport:
    """What a campaign did and found."""

    kills: int = 0
    checks: int = 0
    operations_completed: int = 0
    interrupted: Counter[str] = dataclasses.field(default_factory=Counter)
    temp_litter: int = 0
    empty_folders: int = 0
    link_ring_duplicates: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)


def _content(rng: random.Random, tag: str, seq: int) -> bytes:
    # Mostly small files, some large enough that a kill often lands inside the write.
    size = rng.choice((0, 1, 100, 4096, 65_536, 300_000)) if rng.random() < 0.9 else 1_500_000
    return make_content(tag, seq, size, rng)


def _step(store: Store, rng: random.Random, seq: int, note: mmap.mmap) -> None:
    choice = rng.random()

    def mark(code: str) -> None:
        note.seek(8)
        note.write(struct.pack("Q", OPERATIONS.index(code)))

    if choice < 0.18:
        mark("write_atomic")
        store.write_atomic(rng.choice(PERSISTENT), _content(rng, "w", seq), overwrite=True)
    elif choice < 0.32:
        mark("write")
        store.write(rng.choice(PERSISTENT), _content(rng, "w", seq), overwrite=True)
    elif choice < 0.42:
        mark("stage+move")
        staged = f"mv/{os.getpid()}-{seq}"
        store.write(staged, _content(rng, "mv", seq))
        store.move(staged, rng.choice(PERSISTENT), overwrite=True)
    elif choice < 0.50:
        mark("create")
        with contextlib.suppress(AlreadyExists):
            store.write(rng.choice(CREATED), _content(rng, "c", seq), overwrite=False)
    elif choice < 0.54:
        mark("delete")
        store.delete(rng.choice(CREATED), missing_ok=True)
    elif choice < 0.69:
        mark("ring-rename")
        holders = [slot for slot in RING_RENAME if store.is_file(slot)]
        if len(holders) == 1:
            target = RING_RENAME[(RING_RENAME.index(holders[0]) + 1) % len(RING_RENAME)]
            store.move(holders[0], target, overwrite=True)
    elif choice < 0.84:
        mark("ring-link")
        holders = [slot for slot in RING_LINK if store.is_file(slot)]
        for extra in holders[1:]:
            # A kill between link(2) and unlink(2) left the token under two names (one inode).
            store.delete(extra)
        if holders:
            target = RING_LINK[(RING_LINK.index(holders[0]) + 1) % len(RING_LINK)]
            with contextlib.suppress(AlreadyExists):
                store.move(holders[0], target, overwrite=False)
    elif choice < 0.92:
        mark("copy")
        source, target = rng.sample(PERSISTENT, 2)
        with contextlib.suppress(NotFound):
            store.copy(source, target, overwrite=True)
    else:
        mark("nested")
        folder = f"n/{rng.randrange(8)}"
        store.write(f"{folder}/{seq}/f", _content(rng, "n", seq), overwrite=True)
        store.delete_folder(folder, recursive=True)


def _writer(root: str, seed: int, note: mmap.mmap) -> None:
    rng = random.Random(seed)
    store = Store(LocalBackend(root=root))
    done = 0
    seq = seed * 1_000_000
    while True:
        seq += 1
        # A RemoteStoreError is a state left by an earlier kill (a vanished staged file, ...).
        with contextlib.suppress(RemoteStoreError):
            _step(store, rng, seq, note)
        done += 1
        note.seek(0)
        note.write(struct.pack("Q", done))


def _spawn(root: str, seed: int, note: mmap.mmap) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns; it is killed
        status = 0
        try:
            _writer(root, seed, note)
        except BaseException:  # noqa: BLE001 - the parent reports a writer that ends by itself
            status = 3
        finally:
            os._exit(status)
    return pid


def seed_tokens(root: str) -> tuple[bytes, bytes]:
    """Create the two ring tokens; returns their contents."""
    store = Store(LocalBackend(root=root))
    rng = random.Random(0)
    token_rename = make_content("token-rename", 0, 5000, rng)
    token_link = make_content("token-link", 0, 5000, rng)
    store.write(RING_RENAME[0], token_rename)
    store.write(RING_LINK[0], token_link)
    return token_rename, token_link


def check(root: str, tokens: tuple[bytes, bytes], present_before: set[str], report: CrashReport) -> set[str]:
    """Check every invariant of the module docstring; returns the persistent keys present now."""
    store = Store(LocalBackend(root=root))
    problems = report.problems
    present = {key for key in PERSISTENT if store.is_file(key)}
    for key in sorted(present_before - present):
        problems.append(f"check {report.checks}: {key} vanished (a replace must never remove the old file)")
    listed = list(store.list_files("", recursive=True))
    for info in listed:
        path = str(info.path)
        if any(TEMP_NAME.fullmatch(part) for part in info.path.parts):
            problems.append(f"check {report.checks}: temporary file listed: {path}")
            continue
        data = store.read_bytes(path)
        if parse_content(data) is None:
            problems.append(f"check {report.checks}: torn or foreign content in {path} ({len(data)} bytes)")
        if len(data) != info.size:
            problems.append(f"check {report.checks}: {path} listed with size {info.size}, holds {len(data)}")
    folders_seen = _all_folders(store)
    for folder in folders_seen:
        if TEMP_NAME.fullmatch(folder.rsplit("/", 1)[-1]):
            problems.append(f"check {report.checks}: temporary name listed as a folder: {folder}")
    summary = store.get_folder_info("")
    if summary.file_count != len(listed):
        problems.append(
            f"check {report.checks}: get_folder_info counts {summary.file_count}, listing {len(listed)}"
        )
    for key in present:
        if parse_content(store.read_bytes(key)) is None:
            problems.append(f"check {report.checks}: {key} is not whole")
    token_rename, token_link = tokens
    holders = [slot for slot in RING_RENAME if store.is_file(slot)]
    if len(holders) != 1 or store.read_bytes(holders[0]) != token_rename:
        problems.append(f"check {report.checks}: rename ring holds the token {len(holders)} times: {holders}")
    holders = [slot for slot in RING_LINK if store.is_file(slot)]
    if not 1 <= len(holders) <= 2 or any(store.read_bytes(slot) != token_link for slot in holders):
        problems.append(f"check {report.checks}: link ring holds the token {len(holders)} times: {holders}")
    if len(holders) == 2:
        report.link_ring_duplicates += 1
    report.checks += 1
    return present


def _all_folders(store: Store) -> list[str]:
    found: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        for name in store.list_folders(folder):
            child = f"{folder}/{name}" if folder else name
            found.append(child)
            pending.append(child)
    return found


def count_litter(root: str) -> tuple[int, int, list[str]]:
    """Temporary files and empty folders on disk below ``root``; and the temporary files' paths."""
    temps: list[str] = []
    empty = 0
    for current, folders, files in os.walk(root):
        temps.extend(os.path.join(current, name) for name in files if TEMP_NAME.fullmatch(name))
        if current != root and not folders and not files:
            empty += 1
    return len(temps), empty, temps


def run_campaign(
    root: str, kills: int, seed: int, *, check_every: int = 5, max_delay: float = 0.02
) -> CrashReport:
    """Fork a writer, let it run a random time up to ``max_delay`` seconds, SIGKILL it; ``kills`` times.

    Every ``check_every`` kills (and after the last) the invariants are checked.

    Raises:
        RuntimeError: the calling process has other threads (fork would copy a lock held by one).
    """
    if threading.active_count() != 1:
        raise RuntimeError(f"fork needs a single-threaded parent; threads: {threading.enumerate()}")
    Path(root).mkdir(parents=True, exist_ok=True)
    tokens = seed_tokens(root)
    report = CrashReport()
    rng = random.Random(seed)
    note = mmap.mmap(-1, _SLOT.size)
    present: set[str] = set()
    try:
        for kill in range(kills):
            note.seek(0)
            note.write(_SLOT.pack(0, 0))
            pid = _spawn(root, rng.randrange(1, 2**31), note)
            # Mostly short lives (kills early in an operation), some long enough for many operations.
            time.sleep(rng.random() * max_delay if rng.random() < 0.8 else rng.random() * max_delay * 4)
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            if not os.WIFSIGNALED(status) or os.WTERMSIG(status) != signal.SIGKILL:
                report.problems.append(
                    f"writer {kill} ended by itself (status {status}): it must only be killed"
                )
            note.seek(0)
            completed, code = _SLOT.unpack(note.read(_SLOT.size))
            report.operations_completed += completed
            report.interrupted[OPERATIONS[code] if code < len(OPERATIONS) else "?"] += 1
            report.kills += 1
            if (kill + 1) % check_every == 0 or kill + 1 == kills:
                present = check(root, tokens, present, report)
                if len(report.problems) > 20:
                    break
    finally:
        note.close()
    report.temp_litter, report.empty_folders, _ = count_litter(root)
    return report
