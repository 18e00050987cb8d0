"""Helpers of the suite's tests: content sources, state snapshots, a recording backend, threads."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any, BinaryIO, TypeVar

from remote_store import (
    Backend,
    Behaviour,
    Capability,
    CapabilitySet,
    FileInfo,
    FolderInfo,
    Store,
    WriteContent,
)

__all__ = [
    "GATED",
    "MAX_READ_SIZE",
    "MIB",
    "GeneratedStream",
    "MinimalReader",
    "RecordingBackend",
    "Snapshot",
    "StreamBroken",
    "digest",
    "digest_of_stream",
    "error_chain",
    "failing_stream",
    "pipe_stream",
    "random_bytes",
    "run_threads",
    "snapshot",
    "write_tree",
]

T = TypeVar("T")

MIB = 1024 * 1024
"""One mebibyte."""

MAX_READ_SIZE = 64 * MIB
"""The largest ``read(size)`` a backend may ask of a content stream (STREAM-005)."""

GATED: dict[Capability, tuple[str, ...]] = {
    Capability.READ: ("read", "read_bytes"),
    Capability.SEEKABLE_READ: ("read_range",),
    Capability.WRITE: ("write",),
    Capability.ATOMIC_WRITE: ("write_atomic",),
    Capability.DELETE: ("delete", "delete_folder"),
    Capability.LIST: ("list_files", "list_folders"),
    Capability.MOVE: ("move",),
    Capability.COPY: ("copy",),
    Capability.METADATA: ("get_file_info", "get_folder_info"),
    Capability.PRESIGNED_URL: ("url",),
}
"""The ``Store``/``Backend`` operations each gated capability guards (STORE-027)."""

STORE_GATED: dict[Capability, tuple[str, ...]] = {
    Capability.READ: ("read_text",),
    Capability.WRITE: ("write_text",),
    Capability.LIST: ("glob",),
}
"""The ``Store``-only operations (built on a backend operation) each capability guards (STORE-027)."""


def random_bytes(size: int, seed: int | str = 0) -> bytes:
    """``size`` pseudo-random bytes, the same for the same ``seed``."""
    return random.Random(seed).randbytes(size)


def digest(data: bytes) -> str:
    """The SHA-256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def digest_of_stream(stream: BinaryIO, chunk_size: int) -> tuple[str, int]:
    """Read ``stream`` to its end with ``read(chunk_size)``; return its SHA-256 hex digest and size.

    Raises:
        AssertionError: a ``read`` returned more than ``chunk_size`` bytes or something not bytes.
    """
    hasher = hashlib.sha256()
    total = 0
    while True:
        chunk = stream.read(chunk_size)
        assert isinstance(chunk, bytes), f"read() returned {type(chunk).__name__}, not bytes"
        assert len(chunk) <= chunk_size, f"read({chunk_size}) returned {len(chunk)} bytes"
        if not chunk:
            return hasher.hexdigest(), total
        hasher.update(chunk)
        total += len(chunk)


class StreamBroken(Exception):
    """Raised by ``failing_stream`` part-way through, as a broken upload source would."""


class _Recorder:
    """Records the ``size`` argument of every ``read`` call (``None`` for a missing argument)."""

    def __init__(self) -> None:
        self.read_sizes: list[int | None] = []

    def bounded_reads(self) -> bool:
        """True if every read asked for an explicit size between 1 and ``MAX_READ_SIZE``."""
        return all(size is not None and 0 < size <= MAX_READ_SIZE for size in self.read_sizes)


class MinimalReader(_Recorder):
    """A stream with nothing but ``read(size)``: no seek, tell, fileno or ``io.IOBase`` base.

    Each ``read`` returns at most ``max_chunk`` bytes (fewer than asked: short reads), chosen at
    random between 1 and ``max_chunk``; ``closed`` tells whether ``close()`` was called.
    """

    def __init__(self, data: bytes, *, max_chunk: int | None = None, seed: int = 7) -> None:
        super().__init__()
        self._data = memoryview(data)
        self._position = 0
        self._max_chunk = max_chunk
        self._random = random.Random(seed)
        self.closed = False

    def read(self, size: int | None = -1, /) -> bytes:
        """Up to ``size`` bytes (all the rest for ``None`` or a negative size), possibly fewer."""
        self.read_sizes.append(size if size is not None and size >= 0 else None)
        remaining = len(self._data) - self._position
        want = remaining if size is None or size < 0 else min(size, remaining)
        if self._max_chunk is not None and want > 0:
            want = self._random.randint(1, min(want, self._max_chunk))
        chunk = bytes(self._data[self._position : self._position + want])
        self._position += len(chunk)
        return chunk

    def close(self) -> None:
        """Mark the reader closed (a backend must not call this: STREAM-006)."""
        self.closed = True


