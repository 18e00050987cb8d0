"""Mutants of the local backend: each breaks one requirement of specs/, and nothing else.

Written from specs/ and the README only, without reading the suite's tests (issue 19). Each class
docstring cites the requirement it violates. They act on ``self.root`` directly only where the
mutation needs it, always below the root.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import time
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO

from _bases import LocalBase
from _registry import Mutant
from _wrappers import (
    CheckBeforeReading,
    PublishPartial,
    SharedSlot,
    copy_of,
    map_paths,
    rewrite_errors,
    truncated,
)

from remote_store import (
    DirectoryNotEmpty,
    FileInfo,
    FolderInfo,
    NotFound,
    PermissionDenied,
    RemotePath,
    RemoteStoreError,
    WriteContent,
)
from remote_store.backend_tools import map_os_error

_TEMP = re.compile(r"^\.~rs-[0-9a-f]{16}\.tmp$")


@contextlib.contextmanager
def _mapped(path: str, operation: str) -> Iterator[None]:
    """The mutation's own storage calls fail as the base's do: a mapped error, from the OSError."""
    try:
        yield
    except OSError as error:
        raise map_os_error(error, path=path, operation=operation, backend="local") from error


def _disk(backend: LocalBase, path: str) -> str:
    return os.path.join(backend.root, *path.split("/")) if path else backend.root


# -- timing ---------------------------------------------------------------------------------------


class PartialPublishWrite(PublishPartial, LocalBase):
    """ATOMIC-005: ``write`` publishes the received prefix of a stream after each chunk."""


class PartialPublishAtomic(PublishPartial, LocalBase):
    """ATOMIC-002: ``write_atomic`` publishes the received prefix of a stream after each chunk."""

    publish_partial_in = ("write_atomic",)


class CheckThenCreate(CheckBeforeReading, LocalBase):
    """ATOMIC-004: ``overwrite=False`` is checked before reading the content; the publish replaces.

    A creator racing in while a slow source is read is overwritten: two winners.
    """


class MoveDeleteThenRename(LocalBase):
    """ATOMIC-006: ``move(overwrite=True)`` deletes the destination, then renames the source in."""

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        if overwrite and self.is_file(dst) and self.is_file(src):
            self.delete(dst)
            time.sleep(0.002)
        super().move(src, dst, overwrite=overwrite)


class SharedTargetSlot(LocalBase):
    """BACKEND-007: a write parks its path in state shared by all threads, then writes to what is parked."""

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        slot: SharedSlot = self.__dict__.setdefault("_slot", SharedSlot())
        slot.value = path
        time.sleep(0.001)
        super().write(slot.value, content, overwrite=overwrite, **options)


# -- what listings and queries show -------------------------------------------------------------


class ListingShowsTemporaryFiles(LocalBase):
    """ATOMIC-005: ``list_files`` also reports the temporary files of writes in progress."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        yield from super().list_files(path, recursive=recursive)
        folder = _disk(self, path)
        if recursive or not os.path.isdir(folder):
            return
        with _mapped(path, "list_files"), os.scandir(folder) as entries:
            for entry in entries:
                if _TEMP.match(entry.name):
                    try:
                        result = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    name = f"{path}/{entry.name}" if path else entry.name
                    yield FileInfo(
                        path=RemotePath(name),
                        name=entry.name,
                        size=result.st_size,
                        modified_at=datetime.fromtimestamp(result.st_mtime, timezone.utc),
                    )


