"""fsspec's own abstract test suite over the bridge, on memory, local folders and S3 (moto).

Deselected tests, each with its reason, are in ``DESELECTED`` below and in docs/fsspec.md.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

import fsspec.tests.abstract as abstract
import pytest

from remote_store import Store
from remote_store.fsspec import RemoteStoreFileSystem

pytestmark = pytest.mark.spec("FSSPEC-020")


class BridgeFixtures(abstract.AbstractFixtures):  # type: ignore[misc]
    kind = "memory"

    @pytest.fixture
    def fs(self, make_store: Callable[[str], Store]) -> RemoteStoreFileSystem:
        return RemoteStoreFileSystem(make_store(self.kind))

    @pytest.fixture
    def fs_path(self) -> str:
        return "base"

    @pytest.fixture
    def fs_join(self) -> Any:
        return posixpath.join

    @pytest.fixture
    def supports_empty_directories(self) -> bool:
        # The Store API creates no folder without a file in it (FSSPEC-011).
        return False


def _suite(kind: str) -> dict[str, type]:
    bases = (
        abstract.AbstractCopyTests,
        abstract.AbstractGetTests,
        abstract.AbstractPutTests,
        abstract.AbstractOpenTests,
        abstract.AbstractPipeTests,
    )
    return {
        f"Test{base.__name__.removeprefix('Abstract')}{kind.capitalize()}": type(
            f"Test{base.__name__.removeprefix('Abstract')}{kind.capitalize()}",
            (BridgeFixtures, base),
            {"kind": kind},
        )
        for base in bases
    }


for _kind in ("memory", "local", "s3"):
    globals().update(_suite(_kind))
del _kind
