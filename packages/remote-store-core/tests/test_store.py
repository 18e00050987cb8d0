"""Store behaviour that does not depend on a backend: validation, gating, translation, lifecycle."""

from __future__ import annotations

import errno
import io
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO, ClassVar

import pytest

from remote_store import (
    Backend,
    BackendUnavailable,
    Capability,
    CapabilityNotSupported,
    CapabilitySet,
    FileInfo,
    FolderInfo,
    InvalidContent,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RemotePath,
    RemoteStoreError,
    Store,
    StoreClosed,
    WriteContent,
)
from remote_store.backends.memory import MemoryBackend

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


class RecordingBackend(Backend):
    """Records every call; answers with canned results; can be told to raise instead."""

    type_name: ClassVar[str] = "recording"

    def __init__(self, capabilities: CapabilitySet | None = None) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.caps = CapabilitySet.all() if capabilities is None else capabilities
        self.error: BaseException | None = None
        self.listing: list[str] = []
        self.closed = 0

    @property
    def capabilities(self) -> CapabilitySet:
        return self.caps

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if self.error is not None:
            raise self.error

    def is_file(self, path: str) -> bool:
        self._record("is_file", path)
        return True

    def is_folder(self, path: str) -> bool:
        self._record("is_folder", path)
        return True

    def exists(self, path: str) -> bool:
        self._record("exists", path)
        return True

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._record("write", path, overwrite)

    def write_atomic(self, path: str, content: WriteContent, *, overwrite: bool = False) -> None:
        self._record("write_atomic", path, overwrite)

    def read(self, path: str) -> BinaryIO:
        self._record("read", path)
        return io.BytesIO(b"data")

    def read_bytes(self, path: str) -> bytes:
        self._record("read_bytes", path)
        return b"data"

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        self._record("delete", path, missing_ok)

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        self._record("delete_folder", path, recursive, missing_ok)

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._record("move", src, dst, overwrite)

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._record("copy", src, dst, overwrite)

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        self._record("list_files", path, recursive)
        for item in self.listing:
            yield FileInfo(path=RemotePath(item), name=RemotePath(item).name, size=1, modified_at=NOW)

    def list_folders(self, path: str) -> Iterator[str]:
        self._record("list_folders", path)
        yield from self.listing

    def get_file_info(self, path: str) -> FileInfo:
        self._record("get_file_info", path)
        return FileInfo(path=RemotePath(path), name=RemotePath(path).name, size=4, modified_at=NOW)

    def get_folder_info(self, path: str) -> FolderInfo:
        self._record("get_folder_info", path)
        return FolderInfo(path=RemotePath(path), file_count=2, total_size=8, modified_at=NOW)

    def close(self) -> None:
        self.closed += 1


Call = Callable[[Store], object]

# Every gated operation, the capability it needs, and a call with valid arguments.
GATED: list[tuple[str, Capability, Call]] = [
    ("write", Capability.WRITE, lambda s: s.write("a/f.txt", b"x")),
    ("write_atomic", Capability.ATOMIC_WRITE, lambda s: s.write_atomic("a/f.txt", b"x")),
    ("read", Capability.READ, lambda s: s.read("a/f.txt")),
    ("read_bytes", Capability.READ, lambda s: s.read_bytes("a/f.txt")),
    ("delete", Capability.DELETE, lambda s: s.delete("a/f.txt")),
    ("delete_folder", Capability.DELETE, lambda s: s.delete_folder("a")),
    ("move", Capability.MOVE, lambda s: s.move("a/f.txt", "b/g.txt")),
    ("copy", Capability.COPY, lambda s: s.copy("a/f.txt", "b/g.txt")),
    ("list_files", Capability.LIST, lambda s: s.list_files("a")),
    ("list_folders", Capability.LIST, lambda s: s.list_folders("a")),
    ("get_file_info", Capability.METADATA, lambda s: s.get_file_info("a/f.txt")),
    ("get_folder_info", Capability.METADATA, lambda s: s.get_folder_info("a")),
]
UNGATED: list[tuple[str, Call]] = [
    ("exists", lambda s: s.exists("a/f.txt")),
    ("is_file", lambda s: s.is_file("a/f.txt")),
    ("is_folder", lambda s: s.is_folder("a")),
]


