from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from remote_store.backends.local import LocalBackend


@pytest.fixture
def conformance_backend(tmp_path: Path) -> Iterator[LocalBackend]:
    # The root does not exist yet: the suite then also checks that the first write creates it.
    backend = LocalBackend(root=tmp_path / "root")
    yield backend
    backend.close()


@pytest.fixture
def conformance_requirements() -> Any:
    # Imported here so that the local tests run without the conformance suite installed.
    from remote_store_conformance import Requirements

    class LocalRequirements(Requirements):
        """Local folders are real folders, and a path is never both a file and a folder."""

        @property
        def real_empty_folders(self) -> bool:
            return True

        @property
        def file_folder_conflicts_rejected(self) -> bool:
            return True

    return LocalRequirements()


@pytest.fixture
def conformance_faults() -> Any:
    # Every os call the backend makes can fail: the suite fails each in turn (CONF-009).
    from remote_store_conformance import OsCallFaults

    return OsCallFaults()


@pytest.fixture
def conformance_links(conformance_backend: LocalBackend, tmp_path: Path) -> Any:
    # Links that other programs make in the root: the suite checks they never lead out (CONF-010).
    from remote_store_conformance import OsLinks

    return OsLinks(conformance_backend.root, tmp_path / "outside")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The root folder of ``backend`` (not created)."""
    return tmp_path / "root"


@pytest.fixture
def backend(root: Path) -> Iterator[LocalBackend]:
    backend = LocalBackend(root=root)
    yield backend
    backend.close()
