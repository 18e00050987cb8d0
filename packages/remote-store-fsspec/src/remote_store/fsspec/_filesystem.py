"""``RemoteStoreFileSystem``: an ``fsspec.AbstractFileSystem`` over one ``Store``."""

from __future__ import annotations

import dataclasses
import errno
import glob
import sys
from datetime import datetime
from typing import Any

from fsspec.spec import AbstractFileSystem
from fsspec.utils import stringify_path
from remote_store import InvalidPath, NotFound, Store

from ._file import StoreFile
from ._info import directory_entry, file_entry
from ._ranges import RangeReader, supports_ranges
from ._text import DiscardingTextWrapper

__all__ = ["RemoteStoreFileSystem"]


@dataclasses.dataclass(frozen=True)
class Target:
    """Where an fsspec path leads: a store (``None`` above every store) and a path in it."""

    store: Store | None
    relative: str
    prefix: str = ""

    def name(self, relative: object) -> str:
        """The fsspec path of ``relative`` (a store-relative path of ``store``)."""
        text = str(relative)
        if not text:
            return self.prefix.rstrip("/")
        return f"{self.prefix}{text}"

    def require_store(self, path: str) -> Store:
        """The store, or ``IsADirectoryError`` where the path is above every store."""
        if self.store is None:
            raise IsADirectoryError(errno.EISDIR, "the root holds stores, not files", path)
        return self.store


def _child(folder: str, listed: str) -> str:
    name = listed.rpartition("/")[2]
    return f"{folder}/{name}" if folder else name


def _missing(path: str) -> FileNotFoundError:
    return FileNotFoundError(errno.ENOENT, "no such file or folder", path)


