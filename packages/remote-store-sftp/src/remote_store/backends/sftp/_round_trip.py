"""``RoundTrip``: SFTP requests sent together, their answers awaited without a task each (SFTP-023).

``asyncio.gather`` of asyncssh's request calls makes each request a task of its own: a pass of
the event loop to start it and another to wake it on its answer, on top of asyncssh's logging of
each request and answer. Here each request is encoded and handed to asyncssh's request handler
at once (``_send_request``, as ``_readdir`` does for listings), with a future of its own; the
calling task awaits the futures in the order sent, so it wakes once for answers that arrive
together. Answers are decoded as asyncssh's own calls decode them and raise the same errors.
SFTP versions other than 3, or an asyncssh without ``_send_request``, take asyncssh's calls
(each a task), with the same results.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

from ._pool import asyncssh_module

__all__ = ["RoundTrip"]

# SFTP version 3 request and answer types (draft-ietf-secsh-filexfer-02).
_FXP_OPEN, _FXP_CLOSE, _FXP_READ, _FXP_WRITE, _FXP_LSTAT = 3, 4, 5, 6, 7
_FXP_REMOVE, _FXP_REALPATH = 13, 16
_FXP_STATUS, _FXP_HANDLE, _FXP_DATA, _FXP_NAME, _FXP_ATTRS = 101, 102, 103, 104, 105
_FXF_READ, _FXF_WRITE, _FXF_CREAT, _FXF_EXCL = 0x1, 0x2, 0x8, 0x20
_NO_ATTRS = b"\0\0\0\0"
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")


def _string(data: bytes) -> bytes:
    return _U32.pack(len(data)) + data


class RoundTrip:
    """Requests on the SFTP client ``sftp`` sent as they are added, answered by ``answers()``.

    Each ``add`` method sends its request at once; ``answers`` returns, in the order sent, each
    request's result or the exception asyncssh would have raised for it (never raising itself).
    """

    def __init__(self, sftp: Any) -> None:
        self._sftp = sftp
        self._handler = sftp._handler
        self._direct = self._handler.version == 3 and hasattr(self._handler, "_send_request")
        self._sent: list[tuple[Any, int | None, Callable[[Any], Any] | None]] = []

    def _send(self, pkttype: int | bytes, answer: int | None, *args: bytes) -> None:
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        try:
            self._handler._send_request(pkttype, args, waiter)
        except Exception as error:  # noqa: BLE001 - the connection is gone: this request's answer
            waiter.set_exception(error)
        self._sent.append((waiter, answer, None))

    def _call(self, coroutine: Any, finish: Callable[[Any], Any] | None = None) -> None:
        self._sent.append((asyncio.ensure_future(coroutine), None, finish))

    def _failed(self, error: BaseException) -> None:
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        waiter.set_exception(error)
        self._sent.append((waiter, None, None))

    def realpath(self, path: str) -> None:
        """The canonical form of ``path`` (a ``str``), links resolved."""
        if self._direct:
            self._send(_FXP_REALPATH, _FXP_NAME, _string(self._sftp.encode(path)))
        else:
            self._call(self._sftp.realpath(path), str)

    def lstat(self, path: str) -> None:
        """The attributes of ``path`` (``SFTPAttrs``), a link not followed."""
        if self._direct:
            self._send(_FXP_LSTAT, _FXP_ATTRS, _string(self._sftp.encode(path)))
        else:
            self._call(self._sftp.lstat(path))

    def create(self, path: str) -> None:
        """A handle (``bytes``) of the new file ``path``, opened for writing with ``O_EXCL``."""
        self._open(path, _FXF_WRITE | _FXF_CREAT | _FXF_EXCL)

    def open_to_read(self, path: str) -> None:
        """A handle (``bytes``) of the file ``path``, opened for reading."""
        self._open(path, _FXF_READ)

    def _open(self, path: str, pflags: int) -> None:
        encoded = self._sftp.encode(path)
        if self._direct:
            self._send(_FXP_OPEN, _FXP_HANDLE, _string(encoded), _U32.pack(pflags), _NO_ATTRS)
        else:
            self._call(self._handler.open(encoded, pflags, asyncssh_module().SFTPAttrs()))

    def read(self, handle: bytes, offset: int, length: int) -> None:
        """Up to ``length`` bytes of ``handle`` at ``offset`` (``b""`` at its end)."""
        if self._direct:
            self._send(_FXP_READ, _FXP_DATA, _string(handle), _U64.pack(offset), _U32.pack(length))
        else:
            self._call(self._handler.read(handle, offset, length), lambda answer: answer[0])

    def write(self, handle: bytes, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` of ``handle``."""
        if self._direct:
            self._send(_FXP_WRITE, None, _string(handle), _U64.pack(offset), _string(data))
        else:
            self._call(self._handler.write(handle, offset, data))

    def fsync(self, handle: bytes) -> None:
        """Flush ``handle`` to the server's disk (``SFTPOpUnsupported`` where not offered)."""
        if self._direct:
            if not self._handler._supports_fsync:
                self._failed(asyncssh_module().SFTPOpUnsupported("fsync not supported"))
            else:
                self._send(b"fsync@openssh.com", None, _string(handle))
        else:
            self._call(self._handler.fsync(handle))

    def close(self, handle: bytes) -> None:
        """Close ``handle``."""
        if self._direct:
            self._send(_FXP_CLOSE, None, _string(handle))
        else:
            self._call(self._handler.close(handle))

    def link(self, path: str, new: str) -> None:
        """Make ``new`` another name of ``path`` (``hardlink@openssh.com``; fails if ``new`` exists)."""
        if self._direct:
            if not self._handler._supports_hardlink:
                self._failed(asyncssh_module().SFTPOpUnsupported("link not supported"))
            else:
                old, encoded = self._sftp.encode(path), self._sftp.encode(new)
                self._send(b"hardlink@openssh.com", None, _string(old), _string(encoded))
        else:
            self._call(self._sftp.link(path, new))

    def remove(self, path: str) -> None:
        """Remove the file ``path``."""
        if self._direct:
            self._send(_FXP_REMOVE, None, _string(self._sftp.encode(path)))
        else:
            self._call(self._sftp.remove(path))

    async def answers(self) -> list[Any]:
        """Each request's result, or the exception it raised, in the order sent."""
        results: list[Any] = []
        for waiter, answer, finish in self._sent:
            try:
                if waiter.done():
                    result = waiter.result()
                else:
                    result = await waiter
                if answer is not None or finish is not None or self._direct:
                    result = self._decode(result, answer, finish)
            except Exception as error:  # noqa: BLE001 - handed to the caller
                result = error
            results.append(result)
        self._sent = []
        return results

    def _decode(self, result: Any, answer: int | None, finish: Callable[[Any], Any] | None) -> Any:
        if not self._direct:
            return result if finish is None else finish(result)
        kind, packet = result
        if kind == _FXP_STATUS:
            self._handler._process_status(packet)  # raises the server's error
            if answer is None:
                return None
        elif kind != answer:
            raise asyncssh_module().SFTPBadMessage(f"unexpected answer type {kind}")
        if kind in (_FXP_HANDLE, _FXP_DATA):
            data = packet.get_string()
            packet.check_end()
            return data
        if kind == _FXP_ATTRS:
            return self._handler._process_attrs(packet)
        if kind == _FXP_NAME:
            names, _ = self._handler._process_name(packet)
            if len(names) != 1:
                raise asyncssh_module().SFTPBadMessage("realpath answered other than one name")
            return self._sftp.decode(names[0].filename)
        raise asyncssh_module().SFTPBadMessage("unexpected OK answer")
