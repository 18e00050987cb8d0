"""Atomic writes and overwrite semantics.

Run it with ``python examples/atomic_writes.py`` (needs remote-store-core and remote-store-local).
It shows, on a local folder:

1. ``overwrite=False`` (the default) never replaces a file: ``AlreadyExists``, content unchanged;
2. of concurrent creators of one path exactly one wins (a race-free create, usable as a claim);
3. ``write_atomic(..., overwrite=True)`` replaces a file while readers keep reading it, and no
   reader ever sees a mixture, a truncated file or no file;
4. a write whose content stream fails leaves the old file and no temporary file;
5. an atomic ``move`` publishes a file prepared elsewhere.

Exits with a non-zero status if anything behaves unexpectedly.
"""

from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from remote_store import AlreadyExists, Capability, NotFound, Store
from remote_store.backends.local import LocalBackend

VERSIONS = [bytes([65 + n]) * (512 * 1024) for n in range(2)]
"""Two 512 KiB contents, all b"A" and all b"B": any mixture or truncation is visible."""


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        raise SystemExit(f"unexpected: {what}")


def overwrite_semantics(store: Store) -> None:
    """``overwrite`` decides whether an existing file may be replaced."""
    store.write("settings.json", b'{"theme": "light"}')
    try:
        store.write("settings.json", b'{"theme": "dark"}')
        raise SystemExit("unexpected: a second write without overwrite succeeded")
    except AlreadyExists as error:
        print(f"1. second write without overwrite: {type(error).__name__}: {error}")
    check(store.read_bytes("settings.json") == b'{"theme": "light"}', "the file kept its content")
    store.write("settings.json", b'{"theme": "dark"}', overwrite=True)
    check(store.read_bytes("settings.json") == b'{"theme": "dark"}', "overwrite=True replaced it")
    print("   with overwrite=True the whole content is replaced")


def race_free_create(store: Store, workers: int = 16) -> None:
    """Many threads create the same new file at once: exactly one succeeds."""
    barrier = threading.Barrier(workers)

    def claim(worker: int) -> bool:
        barrier.wait()  # start together, to make the race real
        try:
            store.write("jobs/42.lock", f"worker {worker}".encode())
        except AlreadyExists:
            return False
        return True

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(claim, range(workers)))
    winner = results.index(True) if True in results else -1
    print(f"2. {workers} threads created jobs/42.lock at once: {sum(results)} succeeded (worker {winner})")
    check(sum(results) == 1, "exactly one creator wins")
    check(store.read_bytes("jobs/42.lock") == f"worker {winner}".encode(), "the file is the winner's")


def readers_never_see_a_part(store: Store, seconds: float = 0.5) -> None:
    """Replace a file over and over with write_atomic while threads read it."""
    check(store.supports(Capability.ATOMIC_WRITE), "the local backend declares ATOMIC_WRITE")
    store.write_atomic("live/data.bin", VERSIONS[0])
    stop = threading.Event()
    seen: list[str] = []
    reads = [0]
    lock = threading.Lock()

    def reader() -> None:
        while not stop.is_set():
            try:
                data = store.read_bytes("live/data.bin")
            except NotFound:
                with lock:
                    seen.append("missing")
                continue
            with lock:
                reads[0] += 1
                if data not in VERSIONS:
                    seen.append(f"{len(data)} bytes, neither version")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    replacements = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        store.write_atomic("live/data.bin", VERSIONS[replacements % 2], overwrite=True)
        replacements += 1
    stop.set()
    for thread in threads:
        thread.join()
    print(f"3. {replacements} atomic replacements under {reads[0]} concurrent reads: {len(seen)} bad reads")
    check(not seen, f"every read saw one whole version ({seen[:3]})")
    check(reads[0] > 0 and replacements > 1, "readers and the writer both ran")


class BrokenSource:
    """A content stream that fails after its first chunk, like a dropped upload."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        """Hand out one chunk, then fail."""
        self.reads += 1
        if self.reads > 1:
            raise RuntimeError("the producer crashed")
        return b'{"theme": "bro'


def failed_write_changes_nothing(store: Store) -> None:
    """A write whose content fails part-way leaves the old file and nothing else."""
    before = sorted(str(info.path) for info in store.list_files("", recursive=True))
    for method in (store.write, store.write_atomic):
        try:
            method("settings.json", BrokenSource(), overwrite=True)
            raise SystemExit(f"unexpected: {method.__name__} of a failing stream succeeded")
        except RuntimeError as error:
            print(f"4. {method.__name__} with a failing stream raised: {error}")
    after = sorted(str(info.path) for info in store.list_files("", recursive=True))
    check(store.read_bytes("settings.json") == b'{"theme": "dark"}', "the old content survived")
    check(before == after, f"no file appeared or vanished ({before} -> {after})")
    print("   the old file is intact and no temporary file is listed")


def publish_by_move(store: Store) -> None:
    """Prepare a file under a staging name, then move it into place in one step."""
    check(store.supports(Capability.ATOMIC_MOVE), "the local backend declares ATOMIC_MOVE")
    store.write("published/report.csv", b"old report\n")
    store.write("staging/report.csv", b"new report\n")
    store.move("staging/report.csv", "published/report.csv", overwrite=True)
    print(f"5. after an atomic move: published/report.csv = {store.read_bytes('published/report.csv')!r}")
    check(store.read_bytes("published/report.csv") == b"new report\n", "the move replaced the file")
    check(not store.exists("staging/report.csv"), "the staging file is gone")


def main() -> None:
    """Run every demonstration on a fresh local folder."""
    with tempfile.TemporaryDirectory() as tmp, Store(LocalBackend(root=tmp)) as store:
        overwrite_semantics(store)
        race_free_create(store)
        readers_never_see_a_part(store)
        failed_write_changes_nothing(store)
        publish_by_move(store)
    print("atomic_writes: OK")


if __name__ == "__main__":
    main()
