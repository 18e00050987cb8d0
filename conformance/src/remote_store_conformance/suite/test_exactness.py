"""Each call acts on exactly its own path, and what a backend declares holds for its lifetime.

Written while walking the specs requirement by requirement (issue 19, docs/traceability.md): each
test here fails for a hand-made violating backend that every other suite test lets pass, as the
entries of ``specs/violations.toml`` that name these tests say.
"""

from __future__ import annotations

import pytest

from remote_store import Backend, Capability, InvalidPath, Store

from .._markers import requires
from .._support import snapshot, write_tree

__all__ = ["TestExactness"]

SIBLINGS = {
    "d/f": b"target",
    "d/f.txt": b"dot",
    "d/fa": b"longer",
    "d/f b": b"space",
    "d/f2/x": b"below a sibling folder",
    "e/f": b"same name elsewhere",
}
"""A file ``d/f`` beside files and a folder whose names start with ``f``, and a namesake elsewhere."""


class TestExactness:
    @requires(Capability.DELETE, Capability.WRITE)
    @pytest.mark.spec("STORE-012")
    def test_delete_removes_the_file_and_no_sibling_sharing_its_prefix(self, store: Store) -> None:
        write_tree(store, SIBLINGS)
        store.delete("d/f")
        assert not store.exists("d/f")
        for path, content in SIBLINGS.items():
            if path != "d/f":
                assert store.is_file(path), f"delete('d/f') also removed {path!r}"
                if Capability.READ in store.capabilities:
                    assert store.read_bytes(path) == content, path

    @requires(Capability.DELETE, Capability.WRITE)
    @pytest.mark.spec("STORE-015")
    def test_delete_folder_of_a_file_is_invalid_also_with_missing_ok(self, store: Store) -> None:
        write_tree(store, SIBLINGS)
        before = snapshot(store, *SIBLINGS)
        for recursive in (False, True):
            with pytest.raises(InvalidPath) as caught:
                store.delete_folder("d/f", recursive=recursive, missing_ok=True)
            assert caught.value.path == "d/f"
        assert snapshot(store, *SIBLINGS) == before

    @requires(Capability.WRITE)
    @pytest.mark.spec("BACKEND-019")
    def test_the_declared_behaviour_is_constant_across_calls(
        self, store: Store, conformance_backend: Backend
    ) -> None:
        declared = conformance_backend.behaviour
        caps = conformance_backend.capabilities
        write_tree(store, SIBLINGS)
        store.write("d/f", b"again", overwrite=True)
        if Capability.READ in caps:
            store.read_bytes("d/f")
        if Capability.LIST in caps:
            list(store.list_files("", recursive=True))
            list(store.list_folders("d"))
        if Capability.DELETE in caps:
            store.delete("d/fa")
            store.delete_folder("e", recursive=True)
        store.exists("d/f")
        assert conformance_backend.behaviour == declared, (
            f"behaviour changed while the backend was used: {declared} became {conformance_backend.behaviour}"
        )
        assert store.behaviour == declared
