"""Self-checking workloads for a backend's reliability tests: content, threads, races, hostile calls.

- ``make_content``/``parse_content``: content that checks itself, so a torn, mixed or truncated
  write is seen on reading, whoever wrote it.
- ``run_workload``: a mixed workload of every ``Store`` operation over one ``Store`` shared by
  many threads; it reports lost writes, torn content and unexpected errors.
- ``race_creators``/``create``: many threads creating one path at once (exactly one should win).
- ``STORE_CALLS_AFTER_CLOSE``/``race_close``: calls after and during ``Store.close()``.
- ``OPERATIONS``/``run_operation``: one ``Store`` (or ``Backend``) operation by name on given
  paths, for property-based tests feeding hostile paths.
- ``OperationMix``/``FailingSource``: one operation at a time drawn from every ``Store`` call,
  successes and failures mixed, for resource-hygiene tests counting descriptors and threads.

Everything works through the public ``Store`` API (``run_operation`` also on a ``Backend``), so
any backend can run it. Import this module by its path (``remote_store_conformance.workload``);
the package's ``__init__`` does not re-export it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from remote_store import AlreadyExists, NotFound, Store, StoreClosed

from ._support import run_threads

__all__ = [
    "CREATE_METHODS",
    "ONCE_KEYS",
    "OPERATIONS",
    "SHARED_KEYS",
    "STORE_CALLS_AFTER_CLOSE",
    "CloseRace",
    "FailingSource",
    "OperationMix",
    "Worker",
    "WorkloadReport",
    "create",
    "make_content",
    "parse_content",
    "race_close",
    "race_creators",
    "run_operation",
    "run_workload",
]

# -- self-checking content ------------------------------------------------------------------------

_MAGIC = b"RSCK"
_HEADER = len(_MAGIC) + 64  # the magic, then the SHA-256 hex digest


def make_content(tag: str, seq: int, size: int, rng: random.Random) -> bytes:
    """``size`` random bytes from ``rng`` wrapped with a header naming ``tag``/``seq`` and a SHA-256.

    ``parse_content`` accepts exactly what this returns: any truncation, mix of two contents or
    corruption fails it. ``tag`` must not contain ``":"``.
    """
    header = f"{tag}:{seq}:{size}:".encode()
    payload = rng.randbytes(size)
    digest = hashlib.sha256(header + payload).hexdigest().encode()
    return _MAGIC + digest + header + payload


def parse_content(data: bytes) -> tuple[str, int] | None:
    """``(tag, seq)`` of content made by ``make_content``, or ``None`` if ``data`` is not whole."""
    if not data.startswith(_MAGIC) or len(data) < _HEADER:
        return None
    digest, rest = data[len(_MAGIC) : _HEADER], data[_HEADER:]
    parts = rest.split(b":", 3)
    if len(parts) != 4:
        return None
    tag, seq, size, payload = parts
    try:
        expected, number = int(size), int(seq)
    except ValueError:
        return None
    header = b":".join((tag, seq, size)) + b":"
    if len(payload) != expected or hashlib.sha256(header + payload).hexdigest().encode() != digest:
        return None
    return tag.decode(), number


# -- a mixed workload over one shared Store -------------------------------------------------------

SHARED_KEYS = tuple(f"shared/k{index}" for index in range(8))
"""Keys every worker replaces and reads: whatever they hold must be whole content."""

ONCE_KEYS = tuple(f"once/k{index}" for index in range(64))
"""Keys every worker tries to create (``overwrite=False``): the losers get ``AlreadyExists``."""


@dataclasses.dataclass
class WorkloadReport:
    """What the workers of ``run_workload`` did and what went wrong.

    Attributes:
        operations: how many times each operation ran, by name (``write``, ``move``, ...).
        problems: one line per finding: a lost write, torn content, a wrong listing or size, an
            unexpected error. Empty when the run is clean.
        lock: guards both while workers run.
    """

    operations: Counter[str] = dataclasses.field(default_factory=Counter)
    problems: list[str] = dataclasses.field(default_factory=list)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    @property
    def total(self) -> int:
        """Operations run by all workers."""
        return sum(self.operations.values())

    def add_problem(self, text: str) -> None:
        """Record a finding (thread-safe)."""
        with self.lock:
            self.problems.append(text)


class Worker:
    """One thread's share of the workload: ``ops`` random operations, then a final check.

    The worker owns the folder ``t<index>/`` and remembers what it last wrote to each of its files,
    so a lost write shows as a wrong or missing file; it also writes, creates and reads the
    ``SHARED_KEYS`` and ``ONCE_KEYS``, whose content checks itself. Its choices come from
    ``random.Random(index)``, so a run can be repeated.

    Args:
        store: the ``Store`` shared by all workers; needs every capability but ``ATOMIC_MOVE``.
        index: the worker's number (its folder and its random seed).
        ops: how many operations ``run`` performs.
        report: where operations and problems are recorded.
        size: the largest payload, in bytes, of the content it writes.
    """

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

    def problem(self, text: str) -> None:
        """Record a finding of this worker in the report."""
        self.report.add_problem(f"worker {self.index}: {text}")

    def run(self) -> None:
        """Perform the operations, recording every exception as a problem, then ``final_check``.

        Stops early once the report holds more than 50 problems.
        """
        counts: Counter[str] = Counter()
        for _ in range(self.ops):
            name, action = self._choose()
            counts[name] += 1
            try:
                action()
            except Exception as error:  # noqa: BLE001 - every unexpected error is a finding
                self.problem(f"{name} raised {type(error).__name__}: {error}")
            if len(self.report.problems) > 50:
                break
        self.final_check()
        with self.report.lock:
            self.report.operations.update(counts)

    def final_check(self) -> None:
        """Every file this worker wrote last is there, whole, and nothing else is in its folder."""
        listed = {str(info.path) for info in self.store.list_files(self.folder, recursive=True)}
        if listed != set(self.expected):
            self.problem(f"final listing differs: {sorted(listed ^ set(self.expected))[:5]}")
        for path, content in self.expected.items():
            if self.store.read_bytes(path) != content:
                self.problem(f"final content of {path} is not the last write (lost write)")

    def _content(self, tag: str) -> bytes:
        self.seq += 1
        return make_content(tag, self.index * 1_000_000 + self.seq, self.rng.randrange(self.size), self.rng)

    def _mine(self) -> str:
        return f"{self.folder}/{self.rng.choice('abcd')}/f{self.rng.randrange(12)}"

    def _existing(self) -> str | None:
        return self.rng.choice(sorted(self.expected)) if self.expected else None

    def _choose(self) -> tuple[str, Callable[[], None]]:
        choice = self.rng.random()
        table: list[tuple[float, str, Callable[[], None]]] = [
            (0.14, "write", self._write),
            (0.22, "write_atomic", self._write_atomic),
            (0.36, "read_bytes", self._read_mine),
            (0.41, "read_stream", self._read_stream),
            (0.50, "write_shared", self._write_shared),
            (0.60, "read_shared", self._read_shared),
            (0.64, "create_once", self._create_once),
            (0.70, "move", self._move),
            (0.75, "copy", self._copy),
            (0.80, "delete", self._delete),
            (0.86, "list_mine", self._list_mine),
            (0.90, "get_file_info", self._file_info),
            (0.95, "queries", self._queries),
            (1.01, "list_all", self._list_all),
        ]
        for limit, name, action in table:
            if choice < limit:
                return name, action
        raise AssertionError("unreachable")

    def _write(self) -> None:
        path, content = self._mine(), self._content("w")
        self.store.write(path, content, overwrite=True)
        self.expected[path] = content

    def _write_atomic(self) -> None:
        path, content = self._mine(), self._content("wa")
        self.store.write_atomic(path, content, overwrite=True)
        self.expected[path] = content

    def _read_mine(self) -> None:
        path = self._existing()
        if path is not None and self.store.read_bytes(path) != self.expected[path]:
            self.problem(f"{path} does not hold what this worker last wrote (a lost write)")

    def _read_stream(self) -> None:
        path = self._existing()
        if path is None:
            return
        with self.store.read(path) as stream:
            data = b"".join(iter(lambda: stream.read(700), b""))
        if data != self.expected[path]:
            self.problem(f"{path} read as a stream differs from what was written")

    def _write_shared(self) -> None:
        self.store.write(self.rng.choice(SHARED_KEYS), self._content("s"), overwrite=True)

    def _read_shared(self) -> None:
        try:
            data = self.store.read_bytes(self.rng.choice(SHARED_KEYS))
        except NotFound:
            return  # not written yet
        if parse_content(data) is None:
            self.problem(f"a shared key holds torn content ({len(data)} bytes)")

    def _create_once(self) -> None:
        with contextlib.suppress(AlreadyExists):
            self.store.write(self.rng.choice(ONCE_KEYS), self._content("o"), overwrite=False)

    def _move(self) -> None:
        source, target = self._existing(), self._mine()
        if source is None or source == target:
            return
        self.store.move(source, target, overwrite=True)
        self.expected[target] = self.expected.pop(source)

    def _copy(self) -> None:
        source, target = self._existing(), self._mine()
        if source is None or source == target:
            return
        self.store.copy(source, target, overwrite=True)
        self.expected[target] = self.expected[source]

    def _delete(self) -> None:
        path = self._existing()
        if path is not None:
            self.store.delete(path)
            del self.expected[path]

    def _list_mine(self) -> None:
        listed = {str(info.path): info.size for info in self.store.list_files(self.folder, recursive=True)}
        wanted = {path: len(content) for path, content in self.expected.items()}
        if listed != wanted:
            self.problem(f"listing of {self.folder} differs: {sorted(set(listed) ^ set(wanted))[:5]}")

    def _file_info(self) -> None:
        path = self._existing()
        if path is not None and self.store.get_file_info(path).size != len(self.expected[path]):
            self.problem(f"get_file_info({path!r}) reports a wrong size")

    def _queries(self) -> None:
        path = self._existing()
        if path is not None and not (self.store.is_file(path) and self.store.exists(path)):
            self.problem(f"{path} is not a file, though written")
        if not self.store.is_folder(""):
            self.problem("the root is not a folder")

    def _list_all(self) -> None:
        for info in self.store.list_files("", recursive=True):
            if not str(info.path).startswith(("shared/", "once/")):
                continue  # other workers' folders change under us; theirs are checked by them
            try:
                data = self.store.read_bytes(info.path)
            except NotFound:
                continue
            if parse_content(data) is None:
                self.problem(f"{info.path} holds torn content")


def run_workload(store: Store, threads: int, total_ops: int, *, size: int = 2048) -> WorkloadReport:
    """Run ``total_ops`` operations split over ``threads`` workers sharing ``store``; report them.

    The store should start empty (a worker's folder must hold only what it wrote). The workers
    start together (a barrier); after they finish, every shared key that exists must be whole.
    The run is clean when ``report.problems`` is empty and ``report.total == total_ops`` (for a
    ``total_ops`` divisible by ``threads``). Nothing raises: a worker that crashes is a problem.
    """
    report = WorkloadReport()
    workers = [Worker(store, index, total_ops // threads, report, size=size) for index in range(threads)]
    started = threading.Barrier(threads)

    def body(worker: Worker) -> None:
        started.wait()
        try:
            worker.run()
        except Exception as error:  # noqa: BLE001 - reported, not swallowed
            worker.problem(f"crashed: {type(error).__name__}: {error}")

    pool = [
        threading.Thread(target=body, args=(worker,), name=f"worker-{worker.index}") for worker in workers
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    for path in [*SHARED_KEYS, *ONCE_KEYS]:
        try:
            data = store.read_bytes(path)
        except NotFound:
            continue
        if parse_content(data) is None:
            report.problems.append(f"final: {path} holds torn content")
    return report


# -- mixed single operations, for resource counts ------------------------------------------------


class FailingSource:
    """A readable binary source giving ``size`` bytes, in reads of at most ``chunk``, then raising.

    ``read`` raises ``RuntimeError("source broke")`` once the bytes are given; a write reading it
    fails after the backend has started its transfer (past a multi-request threshold when
    ``size`` is beyond it).
    """

    def __init__(self, size: int, chunk: int = 64 * 1024) -> None:
        self.left = size
        self.chunk = chunk

    def read(self, size: int = -1) -> bytes:
        """Give up to ``size`` bytes (``-1``: one chunk) until ``size`` are given, then raise."""
        if self.left <= 0:
            raise RuntimeError("source broke")
        count = min(self.left, size if size > 0 else self.left, self.chunk)
        self.left -= count
        return b"s" * count


Extra = Callable[[Store, str, random.Random], object]


@dataclasses.dataclass(frozen=True)
class OperationMix:
    """Every ``Store`` call, one at a time, successes and failures mixed, over a small path space.

    A resource-hygiene test runs ``mix.run(store, rng, number)`` thousands of times, catching
    ``RemoteStoreError`` and ``RuntimeError`` (a ``FailingSource``), and counts descriptors,
    sockets and threads meanwhile. Paths are ``d<folder>/f<file>``. What the draw covers: small
    writes, a streamed ``large`` write (choose it past the backend's multi-request threshold),
    a create that may find the file there, a write whose source fails after ``failing`` bytes
    (``None``: none), whole, partial and abandoned reads, abandoned and whole listings, move,
    copy, delete, file and folder info, folder deletes, existence checks, then ``extra``: further
    calls ``extra(store, path, rng)`` a backend's test adds (a read through an escaping link...).

    ``large_every``: the large and failing writes run only on every ``large_every``-th operation
    number (they are slow against some servers); otherwise that draw reads the file instead.
    """

    folders: int = 4
    files: int = 10
    large: int = 200 * 1024
    failing: int | None = 150 * 1024
    large_every: int = 1
    extra: tuple[Extra, ...] = ()

    def run(self, store: Store, rng: random.Random, number: int) -> None:
        """Run one operation drawn with ``rng``; ``number`` counts the operations run so far.

        Raises:
            RemoteStoreError: whatever the drawn call raises (``NotFound``, ``AlreadyExists``...).
            RuntimeError: a ``FailingSource`` broke, if the backend lets it through.
        """
        path = f"d{rng.randrange(self.folders)}/f{rng.randrange(self.files)}"
        other = f"d{rng.randrange(self.folders)}/{{}}{number % 7}"
        slow_allowed = number % self.large_every == self.large_every // 2
        choice = rng.randrange(15 + len(self.extra))
        if choice == 0:
            store.write(path, os.urandom(rng.randrange(1, 5000)), overwrite=True)
        elif choice == 1 and slow_allowed:
            store.write(path, io.BytesIO(b"m" * self.large), overwrite=True)
        elif choice == 2:
            store.write(path, b"again")  # AlreadyExists when it is there
        elif choice == 3 and slow_allowed and self.failing is not None:
            store.write(path, FailingSource(self.failing), overwrite=True)  # nothing may be left
        elif choice in (1, 3, 4):
            store.read_bytes(path)
        elif choice == 5:
            with store.read(path) as stream:
                stream.read(10)  # closed before the end: the connection must not leak
        elif choice == 6:
            iterator = store.list_files("", recursive=True)
            next(iterator, None)
            del iterator  # abandoned after one entry
        elif choice == 7:
            list(store.list_folders(""))
        elif choice == 8:
            store.move(path, other.format("m"), overwrite=rng.random() < 0.5)
        elif choice == 9:
            store.copy(path, other.format("c"), overwrite=rng.random() < 0.5)
        elif choice == 10:
            store.delete(path, missing_ok=rng.random() < 0.5)
        elif choice == 11:
            store.get_file_info(path)
        elif choice == 12:
            store.get_folder_info(path.split("/")[0])
        elif choice == 13:
            store.delete_folder(path.split("/")[0], recursive=rng.random() < 0.2)
        elif choice == 14:
            store.exists(path)
            store.is_file(path)
            store.is_folder(path)
        else:
            self.extra[choice - 15](store, path, rng)


# -- racing creators ------------------------------------------------------------------------------

CREATE_METHODS = ("write", "write_stream", "write_atomic", "copy", "move")
"""The ways ``create`` can create a file without overwriting."""


def create(store: Store, method: str, target: str, content: bytes, *, source: str | None = None) -> None:
    """Create ``target`` with ``overwrite=False`` by one of the ``CREATE_METHODS``.

    ``write`` writes bytes, ``write_stream`` a stream, ``write_atomic`` bytes atomically; ``copy``
    and ``move`` take the file ``source`` (which should hold ``content``).

    Raises:
        AlreadyExists: ``target`` exists (the expected loss of a race).
        ValueError: an unknown ``method``, or ``copy``/``move`` without ``source``.
        RemoteStoreError: any other failure of the store.
    """
    if method == "write":
        store.write(target, content)
    elif method == "write_stream":
        store.write(target, io.BytesIO(content))
    elif method == "write_atomic":
        store.write_atomic(target, content)
    elif method in ("copy", "move"):
        if source is None:
            raise ValueError(f"{method} needs a source")
        if method == "copy":
            store.copy(source, target)
        else:
            store.move(source, target)
    else:
        raise ValueError(f"unknown create method {method!r}; choose from {', '.join(CREATE_METHODS)}")


def race_creators(creators: int, attempt: Callable[[int], None]) -> tuple[list[int], list[BaseException]]:
    """Run ``attempt(0)`` ... ``attempt(creators - 1)`` at once, each in a thread of its own.

    The threads start together (``run_threads``). Returns the indexes of the attempts that returned
    (the winners) and the exceptions other than ``AlreadyExists`` raised by the others. For a
    race-free create: exactly one winner, no other exception.
    """
    results = run_threads(creators, attempt)
    failures = [result for result in results if isinstance(result, BaseException)]
    winners = [index for index, result in enumerate(results) if not isinstance(result, BaseException)]
    return winners, [error for error in failures if not isinstance(error, AlreadyExists)]


# -- close ----------------------------------------------------------------------------------------

STORE_CALLS_AFTER_CLOSE: Mapping[str, Callable[[Store], object]] = {
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
"""One call of every ``Store`` operation, by name, on a store holding the files ``f`` and
``d/inner``. On an open store each would succeed (or change those files); after ``close()`` each
must raise ``StoreClosed`` and change nothing."""


@dataclasses.dataclass
class CloseRace:
    """The outcome of one ``race_close``.

    Attributes:
        closed: threads that stopped on ``StoreClosed`` (all of them, when close() reached each).
        done: rounds of calls the threads completed before that.
        errors: anything else the threads raised; an ``AssertionError`` for a thread that finished
            all its rounds without meeting ``StoreClosed`` (close() came too late).
    """

    closed: int = 0
    done: int = 0
    errors: list[BaseException] = dataclasses.field(default_factory=list)


def race_close(
    store: Store, *, delay: float, threads: int = 4, iterations: int = 1_000, stream_reads: bool = False
) -> CloseRace:
    """Close ``store`` while ``threads`` threads call it in a loop; return what the threads met.

    Each thread runs up to ``iterations`` rounds of: replace one of ``w0``..``w4``, read ``f``
    (whole, or through ``read()`` with ``stream_reads``), list the root. The store must hold ``f``.
    ``close()`` comes ``delay`` seconds after the threads start together. Every call must either
    finish or raise ``StoreClosed``: ``errors`` should be empty (a backend whose in-flight calls
    can fail otherwise when closed filters them itself).
    """
    outcome = CloseRace()
    lock = threading.Lock()
    started = threading.Barrier(threads + 1)

    def hammer() -> None:
        started.wait()
        for number in range(iterations):
            try:
                store.write(f"w{number % 5}", b"x", overwrite=True)
                if stream_reads:
                    with store.read("f") as stream:
                        stream.read()
                else:
                    store.read_bytes("f")
                list(store.list_files(""))
            except StoreClosed:
                with lock:
                    outcome.closed += 1
                return
            except Exception as error:  # noqa: BLE001 - collected and returned to the caller
                with lock:
                    outcome.errors.append(error)
                return
            with lock:
                outcome.done += 1
        with lock:
            outcome.errors.append(AssertionError("close() never reached this thread"))

    pool = [threading.Thread(target=hammer, name=f"close-race-{index}") for index in range(threads)]
    for thread in pool:
        thread.start()
    started.wait()
    time.sleep(delay)
    store.close()
    for thread in pool:
        thread.join()
    return outcome


# -- one operation by name ------------------------------------------------------------------------

OPERATIONS = (
    "write",
    "write_atomic",
    "write_stream",
    "read",
    "read_bytes",
    "exists",
    "is_file",
    "is_folder",
    "delete",
    "delete_folder",
    "move",
    "copy",
    "list_files",
    "list_folders",
    "get_file_info",
    "get_folder_info",
)
"""The operations ``run_operation`` knows: every operation of ``Store`` and ``Backend``."""


def run_operation(target: Any, operation: str, first: Any, second: Any, flag: bool) -> Any:
    """Run one operation on a ``Store`` or a ``Backend``; return what it returned, consumed.

    ``first`` is the path (the source of ``move``/``copy``), ``second`` the target of
    ``move``/``copy``; ``flag`` sets ``overwrite`` (writes, move, copy), ``missing_ok`` (delete),
    ``recursive`` (``delete_folder``, whose ``missing_ok`` is its opposite; ``list_files``). Writes
    write ``b"data"`` (``write_stream``: 800 bytes from a stream). A read returns the bytes read,
    a listing a list.

    Raises:
        RemoteStoreError: whatever the operation raises (the only errors it may raise).
        AssertionError: an unknown ``operation``.
    """
    if operation == "write":
        return target.write(first, b"data", overwrite=flag)
    if operation == "write_atomic":
        return target.write_atomic(first, b"data", overwrite=flag)
    if operation == "write_stream":
        return target.write(first, io.BytesIO(b"streamed" * 100), overwrite=flag)
    if operation == "read":
        with target.read(first) as stream:
            return stream.read()
    if operation in ("read_bytes", "exists", "is_file", "is_folder", "get_file_info", "get_folder_info"):
        return getattr(target, operation)(first)
    if operation == "delete":
        return target.delete(first, missing_ok=flag)
    if operation == "delete_folder":
        return target.delete_folder(first, recursive=flag, missing_ok=not flag)
    if operation in ("move", "copy"):
        return getattr(target, operation)(first, second, overwrite=flag)
    if operation == "list_files":
        return list(target.list_files(first, recursive=flag))
    if operation == "list_folders":
        return list(target.list_folders(first))
    raise AssertionError(f"unknown operation {operation!r}")