def consume(result: object) -> object:
    """Run a lazy listing to the end; return other results unchanged."""
    if isinstance(result, Iterator):
        return list(result)
    return result


# -- capability gating --------------------------------------------------------------------------


@pytest.mark.spec("STORE-027", "STORE-022")
@pytest.mark.parametrize(("operation", "capability", "call"), GATED, ids=[g[0] for g in GATED])
def test_missing_capability_raises_before_any_backend_call(
    operation: str, capability: Capability, call: Call
) -> None:
    backend = RecordingBackend(CapabilitySet.all() - {capability})
    store = Store(backend, "root")
    with pytest.raises(CapabilityNotSupported) as caught:
        call(store)  # a listing raises here, at the call, not at the first next()
    error = caught.value
    assert backend.calls == []
    assert error.capability == capability.value
    assert error.operation == operation and error.backend == "recording"
    assert error.path == (
        "a" if operation in ("delete_folder", "list_files", "list_folders", "get_folder_info") else "a/f.txt"
    )
    assert not store.supports(capability)


@pytest.mark.parametrize(("operation", "capability", "call"), GATED, ids=[g[0] for g in GATED])
def test_declared_capability_delegates(operation: str, capability: Capability, call: Call) -> None:
    backend = RecordingBackend(CapabilitySet({capability}))
    consume(call(Store(backend)))
    assert [name for name, _ in backend.calls] == [operation]


@pytest.mark.spec("STORE-027")
@pytest.mark.parametrize(("operation", "call"), UNGATED, ids=[u[0] for u in UNGATED])
def test_queries_need_no_capability(operation: str, call: Call) -> None:
    backend = RecordingBackend(CapabilitySet())
    assert call(Store(backend)) is True
    assert [name for name, _ in backend.calls] == [operation]


@pytest.mark.spec("STORE-001")
def test_capabilities_are_the_backends() -> None:
    backend = RecordingBackend(CapabilitySet({Capability.READ, Capability.LIST}))
    store = Store(backend)
    assert store.capabilities == backend.capabilities
    assert store.supports(Capability.READ) and not store.supports(Capability.WRITE)
    assert all(store.supports(c) == (c in store.capabilities) for c in Capability)


# -- path validation ----------------------------------------------------------------------------

BAD_PATHS = ["../x", "/abs", "a//b", "a/./b", "a\\b", "a\x00b", "a\nb", "\x85"]

PATH_CALLS: list[tuple[str, Callable[[Store, str], object]]] = [
    ("write", lambda s, p: s.write(p, b"x")),
    ("write_atomic", lambda s, p: s.write_atomic(p, b"x")),
    ("read", lambda s, p: s.read(p)),
    ("read_bytes", lambda s, p: s.read_bytes(p)),
    ("exists", lambda s, p: s.exists(p)),
    ("is_file", lambda s, p: s.is_file(p)),
    ("is_folder", lambda s, p: s.is_folder(p)),
    ("delete", lambda s, p: s.delete(p)),
    ("delete_folder", lambda s, p: s.delete_folder(p)),
    ("move", lambda s, p: s.move(p, "ok")),
    ("move", lambda s, p: s.move("ok", p)),
    ("copy", lambda s, p: s.copy(p, "ok")),
    ("copy", lambda s, p: s.copy("ok", p)),
    ("list_files", lambda s, p: s.list_files(p)),
    ("list_folders", lambda s, p: s.list_folders(p)),
    ("get_file_info", lambda s, p: s.get_file_info(p)),
    ("get_folder_info", lambda s, p: s.get_folder_info(p)),
]


