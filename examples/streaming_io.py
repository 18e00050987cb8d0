"""Streaming I/O: write and read a large file through a Store with bounded memory.

Run it with ``python examples/streaming_io.py [SIZE_MIB]`` (default 64; needs remote-store-core and
remote-store-local). It streams SIZE_MIB of generated data from a non-seekable source into a local
store, reads it back in 1 MiB chunks, copies it to a second store stream to stream, and checks
with ``tracemalloc`` that the Python heap never grew by more than a few MiB, whatever the size.
Exits with a non-zero status if anything behaves unexpectedly.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator

from remote_store import Store
from remote_store.backends.local import LocalBackend

MiB = 1024 * 1024
HEAP_LIMIT = 8 * MiB
"""Largest heap growth accepted while streaming; the local backend copies in 1 MiB chunks."""


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        raise SystemExit(f"unexpected: {what}")


class GeneratedStream(io.RawIOBase):
    """A non-seekable binary stream of ``size`` pseudo-random bytes, made as it is read.

    It stands for any source that cannot be held in memory or rewound: a pipe, a socket, an HTTP
    response. It also hashes what it hands out, so the copy can be checked.
    """

    def __init__(self, size: int) -> None:
        self._remaining = size
        self._block = hashlib.sha256(b"remote-store").digest() * (MiB // 32)  # 1 MiB pattern
        self._offset = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        """A stream to read from."""
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` with the next bytes (possibly fewer than it holds); 0 at the end."""
        size = min(len(buffer), self._remaining, len(self._block) - self._offset)
        if size <= 0:
            return 0
        chunk = self._block[self._offset : self._offset + size]
        buffer[:size] = chunk
        self.sha256.update(chunk)
        self._offset = (self._offset + size + 7) % len(self._block)  # shift: not a repeating file
        self._remaining -= size
        return size


def chunks(stream: io.RawIOBase | io.BufferedIOBase, size: int = MiB) -> Iterator[bytes]:
    """The content of ``stream`` in chunks of at most ``size`` bytes."""
    while chunk := stream.read(size):
        yield chunk


def main(size_mib: int = 64) -> None:
    """Stream ``size_mib`` MiB in, out and across, measuring the Python heap."""
    size = size_mib * MiB
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(LocalBackend(root=f"{tmp}/a"))
        mirror = Store(LocalBackend(root=f"{tmp}/b"))

        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]

        # 1. Write from a non-seekable stream: read in chunks, never whole.
        source = GeneratedStream(size)
        started = time.perf_counter()
        store.write("big/data.bin", io.BufferedReader(source))
        elapsed = time.perf_counter() - started
        written = store.get_file_info("big/data.bin").size
        print(f"wrote {written / MiB:.0f} MiB from a non-seekable stream in {elapsed:.2f} s")
        check(written == size, "the file holds every byte of the stream")

        # 2. Read it back in 1 MiB chunks, hashing as we go.
        digest = hashlib.sha256()
        with store.read("big/data.bin") as stream:
            for chunk in chunks(stream):
                digest.update(chunk)
        print(f"read back in 1 MiB chunks: sha256 {digest.hexdigest()[:16]}...")
        check(digest.hexdigest() == source.sha256.hexdigest(), "the content read equals the content written")

        # 3. Store to store: a read stream is valid write content.
        with store.read("big/data.bin") as stream:
            mirror.write("copy/data.bin", stream)
        check(mirror.get_file_info("copy/data.bin").size == size, "the mirror holds the whole file")
        print("copied to a second store, stream to stream")

        peak = tracemalloc.get_traced_memory()[1] - baseline
        tracemalloc.stop()
        print(f"Python heap peak while streaming {3 * size_mib} MiB: {peak / MiB:.1f} MiB")
        check(peak < HEAP_LIMIT, f"memory stayed bounded (peak {peak / MiB:.1f} MiB)")

        store.close()
        mirror.close()
    print("streaming_io: OK")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 64)
