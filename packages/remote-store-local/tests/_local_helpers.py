"""What the local backend's own tests share: a view of the disk, test streams, threads, checks."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from remote_store import RemoteStoreError

posix_only = pytest.mark.skipif(os.name != "posix", reason="needs POSIX file system semantics")

TEMP_NAME = ".~rs-0123456789abcdef.tmp"


def disk(root: Path) -> dict[str, bytes | None]:
    """Everything below ``root`` on disk, hidden files included: files map to bytes, folders to None."""
    found: dict[str, bytes | None] = {}
    if not root.exists():
        return found
    for folder, folders, files in os.walk(root):
        for name in folders:
            found[os.path.relpath(os.path.join(folder, name), root)] = None
        for name in files:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = None if os.path.islink(path) else Path(path).read_bytes()
    return found


def temp_files(root: Path) -> list[str]:
    return [path for path in disk(root) if os.path.basename(path).startswith(".~rs-")]


class FailingStream:
    """Yields ``good`` bytes, then raises ``error`` from ``read``."""

    def __init__(self, error: BaseException, good: int = 3 * 1024 * 1024) -> None:
        self.error = error
        self.left = good

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            raise self.error
        chunk = min(size, self.left)
        self.left -= chunk
        return b"x" * chunk


class CallbackStream:
    """Calls ``callback`` once, after the first chunk was handed out."""

    def __init__(self, data: bytes, callback: Callable[[], None]) -> None:
        self.stream = io.BytesIO(data)
        self.callback: Callable[[], None] | None = callback

    def read(self, size: int = -1) -> bytes:
        if self.stream.tell() > 0 and self.callback is not None:
            callback, self.callback = self.callback, None
            callback()
        return self.stream.read(min(size, 5))


def run_concurrently(count: int, action: Callable[[int], None]) -> list[BaseException | None]:
    """Run ``action(i)`` in ``count`` threads released together; return what each raised."""
    barrier = threading.Barrier(count)
    outcomes: list[BaseException | None] = [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        try:
            action(index)
        except BaseException as error:  # noqa: BLE001 - collected for the assertions
            outcomes[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def assert_mapped(error: RemoteStoreError, kind: type[RemoteStoreError], path: str, operation: str) -> None:
    assert type(error) is kind
    assert error.path == path
    assert error.operation == operation
    assert error.backend == "local"
    assert isinstance(error.__cause__, OSError)
    assert not isinstance(error.__cause__, RemoteStoreError)
