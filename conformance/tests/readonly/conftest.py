"""Runs the suite against a memory backend that declares only READ and LIST.

Most of the suite is skipped here (it needs WRITE to create content); what runs is the check that
every undeclared capability is refused (CONF-006) and the tests that need no content.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from remote_store import Backend, Capability, CapabilitySet
from remote_store.backends.memory import MemoryBackend


class ReadOnlyMemoryBackend(MemoryBackend):
    """The memory backend, declaring only ``READ`` and ``LIST``.

    The operations of the capabilities it no longer declares fall back to the ``Backend``
    defaults, which refuse them (BACKEND-004).
    """

    read_range = Backend.read_range
    write = Backend.write
    write_atomic = Backend.write_atomic
    delete = Backend.delete
    delete_folder = Backend.delete_folder
    move = Backend.move
    copy = Backend.copy
    get_file_info = Backend.get_file_info
    get_folder_info = Backend.get_folder_info

    @property
    def capabilities(self) -> CapabilitySet:
        return CapabilitySet([Capability.READ, Capability.LIST])


@pytest.fixture
def conformance_backend() -> Iterator[ReadOnlyMemoryBackend]:
    backend = ReadOnlyMemoryBackend()
    yield backend
    backend.close()