@pytest.mark.spec("PATH-008", "STORE-002", "STORE-022")
@pytest.mark.parametrize(
    ("operation", "call"), PATH_CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(PATH_CALLS)]
)
@pytest.mark.parametrize("bad", BAD_PATHS, ids=repr)
def test_invalid_path_raises_before_any_backend_call(
    operation: str, call: Callable[[Store, str], object], bad: str
) -> None:
    backend = RecordingBackend()
    with pytest.raises(InvalidPath) as caught:
        call(Store(backend, "root"), bad)  # listings raise at the call, not at the first next()
    assert backend.calls == []
    assert caught.value.path == bad
    assert caught.value.operation == operation


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.write("", b"x"),
        lambda s: s.write_atomic("", b"x"),
        lambda s: s.read(""),
        lambda s: s.read_bytes(""),
        lambda s: s.delete(""),
        lambda s: s.delete_folder(""),
        lambda s: s.get_file_info(""),
        lambda s: s.move("", "b"),
        lambda s: s.copy("a", ""),
        lambda s: s.move("a/b", "a/b/"),
        lambda s: s.copy(RemotePath("a"), "a"),
    ],
)
def test_empty_or_identical_file_paths_are_invalid(call: Call) -> None:
    backend = RecordingBackend()
    with pytest.raises(InvalidPath):
        call(Store(backend, "root"))
    assert backend.calls == []


@pytest.mark.spec("STORE-008")
def test_invalid_content_raises_before_any_backend_call() -> None:
    backend = RecordingBackend()
    store = Store(backend)
    for content in ("text", io.StringIO("text"), 42):
        with pytest.raises(InvalidContent):
            store.write("a", content)  # type: ignore[arg-type]
        with pytest.raises(InvalidContent):
            store.write_atomic("a", content)  # type: ignore[arg-type]
    assert backend.calls == []


@pytest.mark.spec("STORE-001")
def test_root_path_is_validated_without_calling_the_backend() -> None:
    with pytest.raises(InvalidPath):
        Store(RecordingBackend(), "../up")
    backend = RecordingBackend()
    assert Store(backend, RemotePath("a/b/")).root_path == RemotePath("a/b")
    assert backend.calls == []


# -- root_path translation ----------------------------------------------------------------------


@pytest.mark.spec("STORE-030", "STORE-002")
def test_paths_given_to_the_backend_are_below_root_path() -> None:
    backend = RecordingBackend()
    store = Store(backend, "root/sub")
    store.write("a/f.txt", b"x", overwrite=True)
    store.move("a/f.txt", RemotePath("b/g.txt"))
    store.delete_folder("a", recursive=True)
    store.exists("")
    list(store.list_files("", recursive=True))
    assert backend.calls == [
        ("write", ("root/sub/a/f.txt", True)),
        ("move", ("root/sub/a/f.txt", "root/sub/b/g.txt", False)),
        ("delete_folder", ("root/sub/a", True, False)),
        ("list_files", ("root/sub", True)),
    ]


@pytest.mark.spec("STORE-030", "STORE-024")
def test_result_paths_are_store_relative() -> None:
    backend = RecordingBackend()
    backend.listing = ["root/sub/a/f.txt", "root/sub/g.txt"]
    store = Store(backend, "root/sub")
    assert sorted(str(info.path) for info in store.list_files("", recursive=True)) == ["a/f.txt", "g.txt"]
    assert [info.name for info in store.list_files("")] == ["f.txt", "g.txt"]
    assert sorted(store.list_folders("")) == ["f.txt", "g.txt"]
    info = store.get_file_info("a/f.txt")
    assert info.path == RemotePath("a/f.txt") and info.name == "f.txt" and info.size == 4
    assert store.get_folder_info("a").path == RemotePath("a")
    assert store.get_folder_info("").path == RemotePath("")
    # Every result path round-trips as input.
    for listed in store.list_files("", recursive=True):
        assert store.is_file(listed.path)


def test_without_root_path_results_are_unchanged() -> None:
    backend = RecordingBackend()
    backend.listing = ["a/f.txt"]
    store = Store(backend)
    assert [str(info.path) for info in store.list_files("a")] == ["a/f.txt"]
    assert backend.calls[-1] == ("list_files", ("a", False))


