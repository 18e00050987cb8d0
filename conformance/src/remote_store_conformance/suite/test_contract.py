"""The backend contract: identity, options, entry point, backend-relative paths, queries, Store scope."""

from __future__ import annotations

import inspect
import re
from importlib import metadata

import pytest

from remote_store import Backend, Capability, InvalidPath, RemotePath, Store
from remote_store.backend_tools import ENTRY_POINT_GROUP

from .._markers import requires
from .._support import RecordingBackend, write_tree
from ..plugin import NESTED_ROOT

__all__ = ["TestContract", "TestContractPaths"]

TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class TestContract:
    @pytest.mark.spec("BACKEND-001")
    def test_identity(self, conformance_backend: Backend) -> None:
        assert isinstance(conformance_backend, Backend)
        assert isinstance(conformance_backend.type_name, str)
        assert TYPE_NAME.match(conformance_backend.type_name), conformance_backend.type_name

    @pytest.mark.spec("BACKEND-009")
    def test_options_are_keyword_arguments(self, conformance_backend: Backend) -> None:
        backend_class = type(conformance_backend)
        parameters = inspect.signature(backend_class).parameters
        names = set()
        variadic_keywords = False
        for parameter in parameters.values():
            assert parameter.kind is not inspect.Parameter.VAR_POSITIONAL, f"*{parameter.name} in __init__"
            assert parameter.kind is not inspect.Parameter.POSITIONAL_ONLY, (
                f"{parameter.name} is positional-only"
            )
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                variadic_keywords = True
            names.add(parameter.name)
        secrets = backend_class.SECRET_OPTIONS
        assert isinstance(secrets, frozenset)
        if not variadic_keywords:
            assert secrets <= names, f"SECRET_OPTIONS names unknown options: {sorted(secrets - names)}"

    @requires("entry_point_registered")
    @pytest.mark.spec("BACKEND-010")
    def test_registered_under_the_entry_point_group(self, conformance_backend: Backend) -> None:
        found = {entry.name: entry for entry in metadata.entry_points(group=ENTRY_POINT_GROUP)}
        name = conformance_backend.type_name
        assert name in found, f"no entry point {name!r} in group {ENTRY_POINT_GROUP!r}"
        registered = found[name].load()
        assert isinstance(conformance_backend, registered), f"entry point {name!r} loads {registered!r}"

    @pytest.mark.spec("BACKEND-008")
    def test_close_is_idempotent(self, conformance_backend: Backend) -> None:
        conformance_backend.close()
        conformance_backend.close()

    @pytest.mark.spec("BACKEND-011")
    def test_queries_never_raise_not_found(self, conformance_backend: Backend) -> None:
        for missing in ("missing.txt", "missing/deeper/file.txt"):
            assert conformance_backend.is_file(missing) is False
            assert conformance_backend.is_folder(missing) is False
            assert conformance_backend.exists(missing) is False
        assert conformance_backend.is_folder("") is True
        assert conformance_backend.exists("") is True

    @requires(Capability.WRITE, "file_folder_conflicts_rejected")
    @pytest.mark.spec("BACKEND-011")
    def test_no_path_is_both_file_and_folder(self, store: Store, conformance_backend: Backend) -> None:
        write_tree(store, {"f/g/h.txt": b"h", "f/i.txt": b"i"})
        for path in ("f", "f/g", "f/g/h.txt", "f/i.txt"):
            is_file = conformance_backend.is_file(path)
            is_folder = conformance_backend.is_folder(path)
            assert is_file != is_folder, path
            assert conformance_backend.exists(path), path

    @pytest.mark.spec("STORE-001")
    def test_store_construction_does_no_io(self, conformance_backend: Backend) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = Store(recorder, "some/root", owns_backend=False)
        assert recorder.calls == []
        assert view.backend is recorder
        assert view.root_path == RemotePath("some/root")
        assert isinstance(view.root_path, RemotePath)
        with pytest.raises(InvalidPath):
            Store(recorder, "../outside")
        with pytest.raises(InvalidPath):
            Store(recorder, "/absolute")
        assert recorder.calls == []

    @pytest.mark.spec("STORE-002")
    def test_invalid_paths_never_reach_the_backend(self, conformance_backend: Backend) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = Store(recorder, owns_backend=False)
        calls = (
            lambda path: view.exists(path),
            lambda path: view.is_file(path),
            lambda path: view.is_folder(path),
            lambda path: view.write(path, b"x"),
            lambda path: view.read_bytes(path),
            lambda path: view.delete(path),
            lambda path: view.list_files(path),
            lambda path: view.move(path, "ok.txt"),
            lambda path: view.copy("ok.txt", path),
        )
        for bad in ("/absolute", "a//b", "../up", "a/./b", "back\\slash", "nul\x00char"):
            for call in calls:
                with pytest.raises(InvalidPath):
                    call(bad)
        assert recorder.calls == []


@requires(Capability.WRITE, Capability.LIST)
class TestContractPaths:
    @pytest.mark.spec("BACKEND-003")
    def test_backend_results_are_backend_relative(
        self, conformance_backend: Backend, nested_store: Store
    ) -> None:
        nested_store.write("x/y.txt", b"y")
        folder = f"{NESTED_ROOT}/x"
        files = list(conformance_backend.list_files(folder))
        assert [info.path for info in files] == [RemotePath(f"{folder}/y.txt")]
        assert [str(info.path) for info in conformance_backend.list_files("", recursive=True)] == [
            f"{folder}/y.txt"
        ]
        assert list(conformance_backend.list_folders(NESTED_ROOT)) == [folder]
        assert list(conformance_backend.list_folders("")) == [NESTED_ROOT.split("/")[0]]
        if Capability.METADATA in conformance_backend.capabilities:
            assert conformance_backend.get_file_info(f"{folder}/y.txt").path == RemotePath(f"{folder}/y.txt")
            assert conformance_backend.get_folder_info(folder).path == RemotePath(folder)
