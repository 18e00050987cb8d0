"""``SFTPBackend``: the files below one folder of an SFTP server (specs/sftp.md)."""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import os
import posixpath
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, BinaryIO, ClassVar, TypeVar

from remote_store import (
    AlreadyExists,
    Backend,
    Behaviour,
    Capability,
    CapabilitySet,
    ConfigError,
    FileInfo,
    InvalidPath,
    NotFound,
    RemoteStoreError,
    WriteContent,
)
from remote_store.backend_tools import (
    Operation,
    OperationContext,
    canonical_path,
    check_content,
    check_write_options,
    iter_chunks,
)

from ._chunks import whole_chunks
from ._errors import map_error
from ._loop import LoopThread
from ._names import has_temp_segment, is_reportable_name, is_temp_name
from ._options import Options, validate
from ._pool import Connection, Pool
from ._reader import SFTPReader
from ._remote import Remote, file_info, outcome
from ._round_trip import RoundTrip

__all__ = ["SFTPBackend"]


_CAPABILITIES = CapabilitySet.all() - {
    Capability.CONTENT_TYPE,
    Capability.USER_METADATA,
    Capability.CONDITIONAL_WRITE,
    Capability.PRESIGNED_URL,
}
"""No URLs (no HTTP endpoint to sign for), and not the stored attributes: SFTP keeps no
content type or user metadata, and cannot compare-and-swap a file against other clients (no
``if_match``)."""

T = TypeVar("T")

_CHUNK = 1024 * 1024
# Write requests in flight per write: with 1 MiB chunks, at most this many MiB are held while the
# server acknowledges (bounded memory), enough to keep the connection busy (pipelining). 2 MiB is
# what OpenSSH's sftp keeps in flight (64 x 32 KiB); 4 MiB was no faster here and grew RSS by 20
# MiB against 13.5 (asyncssh holds several copies of each request until it is sent).
_WRITE_WINDOW = 2
# Listing entries handed from the loop thread per hand-off: laziness at the cost of one hop per batch.
_LIST_BATCH = 1024
# Content in memory up to this size is written in one hand-off to the loop thread (a hand-off
# per step costs more than the round trips of a small file on a busy machine).
_ONE_HAND_OFF = 1024 * 1024
_STRICT = Behaviour()