@pytest.mark.spec("STORE-030", "STORE-028")
def test_error_paths_are_store_relative() -> None:
    backend = RecordingBackend()
    store = Store(backend, "root/sub")
    backend.error = NotFound("no such file", path="root/sub/a/f.txt", operation="read", backend="recording")
    with pytest.raises(NotFound) as caught:
        store.read_bytes("a/f.txt")
    assert caught.value.path == "a/f.txt"
    assert "root/sub" not in str(caught.value)
    backend.error = NotFound("no such folder", path="root/sub", operation="get_folder_info")
    with pytest.raises(NotFound) as caught:
        store.get_folder_info("x")
    assert caught.value.path == ""
    backend.error = PermissionDenied("denied", path="elsewhere/x")
    with pytest.raises(PermissionDenied) as denied:
        store.delete("a")
    # A path outside the store's root is not cut; missing context is filled in.
    assert denied.value.path == "elsewhere/x"
    assert denied.value.operation == "delete" and denied.value.backend == "recording"


@pytest.mark.spec("STORE-028", "STORE-022")
def test_error_path_is_translated_during_lazy_listing() -> None:
    backend = RecordingBackend()
    backend.error = PermissionDenied("denied", path="root/a", operation="list_files", backend="recording")
    listing = Store(backend, "root").list_files("a")
    with pytest.raises(PermissionDenied) as caught:
        next(listing)
    assert caught.value.path == "a"


@pytest.mark.spec("STORE-011", "STORE-026")
def test_root_of_a_scoped_store_always_exists() -> None:
    store = Store(MemoryBackend(), "not/yet/written")
    assert store.exists("") and store.is_folder("") and not store.is_file("")
    assert list(store.list_files("")) == [] and list(store.list_folders("")) == []
    assert store.get_folder_info("") == FolderInfo(path=RemotePath(""), file_count=0, total_size=0)


@pytest.mark.spec("STORE-030")
def test_scoped_store_sees_only_its_folder() -> None:
    backend = MemoryBackend()
    outside = Store(backend, owns_backend=False)
    outside.write("other/secret.txt", b"no")
    outside.write("data/in/a.txt", b"yes")
    store = Store(backend, "data")
    assert [str(info.path) for info in store.list_files("", recursive=True)] == ["in/a.txt"]
    assert list(store.list_folders("")) == ["in"]
    assert store.read_bytes("in/a.txt") == b"yes"
    assert not store.exists("other/secret.txt")
    with pytest.raises(NotFound) as caught:
        store.read_bytes("in/missing.txt")
    assert caught.value.path == "in/missing.txt" and caught.value.backend == "memory"
    assert store.get_folder_info("").file_count == 1


# -- OSError leaking from a third-party backend -------------------------------------------------


@pytest.mark.spec("ERR-005", "ERR-007", "STORE-028")
@pytest.mark.parametrize(
    ("original", "expected"),
    [
        (OSError(errno.ENOENT, "No such file or directory"), NotFound),
        (OSError(errno.EACCES, "Permission denied"), PermissionDenied),
        (FileNotFoundError("/srv/abs/path"), NotFound),
        (ConnectionResetError("reset by peer"), BackendUnavailable),
        (OSError(99999, "odd"), RemoteStoreError),
    ],
    ids=lambda value: type(value).__name__,
)
@pytest.mark.parametrize(("operation", "capability", "call"), GATED, ids=[g[0] for g in GATED])
def test_os_error_from_a_backend_becomes_ours_with_cause(
    original: OSError, expected: type[RemoteStoreError], operation: str, capability: Capability, call: Call
) -> None:
    backend = RecordingBackend()
    backend.error = original
    store = Store(backend, "root")
    with pytest.raises(RemoteStoreError) as caught:
        consume(call(store))
    error = caught.value
    assert type(error) is expected
    assert error.__cause__ is original
    assert error.operation == operation and error.backend == "recording"


