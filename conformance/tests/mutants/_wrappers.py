"""Mutations shared by the bases: each works on the public ``Backend`` API of any backend.

A mixin here goes before the base class (``class X(PartialPublish, LocalBase)``) and calls the
base through ``super()``; decorators rewrite every operation of a class the same way.
"""

from __future__ import annotations

import contextlib
import functools
import io
import threading
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from remote_store import AlreadyExists, RemoteStoreError, WriteContent
from remote_store.backend_tools import check_content, iter_chunks

OPERATIONS = (
    "is_file",
    "is_folder",
    "exists",
    "write",
    "write_atomic",
    "read",
    "read_bytes",
    "read_range",
    "delete",
    "delete_folder",
    "move",
    "copy",
    "list_files",
    "list_folders",
    "get_file_info",
    "get_folder_info",
)
_LISTINGS = ("list_files", "list_folders")
_TWO_PATHS = ("move", "copy")


def _bytes_like(content: object) -> bool:
    return isinstance(content, (bytes, bytearray, memoryview))


class Tap:
    """A stream passing ``source``'s reads through and calling ``seen(chunk)`` after each."""

    def __init__(self, source: Any, seen: Callable[[bytes], None]) -> None:
        self._source = source
        self._seen = seen

    def read(self, size: int = -1) -> Any:
        chunk = self._source.read(size)
        if isinstance(chunk, (bytes, bytearray)) and chunk:
            self._seen(bytes(chunk))
        return chunk


class _PublishPartial:
    """Publishes the received prefix of a streamed write after each chunk (restoring on failure)."""

    publish_partial_in = ("write",)
    publish_partial_limit = 1 << 62  # bytes after which prefixes are no longer published

    def _write_publishing(self, operation: str, path: str, content: WriteContent, overwrite: bool) -> None:
        base: Any = super()
        backend = self.type_name  # type: ignore[attr-defined]
        check_content(content, path, operation=operation, backend=backend)
        if not path or base.is_folder(path):
            getattr(base, operation)(path, content, overwrite=overwrite)  # the base refuses it
            return
        exists = base.is_file(path)
        if exists and not overwrite:
            raise AlreadyExists("file already exists", path=path, operation=operation, backend=backend)
        old = base.read_bytes(path) if exists else None
        missing = _missing_ancestors(base, path)
        received = bytearray()
        published = False
        mark = 1  # prefixes of 1, 2, 4, ... bytes: a request per byte would only be slow
        try:
            for chunk in iter_chunks(content, path=path, operation=operation, backend=backend):
                received += bytes(chunk)
                if mark <= len(received) <= self.publish_partial_limit:
                    mark = 2 * len(received)
                    # The first prefix creates the file (race-free); later ones replace it.
                    getattr(base, operation)(path, bytes(received), overwrite=overwrite or published)
                    published = True
            getattr(base, operation)(path, bytes(received), overwrite=overwrite or published)
        except BaseException:
            if published:
                if old is None:
                    base.delete(path, missing_ok=True)
                    for folder in missing:
                        with contextlib.suppress(RemoteStoreError):
                            base.delete_folder(folder)
                else:
                    getattr(base, operation)(path, old, overwrite=True)
            raise

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        if "write" in self.publish_partial_in and not _bytes_like(content):
            self._write_publishing("write", path, content, overwrite)
        else:
            super().write(path, content, overwrite=overwrite, **options)  # type: ignore[misc]

    def write_atomic(
        self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any
    ) -> None:
        if "write_atomic" in self.publish_partial_in and not _bytes_like(content):
            self._write_publishing("write_atomic", path, content, overwrite)
        else:
            super().write_atomic(path, content, overwrite=overwrite, **options)  # type: ignore[misc]


PublishPartial = _PublishPartial


def _missing_ancestors(base: Any, path: str) -> list[str]:
    """The ancestors of ``path`` that are no folder yet, deepest first."""
    parts = path.split("/")[:-1]
    ancestors = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return [folder for folder in reversed(ancestors) if not base.is_folder(folder)]


