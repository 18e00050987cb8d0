"""The error hierarchy and map_os_error (specs/errors.md)."""

from __future__ import annotations

import errno
import os
import pickle

import pytest

import remote_store
from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    CapabilityNotSupported,
    ConfigError,
    DirectoryNotEmpty,
    InvalidArgument,
    InvalidContent,
    InvalidPath,
    InvalidRange,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    RemoteStoreError,
    StoreClosed,
)
from remote_store.backend_tools import map_os_error

SUBCLASSES = [
    NotFound,
    AlreadyExists,
    InvalidPath,
    CapabilityNotSupported,
    DirectoryNotEmpty,
    PermissionDenied,
    BackendUnavailable,
    InvalidContent,
    InvalidRange,
    InvalidArgument,
    PreconditionFailed,
    StoreClosed,
    ConfigError,
]
ALL = [RemoteStoreError, *SUBCLASSES]

BUILTIN_BASE: dict[type[RemoteStoreError], type[Exception]] = {
    NotFound: FileNotFoundError,
    AlreadyExists: FileExistsError,
    PermissionDenied: PermissionError,
    DirectoryNotEmpty: OSError,
    BackendUnavailable: ConnectionError,
    InvalidContent: TypeError,
    InvalidPath: ValueError,
    InvalidRange: ValueError,
    InvalidArgument: ValueError,
    StoreClosed: ValueError,
    ConfigError: ValueError,
}


def _make(cls: type[RemoteStoreError], **context: str | None) -> RemoteStoreError:
    if cls is CapabilityNotSupported:
        return CapabilityNotSupported("not supported", capability="atomic_write", **context)
    if cls is InvalidArgument:
        return InvalidArgument("went wrong", argument="metadata", **context)
    return cls("went wrong", **context)


@pytest.mark.spec("ERR-001")
def test_every_error_is_a_direct_subclass_of_the_root() -> None:
    assert issubclass(RemoteStoreError, Exception)
    for cls in SUBCLASSES:
        assert RemoteStoreError in cls.__bases__, cls
        assert issubclass(cls, RemoteStoreError)
        for other in SUBCLASSES:
            if other is not cls:
                assert not issubclass(cls, other), (cls, other)
    public = {
        name
        for name in remote_store.__all__
        if isinstance(getattr(remote_store, name), type)
        and issubclass(getattr(remote_store, name), Exception)
    }
    assert public == {cls.__name__ for cls in ALL}


@pytest.mark.spec("ERR-002")
@pytest.mark.parametrize("cls", list(BUILTIN_BASE), ids=lambda cls: cls.__name__)
def test_builtin_bases(cls: type[RemoteStoreError]) -> None:
    error = _make(cls, path="a/b")
    assert isinstance(error, BUILTIN_BASE[cls])
    # Caught by code written for files and values, without knowing remote-store.
    with pytest.raises(BUILTIN_BASE[cls]):
        raise error


@pytest.mark.spec("ERR-002")
@pytest.mark.parametrize("cls", [CapabilityNotSupported, PreconditionFailed], ids=lambda cls: cls.__name__)
def test_no_builtin_base(cls: type[RemoteStoreError]) -> None:
    error = _make(cls)
    assert not isinstance(error, (OSError, ValueError, TypeError, LookupError))


@pytest.mark.spec("ERR-003")
@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_context_attributes(cls: type[RemoteStoreError]) -> None:
    error = _make(cls, path="a/b.txt", operation="read", backend="memory")
    assert error.path == "a/b.txt" and error.operation == "read" and error.backend == "memory"
    assert error.message in ("went wrong", "not supported")
    bare = _make(cls)
    assert bare.path is None and bare.operation is None and bare.backend is None
    with pytest.raises(TypeError):
        cls("message", "positional-path")  # type: ignore[call-arg]


@pytest.mark.spec("ERR-003")
def test_capability_attribute() -> None:
    error = CapabilityNotSupported("no", capability="atomic_move", operation="move", backend="s3")
    assert error.capability == "atomic_move"
    assert CapabilityNotSupported("no").capability is None
    assert InvalidArgument("bad", argument="if_match").argument == "if_match"
    assert InvalidArgument("bad").argument is None


@pytest.mark.spec("ERR-004")
def test_text_of_an_error() -> None:
    assert str(NotFound("no such file", path="a/b.txt", operation="read", backend="memory")) == (
        "no such file: 'a/b.txt' [memory read]"
    )
    assert str(NotFound("no such file", path="a/b.txt")) == "no such file: 'a/b.txt'"
    assert str(NotFound("no such file", operation="read")) == "no such file [read]"
    assert str(NotFound("no such file")) == "no such file"
    # The root is a path too, and is shown.
    assert str(InvalidPath("refusing to delete the store root", path="")) == (
        "refusing to delete the store root: ''"
    )
    error = AlreadyExists("file already exists", path="x", backend="local", operation="write")
    assert repr(error).startswith("AlreadyExists(") and str(error) in repr(error)


