"""The floor of local small-file calls: bare ``os``, the sandbox's system calls alone, and ``Store``.

Usage::

    python benchmarks/local_floor.py [--count 10000] [--reps 7] [--dir /dev/shm]

For each of write (1 KiB, create), list (per file) and delete, in CPU microseconds per call
(``time.process_time``), the three alternating in one process, repetition after repetition:

- ``bare``: what the benchmark's baseline does (``open``/``write``, ``scandir`` + ``stat``,
  ``unlink`` of the joined path);
- ``syscalls``: only the system calls the sandboxed local backend must make (specs/local.md,
  LOCAL-005, LOCAL-018, LOCAL-028 to LOCAL-030), one after another with no other Python: open
  the folder (``O_NOFOLLOW``), ``open(O_TMPFILE)``, ``write``, ``linkat(AT_EMPTY_PATH)``, two
  ``close`` for a write; ``fstatat`` per listed file; open the folder, ``fstatat`` (a link is
  followed, a special file left alone), ``unlinkat`` and ``close`` for a delete;
- ``store``: ``Store(LocalBackend(...))``.

``bare / syscalls`` is the best ratio any sandboxed implementation can reach against the bare
calls; ``bare / store`` is ours. The files sit one folder below the store's root, as in the
benchmark (``benchmarks/run.py``, target ``tmpfs``).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_UNNAMED = os.O_RDWR | getattr(os, "O_TMPFILE", 0) | os.O_CLOEXEC
_AT_EMPTY_PATH = 0x1000
DATA = b"x" * 1024


def _bare(folder: str, names: list[str]) -> dict[str, Callable[[], object]]:
    paths = [os.path.join(folder, name) for name in names]

    def write() -> None:
        for path in paths:
            with open(path, "wb") as target:
                target.write(DATA)

    def listing() -> int:
        count = 0
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file():
                    entry.stat()
                    count += 1
        return count

    def delete() -> None:
        for path in paths:
            os.unlink(path)

    return {"write": write, "list": listing, "delete": delete}


def _syscalls(folder: str, names: list[str]) -> dict[str, Callable[[], object]]:
    linkat = ctypes.CDLL(None, use_errno=True).linkat
    encoded = [os.fsencode(name) for name in names]

    def write() -> None:
        for name in encoded:
            parent = os.open(folder, _DIR)
            fd = os.open(".", _UNNAMED, 0o666, dir_fd=parent)
            os.write(fd, DATA)
            linkat(fd, b"", parent, name, _AT_EMPTY_PATH)
            os.close(fd)
            os.close(parent)

    def listing() -> int:
        count = 0
        parent = os.open(folder, _DIR)
        with os.scandir(parent) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    entry.stat(follow_symlinks=False)
                    count += 1
        os.close(parent)
        return count

    def delete() -> None:
        for name in names:
            parent = os.open(folder, _DIR)
            os.stat(name, dir_fd=parent, follow_symlinks=False)
            os.unlink(name, dir_fd=parent)
            os.close(parent)

    return {"write": write, "list": listing, "delete": delete}


def _store(root: str, folder: str, names: list[str]) -> dict[str, Callable[[], object]]:
    from remote_store import Store
    from remote_store.backends.local import LocalBackend

    store = Store(LocalBackend(root))
    paths = [f"{folder}/{name}" for name in names]

    def write() -> None:
        for path in paths:
            store.write(path, DATA)

    def listing() -> int:
        return sum(1 for _ in store.list_files(folder))

    def delete() -> None:
        for path in paths:
            store.delete(path)

    return {"write": write, "list": listing, "delete": delete}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="files per repetition (default 10,000)")
    parser.add_argument("--reps", type=int, default=7, help="repetitions (default 7)")
    parser.add_argument("--dir", default="/dev/shm", help="where to make the files (default /dev/shm)")
    args = parser.parse_args(argv)
    if not hasattr(os, "O_TMPFILE"):
        print("needs Linux (O_TMPFILE)", file=sys.stderr)
        return 1
    root = tempfile.mkdtemp(prefix="rs-floor-", dir=args.dir)
    names = [f"f{index:05d}.bin" for index in range(args.count)]
    kinds = ("bare", "syscalls", "store")
    figures: dict[str, dict[str, list[float]]] = {
        kind: {"write": [], "list": [], "delete": []} for kind in kinds
    }
    load = os.getloadavg()[0]
    try:
        for rep in range(args.reps):
            order = kinds[rep % 3 :] + kinds[: rep % 3]
            for kind in order:
                folder = os.path.join(root, kind)
                os.makedirs(folder)
                if kind == "bare":
                    calls = _bare(folder, names)
                elif kind == "syscalls":
                    calls = _syscalls(folder, names)
                else:
                    calls = _store(root, kind, names)
                for op in ("write", "list", "delete"):
                    started = time.process_time()
                    calls[op]()
                    figures[kind][op].append((time.process_time() - started) / args.count * 1e6)
                os.rmdir(folder)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"{args.count} files x {args.reps} repetitions in {args.dir}; load average {load:.2f} -> "
        f"{os.getloadavg()[0]:.2f}; CPU us per call, median [min-max]; ratio = bare / other, per repetition"
    )
    for op in ("write", "list", "delete"):
        line = [f"{op:6s}"]
        for kind in kinds:
            values = figures[kind][op]
            line.append(f"{kind} {statistics.median(values):5.2f} [{min(values):.2f}-{max(values):.2f}]")
        for kind in ("syscalls", "store"):
            ratios = [b / o for b, o in zip(figures["bare"][op], figures[kind][op], strict=True)]
            line.append(f"bare/{kind} {statistics.median(ratios):.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]")
        print("  ".join(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
