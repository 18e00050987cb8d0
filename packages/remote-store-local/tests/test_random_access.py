"""Random access on disk: seekable streams that read only what is asked, read_range by pread (LOCAL-025).

The proof is the one a user would run: ``pyarrow.parquet.read_table`` of one column of a large
Parquet file through ``store.read``. What it costs is counted as the bytes the process's read
system calls took (``rchar`` of ``/proc/self/io``), the kernel's own count.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from remote_store import Store
from remote_store.backends.local import LocalBackend
from remote_store_conformance.parquet import COLUMNS, parquet_file, require_pyarrow

MIB = 1024 * 1024
INSTALL = "pip install -e 'packages/remote-store-local[test]'"


def _read_chars() -> int:
    with open("/proc/self/io", encoding="ascii") as counters:
        for line in counters:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.mark.spec("LOCAL-025", "STREAM-012")
@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts reads with Linux's /proc/self/io")
def test_one_parquet_column_reads_a_fraction_of_the_file(tmp_path: Path) -> None:
    parquet = require_pyarrow(INSTALL)
    data = parquet_file(install_hint=INSTALL)
    assert len(data) >= 64 * MIB
    with Store(LocalBackend(root=tmp_path)) as store:
        store.write("table.parquet", data)
        whole = parquet.read_table(io.BytesIO(data)).select(["c3"])
        before = _read_chars()
        with store.read("table.parquet") as stream:
            column = parquet.read_table(stream, columns=["c3"])
        taken = _read_chars() - before
    fraction = taken / len(data)
    print(f"local: one of {COLUMNS} columns read {taken:,} of {len(data):,} bytes ({fraction:.1%})")
    assert column.equals(whole)
    assert fraction < 0.25, f"reading one column read {fraction:.1%} of the file"


@pytest.mark.spec("LOCAL-025")
def test_read_range_reads_only_the_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = LocalBackend(root=tmp_path)
    content = os.urandom(3 * MIB)
    backend.write("f.bin", content)
    reads: list[tuple[int, int]] = []
    real_pread = os.pread

    def pread(fd: int, size: int, offset: int) -> bytes:
        reads.append((size, offset))
        return real_pread(fd, size, offset)

    def no_read(*_: object) -> bytes:
        raise AssertionError("read_range read the file sequentially")

    monkeypatch.setattr(os, "pread", pread)
    monkeypatch.setattr(os, "read", no_read)
    assert backend.read_range("f.bin", 2 * MIB, 2 * MIB + 10) == content[2 * MIB : 2 * MIB + 10]
    assert reads == [(10, 2 * MIB)]
    reads.clear()
    assert backend.read_range("f.bin", 3 * MIB - 4, 4 * MIB) == content[-4:]
    assert reads[0] == (MIB + 4, 3 * MIB - 4)
    backend.close()
