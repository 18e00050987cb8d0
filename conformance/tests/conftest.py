"""Runs the conformance suite against the core's in-memory backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from remote_store.backends.memory import MemoryBackend


@pytest.fixture
def conformance_backend() -> Iterator[MemoryBackend]:
    backend = MemoryBackend()
    yield backend
    backend.close()
