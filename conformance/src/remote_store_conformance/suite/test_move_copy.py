"""Moving and copying files, with and without overwrite, and their errors."""

from __future__ import annotations

import pytest

from remote_store import AlreadyExists, Capability, InvalidPath, NotFound, RemotePath, Store

from .._markers import requires
from .._support import snapshot, write_tree

__all__ = ["TestMoveCopy", "TestMoveCopyErrors"]

OPERATIONS = [
    pytest.param("move", marks=requires(Capability.MOVE), id="move"),
    pytest.param("copy", marks=requires(Capability.COPY), id="copy"),
]


@requires(Capability.WRITE, Capability.READ)
class TestMoveCopy:
    @requires(Capability.MOVE)
    @pytest.mark.spec("STORE-017")
    def test_move(self, store: Store) -> None:
        store.write("src/file.txt", b"moving content")
        store.move("src/file.txt", "dst/deeper/file.txt")
        assert store.read_bytes("dst/deeper/file.txt") == b"moving content"
        assert not store.exists("src/file.txt")
        assert store.is_folder("dst/deeper")

    @requires(Capability.MOVE)
    @pytest.mark.spec("STORE-017")
    def test_move_renames_in_place(self, store: Store) -> None:
        store.write("folder/old name.txt", b"renamed")
        store.move("folder/old name.txt", RemotePath("folder/new name.txt"))
        assert store.read_bytes("folder/new name.txt") == b"renamed"
        assert not store.is_file("folder/old name.txt")

    @requires(Capability.MOVE)
    @pytest.mark.spec("STORE-017")
    def test_move_with_overwrite_replaces(self, store: Store) -> None:
        store.write("new.txt", b"new")
        store.write("existing.txt", b"existing, and longer than new")
        store.move("new.txt", "existing.txt", overwrite=True)
        assert store.read_bytes("existing.txt") == b"new"
        assert not store.exists("new.txt")

    @requires(Capability.COPY)
    @pytest.mark.spec("STORE-018")
    def test_copy(self, store: Store) -> None:
        store.write("src/file.txt", b"copied content")
        store.copy("src/file.txt", "dst/deeper/file.txt")
        assert store.read_bytes("dst/deeper/file.txt") == b"copied content"
        assert store.read_bytes("src/file.txt") == b"copied content"
        assert store.is_folder("dst/deeper")

    @requires(Capability.COPY)
    @pytest.mark.spec("STORE-018")
    def test_copies_are_independent(self, store: Store) -> None:
        store.write("original.txt", b"v1")
        store.copy("original.txt", "copy.txt")
        store.write("original.txt", b"v2 of the original", overwrite=True)
        assert store.read_bytes("copy.txt") == b"v1"
        store.write("copy.txt", b"v3 of the copy", overwrite=True)
        assert store.read_bytes("original.txt") == b"v2 of the original"

    @requires(Capability.COPY)
    @pytest.mark.spec("STORE-018")
    def test_copy_with_overwrite_replaces(self, store: Store) -> None:
        store.write("new.txt", b"new")
        store.write("existing.txt", b"existing, and longer than new")
        store.copy("new.txt", "existing.txt", overwrite=True)
        assert store.read_bytes("existing.txt") == b"new"
        assert store.read_bytes("new.txt") == b"new"


@requires(Capability.WRITE, Capability.READ)
@pytest.mark.parametrize("operation", OPERATIONS)
class TestMoveCopyErrors:
    @pytest.mark.spec("STORE-019", "STORE-028")
    def test_missing_source(self, store: Store, operation: str) -> None:
        write_tree(store, {"present.txt": b"p"})
        before = snapshot(store, "missing.txt", "target/file.txt", "target")
        with pytest.raises(NotFound) as caught:
            getattr(store, operation)("missing.txt", "target/file.txt")
        assert caught.value.path == "missing.txt"
        assert caught.value.operation == operation
        assert caught.value.backend == store.backend.type_name
        assert snapshot(store, "missing.txt", "target/file.txt", "target") == before

    @pytest.mark.spec("STORE-019")
    def test_folder_source_is_not_a_file(self, store: Store, operation: str) -> None:
        write_tree(store, {"folder/inside.txt": b"i"})
        before = snapshot(store, "folder", "folder/inside.txt", "elsewhere")
        with pytest.raises(NotFound):
            getattr(store, operation)("folder", "elsewhere")
        assert snapshot(store, "folder", "folder/inside.txt", "elsewhere") == before

    @pytest.mark.spec("STORE-019", "STORE-028")
    def test_existing_destination(self, store: Store, operation: str) -> None:
        write_tree(store, {"src.txt": b"source", "dst/file.txt": b"destination"})
        before = snapshot(store, "src.txt", "dst/file.txt")
        with pytest.raises(AlreadyExists) as caught:
            getattr(store, operation)("src.txt", "dst/file.txt")
        assert caught.value.path == "dst/file.txt"
        assert caught.value.operation == operation
        assert store.read_bytes("src.txt") == b"source"
        assert store.read_bytes("dst/file.txt") == b"destination"
        assert snapshot(store, "src.txt", "dst/file.txt") == before

    @pytest.mark.spec("STORE-019")
    @pytest.mark.parametrize("overwrite", [False, True])
    def test_same_source_and_destination(self, store: Store, operation: str, overwrite: bool) -> None:
        write_tree(store, {"same/file.txt": b"same"})
        before = snapshot(store, "same/file.txt")
        for destination in ("same/file.txt", "same/file.txt/", RemotePath("same/file.txt")):
            with pytest.raises(InvalidPath) as caught:
                getattr(store, operation)("same/file.txt", destination, overwrite=overwrite)
            assert caught.value.operation == operation
        with pytest.raises(InvalidPath):
            getattr(store, operation)("never/existed.txt", "never/existed.txt", overwrite=overwrite)
        assert store.read_bytes("same/file.txt") == b"same"
        assert snapshot(store, "same/file.txt") == before
