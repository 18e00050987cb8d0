"""``Remote``: the SFTP requests of one call, on one connection, confined below the real root.

Everything here is a coroutine run on the backend's event-loop thread. Paths named ``real`` are
absolute paths on the server with every symbolic link resolved (``realpath``), checked to lie
below the real root; paths without that name are backend-relative (SFTP-005).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import posixpath
from collections.abc import AsyncGenerator
from datetime import datetime, timezone
from typing import Any

from remote_store import (
    AlreadyExists,
    Capability,
    CapabilityNotSupported,
    DirectoryNotEmpty,
    FileInfo,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RemotePath,
)
from remote_store.backend_tools import DEFAULT_CHUNK_SIZE, OperationContext

from ._errors import map_error
from ._folders import KnownFolders
from ._names import is_temp_name, new_temp_name
from ._pool import asyncssh_module, server_extensions
from ._readdir import readdir
from ._reader import read_to_end
from ._round_trip import RoundTrip

__all__ = ["READDIR_AHEAD", "Remote", "Target", "file_info", "outcome"]

READDIR_AHEAD = 8
"""``readdir`` requests a listing keeps in flight at most (OpenSSH answers 100 names to each)."""


def outcome(result: Any) -> Any:
    """``result``, one of ``RoundTrip.answers()``'s: raised if an exception."""
    if isinstance(result, BaseException):
        raise result
    return result


@dataclasses.dataclass
class Target:
    """Where a write, copy or move lands: the real target path, its folder, the folders made for it."""

    real: str
    folder: str
    created: list[str]


def file_info(path: str, attrs: Any) -> FileInfo:
    """The ``FileInfo`` of the file at backend-relative ``path`` with SFTP attributes ``attrs``."""
    return FileInfo(
        path=RemotePath(path),
        name=path.rsplit("/", 1)[-1],
        size=int(attrs.size or 0),
        modified_at=datetime.fromtimestamp(attrs.mtime or 0, timezone.utc),
    )


