"""The backend contract: identity, options, entry point, backend-relative paths, queries, Store scope."""

from __future__ import annotations

import errno
import inspect
import io
import re
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any, BinaryIO, cast

import pytest

from remote_store import (
    Backend,
    BackendUnavailable,
    Capability,
    FileInfo,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RemotePath,
    RemoteStoreError,
    Store,
    StoreClosed,
)
from remote_store.backend_tools import ENTRY_POINT_GROUP, Operation

from .._markers import requires
from .._requirements import Requirements
from .._support import RecordingBackend, write_tree
from ..plugin import NESTED_ROOT

__all__ = ["TestContract", "TestContractPaths"]

TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# Every backend operation with valid arguments, and the capability that gates it (None: never).
BACKEND_OPERATIONS: list[tuple[str, Callable[[Backend], object], Capability | None]] = [
    ("exists", lambda backend: backend.exists("file.txt"), None),
    ("is_file", lambda backend: backend.is_file("file.txt"), None),
    ("is_folder", lambda backend: backend.is_folder("folder"), None),
    ("write", lambda backend: backend.write("new.txt", b"x"), Capability.WRITE),
    ("write_atomic", lambda backend: backend.write_atomic("new.txt", b"x"), Capability.ATOMIC_WRITE),
    ("read", lambda backend: backend.read("file.txt").close(), Capability.READ),
    ("read_bytes", lambda backend: backend.read_bytes("file.txt"), Capability.READ),
    ("read_range", lambda backend: backend.read_range("file.txt", 0, 1), Capability.SEEKABLE_READ),
    ("delete", lambda backend: backend.delete("file.txt"), Capability.DELETE),
    ("delete_folder", lambda backend: backend.delete_folder("folder", recursive=True), Capability.DELETE),
    ("move", lambda backend: backend.move("file.txt", "moved.txt"), Capability.MOVE),
    ("copy", lambda backend: backend.copy("file.txt", "copied.txt"), Capability.COPY),
    ("list_files", lambda backend: list(backend.list_files("")), Capability.LIST),
    ("list_folders", lambda backend: list(backend.list_folders("")), Capability.LIST),
    ("get_file_info", lambda backend: backend.get_file_info("file.txt"), Capability.METADATA),
    ("get_folder_info", lambda backend: backend.get_folder_info(""), Capability.METADATA),
]

AFTER_CLOSE = [
    pytest.param(name, call, marks=requires(needed) if needed else (), id=name)
    for name, call, needed in BACKEND_OPERATIONS
] + [
    # The root is always a folder while the backend is open; after close it is no answer either.
    pytest.param("is_folder", lambda backend: backend.is_folder(""), id="is_folder-root"),
    pytest.param("exists", lambda backend: backend.exists(""), id="exists-root"),
]


class _BrokenStream(io.BufferedIOBase):
    """The inner backend's stream, whose method ``failing`` raises ``error`` instead."""

    def __init__(self, inner: BinaryIO, failing: str, error: BaseException) -> None:
        super().__init__()
        self.inner = inner
        self.failing = failing
        self.error = error

    def _do(self, name: str, *args: Any) -> Any:
        if name == self.failing:
            raise self.error
        return getattr(self.inner, name)(*args)

    def read(self, size: int | None = -1, /) -> bytes:
        return cast(bytes, self._do("read", size))

    def read1(self, size: int = -1, /) -> bytes:
        return cast(bytes, self._do("read1", size))

    def readinto(self, buffer: Any, /) -> int:
        return cast(int, self._do("readinto", buffer))

    def readinto1(self, buffer: Any, /) -> int:
        return cast(int, self._do("readinto1", buffer))

    def readline(self, size: int | None = -1, /) -> bytes:
        return cast(bytes, self._do("readline", size))

    def readlines(self, hint: int | None = -1, /) -> list[bytes]:
        return cast("list[bytes]", self._do("readlines", hint))

    def __next__(self) -> bytes:
        return cast(bytes, self._do("__next__"))

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        return cast(int, self._do("seek", offset, whence))

    def tell(self) -> int:
        return cast(int, self._do("tell"))

    def close(self) -> None:
        self.inner.close()
        super().close()
        if self.failing == "close":
            self.failing = ""  # closed now: a second close succeeds
            raise self.error


# Each way of using the stream Store.read returns, by the backend stream's method it calls.
STREAM_USES: dict[str, Callable[[io.BufferedIOBase], object]] = {
    "read": lambda stream: stream.read(4),
    "read1": lambda stream: stream.read1(4),
    "readinto": lambda stream: stream.readinto(bytearray(4)),
    "readinto1": lambda stream: stream.readinto1(bytearray(4)),
    "readline": lambda stream: stream.readline(),
    "readlines": lambda stream: stream.readlines(),
    "__next__": lambda stream: list(stream),
    "seek": lambda stream: stream.seek(2),
    "tell": lambda stream: stream.tell(),
    "close": lambda stream: stream.close(),
}