class GeneratedStream(io.RawIOBase):
    """A non-seekable raw stream over ``size`` pseudo-random bytes produced by a generator.

    Only ``readinto`` is implemented (``io.RawIOBase`` derives ``read`` from it), so reads are
    short whenever a generated piece ends. The content is never held whole: ``expected_digest``
    is computed up front from a second generator with the same seed. ``read_sizes`` records the
    size of each ``read`` call (``None`` for ``read()``/``readall()``).
    """

    def __init__(self, size: int, *, seed: int | str = 0, piece: int = 192 * 1024 + 17) -> None:
        super().__init__()
        self.size = size
        self.read_sizes: list[int | None] = []
        self._pieces = self._generate(size, seed, piece)
        self._pending = b""
        hasher = hashlib.sha256()
        for part in self._generate(size, seed, piece):
            hasher.update(part)
        self.expected_digest = hasher.hexdigest()

    @staticmethod
    def _generate(size: int, seed: int | str, piece: int) -> Iterator[bytes]:
        source = random.Random(seed)
        left = size
        while left > 0:
            length = min(piece, left)
            yield source.randbytes(length)
            left -= length

    def bounded_reads(self) -> bool:
        """True if every read asked for an explicit size between 1 and ``MAX_READ_SIZE``."""
        return all(size is not None and 0 < size <= MAX_READ_SIZE for size in self.read_sizes)

    def readable(self) -> bool:
        """Always true."""
        return True

    def read(self, size: int = -1, /) -> bytes | None:
        """Record ``size``, then read as ``io.RawIOBase`` does (through ``readinto``)."""
        self.read_sizes.append(size if size is not None and size >= 0 else None)
        return super().read(size)

    def readall(self) -> bytes:
        """Record an unbounded read, then read everything that is left."""
        self.read_sizes.append(None)
        return super().readall()

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill ``buffer`` with at most the rest of the current generated piece."""
        if not self._pending:
            self._pending = next(self._pieces, b"")
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


@contextlib.contextmanager
def pipe_stream(chunks: Iterable[bytes]) -> Iterator[BinaryIO]:
    """Yield the read end of an OS pipe (non-seekable, short reads) fed ``chunks`` by a thread.

    The read end is closed on exit, which also stops the feeding thread if the content was not
    consumed to its end.
    """
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb", buffering=0)

    def feed() -> None:
        with contextlib.suppress(OSError), os.fdopen(write_fd, "wb", buffering=0) as writer:
            for chunk in chunks:
                view = memoryview(chunk)
                while view:
                    written = writer.write(view)
                    view = view[written or 0 :]

    feeder = threading.Thread(target=feed, name="conformance-pipe-feeder", daemon=True)
    feeder.start()
    try:
        yield reader
    finally:
        reader.close()
        feeder.join(timeout=30)


def failing_stream(good: bytes, *, piece: int = 64 * 1024) -> io.RawIOBase:
    """A non-seekable stream that yields ``good`` in pieces, then raises ``StreamBroken``."""

    class _Failing(io.RawIOBase):
        def __init__(self) -> None:
            super().__init__()
            self._view = memoryview(good)
            self._position = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
            if self._position >= len(self._view):
                raise StreamBroken("the content source broke part-way")
            count = min(len(buffer), piece, len(self._view) - self._position)
            buffer[:count] = self._view[self._position : self._position + count]
            self._position += count
            return count

    return _Failing()


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The observable state of a store: files with content digests, folders, and probed paths."""

    files: tuple[tuple[str, str | None], ...]
    folders: tuple[str, ...]
    probes: tuple[tuple[str, bool, bool, str | None], ...]


def snapshot(store: Store, *probes: str) -> Snapshot:
    """What ``store`` shows: every file and folder when it can list, and the state of ``probes``.

    Contents are compared by digest when the store can read. Used to assert that a failed call
    changed nothing.
    """
    caps = store.capabilities
    can_read = Capability.READ in caps
    files: dict[str, str | None] = {}
    folders: set[str] = set()
    if Capability.LIST in caps:
        for info in store.list_files("", recursive=True):
            files[str(info.path)] = _digest_of(store, str(info.path)) if can_read else None
        pending = [""]
        while pending:
            parent = pending.pop()
            for name in store.list_folders(parent):
                folder = f"{parent}/{name}" if parent else name
                folders.add(folder)
                pending.append(folder)
    probed = []
    for probe in probes:
        is_file = store.is_file(probe)
        content = _digest_of(store, probe) if is_file and can_read else None
        probed.append((probe, is_file, store.is_folder(probe), content))
    return Snapshot(tuple(sorted(files.items())), tuple(sorted(folders)), tuple(probed))


def _digest_of(store: Store, path: str) -> str:
    with store.read(path) as stream:
        return digest_of_stream(stream, MIB)[0]


def write_tree(store: Store, files: dict[str, bytes]) -> None:
    """Write every ``path: content`` of ``files`` (``overwrite=False``)."""
    for path, content in files.items():
        store.write(path, content)


