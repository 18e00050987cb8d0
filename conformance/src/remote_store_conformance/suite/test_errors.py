"""Error fidelity: the right class, the store-relative path, the operation, and nothing changed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import (
    AlreadyExists,
    Backend,
    Capability,
    DirectoryNotEmpty,
    NotFound,
    RemoteStoreError,
    Store,
)

from .._markers import requires
from .._support import snapshot, write_tree

__all__ = ["TestErrors", "TestErrorsFromTheBackend"]

TREE = {
    "dir-7q/file-3k.txt": b"existing",
    "dir-7q/sub-9w/inner-2m.txt": b"inner",
    "other-5z.txt": b"other",
}

# (operation, arguments, expected error, path at fault, capabilities needed)
CASES: list[
    tuple[str, tuple[Any, ...], dict[str, Any], type[RemoteStoreError], str, tuple[Capability, ...]]
] = [
    ("read", ("missing-4f/none-8x.txt",), {}, NotFound, "missing-4f/none-8x.txt", (Capability.READ,)),
    ("read_bytes", ("dir-7q/none-1y.txt",), {}, NotFound, "dir-7q/none-1y.txt", (Capability.READ,)),
    ("write", ("dir-7q/file-3k.txt", b"new"), {}, AlreadyExists, "dir-7q/file-3k.txt", ()),
    ("delete", ("dir-7q/none-1y.txt",), {}, NotFound, "dir-7q/none-1y.txt", (Capability.DELETE,)),
    ("delete_folder", ("missing-4f",), {}, NotFound, "missing-4f", (Capability.DELETE,)),
    ("delete_folder", ("dir-7q",), {}, DirectoryNotEmpty, "dir-7q", (Capability.DELETE,)),
    (
        "move",
        ("missing-4f/none-8x.txt", "moved-6v.txt"),
        {},
        NotFound,
        "missing-4f/none-8x.txt",
        (Capability.MOVE,),
    ),
    (
        "move",
        ("other-5z.txt", "dir-7q/file-3k.txt"),
        {},
        AlreadyExists,
        "dir-7q/file-3k.txt",
        (Capability.MOVE,),
    ),
    (
        "copy",
        ("missing-4f/none-8x.txt", "copied-6v.txt"),
        {},
        NotFound,
        "missing-4f/none-8x.txt",
        (Capability.COPY,),
    ),
    (
        "copy",
        ("other-5z.txt", "dir-7q/file-3k.txt"),
        {},
        AlreadyExists,
        "dir-7q/file-3k.txt",
        (Capability.COPY,),
    ),
    ("get_file_info", ("dir-7q/none-1y.txt",), {}, NotFound, "dir-7q/none-1y.txt", (Capability.METADATA,)),
    ("get_folder_info", ("missing-4f",), {}, NotFound, "missing-4f", (Capability.METADATA,)),
]
"""Failing calls whose error must name the path at fault; paths are distinctive to spot in messages."""


@dataclasses.dataclass(frozen=True)
class _Case:
    """One failing call of CASES."""

    operation: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    error: type[RemoteStoreError]
    path: str

    def fail(self, store: Store, target: Store | Backend, *, changes_nothing: bool) -> RemoteStoreError:
        """Write TREE through ``store``, make the call on ``target``; the error it raised.

        With ``changes_nothing``, also asserts that TREE and every path the call names read the
        same after the call as before it.
        """
        write_tree(store, TREE)
        probes = (*TREE, *(arg for arg in self.args if isinstance(arg, str)))
        before = snapshot(store, *probes) if changes_nothing else None
        method: Callable[..., Any] = getattr(target, self.operation)
        with pytest.raises(self.error) as caught:
            result = method(*self.args, **self.kwargs)
            if hasattr(result, "close"):
                result.close()
        if before is not None:
            assert snapshot(store, *probes) == before
        return caught.value


PARAMS = [
    pytest.param(
        _Case(operation, args, kwargs, error, path),
        marks=requires(*needs),
        id=f"{operation}-{error.__name__}",
    )
    for operation, args, kwargs, error, path, needs in CASES
]


@requires(Capability.WRITE)
@pytest.mark.parametrize("case", PARAMS)
class TestErrors:
    @pytest.mark.spec("STORE-028")
    def test_error_names_the_store_path_and_changes_nothing(self, store: Store, case: _Case) -> None:
        caught = case.fail(store, store, changes_nothing=True)
        assert isinstance(caught, RemoteStoreError)
        assert caught.path == case.path
        assert caught.operation == case.operation
        assert caught.backend == store.backend.type_name

    @pytest.mark.spec("STORE-028", "STORE-030")
    def test_error_through_a_nested_store_is_store_relative(self, nested_store: Store, case: _Case) -> None:
        caught = case.fail(nested_store, nested_store, changes_nothing=True)
        assert caught.path == case.path
        assert str(nested_store.root_path) not in caught.message

    @pytest.mark.spec("BACKEND-005")
    def test_backend_error_carries_the_backend_path(
        self, conformance_backend: Backend, store: Store, case: _Case
    ) -> None:
        caught = case.fail(store, conformance_backend, changes_nothing=False)
        assert caught.path == case.path
        assert caught.operation is not None
        assert caught.backend == conformance_backend.type_name
        assert case.path not in caught.message, "the message repeats the path; str(error) appends it"


@requires(Capability.WRITE)
class TestErrorsFromTheBackend:
    @pytest.mark.spec("BACKEND-005", "BACKEND-003")
    def test_nested_backend_paths_in_errors(self, conformance_backend: Backend, nested_store: Store) -> None:
        nested_store.write("file.txt", b"x")
        backend_path = f"{nested_store.root_path}/file.txt"
        with pytest.raises(AlreadyExists) as caught:
            conformance_backend.write(backend_path, b"y")
        assert caught.value.path == backend_path
        assert backend_path not in caught.value.message

    @pytest.mark.spec("BACKEND-005")
    def test_errors_do_not_hide_what_they_were_raised_from(self, conformance_backend: Backend) -> None:
        # A backend translating a lower-level error keeps it as __cause__: ``raise ... from None``
        # while handling one hides it from whoever debugs the failure.
        backend = conformance_backend
        caps = backend.capabilities
        backend.write("errors/file.txt", b"x")
        calls: list[tuple[str, Callable[[], object]]] = [
            ("write", lambda: backend.write("errors/file.txt", b"y")),
        ]
        if Capability.READ in caps:
            calls += [
                ("read", lambda: backend.read("errors/missing.txt").close()),
                ("read_bytes", lambda: backend.read_bytes("errors/missing.txt")),
            ]
        if Capability.METADATA in caps:
            calls += [
                ("get_file_info", lambda: backend.get_file_info("errors/missing.txt")),
                ("get_folder_info", lambda: backend.get_folder_info("errors/missing")),
            ]
        if Capability.DELETE in caps:
            calls += [
                ("delete", lambda: backend.delete("errors/missing.txt")),
                ("delete_folder", lambda: backend.delete_folder("errors")),
            ]
        if Capability.MOVE in caps:
            calls.append(("move", lambda: backend.move("errors/missing.txt", "errors/moved.txt")))
        if Capability.COPY in caps:
            calls.append(("copy", lambda: backend.copy("errors/missing.txt", "errors/copied.txt")))
        for operation, call in calls:
            with pytest.raises(RemoteStoreError) as caught:
                call()
            error = caught.value
            hidden = error.__context__ if error.__suppress_context__ and error.__cause__ is None else None
            assert hidden is None, (
                f"{operation} raised {error!r} from None, hiding {hidden!r}: keep the lower-level "
                "error as __cause__ (raise ... from error)"
            )
