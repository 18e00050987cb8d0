"""The stream ``Store.read`` returns: a pass-through whose errors name the store's path (STORE-032)."""

from __future__ import annotations

import errno
import io
from typing import Any, BinaryIO, cast

import pytest

from remote_store import (
    BackendUnavailable,
    CapabilitySet,
    NotFound,
    PermissionDenied,
    RemoteStoreError,
    Store,
)
from remote_store.backend_tools import Operation
from remote_store.backends.memory import MemoryBackend

DATA = b"first line\nsecond line\n" + bytes(range(256)) * 40


class Failing(io.BytesIO):
    """A backend's stream whose next call of ``method`` raises ``error`` (once, unless ``sticky``)."""

    def __init__(self, data: bytes, method: str, error: BaseException | None, sticky: bool = False) -> None:
        super().__init__(data)
        self.method = method
        self.error = error
        self.sticky = sticky
        self.returned: list[bytes] = []

    def _maybe_fail(self, method: str) -> None:
        if method == self.method and self.error is not None:
            error = self.error
            if not self.sticky:
                self.error = None
            raise error

    def read(self, size: int | None = -1, /) -> bytes:
        self._maybe_fail("read")
        data = super().read(size)
        self.returned.append(data)
        return data

    def readinto(self, buffer: Any, /) -> int:
        self._maybe_fail("readinto")
        return super().readinto(buffer)

    def readline(self, size: int | None = -1, /) -> bytes:
        self._maybe_fail("readline")
        return super().readline(size)

    def __next__(self) -> bytes:
        self._maybe_fail("next")
        return super().__next__()

    def seek(self, offset: int, whence: int = 0, /) -> int:
        self._maybe_fail("seek")
        return super().seek(offset, whence)

    def close(self) -> None:
        if not self.closed:
            self._maybe_fail("close")
        super().close()


class StreamBackend(MemoryBackend):
    """The memory backend, whose ``read`` returns the stream the test set up."""

    type_name = "streamy"

    def __init__(self) -> None:
        super().__init__()
        self.fail: tuple[str, BaseException | None] = ("", None)
        self.sticky = False
        self.stream: Failing | None = None

    @property
    def capabilities(self) -> CapabilitySet:
        return CapabilitySet.all()

    def read(self, path: str) -> BinaryIO:
        self.stream = Failing(self.read_bytes(path), *self.fail, sticky=self.sticky)
        return self.stream


def _store(method: str = "", error: BaseException | None = None) -> tuple[Store, StreamBackend]:
    backend = StreamBackend()
    store = Store(backend, "deep/root")
    store.write("a/f.bin", DATA)
    backend.fail = (method, error)
    return store, backend


def _backend_error(kind: type[RemoteStoreError] = BackendUnavailable) -> RemoteStoreError:
    # As a backend builds it: its own, backend-relative path.
    return StreamBackend().context(Operation.READ, "deep/root/a/f.bin").error(kind, "connection lost")


def _check(error: RemoteStoreError) -> None:
    assert (error.path, error.operation, error.backend) == ("a/f.bin", "read", "streamy")


@pytest.mark.spec("STORE-032", "STORE-028", "STORE-030")
@pytest.mark.parametrize("method", ["read", "readinto", "readline", "next", "iterate", "seek", "close"])
def test_a_backend_error_from_the_stream_names_the_store_path(method: str) -> None:
    raised = _backend_error()
    store, _ = _store("next" if method == "iterate" else method, raised)
    stream = cast(io.BufferedIOBase, store.read("a/f.bin"))  # BinaryIO's stub lacks readinto
    with pytest.raises(BackendUnavailable) as caught:
        if method == "read":
            stream.read(10)
        elif method == "readinto":
            stream.readinto(bytearray(10))
        elif method == "readline":
            stream.readline()
        elif method == "next":
            next(stream)
        elif method == "iterate":
            for _ in stream:
                pass
        elif method == "seek":
            stream.seek(3)
        else:
            stream.close()
    assert type(caught.value) is type(raised) and caught.value.message == raised.message
    assert caught.value.__cause__ is raised and raised.path == "deep/root/a/f.bin"  # kept as made
    _check(caught.value)
    stream.close()


