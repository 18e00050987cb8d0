"""Writing files: creation, overwrite semantics, implicit parents, invalid targets and content."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from remote_store import (
    AlreadyExists,
    Backend,
    Capability,
    InvalidContent,
    InvalidPath,
    RemotePath,
    Store,
)

from .._markers import requires
from .._support import MIB, RecordingBackend, random_bytes, snapshot

__all__ = ["TestWrite", "TestWriteInvalid"]

# Content that ``write`` refuses before reading any of it (STORE-008, BACKEND-016).
INVALID_CONTENT = [
    pytest.param("text is not bytes", id="str"),
    pytest.param(io.StringIO("text stream"), id="text-stream"),
    pytest.param(42, id="int"),
    pytest.param(None, id="none"),
    pytest.param([b"a", b"b"], id="list-of-bytes"),
]


@requires(Capability.WRITE, Capability.READ)
class TestWrite:
    @pytest.mark.spec("STORE-003")
    def test_write_creates_a_file(self, store: Store) -> None:
        store.write("greeting.txt", b"hello")
        assert store.read_bytes("greeting.txt") == b"hello"
        assert store.is_file("greeting.txt")
        assert store.exists("greeting.txt")

    @pytest.mark.spec("STORE-003")
    @pytest.mark.parametrize("size", [0, 1, 255, MIB + 7])
    def test_write_stores_exact_bytes(self, store: Store, size: int) -> None:
        # Every byte value, then random data: no text-mode translation, no truncation.
        content = (bytes(range(256)) * (size // 256 + 1))[:size] if size < 1024 else random_bytes(size, size)
        store.write("data/blob.bin", content)
        assert store.read_bytes("data/blob.bin") == content

    @pytest.mark.spec("STORE-004", "STORE-028")
    def test_write_refuses_an_existing_file(self, store: Store) -> None:
        store.write("report.csv", b"original")
        before = snapshot(store, "report.csv")
        with pytest.raises(AlreadyExists) as caught:
            store.write("report.csv", b"replacement")
        assert caught.value.path == "report.csv"
        assert caught.value.operation == "write"
        assert caught.value.backend == store.backend.type_name
        assert store.read_bytes("report.csv") == b"original"
        assert snapshot(store, "report.csv") == before

    @pytest.mark.spec("STORE-004")
    @pytest.mark.parametrize("existing", [b"", b"x"], ids=["empty", "one-byte"])
    def test_write_refuses_an_existing_small_file(self, store: Store, existing: bytes) -> None:
        # An empty file is a file: "nothing there yet" must not be read from its size.
        store.write("small.bin", existing)
        for content in (b"replacement", b""):
            with pytest.raises(AlreadyExists):
                store.write("small.bin", content)
        assert store.read_bytes("small.bin") == existing

    @pytest.mark.spec("STORE-005")
    def test_overwrite_replaces_the_whole_file(self, store: Store) -> None:
        store.write("notes.txt", b"a much longer original content " * 1000)
        store.write("notes.txt", b"short", overwrite=True)
        assert store.read_bytes("notes.txt") == b"short"
        store.write("notes.txt", b"longer than short", overwrite=True)
        assert store.read_bytes("notes.txt") == b"longer than short"

    @pytest.mark.spec("STORE-005")
    def test_overwrite_creates_a_missing_file(self, store: Store) -> None:
        store.write("fresh/new.txt", b"new", overwrite=True)
        assert store.read_bytes("fresh/new.txt") == b"new"

    @pytest.mark.spec("STORE-006")
    def test_write_creates_parent_folders(self, store: Store) -> None:
        store.write("p/q/r/leaf.txt", b"x")
        for folder in ("p", "p/q", "p/q/r"):
            assert store.is_folder(folder), folder
            assert store.exists(folder), folder
            assert not store.is_file(folder), folder

    @requires(Capability.LIST)
    @pytest.mark.spec("STORE-006")
    def test_created_parents_are_listed(self, store: Store) -> None:
        store.write("p/q/r/leaf.txt", b"x")
        assert list(store.list_folders("")) == ["p"]
        assert list(store.list_folders("p")) == ["q"]
        assert list(store.list_folders("p/q")) == ["r"]

    @pytest.mark.spec("STORE-002")
    def test_path_spellings_name_the_same_file(self, store: Store) -> None:
        store.write(RemotePath("x/y.txt"), b"typed")
        assert store.read_bytes("x/y.txt") == b"typed"
        assert store.read_bytes(RemotePath("x") / "y.txt") == b"typed"
        assert store.is_folder("x/")
        assert store.is_folder(RemotePath("x"))
        with pytest.raises(AlreadyExists):
            store.write("x/y.txt/", b"again")


@requires(Capability.WRITE, Capability.READ)
class TestWriteInvalid:
    @pytest.mark.spec("STORE-007")
    def test_write_to_the_root_is_invalid(self, store: Store) -> None:
        before = snapshot(store)
        for overwrite in (False, True):
            with pytest.raises(InvalidPath) as caught:
                store.write("", b"x", overwrite=overwrite)
            assert caught.value.operation == "write"
        assert snapshot(store) == before

    @requires("file_folder_conflicts_rejected")
    @pytest.mark.spec("STORE-007", "STORE-028")
    def test_write_onto_a_folder_is_invalid(self, store: Store) -> None:
        store.write("folder/inside.txt", b"inside")
        before = snapshot(store, "folder", "folder/inside.txt")
        for overwrite in (False, True):
            with pytest.raises(InvalidPath) as caught:
                store.write("folder", b"x", overwrite=overwrite)
            assert caught.value.path == "folder"
            assert caught.value.operation == "write"
        assert snapshot(store, "folder", "folder/inside.txt") == before
        assert store.read_bytes("folder/inside.txt") == b"inside"

    @requires("file_folder_conflicts_rejected")
    @pytest.mark.spec("STORE-007")
    def test_write_below_a_file_is_invalid(self, store: Store) -> None:
        store.write("plain.txt", b"plain")
        before = snapshot(store, "plain.txt", "plain.txt/child")
        for overwrite in (False, True):
            with pytest.raises(InvalidPath):
                store.write("plain.txt/child", b"x", overwrite=overwrite)
            with pytest.raises(InvalidPath):
                store.write("plain.txt/deeper/child", b"x", overwrite=overwrite)
        assert snapshot(store, "plain.txt", "plain.txt/child") == before
        assert store.read_bytes("plain.txt") == b"plain"

    @pytest.mark.spec("STORE-008", "STORE-028")
    @pytest.mark.parametrize("content", INVALID_CONTENT)
    @pytest.mark.parametrize(
        "operation", ["write", pytest.param("write_atomic", marks=requires(Capability.ATOMIC_WRITE))]
    )
    def test_invalid_content_is_refused_before_io(
        self,
        conformance_backend: Backend,
        operation: str,
        content: object,
        open_store: Callable[..., Store],
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        with pytest.raises(InvalidContent) as caught:
            getattr(view, operation)("new-folder/new.txt", content)
        assert caught.value.path == "new-folder/new.txt"
        assert caught.value.operation == operation
        assert recorder.calls == [], "the backend was called for content that cannot be written"
        assert not view.exists("new-folder")

    @pytest.mark.spec("BACKEND-016", "BACKEND-005")
    @pytest.mark.parametrize("content", INVALID_CONTENT)
    @pytest.mark.parametrize(
        "operation", ["write", pytest.param("write_atomic", marks=requires(Capability.ATOMIC_WRITE))]
    )
    @pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
    def test_a_backend_checks_content_itself_first(
        self, conformance_backend: Backend, operation: str, content: object, existing: bool
    ) -> None:
        # Called directly, without a Store in front: the backend must not trust its caller.
        _assert_refused(conformance_backend, operation, content, overwrite=False, existing=existing)

    @pytest.mark.spec("BACKEND-016", "BACKEND-005", "BACKEND-006")
    @pytest.mark.parametrize(
        "operation", ["write", pytest.param("write_atomic", marks=requires(Capability.ATOMIC_WRITE))]
    )
    @pytest.mark.parametrize("overwrite", [False, True])
    def test_a_stream_that_turns_out_to_give_text_is_refused_midway(
        self, conformance_backend: Backend, operation: str, overwrite: bool
    ) -> None:
        _assert_refused(
            conformance_backend, operation, _TextAfterBytes(), overwrite=overwrite, existing=overwrite
        )


def _assert_refused(
    backend: Backend, operation: str, content: object, *, overwrite: bool, existing: bool
) -> None:
    """``operation`` of ``content`` raises InvalidContent naming path, operation, backend; nothing changes."""
    path = "new-folder/new.txt"
    if existing:
        backend.write(path, b"old")
    with pytest.raises(InvalidContent) as caught:
        getattr(backend, operation)(path, content, overwrite=overwrite)
    error = caught.value
    assert (error.path, error.operation, error.backend) == (path, operation, backend.type_name)
    if existing:
        assert backend.read_bytes(path) == b"old"
    else:
        assert not backend.exists("new-folder")


class _TextAfterBytes:
    """A stream with a binary-looking ``read`` that gives bytes, then text: found only while writing."""

    def __init__(self) -> None:
        self._calls = 0

    def read(self, size: int = -1) -> object:
        self._calls += 1
        # Text once, then the end: a backend that encodes the text instead of refusing it ends
        # its write (and fails the test) instead of reading text forever.
        if self._calls == 1:
            return b"binary first " * 100
        return "then text" if self._calls == 2 else b""
