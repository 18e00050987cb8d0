"""Concurrency on SFTP: one Store shared by 8 threads, 20 racing creators per create method.

CI: 600 mixed operations (every call is a round trip to sshd through the backend's one loop
thread) and 3 races of 20 creators per method; ``REMOTE_STORE_SOAK=1``: 5,000 operations and 20
races. The workload, the races and the calls are ``remote_store_conformance.workload``'s, shared
with the other backends.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import Store
from remote_store.backends.sftp import SFTPBackend
from remote_store_conformance.reliability import budget
from remote_store_conformance.workload import create, make_content, race_creators, run_workload


@pytest.mark.spec("GUAR-009", "SFTP-008")
def test_shared_store_loses_and_tears_nothing(
    make_backend: Callable[..., SFTPBackend], figures: dict[str, Any]
) -> None:
    store = Store(make_backend())
    total = budget(600, 5_000, "REMOTE_STORE_SFTP_CONCURRENCY_OPS")
    report = run_workload(store, threads=8, total_ops=total)
    figures.update(threads=8, operations=report.total, by_operation=dict(sorted(report.operations.items())))
    assert not report.problems, "\n".join(report.problems[:20])
    assert report.total == total


@pytest.mark.spec("GUAR-010", "SFTP-007")
@pytest.mark.parametrize("method", ["write", "write_stream", "write_atomic", "copy", "move"])
def test_twenty_creators_sharing_one_backend_exactly_one_wins(
    make_backend: Callable[..., SFTPBackend], method: str, figures: dict[str, Any]
) -> None:
    store = Store(make_backend())
    creators, rounds = 20, budget(3, 20)
    for round_number in range(rounds):
        target = f"race/{round_number}"
        contents = [
            make_content(f"creator{index}", round_number, 20_000 + index, random.Random(index))
            for index in range(creators)
        ]
        sources = [f"src/{round_number}/{index}" for index in range(creators)]
        if method in ("copy", "move"):
            for source, content in zip(sources, contents, strict=True):
                store.write(source, content)

        winners, others = race_creators(
            creators, functools.partial(_create_nth, store, method, target, contents, sources)
        )
        assert not others, f"round {round_number}: unexpected outcomes {others[:3]!r}"
        assert len(winners) == 1, f"round {round_number}: {len(winners)} creators won"
        assert store.read_bytes(target) == contents[winners[0]]
        if method == "move":
            left = {str(info.path) for info in store.list_files(f"src/{round_number}")}
            assert left == set(sources) - {sources[winners[0]]}, "a losing move lost its source"
    figures.update(creators=creators, rounds=rounds)


def _create_nth(
    store: Store, method: str, target: str, contents: list[bytes], sources: list[str], index: int
) -> None:
    create(store, method, target, contents[index], source=sources[index])
