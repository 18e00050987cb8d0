"""A mixed, self-checking workload for one Store shared by many threads.

Each worker owns a folder (``t<N>/``) and knows exactly what must be in it, so a lost write shows
as a wrong or missing file; all workers also replace, create and read shared keys whose content
checks itself (``make_content``), so a torn write shows as content that does not parse.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import threading
from collections import Counter
from collections.abc import Callable

from remote_store import AlreadyExists, NotFound, Store

from ._support import make_content, parse_content

SHARED = [f"shared/k{index}" for index in range(8)]
ONCE = [f"once/k{index}" for index in range(64)]


@dataclasses.dataclass
class WorkloadReport:
    """What the workers did and what went wrong."""

    operations: Counter[str] = dataclasses.field(default_factory=Counter)
    problems: list[str] = dataclasses.field(default_factory=list)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    @property
    def total(self) -> int:
        """Operations run by all workers."""
        return sum(self.operations.values())


class Worker:
    """One thread's share of the workload: ``ops`` random operations, then a final check."""

    def __init__(
        self, store: Store, index: int, ops: int, report: WorkloadReport, *, size: int = 2048
    ) -> None:
        self.store = store
        self.index = index
        self.ops = ops
        self.report = report
        self.size = size
        self.rng = random.Random(index)
        self.expected: dict[str, bytes] = {}
        self.folder = f"t{index}"
        self.seq = 0

    def _content(self, tag: str) -> bytes:
        self.seq += 1
        return make_content(tag, self.index * 1_000_000 + self.seq, self.rng.randrange(self.size), self.rng)

    def _mine(self) -> str:
        return f"{self.folder}/{self.rng.choice('abcd')}/f{self.rng.randrange(12)}"

    def _problem(self, text: str) -> None:
        with self.report.lock:
            self.report.problems.append(f"worker {self.index}: {text}")

    def run(self) -> None:
        counts: Counter[str] = Counter()
        for _ in range(self.ops):
            name, action = self._choose()
            counts[name] += 1
            try:
                action()
            except Exception as error:  # noqa: BLE001 - every unexpected error is a finding
                self._problem(f"{name} raised {type(error).__name__}: {error}")
            if len(self.report.problems) > 50:
                break
        self.final_check()
        with self.report.lock:
            self.report.operations.update(counts)

    def _choose(self) -> tuple[str, Callable[[], None]]:
        choice = self.rng.random()
        table: list[tuple[float, str, Callable[[], None]]] = [
            (0.14, "write", self.write),
            (0.22, "write_atomic", self.write_atomic),
            (0.36, "read_bytes", self.read_mine),
            (0.41, "read_stream", self.read_stream),
            (0.50, "write_shared", self.write_shared),
            (0.60, "read_shared", self.read_shared),
            (0.64, "create_once", self.create_once),
            (0.70, "move", self.move),
            (0.75, "copy", self.copy),
            (0.80, "delete", self.delete),
            (0.86, "list_mine", self.list_mine),
            (0.90, "get_file_info", self.file_info),
            (0.95, "queries", self.queries),
            (1.01, "list_all", self.list_all),
        ]
        for limit, name, action in table:
            if choice < limit:
                return name, action
        raise AssertionError("unreachable")

    def write(self) -> None:
        path, content = self._mine(), self._content("w")
        self.store.write(path, content, overwrite=True)
        self.expected[path] = content

    def write_atomic(self) -> None:
        path, content = self._mine(), self._content("wa")
        self.store.write_atomic(path, content, overwrite=True)
        self.expected[path] = content

    def _existing(self) -> str | None:
        return self.rng.choice(sorted(self.expected)) if self.expected else None

    def read_mine(self) -> None:
        path = self._existing()
        if path is not None and self.store.read_bytes(path) != self.expected[path]:
            self._problem(f"{path} does not hold what this worker last wrote (a lost write)")

    def read_stream(self) -> None:
        path = self._existing()
        if path is None:
            return
        with self.store.read(path) as stream:
            data = b"".join(iter(lambda: stream.read(700), b""))
        if data != self.expected[path]:
            self._problem(f"{path} read as a stream differs from what was written")

    def write_shared(self) -> None:
        self.store.write(self.rng.choice(SHARED), self._content("s"), overwrite=True)

    def read_shared(self) -> None:
        try:
            data = self.store.read_bytes(self.rng.choice(SHARED))
        except NotFound:
            return  # not written yet
        if parse_content(data) is None:
            self._problem(f"a shared key holds torn content ({len(data)} bytes)")

    def create_once(self) -> None:
        with contextlib.suppress(AlreadyExists):
            self.store.write(self.rng.choice(ONCE), self._content("o"), overwrite=False)

    def move(self) -> None:
        source, target = self._existing(), self._mine()
        if source is None or source == target:
            return
        self.store.move(source, target, overwrite=True)
        self.expected[target] = self.expected.pop(source)

    def copy(self) -> None:
        source, target = self._existing(), self._mine()
        if source is None or source == target:
            return
        self.store.copy(source, target, overwrite=True)
        self.expected[target] = self.expected[source]

    def delete(self) -> None:
        path = self._existing()
        if path is not None:
            self.store.delete(path)
            del self.expected[path]

    def list_mine(self) -> None:
        listed = {str(info.path): info.size for info in self.store.list_files(self.folder, recursive=True)}
        wanted = {path: len(content) for path, content in self.expected.items()}
        if listed != wanted:
            self._problem(f"listing of {self.folder} differs: {sorted(set(listed) ^ set(wanted))[:5]}")

    def file_info(self) -> None:
        path = self._existing()
        if path is not None and self.store.get_file_info(path).size != len(self.expected[path]):
            self._problem(f"get_file_info({path!r}) reports a wrong size")

    def queries(self) -> None:
        path = self._existing()
        if path is not None and not (self.store.is_file(path) and self.store.exists(path)):
            self._problem(f"{path} is not a file, though written")
        if not self.store.is_folder(""):
            self._problem("the root is not a folder")

    def list_all(self) -> None:
        for info in self.store.list_files("", recursive=True):
            if not str(info.path).startswith(("shared/", "once/")):
                continue  # other workers' folders change under us; theirs are checked by them
            try:
                data = self.store.read_bytes(info.path)
            except NotFound:
                continue
            if parse_content(data) is None:
                self._problem(f"{info.path} holds torn content")

    def final_check(self) -> None:
        """Every file this worker wrote last is there, whole, and nothing else is in its folder."""
        listed = {str(info.path) for info in self.store.list_files(self.folder, recursive=True)}
        if listed != set(self.expected):
            self._problem(f"final listing differs: {sorted(listed ^ set(self.expected))[:5]}")
        for path, content in self.expected.items():
            if self.store.read_bytes(path) != content:
                self._problem(f"final content of {path} is not the last write (lost write)")


def run_workload(store: Store, threads: int, total_ops: int, *, size: int = 2048) -> WorkloadReport:
    """Run ``total_ops`` operations split over ``threads`` workers sharing ``store``."""
    report = WorkloadReport()
    workers = [Worker(store, index, total_ops // threads, report, size=size) for index in range(threads)]
    started = threading.Barrier(threads)

    def body(worker: Worker) -> None:
        started.wait()
        try:
            worker.run()
        except Exception as error:  # noqa: BLE001 - reported, not swallowed
            worker._problem(f"crashed: {type(error).__name__}: {error}")

    pool = [
        threading.Thread(target=body, args=(worker,), name=f"worker-{worker.index}") for worker in workers
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    # Shared keys: whatever survived must be whole.
    for path in [*SHARED, *ONCE]:
        try:
            data = store.read_bytes(path)
        except NotFound:
            continue
        if parse_content(data) is None:
            report.problems.append(f"final: {path} holds torn content")
    return report