def run_threads(count: int, target: Callable[[int], T], *, timeout: float = 120.0) -> list[T | BaseException]:
    """Run ``target(i)`` for ``i`` in ``range(count)`` on ``count`` threads started together.

    Returns each call's result, or the exception it raised, in order of ``i``.

    Raises:
        AssertionError: a thread did not finish within ``timeout`` seconds.
    """
    barrier = threading.Barrier(count)
    results: list[T | BaseException | None] = [None] * count

    def work(index: int) -> None:
        try:
            barrier.wait(timeout)
            results[index] = target(index)
        except BaseException as error:  # noqa: BLE001 - handed back to the test to judge
            results[index] = error

    threads = [
        threading.Thread(target=work, args=(index,), name=f"conformance-{index}") for index in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), f"a thread did not finish within {timeout}s"
    return results  # type: ignore[return-value]


def _given(**options: Any) -> dict[str, Any]:
    """The write options that were given (not ``None``): the only ones a backend is passed."""
    return {name: value for name, value in options.items() if value is not None}


class RecordingBackend(Backend):
    """Delegates to ``inner`` and records every operation called on it, without ``capabilities``.

    Declares ``inner``'s capabilities minus ``without``; ``close`` is recorded and not delegated,
    so that the inner backend survives. ``list_files`` and ``list_folders`` count in ``pulled``
    how many entries the caller has taken from the inner iterator.
    """

    SECRET_OPTIONS = frozenset()

    def __init__(self, inner: Backend, *, without: Iterable[Capability] = ()) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.pulled = 0
        self._capabilities = inner.capabilities - list(without)
        self.type_name = inner.type_name  # type: ignore[misc]

    @property
    def capabilities(self) -> CapabilitySet:
        """``inner``'s capabilities minus the ones removed."""
        return self._capabilities

    @property
    def behaviour(self) -> Behaviour:
        """``inner``'s behaviour."""
        return self.inner.behaviour

    def _record(self, name: str) -> None:
        self.calls.append(name)

    def is_file(self, path: str) -> bool:
        self._record("is_file")
        return self.inner.is_file(path)

    def is_folder(self, path: str) -> bool:
        self._record("is_folder")
        return self.inner.is_folder(path)

    def exists(self, path: str) -> bool:
        self._record("exists")
        return self.inner.exists(path)

    def write(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        self._record("write")
        options = _given(content_type=content_type, metadata=metadata, if_match=if_match)
        self.inner.write(path, content, overwrite=overwrite, **options)

    def write_atomic(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        self._record("write_atomic")
        options = _given(content_type=content_type, metadata=metadata, if_match=if_match)
        self.inner.write_atomic(path, content, overwrite=overwrite, **options)

    def read(self, path: str) -> BinaryIO:
        self._record("read")
        return self.inner.read(path)

    def read_bytes(self, path: str) -> bytes:
        self._record("read_bytes")
        return self.inner.read_bytes(path)

    def read_range(self, path: str, start: int, end: int) -> bytes:
        self._record("read_range")
        return self.inner.read_range(path, start, end)

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        self._record("delete")
        self.inner.delete(path, missing_ok=missing_ok)

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        self._record("delete_folder")
        self.inner.delete_folder(path, recursive=recursive, missing_ok=missing_ok)

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._record("move")
        self.inner.move(src, dst, overwrite=overwrite)

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._record("copy")
        self.inner.copy(src, dst, overwrite=overwrite)

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        self._record("list_files")
        return self._counting(self.inner.list_files(path, recursive=recursive))

    def list_folders(self, path: str) -> Iterator[str]:
        self._record("list_folders")
        return self._counting(self.inner.list_folders(path))

    def _counting(self, source: Iterator[T]) -> Iterator[T]:
        for item in source:
            self.pulled += 1
            yield item

    def get_file_info(self, path: str) -> FileInfo:
        self._record("get_file_info")
        return self.inner.get_file_info(path)

    def get_folder_info(self, path: str) -> FolderInfo:
        self._record("get_folder_info")
        return self.inner.get_folder_info(path)

    def url(self, path: str, *, expires_in: timedelta, method: str = "GET") -> str:
        self._record("url")
        return self.inner.url(path, expires_in=expires_in, method=method)

    def close(self) -> None:
        """Record the call; the inner backend stays open."""
        self._record("close")


def error_chain(error: BaseException) -> Sequence[BaseException]:
    """``error`` followed by its ``__cause__``/``__context__`` chain."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


DESCRIPTOR_SLACK = 3
"""Descriptors a backend may open late (a pooled connection); a leak per call shows as more (BACKEND-014)."""


def open_descriptors() -> int | None:
    """How many descriptors the process has open; ``None`` where the platform does not list them."""
    for folder in ("/dev/fd", "/proc/self/fd"):
        if os.path.isdir(folder):
            return len(os.listdir(folder))
    return None
