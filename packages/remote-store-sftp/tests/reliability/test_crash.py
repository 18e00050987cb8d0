"""Crash safety on SFTP: writer processes killed with SIGKILL mid-write leave nothing torn.

Each round starts two writer processes (``_writer.py``) on their own connections, lets them work
for a random 50 to 700 ms and kills both with SIGKILL, mid-transfer as often as not. After every
round every file on the server must be one writer's whole content, a replaced file once present
must stay present, and no listing may show a temporary file; at the end ``remove_temp_files``
must sweep every piece of litter the kills left. CI: 12 rounds (24 kills, about 30 s on 2 busy cores);
``REMOTE_STORE_SOAK=1``: 100; ``REMOTE_STORE_SFTP_CRASH_ROUNDS=N`` sets the number.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from remote_store import InvalidPath, NotFound, Store
from remote_store.backends.sftp import SFTPBackend
from remote_store.backends.sftp._names import is_temp_name
from remote_store_conformance.reliability import budget
from remote_store_conformance.workload import parse_content

WRITER = Path(__file__).resolve().parent / "_writer.py"
REPLACED = [f"w/k{index}" for index in range(4)]


def _options(sshd: Any, root: Path) -> dict[str, Any]:
    return {
        "host": sshd.host,
        "port": sshd.port,
        "username": sshd.username,
        "private_key": sshd.client_key,
        "known_hosts": sshd.known_hosts,
        "root": str(root),
    }


def _start(options: dict[str, Any], seeds: list[int]) -> list[subprocess.Popen[str]]:
    """Writer processes, one per seed, started together; returned once each is connected."""
    processes = [
        subprocess.Popen(
            [sys.executable, str(WRITER), json.dumps(options), str(seed)], stdout=subprocess.PIPE, text=True
        )
        for seed in seeds
    ]
    for process in processes:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline().strip() if ready else ""
        if line != "ready":
            for each in processes:
                each.kill()
                each.wait()
            raise AssertionError(f"a writer did not start: {line!r}")
    return processes


def _kill(process: subprocess.Popen[str]) -> str:
    """SIGKILL ``process``; the operation it was in (the last name it printed)."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.stdout is not None
    lines = process.stdout.read().split()
    process.stdout.close()
    return lines[-1] if lines else "ready"


def _litter(root: Path) -> list[Path]:
    return [Path(folder) / name for folder, _, names in os.walk(root) for name in names if is_temp_name(name)]


def _check(root: Path, store: Store, seen: set[str], problems: list[str], round_number: int) -> None:
    for folder, _, names in os.walk(root):
        for name in names:
            if is_temp_name(name):
                continue
            path = Path(folder) / name
            if parse_content(path.read_bytes()) is None:
                problems.append(f"round {round_number}: {path.relative_to(root)} is torn")
    for key in REPLACED:
        if (root / key).exists():
            seen.add(key)
        elif key in seen:
            problems.append(f"round {round_number}: {key} vanished (a replace lost the file)")
    listed = [str(info.path) for info in store.list_files("", recursive=True)]
    hidden = [path for path in listed if is_temp_name(path.rsplit("/")[-1])]
    problems.extend(f"round {round_number}: {path} listed" for path in hidden)


@pytest.mark.spec("SFTP-016", "GUAR-001", "GUAR-002", "GUAR-004")
def test_sigkilled_writers_leave_whole_files_and_sweepable_litter(
    sshd: Any, server_root: Path, make_backend: Callable[..., SFTPBackend], figures: dict[str, Any]
) -> None:
    rounds = budget(12, 100, "REMOTE_STORE_SFTP_CRASH_ROUNDS")
    options = _options(sshd, server_root)
    store = Store(make_backend())
    rng = random.Random(20261207)
    interrupted: Counter[str] = Counter()
    seen: set[str] = set()
    problems: list[str] = []
    for round_number in range(rounds):
        writers = _start(options, [round_number * 2, round_number * 2 + 1])
        time.sleep(rng.uniform(0.05, 0.7))
        for writer in writers:
            interrupted[_kill(writer)] += 1
        _check(server_root, store, seen, problems, round_number)
    litter = _litter(server_root)
    figures.update(kills=rounds * 2, interrupted=dict(sorted(interrupted.items())), temp_litter=len(litter))
    assert not problems, "\n".join(problems[:20])
    assert interrupted["write"] + interrupted["write_atomic"] + interrupted["create"] > 0, interrupted
    # Killed writers do leave temporary files: invisible, refused as paths, swept by the sweep.
    assert litter, "no temporary file was left: the kills did not land inside writes"
    for temp in litter[:5]:
        relative = temp.relative_to(server_root).as_posix()
        assert not store.exists(relative)
        with pytest.raises(NotFound):
            store.read_bytes(relative)
        with pytest.raises(InvalidPath):
            store.write(relative, b"x")
    before = sorted(str(info.path) for info in store.list_files("", recursive=True))
    backend = store.backend
    assert isinstance(backend, SFTPBackend)
    assert backend.remove_temp_files(older_than=3600) == 0  # all of it is fresh
    assert backend.remove_temp_files(older_than=0) == len(litter)
    assert _litter(server_root) == []
    assert sorted(str(info.path) for info in store.list_files("", recursive=True)) == before
    figures.update(litter_removed=len(litter))