@pytest.mark.spec("ERR-004")
@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_path_is_shown_exactly_once(cls: type[RemoteStoreError]) -> None:
    error = _make(cls, path="some/where.bin", operation="copy", backend="memory")
    assert str(error).count("some/where.bin") == 1


@pytest.mark.spec("ERR-006")
@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip(cls: type[RemoteStoreError], protocol: int) -> None:
    error = _make(cls, path="a/b", operation="write", backend="memory")
    loaded = pickle.loads(pickle.dumps(error, protocol))
    assert type(loaded) is cls
    assert (loaded.message, loaded.path, loaded.operation, loaded.backend) == (
        error.message,
        "a/b",
        "write",
        "memory",
    )
    assert str(loaded) == str(error)
    if cls is CapabilityNotSupported:
        assert loaded.capability == "atomic_write"  # type: ignore[attr-defined]
    if cls is InvalidArgument:
        assert loaded.argument == "metadata"  # type: ignore[attr-defined]
    bare = pickle.loads(pickle.dumps(_make(cls), protocol))
    assert bare.path is None and str(bare) == str(_make(cls))


# -- map_os_error -------------------------------------------------------------------------------

EXPECTED_BY_ERRNO: dict[str, type[RemoteStoreError]] = {
    "ENOENT": NotFound,
    "ENOTDIR": NotFound,
    "EEXIST": AlreadyExists,
    "ENOTEMPTY": DirectoryNotEmpty,
    "EACCES": PermissionDenied,
    "EPERM": PermissionDenied,
    "EROFS": PermissionDenied,
    "ENAMETOOLONG": InvalidPath,
    "EINVAL": InvalidPath,
    "EISDIR": InvalidPath,
    "ENOSPC": BackendUnavailable,
    "EIO": BackendUnavailable,
    "ETIMEDOUT": BackendUnavailable,
}


@pytest.mark.spec("ERR-007")
@pytest.mark.parametrize("code", sorted(errno.errorcode), ids=lambda code: errno.errorcode[code])
def test_map_os_error_maps_every_errno(code: int) -> None:
    original = OSError(code, os.strerror(code), "/abs/backend/path")
    mapped = map_os_error(original, path="a/b", operation="read", backend="local")
    assert isinstance(mapped, RemoteStoreError)
    assert (mapped.path, mapped.operation, mapped.backend) == ("a/b", "read", "local")
    assert mapped.message
    assert "/abs/backend/path" not in str(mapped)
    expected = EXPECTED_BY_ERRNO.get(errno.errorcode[code])
    if expected is not None:
        assert type(mapped) is expected


@pytest.mark.spec("ERR-007")
def test_map_os_error_unknown_errno_keeps_the_os_message() -> None:
    mapped = map_os_error(OSError(99999, "something odd"), path=None, operation="list_files")
    assert type(mapped) is RemoteStoreError
    assert mapped.message == "something odd" and mapped.operation == "list_files"


@pytest.mark.spec("ERR-007")
@pytest.mark.parametrize(
    ("original", "expected"),
    [
        (FileNotFoundError("/abs/backend/path"), NotFound),
        (NotADirectoryError("/abs/backend/path"), NotFound),
        (FileExistsError("/abs/backend/path"), AlreadyExists),
        (PermissionError("/abs/backend/path"), PermissionDenied),
        (IsADirectoryError("/abs/backend/path"), InvalidPath),
        (ConnectionResetError("/abs/backend/path"), BackendUnavailable),
        (TimeoutError("/abs/backend/path"), BackendUnavailable),
        (OSError(errno.ECONNREFUSED, "Connection refused"), BackendUnavailable),
        (OSError("/abs/backend/path"), RemoteStoreError),
    ],
    ids=lambda value: type(value).__name__,
)
def test_map_os_error_without_errno_maps_by_builtin_class(
    original: OSError, expected: type[RemoteStoreError]
) -> None:
    # Library code often raises FileNotFoundError(path) without an errno.
    mapped = map_os_error(original, path="x", operation="read", backend="third-party")
    assert type(mapped) is expected
    assert mapped.path == "x"
    if expected is not RemoteStoreError:
        assert "/abs/backend/path" not in mapped.message


@pytest.mark.spec("ERR-007")
def test_map_os_error_returns_our_errors_unchanged() -> None:
    ours = NotFound("no such file", path="a", operation="read", backend="local")
    assert map_os_error(ours, path="b", operation="write") is ours


@pytest.mark.spec("ERR-005", "ERR-007")
def test_map_os_error_is_raised_from_the_original() -> None:
    def backend_operation() -> None:
        try:
            os.stat("/definitely/not/here/remote-store-test")
        except OSError as error:
            raise map_os_error(error, path="here", operation="get_file_info", backend="local") from error

    with pytest.raises(NotFound) as caught:
        backend_operation()
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    assert caught.value.__cause__.errno == errno.ENOENT
