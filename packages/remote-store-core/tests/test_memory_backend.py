"""The memory backend's own contract details, beyond what the conformance suite reaches."""

from __future__ import annotations

import io

import pytest

from remote_store import InvalidContent
from remote_store.backends.memory import MemoryBackend


@pytest.mark.spec("BACKEND-005")
@pytest.mark.parametrize("operation", ["write", "write_atomic"])
def test_invalid_stream_content_names_operation_and_backend(operation: str) -> None:
    backend = MemoryBackend()
    with pytest.raises(InvalidContent) as caught:
        getattr(backend, operation)("a.txt", io.StringIO("text"))
    assert caught.value.operation == operation
    assert caught.value.backend == "memory"
    assert caught.value.path == "a.txt"
    assert not backend.is_file("a.txt")


@pytest.mark.spec("BACKEND-001")
def test_repr_names_a_subclass() -> None:
    class ScratchBackend(MemoryBackend):
        type_name = "scratch"

    assert repr(ScratchBackend()) == "<ScratchBackend type='scratch'>"
    assert repr(MemoryBackend()) == "<MemoryBackend type='memory'>"
