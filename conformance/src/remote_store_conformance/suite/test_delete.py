"""Deleting files and folders, and what becomes of folders left without files."""

from __future__ import annotations

import pytest

from remote_store import Capability, DirectoryNotEmpty, InvalidPath, NotFound, Store

from .._markers import requires, requires_not
from .._requirements import Requirements
from .._support import snapshot, write_tree

__all__ = ["TestDelete", "TestDeleteEmptyFolders", "TestDeleteFolder"]

TREE = {
    "a/one.txt": b"1",
    "a/sub/two.txt": b"2",
    "a/sub/deep/three.txt": b"3",
    "ab/four.txt": b"4",
    "a.txt": b"5",
    "a b/six.txt": b"6",
    "other/seven.txt": b"7",
}
"""Folder ``a`` with siblings whose names start the same way (``ab``, ``a.txt``, ``a b``)."""

OUTSIDE_A = ["ab/four.txt", "a.txt", "a b/six.txt", "other/seven.txt"]


@requires(Capability.DELETE, Capability.WRITE)
class TestDelete:
    @pytest.mark.spec("STORE-012")
    def test_delete_removes_only_the_file(self, store: Store) -> None:
        write_tree(store, TREE)
        store.delete("a/one.txt")
        assert not store.is_file("a/one.txt")
        assert not store.exists("a/one.txt")
        for path in TREE:
            if path != "a/one.txt":
                assert store.is_file(path), path

    @requires(Capability.READ)
    @pytest.mark.spec("STORE-012")
    def test_deleted_file_cannot_be_read(self, store: Store) -> None:
        store.write("gone.txt", b"x")
        store.delete("gone.txt")
        with pytest.raises(NotFound):
            store.read_bytes("gone.txt")

    @pytest.mark.spec("STORE-012", "STORE-028")
    def test_delete_missing_file(self, store: Store) -> None:
        write_tree(store, TREE)
        before = snapshot(store, "a/missing.txt")
        with pytest.raises(NotFound) as caught:
            store.delete("a/missing.txt")
        assert caught.value.path == "a/missing.txt"
        assert caught.value.operation == "delete"
        assert caught.value.backend == store.backend.type_name
        with pytest.raises(NotFound) as caught:
            store.delete("no/such/folder/file.txt")
        assert caught.value.path == "no/such/folder/file.txt"
        store.delete("a/missing.txt", missing_ok=True)
        store.delete("no/such/folder/file.txt", missing_ok=True)
        assert snapshot(store, "a/missing.txt") == before

    @pytest.mark.spec("STORE-012")
    def test_delete_of_a_folder_is_invalid(self, store: Store, requirements: Requirements) -> None:
        write_tree(store, TREE)
        before = snapshot(store, "a", "a/one.txt")
        with pytest.raises(InvalidPath) as caught:
            store.delete("a")
        assert caught.value.path == "a"
        if requirements.missing_ok_delete_detects_folders:
            with pytest.raises(InvalidPath) as caught:
                store.delete("a", missing_ok=True)
            assert caught.value.path == "a"
        else:
            store.delete("a", missing_ok=True)
        assert snapshot(store, "a", "a/one.txt") == before

    @requires("real_empty_folders")
    @pytest.mark.spec("STORE-012")
    def test_delete_of_an_empty_folder_changes_nothing(
        self, store: Store, requirements: Requirements
    ) -> None:
        store.write("empty/file.txt", b"x")
        store.delete("empty/file.txt")  # "empty" stays, a folder holding nothing (STORE-016)
        for missing_ok in (False, True):
            if missing_ok and not requirements.missing_ok_delete_detects_folders:
                store.delete("empty", missing_ok=True)
            else:
                with pytest.raises(InvalidPath):
                    store.delete("empty", missing_ok=missing_ok)
            assert store.is_folder("empty"), f"delete('empty', missing_ok={missing_ok}) removed a folder"

    @pytest.mark.spec("STORE-012")
    def test_delete_of_the_root_is_invalid(self, store: Store) -> None:
        write_tree(store, TREE)
        before = snapshot(store)
        with pytest.raises(InvalidPath):
            store.delete("")
        with pytest.raises(InvalidPath):
            store.delete("", missing_ok=True)
        assert snapshot(store) == before


