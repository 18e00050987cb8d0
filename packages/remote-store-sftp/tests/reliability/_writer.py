"""A writer process for the crash test: loops over writes until it is killed (never exits itself).

Run as ``python _writer.py '<json options>' <seed>``: builds an ``SFTPBackend`` from the options,
connects, prints ``ready`` and then, forever, replaces, atomically replaces, creates and deletes
self-checking content (``make_content``) of 16 KiB to 3 MiB, streamed in part, so that a kill
lands inside a transfer as often as between calls. Before each operation it prints its name.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sys

from remote_store import AlreadyExists, NotFound
from remote_store.backends.sftp import SFTPBackend
from remote_store_conformance.workload import make_content

REPLACED = [f"w/k{index}" for index in range(4)]
"""Only ever replaced: once present, each must stay present and whole."""
CREATED = [f"c/k{index}" for index in range(3)]
"""Created with overwrite=False and deleted again: absent or whole."""


def main() -> None:
    options = json.loads(sys.argv[1])
    seed = int(sys.argv[2])
    rng = random.Random(seed)
    backend = SFTPBackend(**options)
    backend.exists("w")
    print("ready", flush=True)
    sequence = 0
    while True:
        sequence += 1
        size = rng.choice([16 * 1024, 300 * 1024, 1024 * 1024, 3 * 1024 * 1024])
        content = make_content(f"writer{seed}", sequence, size, rng)
        choice = rng.randrange(4)
        if choice == 0:
            print("write", flush=True)
            backend.write(rng.choice(REPLACED), io.BytesIO(content), overwrite=True)
        elif choice == 1:
            print("write_atomic", flush=True)
            backend.write_atomic(rng.choice(REPLACED), content, overwrite=True)
        elif choice == 2:
            print("create", flush=True)
            with contextlib.suppress(AlreadyExists):
                backend.write(rng.choice(CREATED), io.BytesIO(content))
        else:
            print("delete", flush=True)
            with contextlib.suppress(NotFound):
                backend.delete(rng.choice(CREATED))


if __name__ == "__main__":
    main()