class Remote:
    """The requests of one backend call (``context``) through the SFTP client ``sftp``.

    ``folders`` is the backend's record of folders known to exist (shared by its connections).
    Requests that do not depend on each other's answers are sent together and answered in one
    round trip (``RoundTrip``, SFTP-023: the requests go out in order, and an SFTP server processes the
    requests on one file handle in the order received; OpenSSH processes every request in order).
    """

    def __init__(self, sftp: Any, root: str, context: OperationContext, folders: KnownFolders) -> None:
        self.sftp = sftp
        self.root = root
        self.context = context
        self.folders = folders
        self.ssh = asyncssh_module()

    def at(self, path: str) -> Remote:
        """The same connection for the destination ``path`` of a two-path call (errors name it)."""
        return Remote(self.sftp, self.root, self.context.at(path), self.folders)

    @property
    def max_write(self) -> int:
        """Bytes one write request may carry (the server's ``limits@openssh.com``, else 16 KiB)."""
        return int(self.sftp.limits.max_write_len)

    @property
    def max_read(self) -> int:
        """Bytes one read request may ask for (the server's ``limits@openssh.com``, else 16 KiB)."""
        return int(self.sftp.limits.max_read_len)

    # -- paths ------------------------------------------------------------------------------

    def full(self, path: str) -> str:
        """The server path of backend path ``path`` (links not resolved)."""
        return posixpath.join(self.root, path) if path else self.root

    def inside(self, real: str) -> bool:
        """True if the resolved server path ``real`` is the real root or below it."""
        return real == self.root or real.startswith(self.root.rstrip("/") + "/")

    async def resolve(self, path: str) -> tuple[str, list[str]]:
        """Resolve ``path``: the real path of its longest resolvable start, and the segments after it.

        ``([], ...)`` means the whole path resolved (its last segment may still not exist). A
        parent that is missing or is a file leaves segments over.

        Raises:
            PermissionDenied: the path (or the part that resolves) leads outside the root.
        """
        try:
            real = str(await self.sftp.realpath(self.full(path)))
        except self.ssh.SFTPNoSuchFile:
            if not path:
                raise
            parent, _, name = path.rpartition("/")
            real, rest = await self.resolve(parent)
            return real, [*rest, name]
        if not self.inside(real):
            raise self.context.error(
                PermissionDenied, "the path leads outside the root through a symbolic link"
            )
        return real, []

    async def lstat(self, real: str) -> Any | None:
        """The attributes of ``real`` (a link not followed), or ``None`` if nothing is there."""
        try:
            return await self.sftp.lstat(real)
        except self.ssh.SFTPNoSuchFile:
            return None

    def is_folder(self, attrs: Any | None) -> bool:
        """True if ``attrs`` are those of a folder."""
        return attrs is not None and attrs.type == self.ssh.FILEXFER_TYPE_DIRECTORY

    def is_file(self, attrs: Any | None) -> bool:
        """True if ``attrs`` are those of a regular file."""
        return attrs is not None and attrs.type == self.ssh.FILEXFER_TYPE_REGULAR

    async def find(self, path: str) -> tuple[str, Any | None]:
        """The real path of ``path`` and its attributes (``None``: nothing there, or a parent missing).

        ``realpath`` and ``lstat`` of the path are sent together (one round trip): where no link
        is on the way the real path is the path itself and the ``lstat`` answered for it;
        otherwise its answer is dropped and the real path looked at again.
        """
        if path:
            full = self.full(path)
            trip = RoundTrip(self.sftp)
            trip.realpath(full)
            trip.lstat(full)
            resolved, attrs = await trip.answers()
            if isinstance(resolved, BaseException) and not isinstance(resolved, self.ssh.SFTPNoSuchFile):
                raise resolved
            if isinstance(attrs, BaseException) and not isinstance(attrs, self.ssh.SFTPNoSuchFile):
                raise attrs
            if not isinstance(resolved, BaseException) and str(resolved) == full:
                return full, None if isinstance(attrs, BaseException) else attrs
        real, rest = await self.resolve(path)
        if rest:
            return real, None
        return real, await self.lstat(real)

    async def find_file(self, path: str) -> tuple[str, Any]:
        """The real path and attributes of the regular file at ``path``.

        Raises:
            NotFound: nothing, a folder or a special file is there.
        """
        real, attrs = await self.find(path)
        if self.is_folder(attrs):
            raise self.context.error(NotFound, "path is a folder, not a file")
        if not self.is_file(attrs):
            raise self.context.error(NotFound, "no such file")
        return real, attrs

    # -- creating ---------------------------------------------------------------------------

    async def target(self, path: str, *, overwrite: bool) -> Target:
        """Where a file for ``path`` goes, its missing folders made (and listed in ``created``).

        Raises:
            InvalidPath: ``path`` is a folder, or a parent is a file.
            AlreadyExists: ``overwrite`` is false and a file is there.
        """
        real, rest = await self.resolve(path)
        if not rest:
            attrs = await self.lstat(real)
            if real == self.root or self.is_folder(attrs):
                raise self.context.error(InvalidPath, "path is a folder, not a file")
            if attrs is not None and not overwrite:
                raise self.context.error(AlreadyExists, "file already exists")
            return Target(real, posixpath.dirname(real), [])
        created: list[str] = []
        folder = real
        # The deepest folder that resolved: one lstat says whether it is a folder (a mkdir there
        # would cost a failed request and an lstat on every new file).
        attrs = await self.lstat(real)
        if attrs is not None and not self.is_folder(attrs):
            raise self.context.error(InvalidPath, "a parent of the path is a file, not a folder")
        try:
            if attrs is None and await self._make_folder(real):
                created.append(real)  # removed meanwhile
            for segment in rest[:-1]:
                folder = posixpath.join(folder, segment)
                if await self._make_folder(folder):
                    created.append(folder)
        except BaseException:
            await self.remove_folders(created)
            raise
        return Target(posixpath.join(folder, rest[-1]), folder, created)

    async def create_temp(self, path: str, *, overwrite: bool) -> tuple[Target, str, bytes]:
        """A new temporary file for the file at ``path``: ``(target, its path, its open handle)``.

        The file is opened with ``O_CREAT|O_EXCL`` in the target's folder (SFTP-006); ``file``
        makes asyncssh's file object of the handle. Where the folder is
        known (SFTP-019) the open, a ``realpath`` of the folder and an ``lstat`` of the target go
        in one round trip; anything unexpected in the answers (the folder gone, swapped for a
        link, a link or folder at the target) undoes the open and takes the full walk
        (``target``), which decides.

        Raises:
            InvalidPath: ``path`` is a folder, or a parent is a file.
            AlreadyExists: ``overwrite`` is false and a file is there.
        """
        parent, _, name = path.rpartition("/")
        folder = self.full(parent)
        if folder in self.folders:
            temp = posixpath.join(folder, new_temp_name())
            real = posixpath.join(folder, name)
            trip = RoundTrip(self.sftp)
            trip.realpath(folder)
            trip.lstat(real)
            trip.create(temp)
            resolved, attrs, opened = await trip.answers()
            missing = self.ssh.SFTPNoSuchFile
            # The record is out of date: the folder resolves elsewhere (a link now), or it (or a
            # parent) is gone or no longer a folder (ENOTDIR is "no such file" in SFTP).
            changed = (
                (not isinstance(resolved, BaseException) and str(resolved) != folder)
                or isinstance(resolved, missing)
                or isinstance(opened, missing)
            )
            failure = next(
                (
                    answer
                    for answer in (resolved, attrs, opened)
                    if isinstance(answer, BaseException) and not isinstance(answer, missing)
                ),
                None,
            )
            if not changed and failure is None:
                if isinstance(attrs, missing) or (overwrite and self.is_file(attrs)):
                    return Target(real, folder, []), temp, opened
                await self._undo_open(opened, temp)
                if self.is_file(attrs):
                    raise self.context.error(AlreadyExists, "file already exists")
                # A folder or a link at the target: the walk below tells which error it is.
            else:
                if not isinstance(opened, BaseException):
                    await self._undo_open(opened, temp)
                self.folders.forget(folder)
                if not changed and failure is not None:
                    raise failure
        target = await self.target(path, overwrite=overwrite)
        temp = posixpath.join(target.folder, new_temp_name())
        try:
            trip = RoundTrip(self.sftp)
            trip.create(temp)
            (opened,) = await trip.answers()
            outcome(opened)
        except BaseException:
            await self.remove_folders(target.created)
            raise
        self.folders.add(target.folder)
        return target, temp, opened

    async def _undo_open(self, opened: bytes, temp: str) -> None:
        """Close and remove a temporary file opened in vain (one round trip); never raises."""
        trip = RoundTrip(self.sftp)
        trip.close(opened)
        trip.remove(temp)
        await trip.answers()

    def file(self, handle: bytes, block_size: int) -> Any:
        """Asyncssh's file object for the open write ``handle`` (``block_size`` as ``open`` takes it)."""
        return self.ssh.SFTPClientFile(self.sftp._handler, handle, False, None, "strict", block_size, -1)

    async def _make_folder(self, real: str) -> bool:
        try:
            await self.sftp.mkdir(real)
            return True
        except self.ssh.SFTPError as error:
            attrs = await self.lstat(real)
            if self.is_folder(attrs):
                return False  # there already (made meanwhile by another writer)
            if attrs is not None:
                raise self.context.error(
                    InvalidPath, "a parent of the path is a file, not a folder"
                ) from error
            raise

    async def read_whole(self, real: str, size: int) -> bytes:
        """All of the regular file ``real``, whose size was ``size`` when it was looked up.

        A file the server can send in one read request is opened, then read (one byte more than
        ``size``, so that a short answer shows the end) and closed in one round trip (SFTP-020).
        A larger one, or one that grew meanwhile, is read on one handle until the server reports
        its end.
        """
        if size < self.max_read:
            trip = RoundTrip(self.sftp)
            trip.open_to_read(real)
            (opened,) = await trip.answers()
            outcome(opened)
            trip.read(opened, 0, size + 1)
            trip.close(opened)
            data, closed = await trip.answers()
            if isinstance(data, self.ssh.SFTPEOFError):
                data = b""
            outcome(data)
            outcome(closed)
            if len(data) <= size:
                return bytes(data)
        async with self.sftp.open(real, "rb") as opened:
            return await read_to_end(opened, size)

    async def read_at(self, real: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` of the regular file ``real`` (fewer past its end; SFTP-018).

        A range the server can send in one read request is opened, then read and closed in one
        round trip; a larger one is one read call that asyncssh splits into parallel requests.
        """
        if end - start > self.max_read:
            async with self.sftp.open(real, "rb") as opened:
                return bytes(await opened.read(end - start, start))
        trip = RoundTrip(self.sftp)
        trip.open_to_read(real)
        (opened,) = await trip.answers()
        outcome(opened)
        if end == start:
            trip.close(opened)
            (closed,) = await trip.answers()
            outcome(closed)
            return b""
        trip.read(opened, start, end - start)
        trip.close(opened)
        data, closed = await trip.answers()
        outcome(closed)
        if isinstance(data, self.ssh.SFTPEOFError):
            return b""
        return bytes(outcome(data))

    async def remove_folders(self, created: list[str]) -> None:
        """Remove the folders a failed call made, deepest first, if they are still empty."""
        for folder in reversed(created):
            self.folders.forget(folder)
            with contextlib.suppress(self.ssh.SFTPError, OSError):
                await self.sftp.rmdir(folder)

    async def discard(self, temp: str | None, created: list[str]) -> None:
        """Remove a failed call's temporary file and the folders it made; never raises."""
        if temp is not None:
            with contextlib.suppress(self.ssh.SFTPError, OSError):
                await self.sftp.remove(temp)
        with contextlib.suppress(self.ssh.Error, OSError):
            await self.remove_folders(created)

    async def publish(
        self,
        temp: str,
        real: str,
        *,
        overwrite: bool,
        path: str | None = None,
        atomic: Capability | None = None,
    ) -> None:
        """Give the complete temporary file ``temp`` the name ``real`` (SFTP-009, SFTP-010).

        ``overwrite``: ``posix-rename@openssh.com`` replaces a file in one step. Otherwise
        ``hardlink@openssh.com`` links ``temp`` to ``real``, failing if anything is there, and the
        temporary name is removed. Servers without those extensions get the plain SFTP rename,
        which the protocol defines to fail where the target exists.

        Raises:
            AlreadyExists: not ``overwrite`` and a file is at ``real``.
            InvalidPath: a folder is at ``real``.
            CapabilityNotSupported: ``atomic`` is given and the server cannot replace in one step.
        """
        context = self.context if path is None else self.context.at(path)
        try:
            if overwrite:
                await self.replace(temp, real, atomic=atomic)
            elif "hardlink@openssh.com" in server_extensions(self.sftp):
                # Link and removal of the temporary name sent together (one round trip): the
                # server runs them in order, and if the link fails the temporary file goes anyway.
                trip = RoundTrip(self.sftp)
                trip.link(temp, real)
                trip.remove(temp)
                linked, removed = await trip.answers()
                if isinstance(linked, BaseException):
                    raise linked
                self._removed(removed, context)
            elif await self.link(temp, real):
                try:
                    await self.sftp.remove(temp)
                except Exception as error:  # noqa: BLE001 - judged by _removed
                    self._removed(error, context)
        except self.ssh.SFTPFailure as error:
            raise await self.classify_target(real, error, context) from error

    def _removed(self, outcome: object, context: OperationContext) -> None:
        """Judge the removal of a published file's temporary name.

        Raises:
            RemoteStoreError: it failed (the file is published; its temporary name stays as
                litter): the failure surfaces, never as the target's own error.
        """
        if isinstance(outcome, BaseException) and not isinstance(outcome, self.ssh.SFTPNoSuchFile):
            raise map_error(context, outcome) from outcome

    async def link(self, real: str, new: str) -> bool:
        """Make ``new`` another name of the file ``real``, failing if ``new`` exists (race-free).

        Without ``hardlink@openssh.com``, a plain rename (SFTP version 3: fails if ``new``
        exists). Returns whether the name ``real`` is still there (the caller removes it).
        """
        try:
            await self.sftp.link(real, new)
            return True
        except self.ssh.SFTPOpUnsupported:
            await self.sftp.rename(real, new)
            return False

    async def replace(self, real: str, new: str, *, atomic: Capability | None = None) -> None:
        """Rename ``real`` to ``new``, replacing a file there in one step (``posix-rename@openssh.com``).

        Without that extension the old file is removed, then ``real`` renamed: not atomic (the
        target is briefly missing). A call whose capability ``atomic`` promises one step refuses
        that instead (SFTP-015).

        Raises:
            CapabilityNotSupported: ``atomic`` is given and the server lacks posix-rename.
        """
        try:
            await self.sftp.posix_rename(real, new)
        except self.ssh.SFTPOpUnsupported as error:
            if atomic is not None:
                refusal = self.context.error(
                    CapabilityNotSupported,
                    "the server lacks posix-rename@openssh.com: a file cannot be replaced in one step",
                )
                refusal.capability = atomic.value
                raise refusal from error
            with contextlib.suppress(self.ssh.SFTPNoSuchFile):
                await self.sftp.remove(new)
            await self.sftp.rename(real, new)

    async def classify_target(self, real: str, error: BaseException, context: OperationContext) -> Exception:
        """The error a generic failure at target ``real`` means, told apart by an ``lstat``."""
        attrs = await self.lstat(real)
        if self.is_folder(attrs):
            return context.error(InvalidPath, "path is a folder, not a file")
        if attrs is not None:
            return context.error(AlreadyExists, "file already exists")
        return map_error(context, error)

    async def fsync(self, handle: Any) -> None:
        """Flush ``handle`` to the server's disk (``fsync@openssh.com``); skipped where not offered."""
        with contextlib.suppress(self.ssh.SFTPOpUnsupported):
            await handle.fsync()

    async def copy_data(self, source: Any, destination: Any) -> None:
        """Copy ``source`` into ``destination`` on the server (``copy-data``), else through the client."""
        try:
            await self.sftp.remote_copy(source, destination)
            return
        except self.ssh.SFTPOpUnsupported:
            pass
        offset = 0
        while True:
            chunk = await source.read(DEFAULT_CHUNK_SIZE, offset)
            if not chunk:
                return
            await destination.write(chunk, offset)
            offset += len(chunk)

    # -- deleting ---------------------------------------------------------------------------

    async def remove_empty_folder(self, real: str) -> None:
        """Remove the folder ``real``; one holding only temporary files counts as empty.

        Raises:
            DirectoryNotEmpty: it holds anything else.
        """
        try:
            await self.sftp.rmdir(real)
            return
        except self.ssh.SFTPFailure as error:
            names = [name for name in await self.sftp.listdir(real) if name not in (".", "..")]
            if not names or any(not is_temp_name(name) for name in names):
                if self.is_folder(await self.lstat(real)):
                    raise self.context.error(DirectoryNotEmpty, "folder is not empty") from error
                raise
        for name in names:
            with contextlib.suppress(self.ssh.SFTPNoSuchFile):
                await self.sftp.remove(posixpath.join(real, name))
        await self.sftp.rmdir(real)

    async def remove_tree(self, real: str) -> None:
        """Remove the folder ``real`` and everything below it; links are removed, never followed."""
        stack: list[tuple[str, bool]] = [(real, False)]
        while stack:
            folder, emptied = stack.pop()
            if emptied:
                with contextlib.suppress(self.ssh.SFTPNoSuchFile):
                    await self.sftp.rmdir(folder)
                continue
            stack.append((folder, True))
            async for entry in self.entries(folder):
                place = posixpath.join(folder, entry.filename)
                if self.is_folder(entry.attrs):
                    stack.append((place, False))
                else:
                    with contextlib.suppress(self.ssh.SFTPNoSuchFile):
                        await self.sftp.remove(place)

    # -- listing ----------------------------------------------------------------------------

    async def entries(self, real: str) -> AsyncGenerator[Any, None]:
        """The entries of folder ``real`` (``.`` and ``..`` left out), read as they are consumed.

        asyncssh's ``scandir`` ignores a failure to close the folder handle; a failed request
        must surface (BACKEND-013), so the three requests are made here, through its handler.
        """
        handler = self.sftp._handler
        decode = self.sftp.decode
        try:
            handle = await handler.opendir(self.sftp.encode(real))
        except self.ssh.SFTPNoSuchFile:
            return  # removed before we listed
        # readdir requests on the handle are pipelined (SFTP-021): the server answers them in
        # order, each with the next names, then end-of-file. One goes first (most folders fit in
        # one answer); each answer with names doubles the requests kept in flight, up to
        # READDIR_AHEAD, so that a large folder costs about a round trip per READDIR_AHEAD answers.
        pending: collections.deque[asyncio.Future[Any]] = collections.deque()
        ahead = 1
        at_end = False
        try:
            while True:
                while not at_end and len(pending) < ahead:
                    pending.append(asyncio.ensure_future(readdir(handler, handle)))
                if not pending:
                    return
                try:
                    names = await pending.popleft()
                except self.ssh.SFTPEOFError:
                    at_end = True
                    continue
                if not names:
                    at_end = True
                ahead = min(READDIR_AHEAD, ahead * 2)
                for entry in names:
                    entry.filename = decode(entry.filename)
                    if entry.filename not in (".", ".."):
                        yield entry
        except self.ssh.SFTPNoSuchFile:
            return  # removed while we listed
        finally:
            if pending:  # answered before the close is sent: no reply arrives for a closed handle
                await asyncio.gather(*pending, return_exceptions=True)
            await handler.close(handle)

    async def follow(self, real: str) -> tuple[str, Any] | None:
        """Where the link ``real`` leads and what is there, or ``None`` (outside, dangling, a loop)."""
        try:
            target = str(await self.sftp.realpath(real))
        except self.ssh.SFTPError:
            return None
        if not self.inside(target):
            return None
        attrs = await self.lstat(target)
        return (target, attrs) if attrs is not None else None