class EagerListingBackend(RecordingBackend):
    """A third-party backend whose listings are plain functions that fail at the call."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        self.calls.append(("list_files", (path, recursive)))
        raise OSError(errno.EACCES, "Permission denied")

    def list_folders(self, path: str) -> Iterator[str]:
        self.calls.append(("list_folders", (path,)))
        raise NotFound("no such folder", path=path, operation="list_folders")


@pytest.mark.spec("ERR-005", "STORE-028")
def test_errors_of_an_eager_listing_are_translated() -> None:
    store = Store(EagerListingBackend(), "root")
    with pytest.raises(PermissionDenied) as caught:
        store.list_files("a")
    assert isinstance(caught.value.__cause__, PermissionError)
    assert caught.value.operation == "list_files"
    with pytest.raises(NotFound) as missing:
        store.list_folders("a")
    assert missing.value.path == "a" and missing.value.backend == "recording"


@pytest.mark.spec("ERR-005", "STORE-028")
def test_os_error_while_iterating_becomes_ours() -> None:
    class Failing(RecordingBackend):
        def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
            yield FileInfo(path=RemotePath("root/ok"), name="ok", size=1, modified_at=NOW)
            raise OSError(errno.EIO, "Input/output error")

    listing = Store(Failing(), "root").list_files("")
    assert next(listing).path == RemotePath("ok")
    with pytest.raises(BackendUnavailable) as caught:
        next(listing)
    assert isinstance(caught.value.__cause__, OSError)


@pytest.mark.spec("STORE-022")
def test_abandoned_listing_closes_the_backend_iterator() -> None:
    closed = []

    class Tracking(RecordingBackend):
        def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
            try:
                for name in ("a", "b", "c"):
                    yield FileInfo(path=RemotePath(name), name=name, size=1, modified_at=NOW)
            finally:
                closed.append(True)

    listing = Store(Tracking()).list_files("")
    next(listing)
    listing.close()  # type: ignore[attr-defined]
    assert closed == [True]


# -- close --------------------------------------------------------------------------------------

ALL_CALLS: list[tuple[str, Call]] = [
    *((name, call) for name, _, call in GATED),
    *UNGATED,
    ("exists-root", lambda s: s.exists("")),
    ("is_file-root", lambda s: s.is_file("")),
    ("is_folder-root", lambda s: s.is_folder("")),
    ("get_folder_info-root", lambda s: s.get_folder_info("")),
]


@pytest.mark.parametrize(("name", "call"), ALL_CALLS, ids=[c[0] for c in ALL_CALLS])
@pytest.mark.parametrize("root", ["", "root"])
@pytest.mark.spec("STORE-029", "STORE-022")
def test_every_call_after_close_raises_store_closed(name: str, call: Call, root: str) -> None:
    backend = RecordingBackend()
    store = Store(backend, root)
    store.close()
    assert store.closed
    with pytest.raises(StoreClosed) as caught:
        call(store)  # a listing raises here, at the call, not at the first next()
    assert caught.value.operation == name.split("-")[0]
    assert backend.calls == []


@pytest.mark.spec("STORE-029")
def test_close_is_idempotent_and_closes_an_owned_backend() -> None:
    backend = RecordingBackend()
    with Store(backend) as store:
        assert not store.closed
    assert store.closed and backend.closed == 1
    store.close()
    assert backend.closed == 1


@pytest.mark.spec("STORE-029")
def test_store_that_does_not_own_its_backend_leaves_it_open() -> None:
    backend = MemoryBackend()
    first = Store(backend, "a", owns_backend=False)
    second = Store(backend, "b", owns_backend=False)
    first.write("f.txt", b"1")
    first.close()
    second.write("f.txt", b"2")
    assert Store(backend).read_bytes("a/f.txt") == b"1"
    with pytest.raises(StoreClosed):
        first.read_bytes("f.txt")
    recording = RecordingBackend()
    with Store(recording, owns_backend=False):
        pass
    assert recording.closed == 0


def test_closed_owned_memory_backend_raises_store_closed_through_other_stores() -> None:
    backend = MemoryBackend()
    other = Store(backend, owns_backend=False)
    Store(backend).close()
    with pytest.raises(StoreClosed) as caught:
        other.write("a", b"x")
    assert caught.value.backend == "memory"


@pytest.mark.spec("STORE-001")
def test_repr_and_properties() -> None:
    backend = RecordingBackend()
    store = Store(backend, "root/")
    assert store.backend is backend
    assert store.root_path == RemotePath("root")
    assert repr(store) == "Store(backend=<RecordingBackend type='recording'>, root_path='root')"
