"""Error handling: one hierarchy, precise classes, and the builtin exceptions they also are.

Run it with ``python examples/error_handling.py`` (needs remote-store-core and remote-store-local).
It provokes each error a store raises, catches it by its class, prints what it carries (path,
operation, backend, cause), and shows a retry helper for ``BackendUnavailable``. Exits with a
non-zero status if anything behaves unexpectedly.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from typing import TypeVar

from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    Capability,
    CapabilityNotSupported,
    CapabilitySet,
    ConfigError,
    DirectoryNotEmpty,
    InvalidContent,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RegistryConfig,
    RemoteStoreError,
    Store,
    StoreClosed,
)
from remote_store.backends.local import LocalBackend
from remote_store.backends.memory import MemoryBackend

T = TypeVar("T")


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        raise SystemExit(f"unexpected: {what}")


def expect(kind: type[RemoteStoreError], action: Callable[[], object]) -> RemoteStoreError:
    """Run ``action``, which must raise ``kind``; print the error and return it."""
    try:
        action()
    except kind as error:
        context = f"path={error.path!r} operation={error.operation!r} backend={error.backend!r}"
        print(f"{kind.__name__:>22}: {error}\n{'':>24}{context}")
        return error
    raise SystemExit(f"unexpected: no {kind.__name__} raised")


class ReadOnlyMemory(MemoryBackend):
    """A memory backend without write capabilities, standing in for a read-only mirror."""

    @property
    def capabilities(self) -> CapabilitySet:
        """Everything but writing and deleting."""
        return super().capabilities - {Capability.WRITE, Capability.ATOMIC_WRITE, Capability.DELETE}


class FlakyMemory(MemoryBackend):
    """A memory backend whose reads fail twice before they work, like a network hiccup."""

    def __init__(self) -> None:
        super().__init__()
        self.failures_left = 2

    def read_bytes(self, path: str) -> bytes:
        """Fail with BackendUnavailable while ``failures_left`` is positive."""
        if self.failures_left > 0:
            self.failures_left -= 1
            raise BackendUnavailable(
                "connection reset", path=path, operation="read_bytes", backend=self.type_name
            )
        return super().read_bytes(path)


def with_retries(action: Callable[[], T], attempts: int = 4, pause: float = 0.01) -> T:
    """Run ``action``, retrying ``BackendUnavailable`` (the transient error) with a growing pause.

    Every other error describes the request or the data: retrying would give the same answer.
    """
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except BackendUnavailable as error:
            if attempt == attempts:
                raise
            print(f"{'':>24}attempt {attempt} failed ({error.message}), retrying")
            time.sleep(pause * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def main() -> None:
    """Provoke, catch and describe every error class."""
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        store = Store(LocalBackend(root=root), "project")
        store.write("data/a.csv", b"a")

        error = expect(NotFound, lambda: store.read_bytes("data/missing.csv"))
        check(isinstance(error, FileNotFoundError), "NotFound is a FileNotFoundError")
        check(isinstance(error.__cause__, OSError), "the OSError is kept as __cause__")
        check(error.path == "data/missing.csv", "the path is store-relative")

        error = expect(AlreadyExists, lambda: store.write("data/a.csv", b"again"))
        check(isinstance(error, FileExistsError), "AlreadyExists is a FileExistsError")

        error = expect(InvalidPath, lambda: store.read_bytes("../outside.txt"))
        check(isinstance(error, ValueError), "InvalidPath is a ValueError")

        error = expect(DirectoryNotEmpty, lambda: store.delete_folder("data"))
        check(store.is_file("data/a.csv"), "nothing was deleted")

        error = expect(InvalidContent, lambda: store.write("text.txt", "a str, not bytes"))  # type: ignore[arg-type]
        check(isinstance(error, TypeError), "InvalidContent is a TypeError")

        # A symbolic link that leads out of the backend's root is refused, for every operation.
        os.symlink(tmp, os.path.join(root, "project", "escape"))
        error = expect(PermissionDenied, lambda: store.read_bytes("escape/secret.txt"))
        check(isinstance(error, PermissionError), "PermissionDenied is a PermissionError")

        mirror = Store(ReadOnlyMemory())
        error = expect(CapabilityNotSupported, lambda: mirror.write("a.txt", b"x"))
        check(
            isinstance(error, CapabilityNotSupported) and error.capability == "write", "names the capability"
        )
        check(
            not isinstance(error, OSError), "CapabilityNotSupported is not an OSError: retrying cannot help"
        )

        error = expect(
            ConfigError, lambda: RegistryConfig.from_dict({"stores": {"s": {"backend": "nowhere"}}})
        )
        check(isinstance(error, ValueError), "ConfigError is a ValueError")

        store.close()
        expect(StoreClosed, lambda: store.exists("data"))

        # Catching the base class handles every remote-store error at once.
        try:
            mirror.delete("a.txt")
        except RemoteStoreError as error:
            print(f"{'RemoteStoreError':>22}: caught {type(error).__name__} through the base class")

        # BackendUnavailable is the transient one: retry it, and only it.
        flaky = Store(FlakyMemory())
        flaky.write("report.csv", b"numbers")
        print(f"{'BackendUnavailable':>22}: reading through a flaky backend")
        data = with_retries(lambda: flaky.read_bytes("report.csv"))
        check(data == b"numbers", "the third attempt succeeded")
        print(f"{'':>24}read {data!r} after retries")
    print("error_handling: OK")


if __name__ == "__main__":
    main()
