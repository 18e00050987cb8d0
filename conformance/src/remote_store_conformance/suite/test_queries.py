"""``exists``, ``is_file`` and ``is_folder``, and the store root."""

from __future__ import annotations

import pytest

from remote_store import Capability, Store

from .._markers import requires
from .._support import write_tree

__all__ = ["TestQueries"]


class TestQueries:
    @requires(Capability.WRITE)
    @pytest.mark.spec("STORE-010")
    def test_files_folders_and_missing_paths(self, store: Store) -> None:
        write_tree(store, {"docs/guide/intro.md": b"intro", "readme.md": b"readme"})
        expected = {
            # path: (is_file, is_folder)
            "readme.md": (True, False),
            "docs/guide/intro.md": (True, False),
            "docs": (False, True),
            "docs/guide": (False, True),
            "doc": (False, False),
            "docs/guid": (False, False),
            "docs/guide/intro": (False, False),
            "missing/deeper/file.txt": (False, False),
            "readme.md/below-a-file": (False, False),
        }
        for path, (is_file, is_folder) in expected.items():
            assert store.is_file(path) is is_file, path
            assert store.is_folder(path) is is_folder, path
            assert store.exists(path) is (is_file or is_folder), path

    @pytest.mark.spec("STORE-011")
    def test_root_of_an_empty_store(self, store: Store) -> None:
        assert store.exists("") is True
        assert store.exists() is True
        assert store.is_folder("") is True
        assert store.is_folder() is True
        assert store.is_file("") is False

    @requires(Capability.WRITE)
    @pytest.mark.spec("STORE-011")
    def test_root_of_a_populated_store(self, store: Store) -> None:
        store.write("something.txt", b"x")
        assert store.exists("") is True
        assert store.is_folder("") is True
        assert store.is_file("") is False

    @pytest.mark.spec("STORE-011", "STORE-030")
    def test_root_of_a_nested_store_never_written(self, nested_store: Store) -> None:
        assert nested_store.exists("") is True
        assert nested_store.is_folder("") is True
        assert nested_store.is_file("") is False
        assert nested_store.exists("anything") is False