class ListSkipsDotFiles(LocalBase):
    """STORE-020: ``list_files`` skips files whose name starts with ``.`` (as "hidden")."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        return (
            info for info in super().list_files(path, recursive=recursive) if not info.name.startswith(".")
        )


class EmptyFoldersUnlisted(LocalBase):
    """STORE-016: ``list_folders`` leaves out empty folders (they still exist for ``is_folder``)."""

    def list_folders(self, path: str) -> Iterator[str]:
        for folder in super().list_folders(path):
            disk = _disk(self, folder)
            try:
                empty = not any(not _TEMP.match(name) for name in os.listdir(disk))
            except OSError:
                empty = False
            if not empty:
                yield folder


class OutsideLinkQueriesFalse(LocalBase):
    """BACKEND-015: queries of a path leading outside the root answer ``False`` instead of raising."""

    def is_file(self, path: str) -> bool:
        try:
            return super().is_file(path)
        except PermissionDenied:
            return False

    def is_folder(self, path: str) -> bool:
        try:
            return super().is_folder(path)
        except PermissionDenied:
            return False

    def exists(self, path: str) -> bool:
        try:
            return super().exists(path)
        except PermissionDenied:
            return False


class ClosedQueriesAnswer(LocalBase):
    """BACKEND-008: after ``close()``, ``is_file`` still answers from the disk."""

    def is_file(self, path: str) -> bool:
        if self._closed:
            return os.path.isfile(_disk(self, path))
        return super().is_file(path)


# -- content ---------------------------------------------------------------------------------------


class OverwriteKeepsTail(LocalBase):
    """STORE-005: a shorter overwrite leaves the tail of the longer old content."""

    def _keep_tail(self, operation: str, path: str, content: WriteContent, overwrite: bool) -> None:
        old = super().read_bytes(path) if overwrite and super().is_file(path) else None
        getattr(super(), operation)(path, content, overwrite=overwrite)
        if old is not None:
            new = super().read_bytes(path)
            if len(old) > len(new):
                getattr(super(), operation)(path, new + old[len(new) :], overwrite=True)

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        self._keep_tail("write", path, content, overwrite)


class ReadEndsAt8MiB(LocalBase):
    """STREAM-010: the stream of ``read`` ends after 8 MiB (``read_bytes`` stays right)."""

    def read(self, path: str) -> BinaryIO:
        return truncated(super().read(path), 8 * 1024 * 1024)


class FailedCreateLeavesFolders(LocalBase):
    """BACKEND-013: a failed create leaves the ancestor folders it made on the way."""

    def write(self, path: str, content: WriteContent, *, overwrite: bool = False, **options: Any) -> None:
        if "/" in path and not super().is_file(path):
            parent = path.rsplit("/", 1)[0]
            try:
                if not super().exists(parent):
                    os.makedirs(_disk(self, parent), exist_ok=True)
            except (RemoteStoreError, OSError):
                pass  # a conflict: the base reports it
        super().write(path, content, overwrite=overwrite, **options)


# -- folders, deletes, move and copy ------------------------------------------------------------


class RecursiveDeleteTakesSiblings(LocalBase):
    """STORE-014: ``delete_folder(recursive=True)`` of ``a`` also deletes the siblings ``ab``, ``a.txt``."""

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        super().delete_folder(path, recursive=recursive, missing_ok=missing_ok)
        if recursive and path:
            parent, _, name = path.rpartition("/")
            folder = _disk(self, parent)
            if os.path.isdir(folder):
                with _mapped(path, "delete_folder"):
                    names = os.listdir(folder)
                for entry in names:
                    if entry.startswith(name) and entry != name:
                        target = os.path.join(folder, entry)
                        with _mapped(path, "delete_folder"):
                            if os.path.isdir(target) and not os.path.islink(target):
                                shutil.rmtree(target)
                            else:
                                os.unlink(target)


class LitterBlocksDeleteFolder(LocalBase):
    """BACKEND-017: a folder holding only a killed writer's temporary files is "not empty"."""

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        if not recursive and path:
            disk = _disk(self, path)
            with _mapped(path, "delete_folder"):
                try:
                    folder = stat.S_ISDIR(os.lstat(disk).st_mode)
                except FileNotFoundError:
                    folder = False
                holds_something = folder and bool(os.listdir(disk))
            if holds_something:
                raise DirectoryNotEmpty(
                    "folder is not empty", path=path, operation="delete_folder", backend="local"
                )
        super().delete_folder(path, recursive=recursive, missing_ok=missing_ok)