class CheckBeforeReading:
    """``overwrite=False`` is checked once, before the content is read; the publish overwrites."""

    def _create_checked(self, operation: str, path: str, content: WriteContent, overwrite: bool) -> None:
        base: Any = super()
        check_content(content, path, operation=operation, backend=self.type_name)  # type: ignore[attr-defined]
        if not overwrite and base.is_file(path):
            raise AlreadyExists("file already exists", path=path, operation=operation, backend=self.type_name)  # type: ignore[attr-defined]
        getattr(base, operation)(path, content, overwrite=True)

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        self._create_checked("write", path, content, overwrite)

    def write_atomic(
        self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any
    ) -> None:
        self._create_checked("write_atomic", path, content, overwrite)


def rewrite_errors(transform: Callable[[Any, RemoteStoreError], None]) -> Callable[[type], type]:
    """A class decorator: every ``RemoteStoreError`` an operation raises goes through ``transform``.

    ``transform(backend, error)`` raises (the same error changed, or another one).
    """

    def decorate(cls: type) -> type:
        for name in OPERATIONS:
            setattr(cls, name, _rewriting(getattr(cls, name), name, transform))
        return cls

    return decorate


def _rewriting(
    original: Callable[..., Any], name: str, transform: Callable[[Any, RemoteStoreError], None]
) -> Any:
    if name in _LISTINGS:

        @functools.wraps(original)
        def listing(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                found = original(self, *args, **kwargs)
            except RemoteStoreError as error:
                transform(self, error)
                raise

            def entries() -> Iterator[Any]:
                try:
                    yield from found
                except RemoteStoreError as error:
                    transform(self, error)
                    raise

            return entries()

        return listing

    @functools.wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        except RemoteStoreError as error:
            transform(self, error)
            raise

    return method


def copy_of(error: RemoteStoreError) -> RemoteStoreError:
    """A new error of the same class and attributes, without cause or context."""
    extra = {"capability": error.capability} if hasattr(error, "capability") else {}
    return type(error)(
        error.message, path=error.path, operation=error.operation, backend=error.backend, **extra
    )


def map_paths(change: Callable[[str], str]) -> Callable[[type], type]:
    """A class decorator: every path argument of every operation goes through ``change`` first.

    Results (listings, ``FileInfo.path``) are left as the base reports them, i.e. changed.
    """

    def decorate(cls: type) -> type:
        for name in OPERATIONS:
            setattr(cls, name, _mapping(getattr(cls, name), name, change))
        return cls

    return decorate


def _mapping(original: Callable[..., Any], name: str, change: Callable[[str], str]) -> Any:
    count = 2 if name in _TWO_PATHS else 1

    @functools.wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        args = tuple(change(a) if i < count and isinstance(a, str) else a for i, a in enumerate(args))
        return original(self, *args, **kwargs)

    return method


class TruncatedStream(io.RawIOBase):
    """A read stream over ``source`` that ends after ``limit`` bytes (closing closes ``source``).

    It seeks as ``source`` does, within a file of ``min(size, limit)`` bytes: the only lie is the
    end, so a backend declaring ``SEEKABLE_READ`` (STREAM-012) keeps that promise.
    """

    def __init__(self, source: BinaryIO, limit: int) -> None:
        super().__init__()
        self._source = source
        self._limit = limit

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return bool(self._source.seekable())

    def tell(self) -> int:
        return min(self._source.tell(), self._limit)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            end = min(self._source.seek(0, io.SEEK_END), self._limit)
            return self._source.seek(end + offset)
        if whence == io.SEEK_CUR:
            return self._source.seek(self.tell() + offset)
        return self._source.seek(offset, whence)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._limit - self._source.tell())
        if want <= 0:
            return 0
        data = self._source.read(want)
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


def truncated(source: BinaryIO, limit: int) -> BinaryIO:
    """``source`` as a buffered binary stream that ends after ``limit`` bytes."""
    return io.BufferedReader(TruncatedStream(source, limit))


class SharedSlot:
    """State shared by every thread of one backend: the path of "the" write in progress."""

    def __init__(self) -> None:
        self.value: Any = None
        self.lock = threading.Lock()