@requires(Capability.DELETE, Capability.WRITE)
class TestDeleteFolder:
    @pytest.mark.spec("STORE-013", "STORE-028")
    def test_non_empty_folder_is_not_deleted(self, store: Store) -> None:
        write_tree(store, TREE)
        before = snapshot(store, "a", "a/sub")
        for folder in ("a", "a/sub"):
            with pytest.raises(DirectoryNotEmpty) as caught:
                store.delete_folder(folder)
            assert caught.value.path == folder
            assert caught.value.operation == "delete_folder"
            assert caught.value.backend == store.backend.type_name
        assert snapshot(store, "a", "a/sub") == before
        for path in TREE:
            assert store.is_file(path), path

    @requires("real_empty_folders")
    @pytest.mark.spec("STORE-013")
    def test_folder_holding_only_an_empty_folder_is_not_deleted(self, store: Store) -> None:
        store.write("outer/inner/file.txt", b"x")
        store.delete("outer/inner/file.txt")  # "outer/inner" stays, empty (STORE-016)
        with pytest.raises(DirectoryNotEmpty):
            store.delete_folder("outer")
        assert store.is_folder("outer/inner")
        store.delete_folder("outer/inner")
        store.delete_folder("outer")
        assert not store.exists("outer")

    @pytest.mark.spec("STORE-013")
    def test_folder_holding_only_a_folder_is_not_deleted(self, store: Store) -> None:
        store.write("outer/inner/file.txt", b"x")
        with pytest.raises(DirectoryNotEmpty):
            store.delete_folder("outer")
        assert store.is_file("outer/inner/file.txt")

    @pytest.mark.spec("STORE-014")
    def test_recursive_delete_removes_everything_below(self, store: Store) -> None:
        write_tree(store, TREE)
        store.delete_folder("a", recursive=True)
        for path in ("a", "a/sub", "a/sub/deep", "a/one.txt", "a/sub/two.txt", "a/sub/deep/three.txt"):
            assert not store.exists(path), path
        for path in OUTSIDE_A:
            assert store.is_file(path), path
        if store.supports(Capability.LIST):
            remaining = sorted(str(info.path) for info in store.list_files("", recursive=True))
            assert remaining == sorted(OUTSIDE_A)
            assert "a" not in set(store.list_folders(""))

    @pytest.mark.spec("STORE-014")
    def test_recursive_delete_of_a_nested_folder(self, store: Store) -> None:
        write_tree(store, TREE)
        store.delete_folder("a/sub/", recursive=True)
        assert not store.exists("a/sub")
        assert store.is_file("a/one.txt")
        assert store.is_folder("a")

    @pytest.mark.spec("STORE-015", "STORE-028")
    def test_missing_folder(self, store: Store) -> None:
        write_tree(store, TREE)
        before = snapshot(store, "missing")
        for recursive in (False, True):
            for path in ("missing", "a/missing/deeper"):
                with pytest.raises(NotFound) as caught:
                    store.delete_folder(path, recursive=recursive)
                assert caught.value.path == path
                assert caught.value.operation == "delete_folder"
            store.delete_folder("missing", recursive=recursive, missing_ok=True)
            store.delete_folder("a/missing/deeper", recursive=recursive, missing_ok=True)
        assert snapshot(store, "missing") == before

    @pytest.mark.spec("STORE-015")
    def test_the_root_is_never_deleted(self, store: Store) -> None:
        write_tree(store, TREE)
        before = snapshot(store)
        for recursive in (False, True):
            for missing_ok in (False, True):
                with pytest.raises(InvalidPath):
                    store.delete_folder("", recursive=recursive, missing_ok=missing_ok)
        assert snapshot(store) == before
        for path in TREE:
            assert store.is_file(path), path

    @pytest.mark.spec("STORE-015")
    def test_delete_folder_of_a_file_is_invalid(self, store: Store) -> None:
        write_tree(store, TREE)
        before = snapshot(store, "a.txt")
        for recursive in (False, True):
            with pytest.raises(InvalidPath) as caught:
                store.delete_folder("a.txt", recursive=recursive)
            assert caught.value.path == "a.txt"
        assert snapshot(store, "a.txt") == before
        assert store.is_file("a.txt")


@requires(Capability.DELETE, Capability.WRITE)
class TestDeleteEmptyFolders:
    @requires("real_empty_folders")
    @pytest.mark.spec("STORE-016", "STORE-013")
    def test_folder_remains_after_its_last_file(self, store: Store) -> None:
        store.write("keep/inner/only.txt", b"x")
        store.delete("keep/inner/only.txt")
        assert store.is_folder("keep/inner")
        assert store.exists("keep/inner")
        if store.supports(Capability.LIST):
            assert list(store.list_folders("keep")) == ["inner"]
            assert list(store.list_files("keep/inner")) == []
        store.delete_folder("keep/inner")
        assert not store.exists("keep/inner")
        assert store.is_folder("keep")

    @requires("real_empty_folders", Capability.MOVE)
    @pytest.mark.spec("STORE-016")
    def test_folder_remains_after_its_last_file_moves(self, store: Store) -> None:
        store.write("source/only.txt", b"x")
        store.move("source/only.txt", "target/only.txt")
        assert store.is_folder("source")
        assert store.is_file("target/only.txt")

    @requires_not("real_empty_folders")
    @pytest.mark.spec("STORE-016")
    def test_folder_vanishes_with_its_last_file(self, store: Store) -> None:
        store.write("gone/inner/only.txt", b"x")
        store.write("stays.txt", b"y")
        store.delete("gone/inner/only.txt")
        for folder in ("gone", "gone/inner"):
            assert not store.is_folder(folder), folder
            assert not store.exists(folder), folder
        if store.supports(Capability.LIST):
            assert list(store.list_folders("")) == []
        with pytest.raises(NotFound):
            store.delete_folder("gone/inner")

    @requires_not("real_empty_folders")
    @requires(Capability.MOVE)
    @pytest.mark.spec("STORE-016")
    def test_folder_vanishes_when_its_last_file_moves(self, store: Store) -> None:
        store.write("source/only.txt", b"x")
        store.move("source/only.txt", "target/only.txt")
        assert not store.exists("source")
        assert store.is_folder("target")