class SweepIgnoresAge(LocalBase):
    """BACKEND-017: ``remove_temp_files`` removes every temporary file, whatever ``older_than`` says."""

    def remove_temp_files(self, *, older_than: float = 3600.0) -> int:
        super().remove_temp_files(older_than=older_than)  # validates the argument
        return super().remove_temp_files(older_than=0)


class CopyIsSymlink(LocalBase):
    """STORE-018: ``copy`` makes ``dst`` a symbolic link to ``src``: later changes show through."""

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        super().copy(src, dst, overwrite=overwrite)
        source, target = _disk(self, src), _disk(self, dst)
        temporary = target + ".~link"
        try:
            with _mapped(dst, "copy"):
                os.symlink(os.path.relpath(source, os.path.dirname(target)), temporary)
                os.replace(temporary, target)
        except RemoteStoreError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


class MoveLeavesEmptySourceFolderGone(LocalBase):
    """STORE-016: moving the last file out of a folder removes that folder."""

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        super().move(src, dst, overwrite=overwrite)
        if "/" in src:
            folder = _disk(self, src.rsplit("/", 1)[0])
            with contextlib.suppress(OSError):
                os.rmdir(folder)


# -- metadata ----------------------------------------------------------------------------------


class SizeFromBlocks(LocalBase):
    """STORE-025: ``get_file_info`` reports the disk usage (``st_blocks * 512``) as ``size``."""

    def get_file_info(self, path: str) -> FileInfo:
        info = super().get_file_info(path)
        with _mapped(path, "get_file_info"):
            blocks = os.stat(_disk(self, path)).st_blocks * 512
        return FileInfo(path=info.path, name=info.name, size=blocks, modified_at=info.modified_at)


class FolderInfoSkipsDotFiles(LocalBase):
    """STORE-026: ``get_folder_info`` leaves files whose name starts with ``.`` out of its counts."""

    def get_folder_info(self, path: str) -> FolderInfo:
        super().get_folder_info(path)  # the checks and errors of the base
        infos = [i for i in super().list_files(path, recursive=True) if not i.name.startswith(".")]
        return FolderInfo(
            path=RemotePath(path),
            file_count=len(infos),
            total_size=sum(i.size for i in infos),
            modified_at=max((i.modified_at for i in infos), default=None),
        )


# -- resources -----------------------------------------------------------------------------------


class ReadBytesLeaksDescriptor(LocalBase):
    """BACKEND-014: each ``read_bytes`` leaves one descriptor of the file open."""

    def read_bytes(self, path: str) -> bytes:
        data = super().read_bytes(path)
        with _mapped(path, "read_bytes"):
            self.__dict__.setdefault("_kept", []).append(os.open(_disk(self, path), os.O_RDONLY))
        return data


class AbandonedListingLeaks(LocalBase):
    """BACKEND-014: a ``list_files`` abandoned before its end keeps a folder descriptor open."""

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        kept: list[int] = self.__dict__.setdefault("_kept", [])
        found = super().list_files(path, recursive=recursive)
        folder = _disk(self, path)
        if not os.path.isdir(folder):
            yield from found
            return
        with _mapped(path, "list_files"):
            descriptor = os.open(folder, os.O_RDONLY)
        kept.append(descriptor)
        yield from found
        kept.remove(descriptor)
        os.close(descriptor)


# -- errors -------------------------------------------------------------------------------------


def _drop_cause(backend: Any, error: RemoteStoreError) -> None:
    if error.__cause__ is not None:
        raise copy_of(error) from None


@rewrite_errors(_drop_cause)
class CauseDropped(LocalBase):
    """BACKEND-005: errors translated from an ``OSError`` lose it (raised ``from None``)."""


