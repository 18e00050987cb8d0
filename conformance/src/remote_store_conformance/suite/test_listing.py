"""Listing: direct and recursive, folders, laziness, completeness past 1,000 entries, awkward names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from remote_store import (
    Backend,
    Capability,
    CapabilityNotSupported,
    FileInfo,
    InvalidPath,
    RemotePath,
    Store,
)

from .._markers import requires
from .._requirements import Requirements
from .._support import RecordingBackend, write_tree

__all__ = ["TestListing", "TestListingLarge", "TestListingNames"]

TREE = {
    "a/one.txt": b"1",
    "a/two.txt": b"22",
    "a/sub/three.txt": b"333",
    "a/sub/deep/four.txt": b"4444",
    "ab/five.txt": b"55555",
    "a.txt": b"666666",
    "top.txt": b"7777777",
}
"""A tree with siblings that share a prefix with folder ``a`` (``ab``, ``a.txt``)."""

PAGE = 1000
"""The page size of common object stores: STORE-023 asks for complete listings past it."""

AWKWARD_NAMES = [
    "ünïcödé/naïve café.txt",
    "日本語/ファイル.txt",
    "emoji 😀/🎉 party.bin",
    "spaces in folder/file with  two spaces.txt",
    "punctuation/a+b=c&d@e#f%g!h$i'j(k)l[m]n{o}p,q;r~s.txt",
    "percent/%20already%2Fencoded.txt",
    "dots/.hidden",
    "dots/..double",
    "dots/name.with.many.dots.tar.gz",
    "deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/leaf.txt",
    "MixedCase/File.TXT",
    "nfd/cafe\u0301 decomposed.txt",  # an NFD name: normalizing it to NFC changes its text (PATH-007)
    " leading space/trailing space .txt",  # no trimming (PATH-007)
    "trailing space /inner.txt",
]
"""Names a backend must store verbatim and hand back unchanged (STORE-024)."""


def _paths(infos: Iterator[FileInfo]) -> list[str]:
    return [str(info.path) for info in infos]


@requires(Capability.LIST, Capability.WRITE)
class TestListing:
    @pytest.mark.spec("STORE-020")
    def test_list_files_direct(self, store: Store) -> None:
        write_tree(store, TREE)
        found = _paths(store.list_files("a"))
        assert sorted(found) == ["a/one.txt", "a/two.txt"]
        root = _paths(store.list_files(""))
        assert sorted(root) == ["a.txt", "top.txt"]

    @pytest.mark.spec("STORE-020")
    def test_list_files_recursive(self, store: Store) -> None:
        write_tree(store, TREE)
        found = _paths(store.list_files("a", recursive=True))
        assert len(found) == len(set(found)), "a file was listed twice"
        assert sorted(found) == ["a/one.txt", "a/sub/deep/four.txt", "a/sub/three.txt", "a/two.txt"]
        everything = _paths(store.list_files("", recursive=True))
        assert sorted(everything) == sorted(TREE)

    @pytest.mark.spec("STORE-020")
    def test_listed_files_carry_their_size(self, store: Store) -> None:
        write_tree(store, TREE)
        for info in store.list_files("", recursive=True):
            assert info.size == len(TREE[str(info.path)])
            assert info.name == str(info.path).rsplit("/", 1)[-1]

    @pytest.mark.spec("STORE-020")
    def test_empty_store_lists_nothing(self, store: Store) -> None:
        assert list(store.list_files("")) == []
        assert list(store.list_files("", recursive=True)) == []
        assert list(store.list_folders("")) == []

    @pytest.mark.spec("STORE-021")
    def test_list_folders(self, store: Store) -> None:
        write_tree(store, TREE)
        assert sorted(store.list_folders("")) == ["a", "ab"]
        assert list(store.list_folders("a")) == ["sub"]
        assert list(store.list_folders("a/sub")) == ["deep"]
        assert list(store.list_folders("a/sub/deep")) == []
        assert list(store.list_folders("ab")) == []

    @pytest.mark.spec("STORE-022")
    def test_missing_folder_lists_nothing(self, store: Store) -> None:
        write_tree(store, TREE)
        for missing in ("missing", "a/missing", "missing/deeper"):
            assert list(store.list_files(missing)) == []
            assert list(store.list_files(missing, recursive=True)) == []
            assert list(store.list_folders(missing)) == []

    @pytest.mark.spec("STORE-022")
    def test_errors_are_raised_by_the_call(self, open_store: Callable[..., Store], store: Store) -> None:
        with pytest.raises(InvalidPath):
            store.list_files("../outside")
        with pytest.raises(InvalidPath):
            store.list_folders("a//b")
        limited = open_store(RecordingBackend(store.backend, without=[Capability.LIST]), owns_backend=False)
        with pytest.raises(CapabilityNotSupported):
            limited.list_files("")
        with pytest.raises(CapabilityNotSupported):
            limited.list_folders("")

    @pytest.mark.spec("STORE-022")
    def test_listing_pulls_entries_only_as_consumed(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        for index in range(5):
            view.write(f"lazy/file-{index}.txt", b"x")
            view.write(f"lazy/folder-{index}/file.txt", b"x")
        for listing in (view.list_files("lazy"), view.list_folders("lazy")):
            recorder.pulled = 0
            assert iter(listing) is listing
            assert recorder.pulled == 0, "the store read ahead before the first next()"
            next(listing)
            assert recorder.pulled == 1, "the store read ahead of the caller"
            getattr(listing, "close")()  # noqa: B009 - Iterator does not declare close(); the generator has it
            assert recorder.pulled == 1


@requires(Capability.LIST, Capability.WRITE, "large_listings")
class TestListingLarge:
    @pytest.mark.spec("STORE-023", "STORE-014", "STORE-026")
    def test_listing_past_one_thousand_entries(
        self, store: Store, conformance_backend: Backend, requirements: Requirements
    ) -> None:
        # More than one 1,000-entry page (STORE-023) of each kind alone: files directly in "flat",
        # folders directly in "nest". A backend that reads only the first page of one kind of
        # listing, of a recursive delete or of a folder's totals misses entries in one of them.
        # The tree is written through the backend, in threads where it allows: the listings and
        # deletes under test go through the store.
        count = PAGE + 1
        files = [f"flat/file-{index:04d}.txt" for index in range(count)]
        nested = [f"nest/folder-{index:04d}/inner.txt" for index in range(count)]
        paths = files + nested

        def put(path: str) -> None:
            conformance_backend.write(path, b".")

        if requirements.thread_safe:
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(put, paths))
        else:
            for path in paths:
                put(path)

        direct = _paths(store.list_files("flat"))
        assert len(direct) == count, f"list_files('flat') gave {len(direct)} of {count} files"
        assert set(direct) == set(files)
        folders = list(store.list_folders("nest"))
        assert len(folders) == count, f"list_folders('nest') gave {len(folders)} of {count} folders"
        assert set(folders) == {path.split("/")[1] for path in nested}
        assert _paths(store.list_files("nest")) == []
        recursive = _paths(store.list_files("nest", recursive=True))
        assert len(recursive) == count, f"list_files('nest', recursive=True) gave {len(recursive)} of {count}"
        assert set(recursive) == set(nested)
        from_root = _paths(store.list_files("", recursive=True))
        assert len(from_root) == len(paths)
        assert set(from_root) == set(paths)
        if store.supports(Capability.METADATA):
            for folder, expected in (("flat", count), ("nest", count), ("", len(paths))):
                info = store.get_folder_info(folder)
                assert (info.file_count, info.total_size) == (expected, expected), folder
        if store.supports(Capability.DELETE):
            for folder in ("flat", "nest"):
                store.delete_folder(folder, recursive=True)
                assert not store.exists(folder), f"delete_folder({folder!r}, recursive=True) left part of it"
            assert _paths(store.list_files("", recursive=True)) == []


@requires(Capability.LIST, Capability.WRITE, Capability.READ, "unicode_paths")
class TestListingNames:
    @pytest.mark.spec("STORE-024")
    def test_awkward_names_round_trip(self, store: Store) -> None:
        contents = {name: name.encode("utf-8") for name in AWKWARD_NAMES}
        write_tree(store, contents)
        infos = list(store.list_files("", recursive=True))
        assert sorted(str(info.path) for info in infos) == sorted(AWKWARD_NAMES)
        for info in infos:
            assert isinstance(info.path, RemotePath)
            assert info.name == info.path.name
            assert store.is_file(info.path)
            assert store.is_file(str(info.path))
            assert store.read_bytes(info.path) == contents[str(info.path)]
            if store.supports(Capability.METADATA):
                assert store.get_file_info(info.path).path == info.path

    @pytest.mark.spec("STORE-024")
    def test_listed_folders_round_trip(self, store: Store) -> None:
        write_tree(store, {name: b"x" for name in AWKWARD_NAMES})
        expected = {
            "/".join(name.split("/")[:depth])
            for name in AWKWARD_NAMES
            for depth in range(1, name.count("/") + 1)
        }
        seen: set[str] = set()
        pending = [""]
        while pending:
            parent = pending.pop()
            for name in store.list_folders(parent):
                assert isinstance(name, str)
                assert "/" not in name, name
                folder = str(RemotePath(parent) / name)
                assert store.is_folder(folder), folder
                assert RemotePath(folder) == RemotePath(str(RemotePath(folder))), folder
                seen.add(folder)
                pending.append(folder)
        assert seen == expected
        for name in AWKWARD_NAMES:
            parent = str(RemotePath(name).parent)
            assert name in _paths(store.list_files(parent)), name
