"""Measuring helpers shared by every worker: stdlib only, so that peer venvs can run them too.

Peak memory is read from the OS: the worker resets its own high-water mark
(``/proc/self/clear_refs``) once the library is imported and warmed up, and reports
``VmHWM - VmRSS`` at that moment as the growth caused by the measured operation.
"""

from __future__ import annotations

import gc
import io
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

MIB = 1024 * 1024

# Reads from a pipe return at most its buffer (64 KiB on Linux); the benchmark source does the
# same, so every library meets the short reads a real non-seekable stream gives.
SOURCE_MAX_READ = 64 * 1024
PATTERN_SIZE = 4 * MIB


def _status_kib(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field_name} missing from /proc/self/status")


def rss_bytes() -> int:
    """Current resident set size of this process."""
    return _status_kib("VmRSS") * 1024


def hwm_bytes() -> int:
    """Peak resident set size of this process since start or the last ``reset_peak``."""
    return _status_kib("VmHWM") * 1024


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS; False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def pattern(size: int = PATTERN_SIZE) -> bytes:
    """Incompressible bytes (a fixed seed, so every library writes the same data)."""
    import random

    return random.Random(20261128).randbytes(size)


class Source(io.RawIOBase):
    """A non-seekable stream of ``size`` bytes; each read returns at most ``max_read`` bytes."""

    def __init__(self, size: int, data: bytes, max_read: int = SOURCE_MAX_READ) -> None:
        super().__init__()
        max_read = min(max_read, len(data))
        # The pattern repeated past its end, so that a read never has to wrap around.
        self._data = memoryview(data + data[:max_read])
        self._period = len(data)
        self._remaining = size
        self._offset = 0
        self._max_read = max_read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self._max_read, self._remaining)
        if count <= 0:
            return 0
        offset = self._offset
        memoryview(buffer).cast("B")[:count] = self._data[offset : offset + count]
        self._offset = (offset + count) % self._period
        self._remaining -= count
        return count

    def chunks(self, size: int) -> Iterator[bytes]:
        """The rest of the stream as full chunks of ``size`` bytes (the last may be shorter)."""
        while True:
            chunk = read_full(self, size)
            if not chunk:
                return
            yield chunk


class Sink(io.RawIOBase):
    """A writable stream that counts and drops what it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        self.count += size
        return size


def read_full(stream: Any, size: int) -> bytes:
    """Up to ``size`` bytes from ``stream``, looping over short reads; ``b""`` at its end."""
    first = stream.read(size)
    if not first or len(first) >= size:
        return bytes(first) if first is not None else b""
    pieces = [first]
    missing = size - len(first)
    while missing > 0:
        piece = stream.read(missing)
        if not piece:
            break
        pieces.append(piece)
        missing -= len(piece)
    return b"".join(pieces)


def drain(stream: Any, sink: Sink, chunk: int = MIB) -> int:
    """Read ``stream`` to its end in ``chunk``-sized reads into ``sink``; the byte count."""
    total = 0
    while True:
        data = stream.read(chunk)
        if not data:
            return total
        sink.write(data)
        total += len(data)


# -- request counting ----------------------------------------------------------------------


@dataclass
class RequestCounter:
    """HTTP requests botocore sends (event ``before-send``), by operation name."""

    total: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    installed: bool = False

    def handler(self, event_name: str = "", **kwargs: Any) -> None:
        # The event is "before-send.<service>.<Operation>"; aiobotocore fires the same one.
        self.total += 1
        name = event_name.rsplit(".", 1)[-1] if event_name.count(".") >= 2 else "?"
        self.by_operation[name] = self.by_operation.get(name, 0) + 1

    def snapshot(self) -> tuple[int, dict[str, int]]:
        return self.total, dict(self.by_operation)


COUNTER = RequestCounter()


def install_request_counter() -> bool:
    """Count every request of every botocore client created from now on (also aiobotocore's).

    Every botocore ``Session`` gets a ``before-send`` handler at construction; clients copy their
    session's handlers, so this sees boto3, s3fs (aiobotocore) and smart_open alike. Returns
    False where botocore is not installed (obstore: no count).
    """
    try:
        import botocore.session
    except ImportError:
        return False
    original = botocore.session.Session.__init__
    if getattr(original, "_bench_counting", False):
        return True

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register("before-send", COUNTER.handler)

    setattr(counting_init, "_bench_counting", True)  # noqa: B010 - a marker on a function
    botocore.session.Session.__init__ = counting_init  # type: ignore[method-assign,unused-ignore]
    COUNTER.installed = True
    return True


# -- one measured phase --------------------------------------------------------------------


@dataclass
class Phase:
    """What one timed operation cost: wall and CPU seconds, RSS growth, requests."""

    name: str
    seconds: float
    cpu_seconds: float
    rss_growth: int
    units: int
    unit_bytes: int | None = None
    requests: int | None = None
    requests_by_operation: dict[str, int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "rss_growth": self.rss_growth,
            "units": self.units,
            "unit_bytes": self.unit_bytes,
            "requests": self.requests,
            "requests_by_operation": self.requests_by_operation,
            "extra": self.extra,
        }


def measure(
    name: str, action: Callable[[], Any], *, units: int, unit_bytes: int | None = None
) -> tuple[Phase, Any]:
    """Run ``action`` once, timed, with the peak-RSS mark reset just before it."""
    gc.collect()
    reset_peak()
    start_rss = rss_bytes()
    requests_before, by_operation_before = COUNTER.snapshot()
    cpu_start = time.process_time()
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    growth = max(0, hwm_bytes() - start_rss)
    requests_after, by_operation_after = COUNTER.snapshot()
    phase = Phase(
        name=name,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        rss_growth=growth,
        units=units,
        unit_bytes=unit_bytes,
    )
    if COUNTER.installed:
        phase.requests = requests_after - requests_before
        phase.requests_by_operation = {
            key: value - by_operation_before.get(key, 0)
            for key, value in by_operation_after.items()
            if value != by_operation_before.get(key, 0)
        }
    return phase, result


def fsync_folder(path: str) -> None:
    """Make a rename in folder ``path`` durable (fsync the folder)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