class _Lost(Exception):
    """Carries a copy of an error out of the ``except`` block, so that it has no context either."""

    def __init__(self, error: RemoteStoreError) -> None:
        super().__init__()
        self.error = error


def _lose_cause(backend: Any, error: RemoteStoreError) -> None:
    if error.__cause__ is not None:
        raise _Lost(copy_of(error))


def _raise_lost(original: Any) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        failure: RemoteStoreError | None = None
        try:
            return original(self, *args, **kwargs)
        except _Lost as lost:
            failure = lost.error
        failure.__context__ = None
        raise failure

    return method


@rewrite_errors(_lose_cause)
class _CauseLostInside(LocalBase):
    pass


class CauseLost(_CauseLostInside):
    """BACKEND-005: errors translated from an ``OSError`` keep no trace of it (no cause, no context).

    As a backend that builds the error in the ``except`` block and raises it after the block.
    """


for _name in (
    "is_file",
    "is_folder",
    "exists",
    "write",
    "write_atomic",
    "read",
    "read_bytes",
    "delete",
    "delete_folder",
    "move",
    "copy",
    "get_file_info",
    "get_folder_info",
):
    setattr(CauseLost, _name, _raise_lost(getattr(_CauseLostInside, _name)))


def _absolute_path(backend: Any, error: RemoteStoreError) -> None:
    if error.path is not None and error.backend == "local":
        error.path = _disk(backend, error.path)


@rewrite_errors(_absolute_path)
class ErrorPathAbsolute(LocalBase):
    """BACKEND-005: errors carry the absolute location on disk in ``path``, not the backend path."""


def _no_operation(backend: Any, error: RemoteStoreError) -> None:
    error.operation = None


@rewrite_errors(_no_operation)
class ErrorsWithoutOperation(LocalBase):
    """BACKEND-005: errors carry no ``operation``."""


def _not_found_is_permission(backend: Any, error: RemoteStoreError) -> None:
    if isinstance(error, NotFound) and error.operation == "get_file_info":
        raise PermissionDenied(
            error.message, path=error.path, operation=error.operation, backend="local"
        ) from error


@rewrite_errors(_not_found_is_permission)
class InfoMissingIsPermission(LocalBase):
    """STORE-025: ``get_file_info`` of a missing file raises ``PermissionDenied``, not ``NotFound``."""


# -- paths -------------------------------------------------------------------------------------


@map_paths(lambda path: unicodedata.normalize("NFC", path))
class NamesNormalized(LocalBase):
    """PATH-007: names are NFC-normalized on the way to the disk; listings report the changed text.

    Note: checked through STORE-024 and ``Requirements.unicode_paths`` ("round-trip verbatim").
    """


@map_paths(lambda path: "/".join(part.rstrip(" ") or part for part in path.split("/")))
class TrailingSpacesTrimmed(LocalBase):
    """PATH-007: trailing spaces of each name are trimmed ("no trimming" is required)."""