@pytest.mark.spec("STORE-032", "STORE-030")
def test_an_error_raised_again_is_translated_again() -> None:
    # A broken stream raises its one error on every later read; the root is also the start of
    # the file's store path, so translating one object twice would strip the root twice.
    backend = StreamBackend()
    store = Store(backend, "a")
    store.write("a/x.bin", DATA)
    broken = backend.context(Operation.READ, "a/a/x.bin").error(BackendUnavailable, "connection lost")
    backend.fail = ("read", broken)
    backend.sticky = True
    with store.read("a/x.bin") as stream:
        for _ in range(2):
            with pytest.raises(BackendUnavailable) as caught:
                stream.read(1)
            assert caught.value.path == "a/x.bin" and caught.value.__cause__ is broken
    assert broken.path == "a/a/x.bin"


@pytest.mark.spec("STORE-032", "STORE-028")
def test_an_error_without_a_path_gets_the_files_path() -> None:
    store, _ = _store("read", NotFound("object vanished", operation="read"))
    with store.read("a/f.bin") as stream, pytest.raises(NotFound) as caught:
        stream.read()
    _check(caught.value)


@pytest.mark.spec("STORE-032", "ERR-007")
def test_an_os_error_from_the_stream_is_mapped() -> None:
    cause = PermissionError(errno.EACCES, "Permission denied")
    store, _ = _store("read", cause)
    with store.read("a/f.bin") as stream, pytest.raises(PermissionDenied) as caught:
        stream.read(5)
    _check(caught.value)
    assert caught.value.__cause__ is cause


@pytest.mark.spec("STORE-032")
def test_unsupported_operation_and_value_errors_pass_unchanged() -> None:
    unsupported = io.UnsupportedOperation("seek")
    store, _ = _store("seek", unsupported)
    stream = store.read("a/f.bin")
    with pytest.raises(io.UnsupportedOperation) as caught:
        stream.seek(0)
    assert caught.value is unsupported and not isinstance(caught.value, RemoteStoreError)
    stream.close()
    with pytest.raises(ValueError, match="closed"):
        stream.read(1)
    assert not isinstance(_raised(lambda: stream.read(1)), RemoteStoreError)


def _raised(action: Any) -> BaseException:
    try:
        action()
    except BaseException as error:  # noqa: BLE001 - returned for inspection
        return error
    raise AssertionError("nothing raised")


@pytest.mark.spec("STORE-032", "STREAM-009")
def test_bytes_pass_through_without_a_copy() -> None:
    store, backend = _store()
    with cast(io.BufferedIOBase, store.read("a/f.bin")) as stream:
        assert backend.stream is not None
        chunk = stream.read(100)
        assert chunk is backend.stream.returned[-1]
        buffer = bytearray(50)
        assert stream.readinto(buffer) == 50 and bytes(buffer) == DATA[100:150]
        assert stream.seekable() and stream.tell() == 150
        stream.seek(0)
        assert stream.read() == DATA
    assert stream.closed and backend.stream.closed


@pytest.mark.spec("STORE-032", "STREAM-009")
def test_with_iteration_and_text_wrapper() -> None:
    store, _ = _store()
    with store.read("a/f.bin") as stream:
        assert next(stream) == b"first line\n"
        assert stream.readline() == b"second line\n"
    assert stream.closed
    with pytest.raises(ValueError):
        iter(stream)
    with io.TextIOWrapper(store.read("a/f.bin"), encoding="latin-1", newline="") as text:
        assert text.readline() == "first line\n"
        assert text.read() == DATA[11:].decode("latin-1")
    lines = list(store.read("a/f.bin"))
    assert b"".join(lines) == DATA and lines[1] == b"second line\n"
    with cast(io.BufferedIOBase, store.read("a/f.bin")) as buffered:
        assert buffered.read1(5) == DATA[:5]
        assert buffered.readlines()[0] == b" line\n"
        assert buffered.readable() and not buffered.writable()


@pytest.mark.spec("STORE-032")
def test_other_attributes_are_the_backend_streams() -> None:
    store = Store(MemoryBackend())
    store.write("f", b"xyz")
    with store.read("f") as stream:
        assert stream.getvalue() == b"xyz"  # type: ignore[attr-defined]  # BytesIO's own
        with pytest.raises(AttributeError):
            stream.no_such_attribute  # type: ignore[attr-defined]  # noqa: B018
        assert "BytesIO" in repr(stream)
