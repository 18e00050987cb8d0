"""The shared harness can fail: the workload sees a lost and a torn write, self-checking content
refuses what is not whole, and a call that outlives close() is reported.

The reliability tests of every backend rest on ``remote_store_conformance.workload``; these show,
on a deliberately broken backend, that its checks would catch what they are meant to catch.
"""

from __future__ import annotations

import random
import threading

import pytest

from remote_store import Store, WriteContent
from remote_store.backend_tools import iter_chunks
from remote_store.backends.memory import MemoryBackend
from remote_store_conformance.workload import make_content, parse_content, race_close, run_workload


class LossyBackend(MemoryBackend):
    """Loses (``tear=False``) or tears (keeps the first half of, ``tear=True``) every 40th write."""

    def __init__(self, *, tear: bool) -> None:
        super().__init__()
        self.tear = tear
        self.writes = 0
        self.counter_lock = threading.Lock()

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        with self.counter_lock:
            self.writes += 1
            broken = self.writes % 40 == 0
        data = b"".join(iter_chunks(content, path=path))
        if broken and not self.tear:
            return
        super().write(path, data[: len(data) // 2] if broken else data, overwrite=overwrite)


@pytest.mark.parametrize("tear", [False, True], ids=["lost", "torn"])
def test_the_workload_sees_lost_and_torn_writes(tear: bool) -> None:
    report = run_workload(Store(LossyBackend(tear=tear)), threads=4, total_ops=2_000)
    assert report.problems, "a backend breaking one write in 40 went unnoticed"


def test_self_checking_content_refuses_what_is_not_whole() -> None:
    first = make_content("a", 1, 5_000, random.Random(1))
    second = make_content("a", 2, 5_000, random.Random(2))
    assert parse_content(first) == ("a", 1)
    for broken in (first[:-1], first + b"x", first[:2_500] + second[2_500:], first.replace(b"a:1:", b"a:2:")):
        assert parse_content(broken) is None


def test_a_race_with_close_that_close_never_reaches_is_reported() -> None:
    # No delay long enough to stop 10 quick rounds: every thread finishes before close().
    store = Store(MemoryBackend())
    store.write("f", b"content")
    race = race_close(store, delay=0.5, threads=2, iterations=10)
    assert race.closed == 0 and race.done == 20
    assert len(race.errors) == 2 and all(isinstance(error, AssertionError) for error in race.errors)
