"""``Operation`` and ``OperationContext``: every error of one backend call, built the same way."""

from __future__ import annotations

import errno
import io
import pickle

import pytest

from remote_store import (
    AlreadyExists,
    Backend,
    Capability,
    CapabilityNotSupported,
    CapabilitySet,
    InvalidContent,
    NotFound,
    PermissionDenied,
    RemoteStoreError,
    StoreClosed,
)
from remote_store.backend_tools import Operation, OperationContext, check_content, iter_chunks
from remote_store.backends.memory import MemoryBackend

CONTEXT = OperationContext(Operation.MOVE, "memory", "a/src.txt")


class _Bare(Backend):
    """A backend declaring nothing: every gated operation keeps its ``Backend`` default."""

    type_name = "bare"

    @property
    def capabilities(self) -> CapabilitySet:
        return CapabilitySet([])

    def is_file(self, path: str) -> bool:
        return False

    def is_folder(self, path: str) -> bool:
        return path == ""


def _assert_plain(error: RemoteStoreError, operation: str) -> None:
    # The plain value, not the enum member: errors pickle, compare and print the same as before.
    assert type(error.operation) is str and error.operation == operation


@pytest.mark.spec("BACKEND-018")
def test_operation_members_are_the_names_errors_carry() -> None:
    assert isinstance(Operation.READ, str) and Operation("read") is Operation.READ
    assert str(Operation.WRITE_ATOMIC) == "write_atomic" and f"{Operation.READ_BYTES}" == "read_bytes"
    assert {member.value for member in Operation} >= {
        "write", "write_atomic", "read", "read_bytes", "exists", "is_file", "is_folder", "delete",
        "delete_folder", "move", "copy", "list_files", "list_folders", "get_file_info",
        "get_folder_info", "close",
    }  # fmt: skip
    assert len({member.value for member in Operation}) == len(Operation)


@pytest.mark.spec("BACKEND-018")
def test_error_carries_the_path_operation_and_backend() -> None:
    error = CONTEXT.error(NotFound, "no such file")
    assert isinstance(error, NotFound)
    assert (error.message, error.path, error.backend) == ("no such file", "a/src.txt", "memory")
    _assert_plain(error, "move")
    assert str(error) == "no such file: 'a/src.txt' [memory move]"
    other = CONTEXT.error(AlreadyExists, "file already exists", path="b/dst.txt")
    assert (other.path, other.operation) == ("b/dst.txt", "move")
    assert pickle.loads(pickle.dumps(other)).operation == "move"


@pytest.mark.spec("BACKEND-018")
def test_at_is_the_same_call_on_another_path() -> None:
    destination = CONTEXT.at("b/dst.txt")
    assert (destination.operation, destination.backend, destination.path) == (
        Operation.MOVE,
        "memory",
        "b/dst.txt",
    )
    assert CONTEXT.path == "a/src.txt"  # frozen: the original is unchanged


@pytest.mark.spec("BACKEND-018")
def test_os_error_maps_with_the_context() -> None:
    cause = PermissionError(errno.EACCES, "Permission denied", "/srv/x")
    error = CONTEXT.os_error(cause)
    assert isinstance(error, PermissionDenied)
    assert (error.path, error.backend) == ("a/src.txt", "memory")
    _assert_plain(error, "move")
    assert CONTEXT.os_error(cause, path="b").path == "b"


@pytest.mark.spec("BACKEND-018", "BACKEND-008")
def test_closed_and_unsupported() -> None:
    closed = OperationContext(Operation.READ, "memory", "x").closed()
    assert isinstance(closed, StoreClosed) and closed.backend == "memory"
    _assert_plain(closed, "read")
    refused = OperationContext(Operation.COPY, "memory", "x").unsupported(Capability.COPY)
    assert isinstance(refused, CapabilityNotSupported)
    assert (refused.capability, refused.path, refused.backend) == ("copy", "x", "memory")
    _assert_plain(refused, "copy")
    assert "'copy'" in refused.message and "'memory'" in refused.message


@pytest.mark.spec("BACKEND-018")
def test_claim_renames_a_shared_helpers_error_and_fills_what_it_lacks() -> None:
    bare = NotFound("no such file", operation="read")
    assert OperationContext(Operation.READ_BYTES, "memory", "f").claim(bare) is bare
    assert (bare.operation, bare.path, bare.backend) == ("read_bytes", "f", "memory")
    known = NotFound("no such file", path="g", operation="read", backend="other")
    OperationContext(Operation.READ_BYTES, "memory", "f").claim(known)
    assert (known.operation, known.path, known.backend) == ("read_bytes", "g", "other")


@pytest.mark.spec("BACKEND-018")
def test_backend_context_names_the_backend() -> None:
    backend = MemoryBackend()
    context = backend.context(Operation.DELETE, "p")
    assert context == OperationContext(Operation.DELETE, "memory", "p")
    assert backend.context(Operation.CLOSE).path is None


@pytest.mark.spec("BACKEND-018", "BACKEND-004")
def test_backend_defaults_build_their_errors_through_the_context() -> None:
    backend = _Bare()
    with pytest.raises(CapabilityNotSupported) as caught:
        backend.write("w", b"x")
    assert (caught.value.capability, caught.value.path, caught.value.backend) == ("write", "w", "bare")
    _assert_plain(caught.value, "write")
    with pytest.raises(CapabilityNotSupported) as caught:
        backend.read_bytes("r")
    _assert_plain(caught.value, "read_bytes")  # the default, built on read, names its own
    with pytest.raises(CapabilityNotSupported) as caught:
        backend.get_folder_info("f")
    assert (caught.value.capability, caught.value.path) == ("metadata", "f")
    _assert_plain(caught.value, "get_folder_info")


@pytest.mark.spec("BACKEND-018", "BACKEND-016")
def test_content_helpers_take_the_context() -> None:
    context = OperationContext(Operation.WRITE_ATOMIC, "memory", "w.txt")
    with pytest.raises(InvalidContent) as caught:
        check_content("text", context=context)
    assert (caught.value.path, caught.value.backend) == ("w.txt", "memory")
    _assert_plain(caught.value, "write_atomic")
    with pytest.raises(InvalidContent) as caught:
        list(iter_chunks(io.StringIO("text"), context=context))  # type: ignore[arg-type]
    assert (caught.value.path, caught.value.backend) == ("w.txt", "memory")
    _assert_plain(caught.value, "write_atomic")
    assert b"".join(iter_chunks(b"abc", 2, context=context)) == b"abc"
