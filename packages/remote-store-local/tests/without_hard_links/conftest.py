"""Runs the suite as on a file system without hard links (FAT, exFAT, some FUSE and network mounts).

There ``link(2)`` fails with ``EPERM``, so the backend takes its fallbacks (LOCAL-007): a create
reserves its name with an exclusive open and renames the finished file over it, and an unnamed
``O_TMPFILE`` file is copied into a named one first. Mounting such a file system needs root, so
``os.link`` is made to fail the way they fail it; the second variant also lacks ``O_TMPFILE``
(older kernels, file systems that refuse it), so creates start from a named temporary file. The
fixtures of ``tests/conftest.py`` (requirements, faults, links) apply here unchanged.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from remote_store.backends.local import LocalBackend, _flink, _write


def _no_hard_links(*args: Any, **kwargs: Any) -> None:
    raise PermissionError(errno.EPERM, "Operation not permitted")


@pytest.fixture(params=["o_tmpfile", "no_o_tmpfile"])
def conformance_backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalBackend]:
    monkeypatch.setattr(os, "link", _no_hard_links)
    monkeypatch.setattr(_flink, "_state", {"call": None})  # every link through os.link (LOCAL-030)
    if request.param == "no_o_tmpfile":
        monkeypatch.setattr(_write, "_UNNAMED", False)
    backend = LocalBackend(root=tmp_path / "root")
    yield backend
    backend.close()
