"""Concurrency: one Store shared by threads, racing creators, and calls racing close().

CI: 10,000 mixed operations over 8 threads and 20 races of 20 creators per operation;
``REMOTE_STORE_SOAK=1``: 200,000 operations and 200 races. The workload, the races and the calls
are ``remote_store_conformance.workload``'s, shared with the other backends.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from remote_store import Store, StoreClosed
from remote_store.backends.local import LocalBackend
from remote_store_conformance.reliability import budget
from remote_store_conformance.workload import (
    CREATE_METHODS,
    STORE_CALLS_AFTER_CLOSE,
    create,
    make_content,
    race_close,
    race_creators,
    run_workload,
)


@pytest.mark.spec("GUAR-009")
def test_shared_store_loses_and_tears_nothing(fast_tmp: Path, figures: dict[str, Any]) -> None:
    store = Store(LocalBackend(root=fast_tmp / "root"))
    total = budget(10_000, 200_000, "REMOTE_STORE_CONCURRENCY_OPS")
    report = run_workload(store, threads=8, total_ops=total)
    figures.update(threads=8, operations=report.total, by_operation=dict(sorted(report.operations.items())))
    assert not report.problems, "\n".join(report.problems[:20])
    assert report.total == total


@pytest.mark.spec("GUAR-010")
@pytest.mark.parametrize("method", CREATE_METHODS)
def test_twenty_creators_exactly_one_wins(fast_tmp: Path, method: str, figures: dict[str, Any]) -> None:
    store = Store(LocalBackend(root=fast_tmp / "root"))
    creators = 20
    rounds = budget(20, 200)
    for round_number in range(rounds):
        folder = f"race/{round_number}"
        target = f"{folder}/target"
        contents = [
            make_content(f"creator{index}", round_number, 50_000 + index, random.Random(index))
            for index in range(creators)
        ]
        if method in ("copy", "move"):
            for index in range(creators):
                store.write(f"{folder}/source{index}", contents[index])
        winners, others = race_creators(
            creators, functools.partial(_create_nth, store, method, folder, contents)
        )
        assert not others, f"round {round_number}: unexpected outcomes {others[:3]!r}"
        assert len(winners) == 1, f"round {round_number}: {len(winners)} creators won"
        assert store.read_bytes(target) == contents[winners[0]], "the file is not the winner's whole content"
        if method == "move":
            # Losers' sources stay where they were; the winner's is gone.
            for index in range(creators):
                assert store.is_file(f"{folder}/source{index}") == (index != winners[0])
    figures.update(creators=creators, rounds=rounds)


def _create_nth(store: Store, method: str, folder: str, contents: list[bytes], index: int) -> None:
    create(store, method, f"{folder}/target", contents[index], source=f"{folder}/source{index}")


@pytest.mark.spec("GUAR-011")
@pytest.mark.parametrize("call", sorted(STORE_CALLS_AFTER_CLOSE))
def test_every_call_after_close_raises_store_closed(tmp_path: Path, call: str) -> None:
    root = tmp_path / "root"
    store = Store(LocalBackend(root=root))
    store.write("f", b"content")
    store.write("d/inner", b"content")
    store.close()
    with pytest.raises(StoreClosed):
        STORE_CALLS_AFTER_CLOSE[call](store)
    # Nothing on disk changed.
    assert (root / "f").read_bytes() == b"content" and (root / "d" / "inner").exists()


@pytest.mark.spec("GUAR-011")
def test_calls_racing_close_finish_or_raise_store_closed(fast_tmp: Path, figures: dict[str, Any]) -> None:
    rounds = budget(30, 300)
    outcomes: Counter[str] = Counter()
    for round_number in range(rounds):
        store = Store(LocalBackend(root=fast_tmp / f"root{round_number}"))
        store.write("f", b"content")
        race = race_close(store, delay=0.001 + 0.01 * (round_number % 5), iterations=10_000)
        assert not race.errors, f"a call racing close() failed otherwise: {race.errors[0]!r}"
        outcomes.update(closed=race.closed, done=race.done)
    figures.update(rounds=rounds, **outcomes)
    assert outcomes["closed"] == 4 * rounds and outcomes["done"] > 0
