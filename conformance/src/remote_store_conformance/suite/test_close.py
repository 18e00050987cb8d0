"""Closing a store: idempotent, owns or shares its backend, and refuses every later call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from remote_store import Backend, Capability, Store, StoreClosed

from .._markers import requires
from .._support import RecordingBackend

__all__ = ["TestClose"]

# Every Store operation with valid arguments, and the capability it needs (None: never gated).
OPERATIONS: list[tuple[str, Callable[[Store], Any], Capability | None]] = [
    ("exists", lambda store: store.exists("file.txt"), None),
    ("exists", lambda store: store.exists(""), None),
    ("is_file", lambda store: store.is_file("file.txt"), None),
    ("is_file", lambda store: store.is_file(""), None),
    ("is_folder", lambda store: store.is_folder("folder"), None),
    ("is_folder", lambda store: store.is_folder(""), None),
    ("write", lambda store: store.write("new.txt", b"x"), Capability.WRITE),
    ("write_atomic", lambda store: store.write_atomic("new.txt", b"x"), Capability.ATOMIC_WRITE),
    ("read", lambda store: store.read("file.txt"), Capability.READ),
    ("read_bytes", lambda store: store.read_bytes("file.txt"), Capability.READ),
    ("read_range", lambda store: store.read_range("file.txt", 0, 1), Capability.SEEKABLE_READ),
    ("read_text", lambda store: store.read_text("file.txt"), Capability.READ),
    ("write_text", lambda store: store.write_text("new.txt", "x"), Capability.WRITE),
    ("glob", lambda store: store.glob("*.txt"), Capability.LIST),
    ("child", lambda store: store.child("folder"), None),
    ("delete", lambda store: store.delete("file.txt"), Capability.DELETE),
    ("delete_folder", lambda store: store.delete_folder("folder", recursive=True), Capability.DELETE),
    ("move", lambda store: store.move("file.txt", "moved.txt"), Capability.MOVE),
    ("copy", lambda store: store.copy("file.txt", "copied.txt"), Capability.COPY),
    ("list_files", lambda store: store.list_files(""), Capability.LIST),
    ("list_folders", lambda store: store.list_folders(""), Capability.LIST),
    ("get_file_info", lambda store: store.get_file_info("file.txt"), Capability.METADATA),
    ("get_folder_info", lambda store: store.get_folder_info(""), Capability.METADATA),
]

AFTER_CLOSE = [
    pytest.param(name, call, marks=requires(needed) if needed else (), id=f"{name}-{index}")
    for index, (name, call, needed) in enumerate(OPERATIONS)
]


class TestClose:
    @pytest.mark.spec("STORE-029")
    def test_close_is_idempotent_and_closes_an_owned_backend_once(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        owner = open_store(recorder)
        assert not owner.closed
        owner.close()
        owner.close()
        assert owner.closed
        assert recorder.calls.count("close") == 1

    @pytest.mark.spec("STORE-029")
    def test_leaving_the_with_block_closes(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        with open_store(recorder) as owner:
            assert not owner.closed
        assert owner.closed
        assert recorder.calls.count("close") == 1

    @pytest.mark.spec("STORE-029")
    def test_a_store_that_does_not_own_its_backend_leaves_it_open(
        self, conformance_backend: Backend, store: Store, open_store: Callable[..., Store]
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        with open_store(recorder, owns_backend=False):
            pass
        assert "close" not in recorder.calls
        if store.supports(Capability.WRITE):
            store.write("still-open.txt", b"x")
            assert store.is_file("still-open.txt")
        else:
            assert store.exists("")

    @pytest.mark.spec("STORE-029", "BACKEND-008")
    def test_closing_an_owning_store_closes_the_real_backend(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        with open_store(conformance_backend) as owner:
            owner.exists("anything")
        assert owner.closed
        conformance_backend.close()  # a second close is harmless

    @pytest.mark.spec("STORE-029")
    @pytest.mark.parametrize(("operation", "call"), AFTER_CLOSE)
    def test_every_operation_after_close_raises(
        self,
        conformance_backend: Backend,
        operation: str,
        call: Callable[[Store], Any],
        open_store: Callable[..., Store],
    ) -> None:
        closed = open_store(conformance_backend, owns_backend=False)
        closed.close()
        with pytest.raises(StoreClosed) as caught:
            call(closed)
        assert caught.value.operation == operation