class SFTPBackend(Backend):
    """The files below one folder (``root``) of an SFTP server, with every capability.

    Built on asyncssh behind one event-loop thread owned by the backend: any number of threads
    may share one instance. Writes go to a hidden temporary file (``.~rs-*.tmp``, never listed)
    in the destination folder and are published with ``hardlink@openssh.com`` (``overwrite=False``:
    race-free) or ``posix-rename@openssh.com`` (``overwrite=True``: atomic replace);
    ``write_atomic`` also fsyncs the file first. Symbolic links that lead outside ``root`` are
    refused. Building the backend validates the options and connects to nothing. See
    specs/sftp.md and docs/backends/sftp.md.

    Args:
        host: the server's host name or address (required).
        port: the SSH port.
        username: the login name; the local user's name if not given.
        password: the password, for password or keyboard-interactive login. Secret.
        private_key: path of a private key file for public-key login.
        private_key_passphrase: the passphrase of ``private_key``, if it is encrypted. Secret.
        known_hosts: path of the OpenSSH known_hosts file holding the server's host key; the
            user's ``~/.ssh/known_hosts`` if not given.
        host_key_policy: ``"reject"`` (default): a host key known_hosts does not hold is refused
            with ``PermissionDenied`` naming the host and the key's fingerprint; ``"accept-new"``:
            a host with no key in known_hosts is trusted and its key recorded there, a changed key
            is still refused; ``"accept-any"``: no check at all (unsafe: anyone on the network path
            can pose as the server).
        root: the server folder the backend is confined to; relative to the login folder unless
            absolute; the login folder if empty. It must exist.
        connect_timeout: seconds to wait for a connection and login.
        max_connections: SSH connections opened at most, each with one SFTP session; calls share
            them, a new one is opened while all are busy.
        keepalive: seconds between SSH keepalive messages on idle connections (0: none).

    Raises:
        ConfigError: an option has the wrong type or value (the message names it, never a secret).
    """

    type_name: ClassVar[str] = "sftp"
    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset({"password", "private_key_passphrase"})

    def __init__(
        self,
        host: str,
        *,
        port: int = 22,
        username: str | None = None,
        password: str | None = None,
        private_key: str | os.PathLike[str] | None = None,
        private_key_passphrase: str | None = None,
        known_hosts: str | os.PathLike[str] | None = None,
        host_key_policy: str = "reject",
        root: str = "",
        connect_timeout: float = 10.0,
        max_connections: int = 4,
        keepalive: float = 30.0,
    ) -> None:
        self._options: Options = validate(
            host=host,
            port=port,
            username=username,
            password=password,
            private_key=private_key,
            private_key_passphrase=private_key_passphrase,
            known_hosts=known_hosts,
            host_key_policy=host_key_policy,
            root=root,
            connect_timeout=connect_timeout,
            max_connections=max_connections,
            keepalive=keepalive,
        )
        self._loop = LoopThread(f"remote-store-sftp {self._options.host_label}")
        self._pool = Pool(self._options)
        self._closed = False
        self._close_lock = threading.Lock()

    @property
    def options(self) -> Options:
        """The validated options (secrets included: never log this object)."""
        return self._options

    @property
    def capabilities(self) -> CapabilitySet:
        """Every capability but the stored file attributes and ``PRESIGNED_URL`` (no HTTP endpoint)."""
        return _CAPABILITIES

    @property
    def behaviour(self) -> Behaviour:
        """The strict behaviour: real folders, thread-safe, no retries (a fault surfaces)."""
        return _STRICT

    @property
    def server_extensions(self) -> frozenset[str]:
        """The OpenSSH extensions the server announced (empty before the first connection)."""
        return self._pool.extensions

    # -- running work on the loop -----------------------------------------------------------

    def _begin(self, operation: Operation, path: str) -> tuple[OperationContext, str]:
        """The context of one call and its canonical path.

        Raises:
            StoreClosed: the backend is closed.
            InvalidPath: ``path`` is not a canonical backend path.
        """
        context = self.context(operation, path)
        if self._closed:
            raise context.closed()
        try:
            text = canonical_path(path)
        except InvalidPath as error:
            raise context.claim(error) from None
        return context.at(text), text

    def _wait(self, context: OperationContext, future: concurrent.futures.Future[T]) -> T:
        """The result of ``future``, asyncssh's errors mapped to ours (SFTP-012)."""
        try:
            return future.result()
        except RemoteStoreError as error:
            raise context.claim(error) from error.__cause__
        except Exception as error:
            if self._closed:
                raise context.closed() from error
            raise map_error(context, error) from error

    def _submit(self, awaitable: Awaitable[T]) -> concurrent.futures.Future[T]:
        return self._loop.submit(awaitable)

    def _call(self, context: OperationContext, work: Callable[[Remote], Awaitable[T]]) -> T:
        """Run ``work`` on a pooled connection, in one hand-off to the loop."""

        async def run() -> T:
            connection = await self._pool.acquire(context)
            try:
                return await work(self._remote(connection, context))
            finally:
                self._pool.release(connection)

        return self._wait(context, self._submit(run()))

    def _remote(self, connection: Connection, context: OperationContext) -> Remote:
        assert self._pool.real_root is not None
        return Remote(connection.sftp, self._pool.real_root, context, self._pool.folders)

    @contextlib.contextmanager
    def _lease(self, context: OperationContext) -> Iterator[Remote]:
        """A connection held across several hand-offs (streamed writes, listings)."""
        connection = self._wait(context, self._submit(self._pool.acquire(context)))
        try:
            yield self._remote(connection, context)
        finally:
            self._loop.call_soon(self._pool.release, connection)

    # -- queries ----------------------------------------------------------------------------

    def _query(self, operation: Operation, path: str, want: Callable[[Remote, Any], bool]) -> bool:
        context, text = self._begin(operation, path)
        if not text:
            return operation is not Operation.IS_FILE
        if has_temp_segment(text):
            return False

        async def work(remote: Remote) -> bool:
            _, attrs = await remote.find(text)
            return want(remote, attrs)

        return self._call(context, work)

    def is_file(self, path: str) -> bool:
        return self._query(Operation.IS_FILE, path, lambda remote, attrs: remote.is_file(attrs))

    def is_folder(self, path: str) -> bool:
        return self._query(Operation.IS_FOLDER, path, lambda remote, attrs: remote.is_folder(attrs))

    def exists(self, path: str) -> bool:
        return self._query(
            Operation.EXISTS, path, lambda remote, attrs: remote.is_file(attrs) or remote.is_folder(attrs)
        )

    # -- writes -----------------------------------------------------------------------------

    def write(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        context = self.context(Operation.WRITE, path)
        check_write_options(  # none is declared: each is refused (BACKEND-022)
            context,
            self.capabilities,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        self._write(Operation.WRITE, path, content, overwrite=overwrite, durable=False)

    def write_atomic(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        context = self.context(Operation.WRITE_ATOMIC, path)
        check_write_options(  # none is declared: each is refused (BACKEND-022)
            context,
            self.capabilities,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        self._write(Operation.WRITE_ATOMIC, path, content, overwrite=overwrite, durable=True)

    def _writable(self, operation: Operation, path: str) -> tuple[OperationContext, str]:
        context, text = self._begin(operation, path)
        if not text:
            raise context.error(InvalidPath, "path is the root folder, not a file")
        if has_temp_segment(text):
            raise context.error(InvalidPath, "name is reserved for temporary files of the sftp backend")
        return context, text

    def _write(
        self, operation: Operation, path: str, content: WriteContent, *, overwrite: bool, durable: bool
    ) -> None:
        context, text = self._writable(operation, path)
        # Before anything else: invalid content wins over an existing file (BACKEND-016).
        check_content(content, text, operation=operation.value, backend=self.type_name)
        if isinstance(content, (bytes, bytearray, memoryview)) and len(content) <= _ONE_HAND_OFF:
            self._write_small(context, text, bytes(content), overwrite=overwrite, durable=durable)
            return
        with self._lease(context) as remote:
            created = remote.create_temp(text, overwrite=overwrite)
            target, temp, opened = self._wait(context, self._submit(created))
            handle = remote.file(opened, -1)
            try:
                try:
                    self._send(context, handle, content, text)
                    if durable:
                        self._wait(context, self._submit(remote.fsync(handle)))
                except BaseException:
                    with contextlib.suppress(RemoteStoreError):
                        self._wait(context, self._submit(handle.close()))
                    raise
                # A failed close may report a failed write: it fails the call (SFTP-012).
                self._wait(context, self._submit(handle.close()))
                atomic = Capability.ATOMIC_WRITE if durable else None
                publish = remote.publish(temp, target.real, overwrite=overwrite, atomic=atomic)
                self._wait(context, self._submit(publish))
            except BaseException:
                self._discard(remote, temp, target.created)
                raise

    def _write_small(
        self, context: OperationContext, text: str, data: bytes, *, overwrite: bool, durable: bool
    ) -> None:
        """``_write`` for small content held in memory: every request in one hand-off to the loop.

        The steps are those of a streamed write, in three round trips where the folder is known
        and the content fits one write request (SFTP-019): open the temporary file; write, fsync
        (``durable``) and close it; publish it. The write and the close go together: the server
        runs requests on one handle in order, and the publication waits for every answer, so a
        failed write is never published.
        """

        async def work(remote: Remote) -> None:
            # Content one write request can carry goes with the close; more is written first, in
            # parallel requests of the server's limit (a request over it ends the session).
            whole = len(data) <= remote.max_write
            target, temp, handle = await remote.create_temp(text, overwrite=overwrite)
            try:
                if not whole:
                    await remote.file(handle, -1).write(data, 0)
                trip = RoundTrip(remote.sftp)
                if data and whole:
                    trip.write(handle, 0, data)
                if durable:
                    trip.fsync(handle)
                trip.close(handle)
                # Every answer is looked at: a failed close may report a failed write (SFTP-012).
                for answer in await trip.answers():
                    if not isinstance(answer, remote.ssh.SFTPOpUnsupported):  # no fsync offered
                        outcome(answer)
                atomic = Capability.ATOMIC_WRITE if durable else None
                await remote.publish(temp, target.real, overwrite=overwrite, atomic=atomic)
            except BaseException:
                await remote.discard(temp, target.created)
                raise

        self._call(context, work)

    def _send(self, context: OperationContext, handle: Any, content: WriteContent, path: str) -> None:
        """Write ``content`` at the start of ``handle``, with up to ``_WRITE_WINDOW`` writes in flight.

        Each write is ``_CHUNK`` bytes (the last shorter), whatever the pieces a stream's reads return.
        """
        pending: collections.deque[concurrent.futures.Future[Any]] = collections.deque()
        offset = 0
        try:
            chunks = iter_chunks(content, _CHUNK, path, context=context)
            for data in whole_chunks(chunks, _CHUNK):
                pending.append(self._submit(handle.write(data, offset)))
                offset += len(data)
                while len(pending) >= _WRITE_WINDOW:
                    self._wait(context, pending.popleft())
            while pending:
                self._wait(context, pending.popleft())
        finally:
            for future in pending:
                with contextlib.suppress(Exception):
                    future.result()

    def _discard(self, remote: Remote, temp: str | None, created: list[str]) -> None:
        if self._loop.running:
            with contextlib.suppress(Exception):
                self._submit(remote.discard(temp, created)).result()

    # -- reads ------------------------------------------------------------------------------

    def read(self, path: str) -> BinaryIO:
        context, text = self._begin(Operation.READ, path)
        if has_temp_segment(text):
            raise context.error(NotFound, "no such file")
        connection = self._wait(context, self._submit(self._pool.acquire(context)))
        try:
            remote = self._remote(connection, context)

            async def opened() -> tuple[Any, int, str]:
                real, attrs = await remote.find_file(text)
                return await remote.sftp.open(real, "rb"), int(attrs.size or 0), real

            handle, size, real = self._wait(context, self._submit(opened()))
        except BaseException:
            self._loop.call_soon(self._pool.release, connection)
            raise
        raw = SFTPReader(
            handle,
            size,
            context,
            self._submit,
            self._wait,
            lambda: self._loop.call_soon(self._pool.release, connection),
            real,
        )
        return raw  # type: ignore[return-value]  # a RawIOBase of bytes is a binary file object

    def read_bytes(self, path: str) -> bytes:
        context, text = self._begin(Operation.READ_BYTES, path)
        if has_temp_segment(text):
            raise context.error(NotFound, "no such file")

        async def work(remote: Remote) -> bytes:
            real, attrs = await remote.find_file(text)
            return await remote.read_whole(real, int(attrs.size or 0))

        return self._call(context, work)

    def read_range(self, path: str, start: int, end: int) -> bytes:
        context, text = self._begin(Operation.READ_RANGE, path)
        if has_temp_segment(text):
            raise context.error(NotFound, "no such file")

        async def work(remote: Remote) -> bytes:
            real, _ = await remote.find_file(text)
            if start == end:
                return b""
            return await remote.read_at(real, start, end)

        return self._call(context, work)

    # -- deletes ----------------------------------------------------------------------------

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        context, text = self._begin(Operation.DELETE, path)
        if not text:
            raise context.error(InvalidPath, "path is a folder; use delete_folder")
        if has_temp_segment(text):
            if missing_ok:
                return
            raise context.error(NotFound, "no such file")

        async def work(remote: Remote) -> None:
            real, attrs = await remote.find(text)
            if real == remote.root or remote.is_folder(attrs):
                raise context.error(InvalidPath, "path is a folder; use delete_folder")
            if not remote.is_file(attrs):
                if missing_ok:
                    return
                raise context.error(NotFound, "no such file")
            try:
                await remote.sftp.remove(real)
            except remote.ssh.SFTPNoSuchFile:
                if not missing_ok:
                    raise

        self._call(context, work)

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        context, text = self._begin(Operation.DELETE_FOLDER, path)
        if not text:
            raise context.error(InvalidPath, "refusing to delete the backend root")
        if has_temp_segment(text):
            if missing_ok:
                return
            raise context.error(NotFound, "no such folder")

        async def work(remote: Remote) -> None:
            real, attrs = await remote.find(text)
            if real == remote.root:
                raise context.error(InvalidPath, "refusing to delete the backend root")
            if attrs is None:
                if missing_ok:
                    return
                raise context.error(NotFound, "no such folder")
            if not remote.is_folder(attrs):
                raise context.error(InvalidPath, "path is a file, not a folder; use delete")
            remote.folders.forget(real)
            if recursive:
                await remote.remove_tree(real)
            else:
                await remote.remove_empty_folder(real)

        self._call(context, work)

    # -- move and copy ----------------------------------------------------------------------

    def _pair(self, operation: Operation, src: str, dst: str) -> tuple[OperationContext, str, str]:
        context, source = self._begin(operation, src)
        if has_temp_segment(source):
            raise context.error(NotFound, "no such file")
        destination_context, destination = self._writable(operation, dst)
        del destination_context
        return context, source, destination

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        context, source, destination = self._pair(Operation.MOVE, src, dst)

        async def work(remote: Remote) -> None:
            real, _ = await remote.find_file(source)
            remote_dst = remote.at(destination)
            target = await remote_dst.target(destination, overwrite=overwrite)
            if target.real == real:
                if not overwrite:
                    raise context.error(AlreadyExists, "file already exists", path=destination)
                return
            try:
                if overwrite:
                    await remote_dst.replace(real, target.real, atomic=Capability.ATOMIC_MOVE)
                else:
                    try:
                        linked = await remote.link(real, target.real)
                    except remote.ssh.SFTPFailure as error:
                        raise await remote.classify_target(
                            target.real, error, context.at(destination)
                        ) from error
                    if linked:
                        try:
                            await remote.sftp.remove(real)
                        except BaseException:
                            # Both names would hold the file: undo the link, so that the move
                            # is all or nothing (ATOMIC_MOVE).
                            with contextlib.suppress(remote.ssh.SFTPError, OSError):
                                await remote.sftp.remove(target.real)
                            raise
            except BaseException:
                await remote.remove_folders(target.created)
                raise

        self._call(context, work)

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        context, source, destination = self._pair(Operation.COPY, src, dst)

        async def work(remote: Remote) -> None:
            real, _ = await remote.find_file(source)
            remote_dst = remote.at(destination)
            target, temp, opened = await remote_dst.create_temp(destination, overwrite=overwrite)
            try:
                async with remote.file(opened, -1) as writer, remote.sftp.open(real, "rb") as reader:
                    await remote.copy_data(reader, writer)
                await remote_dst.publish(temp, target.real, overwrite=overwrite)
            except BaseException:
                await remote.discard(temp, target.created)
                raise

        self._call(context, work)

    # -- listing and metadata ---------------------------------------------------------------

    def _entries(self, context: OperationContext, remote: Remote, real: str) -> Iterator[Any]:
        """The entries of folder ``real``, fetched in batches as they are consumed."""
        entries = remote.entries(real)

        async def batch() -> list[Any]:
            found = []
            async for entry in entries:
                found.append(entry)
                if len(found) >= _LIST_BATCH:
                    break
            return found

        try:
            while True:
                found = self._wait(context, self._submit(batch()))
                if not found:
                    return
                yield from found
        finally:
            if self._loop.running:
                with contextlib.suppress(Exception):
                    self._submit(entries.aclose()).result()

    def _walk(self, operation: Operation, path: str, *, recursive: bool) -> Iterator[tuple[str, bool, Any]]:
        """``(path, is_folder, attrs)`` of each reportable entry in folder ``path`` (below it too)."""
        context, text = self._begin(operation, path)
        if has_temp_segment(text):
            return
        with self._lease(context) as remote:
            real, attrs = self._wait(context, self._submit(remote.find(text)))
            if not remote.is_folder(attrs):
                return
            stack = [(text, real)]
            while stack:
                folder, folder_real = stack.pop()
                for entry in self._entries(context, remote, folder_real):
                    name = entry.filename
                    if not is_reportable_name(name):
                        continue
                    entry_path = f"{folder}/{name}" if folder else name
                    entry_attrs = entry.attrs
                    linked = entry_attrs.type == remote.ssh.FILEXFER_TYPE_SYMLINK
                    if linked:
                        place = posixpath.join(folder_real, name)
                        followed = self._wait(context, self._submit(remote.follow(place)))
                        if followed is None:
                            continue
                        entry_attrs = followed[1]
                    if remote.is_folder(entry_attrs):
                        yield entry_path, True, entry_attrs
                        if recursive and not linked:
                            stack.append((entry_path, posixpath.join(folder_real, name)))
                    elif remote.is_file(entry_attrs):
                        yield entry_path, False, entry_attrs

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        for entry_path, folder, attrs in self._walk(Operation.LIST_FILES, path, recursive=recursive):
            if not folder:
                yield file_info(entry_path, attrs)

    def list_folders(self, path: str) -> Iterator[str]:
        for entry_path, folder, _ in self._walk(Operation.LIST_FOLDERS, path, recursive=False):
            if folder:
                yield entry_path

    def get_file_info(self, path: str) -> FileInfo:
        context, text = self._begin(Operation.GET_FILE_INFO, path)
        if has_temp_segment(text):
            raise context.error(NotFound, "no such file")

        async def work(remote: Remote) -> FileInfo:
            _, attrs = await remote.find_file(text)
            return file_info(text, attrs)

        return self._call(context, work)

    # -- litter -----------------------------------------------------------------------------

    def remove_temp_files(self, older_than: float = 3600.0) -> int:
        """Remove the temporary files below the root idle for more than ``older_than`` seconds.

        A writer killed mid-write (or whose connection dropped) leaves its hidden temporary
        file; this sweeps them. Walks every folder without following links and returns how many
        files it removed (SFTP-014).

        Raises:
            ConfigError: ``older_than`` is not a non-negative number.
            StoreClosed: the backend is closed.
        """
        context = self.context(Operation.DELETE, "")
        if isinstance(older_than, bool) or not isinstance(older_than, (int, float)) or not older_than >= 0:
            raise context.error(ConfigError, "option 'older_than' must be a non-negative number of seconds")
        if self._closed:
            raise context.closed()
        cutoff = time.time() - older_than

        async def work(remote: Remote) -> int:
            removed = 0
            stack = [remote.root]
            while stack:
                folder = stack.pop()
                async for entry in remote.entries(folder):
                    place = posixpath.join(folder, entry.filename)
                    if remote.is_folder(entry.attrs):
                        stack.append(place)
                    elif (
                        is_temp_name(entry.filename)
                        and remote.is_file(entry.attrs)
                        and (entry.attrs.mtime or 0) < cutoff
                    ):
                        with contextlib.suppress(remote.ssh.SFTPNoSuchFile):
                            await remote.sftp.remove(place)
                            removed += 1
            return removed

        return self._call(context, work)

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close every connection and stop the loop thread; idempotent. Later calls raise ``StoreClosed``."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        if self._loop.running:
            with contextlib.suppress(Exception):
                self._loop.run(self._pool.close())
        self._loop.stop()

    def __repr__(self) -> str:
        options = self._options
        return (
            f"<SFTPBackend host={options.host!r} port={options.port} "
            f"username={options.username!r} root={options.root!r}>"
        )
