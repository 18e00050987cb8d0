"""File and folder metadata: ``get_file_info`` and ``get_folder_info``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from remote_store import Capability, FileInfo, FolderInfo, NotFound, RemotePath, Store

from .._markers import requires
from .._requirements import Requirements
from .._support import MIB, random_bytes, write_tree

__all__ = ["TestMetadata"]

TREE = {
    "docs/a.txt": b"a" * 10,
    "docs/b.txt": b"b" * 20,
    "docs/sub/c.txt": b"c" * 30,
    "docs/sub/deeper/d.txt": b"d" * 40,
    "docsx/e.txt": b"e" * 50,
    "top.txt": b"t" * 5,
}


@requires(Capability.METADATA, Capability.WRITE)
class TestMetadata:
    @pytest.mark.spec("STORE-025")
    @pytest.mark.parametrize("size", [0, 1, MIB + 7])
    def test_file_info(self, store: Store, requirements: Requirements, size: int) -> None:
        tolerance = timedelta(seconds=requirements.modified_at_tolerance)
        before = datetime.now(timezone.utc)
        store.write("info/file name.bin", random_bytes(size, size))
        after = datetime.now(timezone.utc)
        info = store.get_file_info("info/file name.bin")
        assert isinstance(info, FileInfo)
        assert info.path == RemotePath("info/file name.bin")
        assert isinstance(info.path, RemotePath)
        assert info.name == "file name.bin"
        assert info.size == size
        assert info.modified_at.tzinfo is not None
        assert before - tolerance <= info.modified_at <= after + tolerance, (before, info.modified_at)

    @requires(Capability.LIST)
    @pytest.mark.spec("STORE-025")
    def test_file_info_matches_the_listing(self, store: Store) -> None:
        write_tree(store, TREE)
        for listed in store.list_files("", recursive=True):
            info = store.get_file_info(listed.path)
            assert (info.path, info.name, info.size) == (listed.path, listed.name, listed.size)

    @pytest.mark.spec("STORE-025", "STORE-028")
    def test_file_info_of_what_is_not_a_file(self, store: Store) -> None:
        write_tree(store, TREE)
        for path in (
            "missing.txt",
            "docs/missing.txt",
            "missing/deeper.txt",
            "docs",
            "docs/sub",
            "top.txt/x",
        ):
            with pytest.raises(NotFound) as caught:
                store.get_file_info(path)
            assert caught.value.path == path
            assert caught.value.operation == "get_file_info"

    @pytest.mark.spec("STORE-026")
    def test_folder_info(self, store: Store) -> None:
        write_tree(store, TREE)
        info = store.get_folder_info("docs")
        assert isinstance(info, FolderInfo)
        assert info.path == RemotePath("docs")
        assert info.file_count == 4
        assert info.total_size == 100
        assert info.modified_at is not None
        if store.supports(Capability.LIST):
            # Exactly the newest time the backend reports for those files.
            assert info.modified_at == max(
                item.modified_at for item in store.list_files("docs", recursive=True)
            )
        else:
            newest = max(store.get_file_info(path).modified_at for path in TREE if path.startswith("docs/"))
            assert abs(info.modified_at - newest) <= timedelta(seconds=1)

    @pytest.mark.spec("STORE-026")
    def test_folder_info_counts_every_name(self, store: Store) -> None:
        # Names a file system calls hidden or odd are files like any other.
        files = {"odd/.hidden": b"1", "odd/.dot/inner.txt": b"22", "odd/~tilde": b"333", "odd/plain": b"4444"}
        write_tree(store, files)
        info = store.get_folder_info("odd")
        assert (info.file_count, info.total_size) == (4, 10)

    @pytest.mark.spec("STORE-026")
    def test_folder_info_of_the_root(self, store: Store) -> None:
        write_tree(store, TREE)
        info = store.get_folder_info("")
        assert info.path == RemotePath("")
        assert info.file_count == len(TREE)
        assert info.total_size == sum(len(content) for content in TREE.values())

    @pytest.mark.spec("STORE-026")
    def test_folder_info_of_an_empty_store(self, store: Store) -> None:
        info = store.get_folder_info("")
        assert (info.file_count, info.total_size, info.modified_at) == (0, 0, None)

    @pytest.mark.spec("STORE-026", "STORE-028")
    def test_folder_info_of_what_is_not_a_folder(self, store: Store) -> None:
        write_tree(store, TREE)
        for path in ("missing", "docs/missing", "missing/deeper", "top.txt", "docs/a.txt", "top.txt/below"):
            with pytest.raises(NotFound) as caught:
                store.get_folder_info(path)
            assert caught.value.path == path
            assert caught.value.operation == "get_folder_info"