REGISTRY: list[Mutant] = [
    Mutant(
        "partial_publish_write",
        "ATOMIC-005",
        "write publishes the stream's received prefix after each chunk",
        PartialPublishWrite,
    ),
    Mutant(
        "partial_publish_atomic",
        "ATOMIC-002",
        "write_atomic publishes the stream's received prefix after each chunk",
        PartialPublishAtomic,
    ),
    Mutant(
        "check_then_create",
        "ATOMIC-004",
        "overwrite=False checked before reading a slow source; publish overwrites",
        CheckThenCreate,
    ),
    Mutant(
        "move_delete_then_rename",
        "ATOMIC-006",
        "move(overwrite=True) deletes dst, then renames",
        MoveDeleteThenRename,
    ),
    Mutant(
        "shared_target_slot",
        "BACKEND-007",
        "concurrent writes share one 'current path' slot",
        SharedTargetSlot,
    ),
    Mutant(
        "listing_shows_temporary_files",
        "ATOMIC-005",
        "list_files reports temporary files of writes in progress",
        ListingShowsTemporaryFiles,
        note="also BACKEND-017 (litter) for the named temporary files a killed writer leaves",
    ),
    Mutant(
        "list_skips_dot_files", "STORE-020", "list_files skips names starting with '.'", ListSkipsDotFiles
    ),
    Mutant(
        "empty_folders_unlisted", "STORE-016", "list_folders leaves out empty folders", EmptyFoldersUnlisted
    ),
    Mutant(
        "outside_link_queries_false",
        "BACKEND-015",
        "queries through a link leading outside answer False",
        OutsideLinkQueriesFalse,
    ),
    Mutant("closed_queries_answer", "BACKEND-008", "after close, is_file still answers", ClosedQueriesAnswer),
    Mutant("overwrite_keeps_tail", "STORE-005", "a shorter overwrite keeps the old tail", OverwriteKeepsTail),
    Mutant("read_ends_at_8mib", "STREAM-010", "the read stream ends after 8 MiB", ReadEndsAt8MiB),
    Mutant(
        "failed_create_leaves_folders",
        "BACKEND-013",
        "a failed create leaves the parent folder it made",
        FailedCreateLeavesFolders,
    ),
    Mutant(
        "recursive_delete_takes_siblings",
        "STORE-014",
        "recursive delete_folder('a') deletes 'ab' and 'a.txt' too",
        RecursiveDeleteTakesSiblings,
    ),
    Mutant(
        "litter_blocks_delete_folder",
        "BACKEND-017",
        "a folder holding only litter is not empty",
        LitterBlocksDeleteFolder,
    ),
    Mutant(
        "sweep_ignores_age",
        "BACKEND-017",
        "remove_temp_files removes fresh temporary files too",
        SweepIgnoresAge,
    ),
    Mutant("copy_is_symlink", "STORE-018", "copy makes dst a symbolic link to src", CopyIsSymlink),
    Mutant(
        "move_removes_empty_source_folder",
        "STORE-016",
        "moving a folder's last file away removes the folder",
        MoveLeavesEmptySourceFolderGone,
    ),
    Mutant("size_from_blocks", "STORE-025", "get_file_info's size is st_blocks * 512", SizeFromBlocks),
    Mutant(
        "folder_info_skips_dot_files",
        "STORE-026",
        "get_folder_info does not count '.' files",
        FolderInfoSkipsDotFiles,
    ),
    Mutant(
        "read_bytes_leaks_descriptor",
        "BACKEND-014",
        "each read_bytes leaves a descriptor open",
        ReadBytesLeaksDescriptor,
    ),
    Mutant(
        "abandoned_listing_leaks",
        "BACKEND-014",
        "an abandoned list_files keeps a descriptor open",
        AbandonedListingLeaks,
    ),
    Mutant("cause_dropped", "BACKEND-005", "errors from OSErrors are raised from None", CauseDropped),
    Mutant(
        "cause_lost",
        "BACKEND-005",
        "errors from OSErrors keep neither cause nor context",
        CauseLost,
        note="listings raise at next(): there the cause is dropped as in cause_dropped (context kept)",
    ),
    Mutant("error_path_absolute", "BACKEND-005", "errors carry the absolute disk path", ErrorPathAbsolute),
    Mutant("errors_without_operation", "BACKEND-005", "errors carry no operation", ErrorsWithoutOperation),
    Mutant(
        "info_missing_is_permission",
        "STORE-025",
        "get_file_info of a missing file raises PermissionDenied",
        InfoMissingIsPermission,
    ),
    Mutant(
        "names_normalized",
        "PATH-007",
        "paths NFC-normalized on the way to disk",
        NamesNormalized,
        note="checked through STORE-024 / Requirements.unicode_paths",
    ),
    Mutant(
        "trailing_spaces_trimmed",
        "PATH-007",
        "trailing spaces of names are trimmed",
        TrailingSpacesTrimmed,
        note="checked through STORE-024 / Requirements.unicode_paths",
    ),
]
