"""A large Parquet file for random-access proofs: what a data tool reads of one column.

A backend's random-access test (``SEEKABLE_READ``) writes ``parquet_file()`` to its store, reads
one column with ``pyarrow.parquet.read_table(store.read(path), columns=[...])`` and counts what
the storage delivered (bytes on the wire, read system calls): one of eight columns should cost a
small fraction of the file. pyarrow is optional for the suite: ``require_pyarrow`` skips a test
without it, except under CI, where a missing test extra is a broken environment.

Import this module by its path (``remote_store_conformance.parquet``); the package's
``__init__`` does not re-export it.
"""

from __future__ import annotations

import importlib
import io
import os
from typing import Any

import pytest

__all__ = ["COLUMNS", "ROWS", "parquet_file", "require_pyarrow"]

COLUMNS = 8
"""Columns of ``parquet_file()``'s table (``c0`` ... ``c7``)."""

ROWS = 1_100_000
"""Rows of ``parquet_file()``'s table: 8 columns of 8-byte integers, about 67 MiB, incompressible."""


def require_pyarrow(install_hint: str) -> Any:
    """Return ``pyarrow.parquet``; skip the calling test if pyarrow is missing (``install_hint`` says how).

    Raises:
        ImportError: pyarrow is missing and the ``CI`` environment variable is set.
    """
    try:
        # By name: pyarrow is optional, and the suite is type-checked without it.
        parquet = importlib.import_module("pyarrow.parquet")
    except ImportError:
        if os.environ.get("CI"):
            raise  # CI installs the test extra: a missing pyarrow is a broken environment there
        pytest.skip(f"pyarrow is not installed: {install_hint}")
    return parquet


def parquet_file(
    columns: int = COLUMNS, rows: int = ROWS, *, install_hint: str = "pip install pyarrow"
) -> bytes:
    """A Parquet file of ``columns`` random int64 columns ``c0``, ``c1``, ... of ``rows`` rows, uncompressed.

    Raises:
        ImportError: pyarrow is missing and the ``CI`` environment variable is set (else the test skips).
    """
    parquet = require_pyarrow(install_hint)
    pa: Any = importlib.import_module("pyarrow")

    arrays = [
        pa.Array.from_buffers(pa.int64(), rows, [None, pa.py_buffer(os.urandom(rows * 8))])
        for _ in range(columns)
    ]
    table = pa.Table.from_arrays(arrays, names=[f"c{index}" for index in range(columns)])
    sink = io.BytesIO()
    parquet.write_table(table, sink, compression="none")
    return sink.getvalue()
