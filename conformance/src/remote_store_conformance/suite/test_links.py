"""Symbolic links in the storage: followed while they stay inside the root, refused when they lead out.

Runs only for backends whose tests provide a ``LinkMaker`` (fixture ``conformance_links``,
CONF-010): storage that can hold links other programs made (BACKEND-015).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from remote_store import AlreadyExists, Capability, InvalidPath, PermissionDenied, Store

from .._links import LinkMaker
from .._markers import requires

__all__ = ["TestLinks"]

ESCAPING = [
    "out_dir",
    "out_dir/secret.txt",
    "out_file",
    "sub/out_folder/deep.txt",
    "dangling",
    "dangling/new.txt",
]
"""Paths that lead outside the root through a link (made by ``_escapes``)."""

OPERATIONS: list[tuple[str, Capability | None, Callable[[Store, str], Any]]] = [
    ("exists", None, lambda s, p: s.exists(p)),
    ("is_file", None, lambda s, p: s.is_file(p)),
    ("is_folder", None, lambda s, p: s.is_folder(p)),
    ("read", Capability.READ, lambda s, p: s.read(p).close()),
    ("read_bytes", Capability.READ, lambda s, p: s.read_bytes(p)),
    ("write", Capability.WRITE, lambda s, p: s.write(p, b"evil", overwrite=True)),
    ("write_atomic", Capability.ATOMIC_WRITE, lambda s, p: s.write_atomic(p, b"evil", overwrite=True)),
    ("delete", Capability.DELETE, lambda s, p: s.delete(p, missing_ok=True)),
    ("delete_folder", Capability.DELETE, lambda s, p: s.delete_folder(p, recursive=True, missing_ok=True)),
    ("move from", Capability.MOVE, lambda s, p: s.move(p, "stolen.txt", overwrite=True)),
    ("move to", Capability.MOVE, lambda s, p: s.move("mine.txt", p, overwrite=True)),
    ("copy from", Capability.COPY, lambda s, p: s.copy(p, "stolen.txt", overwrite=True)),
    ("copy to", Capability.COPY, lambda s, p: s.copy("mine.txt", p, overwrite=True)),
    ("list_files", Capability.LIST, lambda s, p: list(s.list_files(p, recursive=True))),
    ("list_folders", Capability.LIST, lambda s, p: list(s.list_folders(p))),
    ("get_file_info", Capability.METADATA, lambda s, p: s.get_file_info(p)),
    ("get_folder_info", Capability.METADATA, lambda s, p: s.get_folder_info(p)),
]


def _escapes(links: LinkMaker) -> None:
    links.link_outside("out_dir", "")
    links.link_outside("out_file", "secret.txt")
    links.link_outside("sub/out_folder", "folder")
    links.link_outside("dangling", "missing")


def _files(store: Store) -> list[str]:
    return sorted(str(info.path) for info in store.list_files("", recursive=True))


@requires(Capability.WRITE, Capability.READ, Capability.LIST, Capability.METADATA)
class TestLinks:
    @pytest.mark.spec("BACKEND-015", "CONF-010")
    def test_links_inside_the_root_are_followed(self, store: Store, storage_links: LinkMaker) -> None:
        store.write("data/real.txt", b"real")
        storage_links.link("alias.txt", "data/real.txt")
        storage_links.link("absolute.txt", "data/real.txt", relative=False)
        storage_links.link("dlink", "data")
        storage_links.link("deep/er/up", "data")
        assert store.read_bytes("alias.txt") == store.read_bytes("absolute.txt") == b"real"
        assert store.read_bytes("deep/er/up/real.txt") == b"real"
        assert store.is_file("alias.txt") and store.is_folder("dlink") and not store.is_file("dlink")
        assert store.get_file_info("dlink/real.txt").size == 4
        assert sorted(store.list_folders("")) == ["data", "deep", "dlink"]
        # A linked folder is listed, not walked into: each file once, under its real folder.
        assert _files(store) == ["absolute.txt", "alias.txt", "data/real.txt"]
        assert [str(info.path) for info in store.list_files("dlink")] == ["dlink/real.txt"]
        store.write("alias.txt", b"through", overwrite=True)
        assert store.read_bytes("data/real.txt") == b"through"
        assert store.is_file("alias.txt")  # still a link to it
        store.write("dlink/new.txt", b"new")
        assert store.read_bytes("data/new.txt") == b"new"
        with pytest.raises(AlreadyExists):
            store.write("alias.txt", b"again")

    @pytest.mark.spec("BACKEND-015", "CONF-010")
    @pytest.mark.parametrize(
        ("operation", "capability", "call"), OPERATIONS, ids=[op[0] for op in OPERATIONS]
    )
    def test_links_leading_out_are_refused(
        self,
        store: Store,
        storage_links: LinkMaker,
        operation: str,
        capability: Capability | None,
        call: Callable[[Store, str], Any],
    ) -> None:
        if capability is not None and not store.supports(capability):
            pytest.skip(f"the backend lacks capability {capability.value!r}")
        store.write("mine.txt", b"mine")
        _escapes(storage_links)
        before = storage_links.outside_state()
        for path in ESCAPING:
            with pytest.raises(PermissionDenied) as caught:
                call(store, path)
            assert caught.value.path in (path, "mine.txt")
            assert storage_links.outside_state() == before, f"{operation} {path!r} touched the outside"
        assert store.read_bytes("mine.txt") == b"mine"

    @pytest.mark.spec("BACKEND-015")
    def test_listings_hide_links_leading_out(self, store: Store, storage_links: LinkMaker) -> None:
        store.write("mine.txt", b"mine")
        store.write("sub/inner.txt", b"inner")
        _escapes(storage_links)
        assert _files(store) == ["mine.txt", "sub/inner.txt"]
        assert sorted(store.list_folders("")) == ["sub"]
        assert store.get_folder_info("").file_count == 2

    @pytest.mark.spec("BACKEND-015")
    def test_loops_and_links_to_the_root(self, store: Store, storage_links: LinkMaker) -> None:
        store.write("a/f.txt", b"x")
        storage_links.link("loop", "loop")
        storage_links.link("a/parent", "")
        storage_links.link("self", "", relative=False)
        assert not store.is_file("loop") and not store.is_folder("loop") and not store.exists("loop")
        assert _files(store) == ["a/f.txt"]  # finite, and the root is not walked again
        assert store.read_bytes("a/parent/a/f.txt") == b"x"
        if store.supports(Capability.DELETE):
            for path in ("self", "a/parent"):
                with pytest.raises(InvalidPath):
                    store.delete_folder(path, recursive=True)
            assert store.read_bytes("a/f.txt") == b"x"
