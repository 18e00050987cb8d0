"""Concurrency: one Store shared by threads, racing creators, and calls racing close().

CI: 10,000 mixed operations over 8 threads and 20 races of 20 creators per operation;
``REMOTE_STORE_SOAK=1``: 200,000 operations and 200 races.
"""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from remote_store import AlreadyExists, RemoteStoreError, Store, StoreClosed
from remote_store.backends.local import LocalBackend

from ._support import budget, make_content
from ._workload import run_workload


@pytest.mark.spec("GUAR-009")
def test_shared_store_loses_and_tears_nothing(fast_tmp: Path, figures: dict[str, Any]) -> None:
    store = Store(LocalBackend(root=fast_tmp / "root"))
    total = budget(10_000, 200_000, "REMOTE_STORE_CONCURRENCY_OPS")
    report = run_workload(store, threads=8, total_ops=total)
    figures.update(threads=8, operations=report.total, by_operation=dict(sorted(report.operations.items())))
    assert not report.problems, "\n".join(report.problems[:20])
    assert report.total == total


CREATE_METHODS = ["write", "write_stream", "write_atomic", "copy", "move"]


@pytest.mark.spec("GUAR-010")
@pytest.mark.parametrize("method", CREATE_METHODS)
def test_twenty_creators_exactly_one_wins(fast_tmp: Path, method: str, figures: dict[str, Any]) -> None:
    store = Store(LocalBackend(root=fast_tmp / "root"))
    creators = 20
    rounds = budget(20, 200)
    for round_number in range(rounds):
        target = f"race/{round_number}/target"
        contents = [
            make_content(f"creator{index}", round_number, 50_000 + index, _rng(index))
            for index in range(creators)
        ]
        if method in ("copy", "move"):
            for index in range(creators):
                store.write(f"race/{round_number}/source{index}", contents[index])
        barrier = threading.Barrier(creators)
        results: list[object] = [None] * creators

        def create(
            index: int,
            target: str = target,
            contents: list[bytes] = contents,
            barrier: threading.Barrier = barrier,
            results: list[object] = results,
        ) -> None:
            barrier.wait()
            try:
                _create(store, method, target, index, contents[index])
                results[index] = "won"
            except BaseException as error:  # noqa: BLE001 - collected and checked below
                results[index] = error

        threads = [threading.Thread(target=create, args=(index,)) for index in range(creators)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [index for index, result in enumerate(results) if result == "won"]
        others = [result for result in results if result != "won" and not isinstance(result, AlreadyExists)]
        assert not others, f"round {round_number}: unexpected outcomes {others[:3]!r}"
        assert len(winners) == 1, f"round {round_number}: {len(winners)} creators won"
        assert store.read_bytes(target) == contents[winners[0]], "the file is not the winner's whole content"
        if method == "move":
            # Losers' sources stay where they were; the winner's is gone.
            for index in range(creators):
                assert store.is_file(f"race/{round_number}/source{index}") == (index != winners[0])
    figures.update(creators=creators, rounds=rounds)


def _rng(seed: int) -> Any:
    import random

    return random.Random(seed)


def _create(store: Store, method: str, target: str, index: int, content: bytes) -> None:
    source = f"{target.rsplit('/', 1)[0]}/source{index}"
    if method == "write":
        store.write(target, content)
    elif method == "write_stream":
        store.write(target, io.BytesIO(content))
    elif method == "write_atomic":
        store.write_atomic(target, content)
    elif method == "copy":
        store.copy(source, target)
    elif method == "move":
        store.move(source, target)


STORE_CALLS: dict[str, Callable[[Store], object]] = {
    "write": lambda store: store.write("f", b"x", overwrite=True),
    "write_atomic": lambda store: store.write_atomic("f", b"x", overwrite=True),
    "read": lambda store: store.read("f"),
    "read_bytes": lambda store: store.read_bytes("f"),
    "exists": lambda store: store.exists("f"),
    "exists_root": lambda store: store.exists(""),
    "is_file": lambda store: store.is_file("f"),
    "is_folder": lambda store: store.is_folder("d"),
    "is_folder_root": lambda store: store.is_folder(""),
    "delete": lambda store: store.delete("f"),
    "delete_folder": lambda store: store.delete_folder("d", recursive=True),
    "move": lambda store: store.move("f", "g"),
    "copy": lambda store: store.copy("f", "g"),
    "list_files": lambda store: store.list_files(""),
    "list_folders": lambda store: store.list_folders(""),
    "get_file_info": lambda store: store.get_file_info("f"),
    "get_folder_info": lambda store: store.get_folder_info(""),
}


@pytest.mark.spec("GUAR-011")
@pytest.mark.parametrize("call", sorted(STORE_CALLS))
def test_every_call_after_close_raises_store_closed(tmp_path: Path, call: str) -> None:
    root = tmp_path / "root"
    store = Store(LocalBackend(root=root))
    store.write("f", b"content")
    store.write("d/inner", b"content")
    store.close()
    with pytest.raises(StoreClosed):
        STORE_CALLS[call](store)
    # Nothing on disk changed.
    assert (root / "f").read_bytes() == b"content" and (root / "d" / "inner").exists()


@pytest.mark.spec("GUAR-011")
def test_calls_racing_close_finish_or_raise_store_closed(fast_tmp: Path, figures: dict[str, Any]) -> None:
    rounds = budget(30, 300)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    for round_number in range(rounds):
        store = Store(LocalBackend(root=fast_tmp / f"root{round_number}"))
        store.write("f", b"content")
        errors: list[BaseException] = []
        started = threading.Barrier(5)

        def hammer(
            store: Store = store, errors: list[BaseException] = errors, started: threading.Barrier = started
        ) -> None:
            started.wait()
            for number in range(10_000):
                try:
                    store.write(f"w{number % 5}", b"x", overwrite=True)
                    store.read_bytes("f")
                    list(store.list_files(""))
                except StoreClosed:
                    with lock:
                        outcomes["closed"] += 1
                    return
                except RemoteStoreError as error:
                    errors.append(error)
                    return
                with lock:
                    outcomes["done"] += 1
            errors.append(AssertionError("close() never reached this thread"))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        started.wait()
        time.sleep(0.001 + 0.01 * (round_number % 5))
        store.close()
        for thread in threads:
            thread.join()
        assert not errors, f"a call racing close() failed otherwise: {errors[0]!r}"
    figures.update(rounds=rounds, **outcomes)
    assert outcomes["closed"] == 4 * rounds and outcomes["done"] > 0
