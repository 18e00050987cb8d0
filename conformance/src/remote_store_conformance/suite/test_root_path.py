"""A store scoped to a nested ``root_path``: path translation both ways and isolation."""

from __future__ import annotations

import pytest

from remote_store import Capability, InvalidPath, RemotePath, Store

from .._markers import requires
from .._support import snapshot, write_tree
from ..plugin import NESTED_ROOT

__all__ = ["TestRootPath"]

INSIDE = {"a.txt": b"a", "sub/b.txt": b"bb", "sub/deeper/c.txt": b"ccc"}
OUTSIDE = {
    "outside.txt": b"o",
    "nested/sibling.txt": b"s",
    # Shares the nested root's text as a prefix, but is another folder.
    f"{NESTED_ROOT}x/trap.txt": b"t",
    f"{NESTED_ROOT}.txt": b"t",
}


@requires(Capability.WRITE, Capability.READ)
class TestRootPath:
    @pytest.mark.spec("STORE-030")
    def test_writes_land_below_the_root(self, store: Store, nested_store: Store) -> None:
        write_tree(nested_store, INSIDE)
        for path, content in INSIDE.items():
            assert store.read_bytes(f"{NESTED_ROOT}/{path}") == content
            assert nested_store.read_bytes(path) == content
        assert not store.exists("a.txt")

    @pytest.mark.spec("STORE-030")
    def test_what_lies_outside_is_invisible(self, store: Store, nested_store: Store) -> None:
        write_tree(store, OUTSIDE)
        write_tree(nested_store, INSIDE)
        for path in ("outside.txt", "sibling.txt", "trap.txt", "x/trap.txt"):
            assert not nested_store.exists(path), path
        if store.supports(Capability.LIST):
            listed = sorted(str(info.path) for info in nested_store.list_files("", recursive=True))
            assert listed == sorted(INSIDE)
            assert sorted(nested_store.list_folders("")) == ["sub"]

    @requires(Capability.LIST)
    @pytest.mark.spec("STORE-030", "STORE-024")
    def test_results_are_relative_to_the_root(self, nested_store: Store) -> None:
        write_tree(nested_store, INSIDE)
        infos = list(nested_store.list_files("sub", recursive=True))
        assert sorted(str(info.path) for info in infos) == ["sub/b.txt", "sub/deeper/c.txt"]
        for info in infos:
            assert nested_store.read_bytes(info.path) == INSIDE[str(info.path)]
        assert list(nested_store.list_folders("sub")) == ["deeper"]
        if nested_store.supports(Capability.METADATA):
            assert nested_store.get_file_info("sub/b.txt").path == RemotePath("sub/b.txt")
            folder = nested_store.get_folder_info("sub")
            assert folder.path == RemotePath("sub")
            assert (folder.file_count, folder.total_size) == (2, 5)
            whole = nested_store.get_folder_info("")
            assert whole.path == RemotePath("")
            assert (whole.file_count, whole.total_size) == (3, 6)

    @requires(Capability.METADATA)
    @pytest.mark.spec("STORE-026", "STORE-030")
    def test_folder_info_of_a_root_never_written(self, nested_store: Store) -> None:
        info = nested_store.get_folder_info("")
        assert (info.path, info.file_count, info.total_size, info.modified_at) == (RemotePath(""), 0, 0, None)

    @requires(Capability.LIST)
    @pytest.mark.spec("STORE-022", "STORE-030")
    def test_root_never_written_lists_nothing(self, store: Store, nested_store: Store) -> None:
        write_tree(store, OUTSIDE)
        assert list(nested_store.list_files("")) == []
        assert list(nested_store.list_files("", recursive=True)) == []
        assert list(nested_store.list_folders("")) == []

    @requires(Capability.DELETE)
    @pytest.mark.spec("STORE-015", "STORE-030")
    def test_the_scoped_root_is_never_deleted(self, store: Store, nested_store: Store) -> None:
        write_tree(store, OUTSIDE)
        write_tree(nested_store, INSIDE)
        before = snapshot(store)
        with pytest.raises(InvalidPath):
            nested_store.delete_folder("", recursive=True)
        assert snapshot(store) == before

    @requires(Capability.DELETE)
    @pytest.mark.spec("STORE-014", "STORE-030")
    def test_recursive_delete_stays_inside(self, store: Store, nested_store: Store) -> None:
        write_tree(store, OUTSIDE)
        write_tree(nested_store, INSIDE)
        nested_store.delete_folder("sub", recursive=True)
        assert nested_store.is_file("a.txt")
        assert not nested_store.exists("sub")
        for path in OUTSIDE:
            assert store.is_file(path), path

    @requires(Capability.MOVE, Capability.COPY)
    @pytest.mark.spec("STORE-017", "STORE-018", "STORE-030")
    def test_move_and_copy_inside(self, store: Store, nested_store: Store) -> None:
        write_tree(nested_store, INSIDE)
        nested_store.move("a.txt", "moved/a.txt")
        nested_store.copy("sub/b.txt", "copied.txt")
        assert store.read_bytes(f"{NESTED_ROOT}/moved/a.txt") == b"a"
        assert store.read_bytes(f"{NESTED_ROOT}/copied.txt") == b"bb"
        assert not store.exists(f"{NESTED_ROOT}/a.txt")
