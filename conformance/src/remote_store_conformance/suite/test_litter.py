"""The litter of interrupted writes: kept out of every answer, and swept by age, nothing else.

Runs only for backends whose tests provide a ``LitterMaker`` (fixture ``conformance_litter``,
CONF-011), which leaves exactly what a killed writer of that backend leaves and calls the
backend's own cleanup (BACKEND-017).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from remote_store import Capability, ConfigError, InvalidPath, NotFound, Store

from .._litter import LitterMaker
from .._markers import requires
from .._support import snapshot, write_tree

__all__ = ["TestLitter"]

TREE = {"top.txt": b"top", "a/x.txt": b"x" * 100, "a/b/c/y.txt": b"y" * 1000}
"""The real files around the litter."""

OLD = 7200.0
"""Seconds since an old piece of litter was last touched: twice a typical sweep age."""


@requires(Capability.WRITE, Capability.READ, Capability.LIST)
class TestLitter:
    @pytest.mark.spec("BACKEND-017", "BACKEND-006", "CONF-011")
    def test_litter_is_in_no_answer(self, store: Store, storage_litter: LitterMaker) -> None:
        write_tree(store, TREE)
        before = snapshot(store, "top.txt", "a", "a/b", "a/b/c")
        info = store.get_folder_info("") if store.supports(Capability.METADATA) else None
        storage_litter.leave("", age=OLD)
        storage_litter.leave("a", age=0)
        storage_litter.leave("a/b/c", age=OLD)
        assert storage_litter.count() == 3, "the LitterMaker does not leave what it says"
        assert snapshot(store, "top.txt", "a", "a/b", "a/b/c") == before
        assert sorted(str(i.path) for i in store.list_files("", recursive=True)) == sorted(TREE)
        assert sorted(str(i.path) for i in store.list_files("a")) == ["a/x.txt"]
        assert sorted(store.list_folders("a/b")) == ["c"]
        if info is not None:
            assert store.get_folder_info("") == info
            assert store.get_folder_info("a/b/c").file_count == 1

    @pytest.mark.spec("BACKEND-017")
    @pytest.mark.parametrize("folder", ["", "a/b"], ids=["root", "nested"])
    def test_a_reserved_litter_path_is_nothing_and_takes_nothing(
        self, store: Store, storage_litter: LitterMaker, folder: str
    ) -> None:
        write_tree(store, TREE)
        path = storage_litter.leave(folder, age=0)
        if path is None:
            pytest.skip("this backend's litter sits at no reserved path (LitterMaker.leave gave None)")
        before = snapshot(store, *TREE, path)
        assert not store.exists(path) and not store.is_file(path) and not store.is_folder(path)
        assert not store.exists(f"{path}/below.txt")
        refused: list[tuple[str, Callable[[], object]]] = [
            ("read_bytes", lambda: store.read_bytes(path)),
            ("read", lambda: store.read(path).close()),
        ]
        if store.supports(Capability.METADATA):
            refused.append(("get_file_info", lambda: store.get_file_info(path)))
        if store.supports(Capability.DELETE):
            refused.append(("delete", lambda: store.delete(path)))
        for operation, call in refused:
            with pytest.raises(NotFound) as caught:
                call()
            assert caught.value.operation == operation
        if store.supports(Capability.DELETE):
            store.delete(path, missing_ok=True)  # nothing there to delete: the litter stays
        creates: list[Callable[[], object]] = [
            lambda: store.write(path, b"mine"),
            lambda: store.write(path, b"mine", overwrite=True),
            lambda: store.write(f"{path}/below.txt", b"mine"),
        ]
        if store.supports(Capability.ATOMIC_WRITE):
            creates.append(lambda: store.write_atomic(path, b"mine", overwrite=True))
        if store.supports(Capability.MOVE):
            creates.append(lambda: store.move("top.txt", path))
            creates.append(lambda: store.move("top.txt", path, overwrite=True))
        if store.supports(Capability.COPY):
            creates.append(lambda: store.copy("top.txt", path, overwrite=True))
        for create in creates:
            with pytest.raises(InvalidPath):
                create()
        assert snapshot(store, *TREE, path) == before
        assert storage_litter.count() == 1, "a call removed or replaced the litter"

    @requires(Capability.DELETE)
    @pytest.mark.spec("BACKEND-017")
    def test_deleting_a_folder_takes_its_litter(self, store: Store, storage_litter: LitterMaker) -> None:
        write_tree(store, TREE)
        storage_litter.leave("a", age=0)
        storage_litter.leave("a/b/c", age=OLD)
        storage_litter.leave("", age=OLD)
        store.delete_folder("a", recursive=True)
        assert not store.exists("a")
        assert storage_litter.count() == 1, "litter below a deleted folder survived it"
        assert store.read_bytes("top.txt") == b"top"

    @requires(Capability.DELETE, "real_empty_folders")
    @pytest.mark.spec("BACKEND-017")
    def test_a_folder_holding_only_litter_is_empty(self, store: Store, storage_litter: LitterMaker) -> None:
        store.write("only/x.txt", b"x")
        storage_litter.leave("only", age=0)
        store.delete("only/x.txt")
        assert store.is_folder("only")
        assert list(store.list_files("only", recursive=True)) == []
        if store.supports(Capability.METADATA):
            assert store.get_folder_info("only").file_count == 0
        store.delete_folder("only")  # empty: no recursive needed
        assert not store.exists("only")
        assert storage_litter.count() == 0

    @pytest.mark.spec("BACKEND-017")
    def test_a_sweep_removes_exactly_the_litter_older_than_asked(
        self, store: Store, storage_litter: LitterMaker
    ) -> None:
        write_tree(store, TREE)
        before = snapshot(store, *TREE)
        for folder in ("", "a", "a/b/c"):
            storage_litter.leave(folder, age=OLD)
        storage_litter.leave("a", age=600)
        storage_litter.leave("a/b/c", age=0)
        assert storage_litter.sweep(3600) == 3
        assert storage_litter.count() == 2
        assert storage_litter.sweep(3600) == 0, "a second sweep found more"
        assert storage_litter.sweep(300) == 1
        assert storage_litter.count() == 1, "a sweep took fresh litter: a writer still at work would lose it"
        assert snapshot(store, *TREE) == before, "a sweep touched real files or folders"

    @pytest.mark.spec("BACKEND-017")
    def test_a_sweep_of_age_zero_takes_all_idle_litter(
        self, store: Store, storage_litter: LitterMaker
    ) -> None:
        store.write("f/keep.txt", b"keep")
        storage_litter.leave("f", age=5)
        storage_litter.leave("g/h", age=5)
        assert storage_litter.sweep(0) == 2
        assert storage_litter.count() == 0
        assert store.read_bytes("f/keep.txt") == b"keep"

    @pytest.mark.spec("BACKEND-017")
    def test_a_sweep_of_an_empty_backend_finds_nothing(
        self, store: Store, storage_litter: LitterMaker
    ) -> None:
        assert storage_litter.sweep(0) == 0
        assert list(store.list_files("", recursive=True)) == []

    @pytest.mark.spec("BACKEND-017")
    @pytest.mark.parametrize("age", [-1, -0.5, float("nan")])
    def test_a_negative_age_is_refused(self, store: Store, storage_litter: LitterMaker, age: float) -> None:
        store.write("a/kept.txt", b"kept")
        storage_litter.leave("a", age=OLD)
        with pytest.raises(ConfigError) as caught:
            storage_litter.sweep(age)
        assert "older_than" in str(caught.value), "the error does not name the argument at fault"
        assert storage_litter.count() == 1
        assert store.read_bytes("a/kept.txt") == b"kept"