# What a backend's stream raises (its own error naming the backend path, one naming no path, a bare
# OSError) and the kind of error the store's stream raises instead.
STREAM_ERRORS: dict[str, tuple[Callable[[Backend], BaseException], type[RemoteStoreError]]] = {
    "backend error": (
        lambda backend: backend.context(Operation.READ, f"{NESTED_ROOT}/f.bin").error(
            BackendUnavailable, "connection lost"
        ),
        BackendUnavailable,
    ),
    "no path": (lambda backend: NotFound("object vanished", operation="get"), NotFound),
    "os error": (lambda backend: PermissionError(errno.EACCES, "Permission denied"), PermissionDenied),
}


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

    @pytest.mark.spec("BACKEND-008")
    @pytest.mark.parametrize(("operation", "call"), AFTER_CLOSE)
    def test_every_backend_operation_after_close_raises(
        self, conformance_backend: Backend, operation: str, call: Callable[[Backend], object]
    ) -> None:
        backend = conformance_backend
        if Capability.WRITE in backend.capabilities:
            backend.write("file.txt", b"x")
            backend.write("folder/inner.txt", b"y")
        backend.close()
        with pytest.raises(StoreClosed) as caught:
            call(backend)
        assert caught.value.operation == operation
        assert caught.value.backend == backend.type_name

    @pytest.mark.spec("BACKEND-001", "STORE-031")
    def test_repr_is_one_line_naming_the_class(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        text = repr(conformance_backend)
        assert isinstance(text, str) and "\n" not in text
        name = type(conformance_backend).__name__
        assert name in text, (
            f"repr {text!r} does not name the class {name}: build it from type(self).__name__, "
            "not a literal, so that a subclass is named as itself"
        )
        view = open_store(conformance_backend, "some/root", owns_backend=False)
        shown = repr(view)
        assert "\n" not in shown and text in shown and "some/root" in shown

    @requires("declares_secrets")
    @pytest.mark.spec("BACKEND-001", "CONFIG-007")
    def test_repr_shows_no_secret(
        self, open_store: Callable[..., Store], conformance_backend: Backend, requirements: Requirements
    ) -> None:
        secrets = [secret for secret in requirements.secret_values if secret]
        view = open_store(conformance_backend, owns_backend=False)
        for text in (repr(conformance_backend), str(conformance_backend), repr(view), str(view)):
            shown = [secret for secret in secrets if secret in text]
            assert not shown, f"{text!r} shows a secret option's value"

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
    def test_store_construction_does_no_io(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, "some/root", owns_backend=False)
        assert recorder.calls == []
        assert view.backend is recorder
        assert view.root_path == RemotePath("some/root")
        assert isinstance(view.root_path, RemotePath)
        with pytest.raises(InvalidPath):
            open_store(recorder, "../outside")
        with pytest.raises(InvalidPath):
            open_store(recorder, "/absolute")
        assert recorder.calls == []

    @pytest.mark.spec("STORE-002")
    def test_invalid_paths_never_reach_the_backend(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
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

    @pytest.mark.spec("STORE-028")
    def test_invalid_path_errors_name_the_store_operation(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        view = open_store(conformance_backend, owns_backend=False)
        calls: dict[str, Callable[[], object]] = {
            "exists": lambda: view.exists("a//b"),
            "is_file": lambda: view.is_file("a//b"),
            "is_folder": lambda: view.is_folder("a//b"),
            "list_files": lambda: view.list_files("../up"),
            "list_folders": lambda: view.list_folders("../up"),
            "get_folder_info": lambda: view.get_folder_info("/absolute"),
        }
        for operation, call in calls.items():
            with pytest.raises(InvalidPath) as caught:
                call()
            assert caught.value.operation == operation

    @requires(Capability.METADATA)
    @pytest.mark.spec("STORE-028", "STORE-030")
    def test_store_names_its_own_operation_in_backend_errors(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        # A backend may name an internal step; the caller called a Store method, which wins.
        class InternalNames(RecordingBackend):
            def get_file_info(self, path: str) -> FileInfo:
                raise NotFound("no such file", path=path, operation="stat", backend=self.type_name)

        view = open_store(InternalNames(conformance_backend), "inner", owns_backend=False)
        with pytest.raises(NotFound) as caught:
            view.get_file_info("gone.txt")
        assert (caught.value.operation, caught.value.path) == ("get_file_info", "gone.txt")

    @requires(Capability.METADATA)
    @pytest.mark.spec("STORE-028")
    def test_store_names_the_backend_a_backend_error_left_unnamed(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        # A backend that leaves ``backend`` unset breaks BACKEND-005; the Store still keeps its promise.
        class Unnamed(RecordingBackend):
            def get_file_info(self, path: str) -> FileInfo:
                raise NotFound("no such file", path=path, operation="get_file_info")

        view = open_store(Unnamed(conformance_backend), owns_backend=False)
        with pytest.raises(NotFound) as caught:
            view.get_file_info("gone.txt")
        assert caught.value.backend == conformance_backend.type_name

    @requires(Capability.READ)
    @pytest.mark.spec("STORE-028")
    def test_raw_os_errors_of_a_backend_become_remote_store_errors(
        self, conformance_backend: Backend, open_store: Callable[..., Store]
    ) -> None:
        # A backend that lets an OSError escape breaks BACKEND-005; the Store still keeps its promise.
        class LeakingOSError(RecordingBackend):
            def read_bytes(self, path: str) -> bytes:
                raise FileNotFoundError(errno.ENOENT, "No such file or directory")

        view = open_store(LeakingOSError(conformance_backend), owns_backend=False)
        with pytest.raises(NotFound) as caught:
            view.read_bytes("gone.txt")
        assert caught.value.operation == "read_bytes"
        assert isinstance(caught.value.__cause__, FileNotFoundError)

    @requires(Capability.LIST)
    @pytest.mark.spec("STORE-028", "STORE-023")
    def test_an_error_during_a_listing_is_raised_not_swallowed(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        # A listing that stops early on an error would look complete; it must raise instead.
        class BrokenListing(RecordingBackend):
            def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
                yield from ()
                raise BackendUnavailable(
                    "connection lost", path=path, operation="page", backend=self.type_name
                )

            def list_folders(self, path: str) -> Iterator[str]:
                yield from ()
                raise OSError(errno.EIO, "I/O error")

        view = open_store(BrokenListing(conformance_backend), owns_backend=False)
        with pytest.raises(BackendUnavailable) as caught:
            list(view.list_files(""))
        assert caught.value.operation == "list_files"
        with pytest.raises(RemoteStoreError) as raised:
            list(view.list_folders(""))
        assert raised.value.operation == "list_folders"

    @requires(Capability.LIST)
    @pytest.mark.spec("STORE-020", "STORE-021")
    def test_a_backend_listing_may_be_any_iterator(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        # The contract asks for an Iterator, not a generator: one without close() must do too.
        class PlainIterators(RecordingBackend):
            def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
                return iter(list(self.inner.list_files(path, recursive=recursive)))

            def list_folders(self, path: str) -> Iterator[str]:
                return iter(list(self.inner.list_folders(path)))

        view = open_store(PlainIterators(conformance_backend), owns_backend=False)
        assert list(view.list_files("", recursive=True)) == []
        assert list(view.list_folders("")) == []

    @requires(Capability.WRITE, Capability.READ)
    @pytest.mark.spec("STORE-032", "STORE-028")
    @pytest.mark.parametrize("kind", list(STREAM_ERRORS))
    @pytest.mark.parametrize("method", list(STREAM_USES))
    def test_errors_of_a_read_stream_name_the_store_path(
        self, conformance_backend: Backend, method: str, kind: str
    ) -> None:
        # The stream outlives Store.read; what goes wrong while it is read is still the store's error.
        make, expected = STREAM_ERRORS[kind]
        raised = make(conformance_backend)
        as_made = (getattr(raised, "path", None), getattr(raised, "operation", None))

        class BrokenStreams(RecordingBackend):
            def read(self, path: str) -> BinaryIO:
                return cast(BinaryIO, _BrokenStream(self.inner.read(path), method, raised))

        view = Store(BrokenStreams(conformance_backend), NESTED_ROOT, owns_backend=False)
        view.write("f.bin", b"line\nline\n")
        stream = cast(io.BufferedIOBase, view.read("f.bin"))  # BinaryIO's stub lacks read1
        with pytest.raises(expected) as caught:
            STREAM_USES[method](stream)
        stream.close()
        assert (caught.value.path, caught.value.operation) == ("f.bin", "read")
        assert caught.value.backend == conformance_backend.type_name
        assert caught.value.__cause__ is raised
        if isinstance(raised, RemoteStoreError):  # a copy: the backend's own stays as it made it
            assert type(caught.value) is type(raised) and caught.value.message == raised.message
            assert (raised.path, raised.operation) == as_made

    @requires(Capability.WRITE, Capability.READ)
    @pytest.mark.spec("STORE-032")
    def test_unsupported_operation_of_a_read_stream_passes_unchanged(
        self, conformance_backend: Backend
    ) -> None:
        # "This stream cannot do that" (seek on a forward-only stream): callers test for it as it is.
        unsupported = io.UnsupportedOperation("seek")

        class ForwardOnly(RecordingBackend):
            def read(self, path: str) -> BinaryIO:
                return cast(BinaryIO, _BrokenStream(self.inner.read(path), "seek", unsupported))

        view = Store(ForwardOnly(conformance_backend), owns_backend=False)
        view.write("f.bin", b"data")
        with view.read("f.bin") as stream, pytest.raises(io.UnsupportedOperation) as caught:
            stream.seek(1)
        assert caught.value is unsupported


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
