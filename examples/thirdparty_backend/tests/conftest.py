"""The glue the conformance suite needs: a fresh backend per test and the declared deviations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from remote_store_sqlite import SqliteBackend

from remote_store_conformance import Requirements


@pytest.fixture
def conformance_backend(tmp_path: Path) -> Iterator[SqliteBackend]:
    backend = SqliteBackend(database=str(tmp_path / "files.db"))  # fresh and empty for each test
    yield backend
    backend.close()


class SqliteRequirements(Requirements):
    real_empty_folders = False  # folders are path prefixes: one vanishes with its last file
    file_folder_conflicts_rejected = False  # "a" and "a/b" may both be files


@pytest.fixture
def conformance_requirements() -> SqliteRequirements:
    return SqliteRequirements()