class RemoteStoreFileSystem(AbstractFileSystem):  # type: ignore[misc]  # fsspec is untyped
    """An fsspec filesystem over ``store``; paths are store-relative (``"reports/2024.csv"``).

    Errors are remote-store's own, which subclass the built-ins fsspec users catch:
    ``NotFound`` is a ``FileNotFoundError``, ``AlreadyExists`` a ``FileExistsError``,
    ``PermissionDenied`` a ``PermissionError``, ``InvalidPath`` a ``ValueError``.

    Folders: ``mkdir``/``makedirs`` create nothing (the ``Store`` API has no empty folders to
    make); a folder appears with its first file. They raise ``FileExistsError`` where fsspec says
    they must. Whether a folder outlives its last file is ``store.behaviour.real_empty_folders``.

    Instances are not cached by fsspec (two stores may print alike); the store is not closed by
    the filesystem.
    """

    protocol: Any = ("storefs",)
    root_marker = ""
    cachable = False

    def __init__(self, store: Store, **storage_options: Any) -> None:
        super().__init__(**storage_options)
        if not isinstance(store, Store):
            raise TypeError(
                f"RemoteStoreFileSystem: store must be a remote_store.Store, not {type(store).__name__}"
            )
        self.store = store

    # -- paths ------------------------------------------------------------------------------

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(item) for item in path]
        text = stringify_path(path)
        protocols = (cls.protocol,) if isinstance(cls.protocol, str) else cls.protocol
        for protocol in protocols:
            if text.startswith(f"{protocol}://"):
                text = text[len(protocol) + 3 :]
                break
        return text.strip("/")

    def _locate(self, path: str) -> Target:
        return Target(self.store, self._strip_protocol(path))

    # -- metadata and listing ---------------------------------------------------------------

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        """The files and folders directly in folder ``path``; ``[info]`` where it is a file.

        Raises:
            FileNotFoundError: nothing at ``path``.
        """
        target = self._locate(path)
        entries = self._list(target)
        if not entries and target.relative:
            store = target.require_store(path)
            if store.is_file(target.relative):
                entries = [file_entry(target.name(target.relative), store.get_file_info(target.relative))]
            elif not store.is_folder(target.relative):
                raise _missing(path)
        return entries if detail else [entry["name"] for entry in entries]

    def _list(self, target: Target) -> list[dict[str, Any]]:
        store = target.store
        assert store is not None
        try:
            files = [file_entry(target.name(info.path), info) for info in store.list_files(target.relative)]
            # Core yields each folder's name (or, before 0.1's list_folders change, its path):
            # the last segment joined to the listed folder is right either way.
            folders = [
                directory_entry(target.name(_child(target.relative, str(folder))))
                for folder in store.list_folders(target.relative)
            ]
        except (NotFound, InvalidPath):
            return []
        return files + folders

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        """``name``, ``size``, ``type`` (``"file"``/``"directory"``), ``mtime`` and what else is known.

        Raises:
            FileNotFoundError: nothing at ``path``.
        """
        target = self._locate(path)
        if target.store is None or not target.relative:
            return directory_entry(target.name(target.relative))
        store = target.store
        try:
            return file_entry(target.name(target.relative), store.get_file_info(target.relative))
        except (NotFound, InvalidPath):
            pass
        if store.is_folder(target.relative):
            return directory_entry(target.name(target.relative))
        raise _missing(path)

    def find(
        self,
        path: str,
        maxdepth: int | None = None,
        withdirs: bool = False,
        detail: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Every file below ``path`` (one recursive listing where fsspec's walk is not needed)."""
        target = self._locate(path)
        store = target.store
        # Where folders are key prefixes (object stores) every folder is the parent of a file, so
        # one recursive listing also gives them; real folders may be empty and need fsspec's walk.
        if maxdepth is not None or store is None or (withdirs and store.behaviour.real_empty_folders):
            return super().find(path, maxdepth=maxdepth, withdirs=withdirs, detail=detail, **kwargs)
        found: dict[str, Any] = {}
        if target.relative and store.is_file(target.relative):
            entry = file_entry(target.name(target.relative), store.get_file_info(target.relative))
            found[entry["name"]] = entry
        else:
            try:
                for info in store.list_files(target.relative, recursive=True):
                    entry = file_entry(target.name(info.path), info)
                    found[entry["name"]] = entry
                    if withdirs:
                        self._add_parents(found, target, str(info.path))
            except (NotFound, InvalidPath):
                pass
        names = sorted(found)
        return {name: found[name] for name in names} if detail else names

    @staticmethod
    def _add_parents(found: dict[str, Any], target: Target, relative: str) -> None:
        parent = relative.rpartition("/")[0]
        while len(parent) > len(target.relative):
            name = target.name(parent)
            if name in found:
                return
            found[name] = directory_entry(name)
            parent = parent.rpartition("/")[0]

    def exists(self, path: str, **kwargs: Any) -> bool:
        """True where a file or folder is at ``path``."""
        try:
            self.info(path)
        except (FileNotFoundError, ValueError):
            return False
        return True

    def isfile(self, path: str) -> bool:
        """True where a file is at ``path``."""
        target = self._locate(path)
        if target.store is None or not target.relative:
            return False
        try:
            return target.store.is_file(target.relative)
        except InvalidPath:
            return False

    def isdir(self, path: str) -> bool:
        """True where a folder is at ``path`` (the root always is)."""
        target = self._locate(path)
        if target.store is None or not target.relative:
            return True
        try:
            return target.store.is_folder(target.relative)
        except InvalidPath:
            return False

    def modified(self, path: str) -> datetime:
        """The file's modification time (timezone-aware)."""
        target = self._locate(path)
        store = target.require_store(path)
        return store.get_file_info(target.relative).modified_at

    # -- reading and writing whole files ----------------------------------------------------

    def cat_file(self, path: str, start: int | None = None, end: int | None = None, **kwargs: Any) -> bytes:
        """The bytes of file ``path``, or ``[start:end)`` of them (negative counts from the end).

        Only the range is read where the backend declares ``SEEKABLE_READ``.

        Raises:
            FileNotFoundError: no file at ``path``.
        """
        target = self._locate(path)
        store = target.require_store(path)
        if start is None and end is None:
            return store.read_bytes(target.relative)
        reader = RangeReader(store, target.relative)
        negative = (start is not None and start < 0) or (end is not None and end < 0)
        if negative or (end is None and reader.ranged):
            size = store.get_file_info(target.relative).size
            start = None if start is None else (max(0, size + start) if start < 0 else start)
            end = size if end is None else (max(0, size + end) if end < 0 else end)
        try:
            return reader.read(start or 0, sys.maxsize if end is None else end)
        finally:
            reader.close()

    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs: Any) -> None:
        """Write ``value`` to file ``path`` (``mode="create"``: fail where it exists).

        Raises:
            FileExistsError: ``mode="create"`` and a file is at ``path``.
        """
        target = self._locate(path)
        store = target.require_store(path)
        store.write(target.relative, bytes(value), overwrite=mode != "create")

    # -- deleting, copying, moving ----------------------------------------------------------

    def rm_file(self, path: str) -> None:
        """Delete file ``path``.

        Raises:
            FileNotFoundError: no file at ``path``.
        """
        target = self._locate(path)
        target.require_store(path).delete(target.relative)

    def _rm(self, path: str) -> None:
        self.rm_file(path)

    def rm(self, path: Any, recursive: bool = False, maxdepth: int | None = None) -> None:
        """Delete files and (with ``recursive``) folders; folders after their content.

        ``rm(folder, recursive=True)`` is one ``Store.delete_folder(recursive=True)``.
        """
        if recursive and maxdepth is None and isinstance(path, str) and not glob.has_magic(path):
            target = self._locate(path)
            if target.store is not None and target.relative and target.store.is_folder(target.relative):
                target.store.delete_folder(target.relative, recursive=True)
                return
        for each in reversed(self.expand_path(path, recursive=recursive, maxdepth=maxdepth)):
            target = self._locate(each)
            store = target.require_store(each)
            if store.is_file(target.relative):
                store.delete(target.relative)
            elif target.relative:
                store.delete_folder(target.relative, missing_ok=True)

    def rmdir(self, path: str) -> None:
        """Delete the empty folder ``path``.

        Raises:
            OSError: (our ``DirectoryNotEmpty``) the folder holds files.
        """
        target = self._locate(path)
        target.require_store(path).delete_folder(target.relative)

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        """Create nothing: a folder appears with its first file (see the class docstring).

        Raises:
            FileExistsError: a file is at ``path``.
        """
        if self.isfile(path):
            raise FileExistsError(errno.EEXIST, "a file is there", path)

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        """Create nothing, as ``mkdir``.

        Raises:
            FileExistsError: something is at ``path`` and not ``exist_ok``, or a file is there.
        """
        if self.isfile(path) or (not exist_ok and self.exists(path)):
            raise FileExistsError(errno.EEXIST, "already exists", path)

    def sign(self, path: str, expiration: int = 100, *, method: str = "GET", **kwargs: Any) -> str:
        """A URL with which a plain HTTP client GETs (or PUTs) ``path`` for ``expiration`` seconds.

        ``Store.url`` (specs/urls.md) under fsspec's name, ``expiration`` in seconds as fsspec and
        s3fs take it (default 100).

        Raises:
            CapabilityNotSupported: the store's backend does not declare ``PRESIGNED_URL``.
            ValueError: ``method`` is not ``"GET"`` or ``"PUT"``, or ``expiration`` is under one
                second or over the storage's limit.
            IsADirectoryError: ``path`` is above every store.
        """
        from datetime import timedelta

        target = self._locate(path)
        store = target.require_store(path)
        return store.url(target.relative, expires_in=timedelta(seconds=expiration), method=method)

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        """Copy file ``path1`` to ``path2`` (replacing it); a folder ``path1`` copies nothing.

        Server-side within one store (``Store.copy``), streamed between two stores.

        Raises:
            FileNotFoundError: nothing at ``path1``.
        """
        source, target = self._locate(path1), self._locate(path2)
        if source.store is None or not source.relative or not source.store.is_file(source.relative):
            if self.isdir(path1):
                return
            raise _missing(path1)
        if (source.store, source.relative) == (target.store, target.relative):
            return
        destination = target.require_store(path2)
        if source.store is destination:
            destination.copy(source.relative, target.relative, overwrite=True)
            return
        with source.store.read(source.relative) as stream:
            destination.write(target.relative, stream, overwrite=True)

    def mv(
        self, path1: Any, path2: Any, recursive: bool = False, maxdepth: int | None = None, **kwargs: Any
    ) -> None:
        """Move files; one file to a new name in the same store is one ``Store.move``."""
        if isinstance(path1, str) and isinstance(path2, str) and not path2.endswith("/"):
            source, target = self._locate(path1), self._locate(path2)
            if (
                source.store is not None
                and source.store is target.store
                and source.relative
                and target.relative
                and source.relative != target.relative
                and not self.isdir(path2)
                and source.store.is_file(source.relative)
            ):
                source.store.move(source.relative, target.relative, overwrite=True)
                return
        super().mv(path1, path2, recursive=recursive, maxdepth=maxdepth, **kwargs)

    # -- files ------------------------------------------------------------------------------

    def open(
        self,
        path: str,
        mode: str = "rb",
        block_size: int | None = None,
        cache_options: dict[str, Any] | None = None,
        compression: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """A file object for ``path``: ``rb``, ``wb``, ``xb``, ``ab`` and text forms (see ``StoreFile``).

        Raises:
            FileNotFoundError: mode ``r`` and no file at ``path``.
            IsADirectoryError: ``path`` is a folder.
            FileExistsError: mode ``x`` and a file is at ``path``.
        """
        if "b" in mode or "r" in mode or compression is not None:
            return super().open(path, mode, block_size, cache_options, compression, **kwargs)
        text_options = {key: kwargs.pop(key) for key in ("encoding", "errors", "newline") if key in kwargs}
        binary = super().open(path, mode.replace("t", "") + "b", block_size, cache_options, **kwargs)
        return DiscardingTextWrapper(binary, **text_options)

    def _open(
        self,
        path: str,
        mode: str = "rb",
        block_size: int | None = None,
        autocommit: bool = True,
        cache_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> StoreFile:
        target = self._locate(path)
        store = target.require_store(path)
        if not target.relative:
            raise IsADirectoryError(errno.EISDIR, "a store's root is a folder", path)
        name = target.name(target.relative)
        if mode == "rb":
            info = self.info(path)
            if info["type"] != "file":
                raise IsADirectoryError(errno.EISDIR, "is a folder", path)
            kwargs["size"] = info["size"]
            # Parquet and ORC readers already coalesce their reads: a cache on top of one-request
            # ranges only reads more (one column of eight: 12.6% of the file without it, 41% with
            # fsspec's default readahead of 5 MiB). A forward stream keeps the readahead.
            kwargs.setdefault("cache_type", "none" if supports_ranges(store) else "readahead")
        elif mode == "xb" and self.isfile(path):
            raise FileExistsError(errno.EEXIST, "a file is there", path)
        elif self.isdir(path):
            raise IsADirectoryError(errno.EISDIR, "is a folder", path)
        return StoreFile(
            self,
            name,
            store,
            target.relative,
            mode=mode,
            block_size=block_size,
            autocommit=autocommit,
            cache_options=cache_options,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.store!r})"
