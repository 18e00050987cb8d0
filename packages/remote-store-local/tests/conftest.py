from __future__ import annotations

import os
import time
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
def conformance_litter(conformance_backend: LocalBackend) -> Any:
    # What a writer killed mid-replace leaves: a named temporary file beside the target (CONF-011).
    from remote_store.backends.local._names import is_temp_name, new_temp_name
    from remote_store_conformance import LitterMaker

    class LocalLitter(LitterMaker):
        def __init__(self, backend: LocalBackend) -> None:
            self._backend = backend
            self._root = Path(backend.root)

        def leave(self, folder: str, *, age: float) -> str:
            place = self._root / folder
            place.mkdir(parents=True, exist_ok=True)
            name = new_temp_name()
            (place / name).write_bytes(b"the first part of a file whose writer was killed")
            touched = time.time() - age
            os.utime(place / name, (touched, touched))
            return f"{folder}/{name}" if folder else name  # temporary names are reserved (LOCAL-009)

        def count(self) -> int:
            return sum(1 for _, _, names in os.walk(self._root) for name in names if is_temp_name(name))

        def sweep(self, older_than: float) -> int:
            return self._backend.remove_temp_files(older_than=older_than)

    return LocalLitter(conformance_backend)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The root folder of ``backend`` (not created)."""
    return tmp_path / "root"


@pytest.fixture
def backend(root: Path) -> Iterator[LocalBackend]:
    backend = LocalBackend(root=root)
    yield backend
    backend.close()


@pytest.fixture
def proc_link() -> Iterator[None]:
    """Publish unnamed files by linking their ``/proc/self/fd`` entry with ``os.link`` (LOCAL-030).

    For tests that make ``os.link`` fail to simulate a file system: the ``AT_EMPTY_PATH`` call
    of ``_flink`` does not go through ``os.link``.
    """
    from remote_store.backends.local import _flink

    _flink.disable()
    try:
        yield
    finally:
        _flink.enable()


@pytest.fixture(params=["openat2", "walk"])
def resolution(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with paths resolved through openat2 (where it exists) and with the walk forced.

    LOCAL-026/LOCAL-027: the sandbox must hold on both paths, so the sandbox tests use this.
    """
    from remote_store.backends.local import _openat2

    if request.param == "walk":
        _openat2.disable()
        try:
            yield "walk"
        finally:
            _openat2.enable()
        return
    if not _openat2.available():
        pytest.skip("openat2(2) is not available here: every path is walked (LOCAL-027)")
    yield "openat2"
