"""The glue the conformance suite needs: a fresh backend per test (its behaviour it declares itself)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from remote_store_sqlite import SqliteBackend


@pytest.fixture
def conformance_backend(tmp_path: Path) -> Iterator[SqliteBackend]:
    backend = SqliteBackend(database=str(tmp_path / "files.db"))  # fresh and empty for each test
    yield backend
    backend.close()
