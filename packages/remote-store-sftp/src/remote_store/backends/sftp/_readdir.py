"""``readdir``: one SFTP readdir request, its answer decoded lean (SFTP-021).

asyncssh decodes each name of a readdir answer into two records and logs each (about 50
microseconds a name here, most of a listing's time); a listing needs a name, a type, a size and
a modification time. For SFTP version 3 (OpenSSH) the answer is decoded here, straight from its
bytes, into ``Entry`` objects; other versions go through asyncssh's ``readdir``, whose names
carry the same attributes.
"""

from __future__ import annotations

import asyncio
import stat
import struct
from typing import Any

from ._pool import asyncssh_module

__all__ = ["Attrs", "Entry", "decode_names", "readdir"]

_FXP_READDIR = 12
_FXP_STATUS = 101
_FXP_NAME = 104
_SIZE, _UIDGID, _PERMISSIONS, _ACMODTIME, _EXTENDED = 0x1, 0x2, 0x4, 0x8, 0x80000000
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
# asyncssh's FILEXFER_TYPE_* values, which the rest of the backend compares with.
_TYPES = {stat.S_IFREG: 1, stat.S_IFDIR: 2, stat.S_IFLNK: 3}
_SPECIAL, _UNKNOWN = 4, 5


class Attrs:
    """The attributes of a listed name that the backend uses.

    ``type`` is one of asyncssh's FILEXFER_TYPE_* values; ``size`` and ``mtime`` are ``None``
    where the server did not send them.
    """

    __slots__ = ("mtime", "size", "type")

    def __init__(self, kind: int, size: int | None, mtime: int | None) -> None:
        self.type = kind
        self.size = size
        self.mtime = mtime


class Entry:
    """One listed name: ``filename`` (bytes as received; the caller decodes it) and ``attrs``."""

    __slots__ = ("attrs", "filename")

    def __init__(self, filename: Any, attrs: Any) -> None:
        self.filename = filename
        self.attrs = attrs


def decode_names(data: bytes) -> list[Entry]:
    """The names of an SFTP version 3 ``SSH_FXP_NAME`` body (after the request id).

    Raises:
        asyncssh.SFTPBadMessage: the body is truncated or has bytes left over.
    """
    unpack, unpack64 = _U32.unpack_from, _U64.unpack_from
    entries: list[Entry] = []
    try:
        (count,) = unpack(data, 0)
        at = 4
        for _ in range(count):
            (length,) = unpack(data, at)
            name = data[at + 4 : at + 4 + length]
            if len(name) != length:
                raise IndexError
            at += 4 + length
            (length,) = unpack(data, at)  # the long name, as ``ls -l`` shows it: not needed
            at += 4 + length
            (flags,) = unpack(data, at)
            at += 4
            size = mtime = None
            kind = _UNKNOWN
            if flags & _SIZE:
                (size,) = unpack64(data, at)
                at += 8
            if flags & _UIDGID:
                at += 8
            if flags & _PERMISSIONS:
                (permissions,) = unpack(data, at)
                at += 4
                kind = _TYPES.get(stat.S_IFMT(permissions), _SPECIAL)
            if flags & _ACMODTIME:
                (mtime,) = unpack(data, at + 4)
                at += 8
            if flags & _EXTENDED:
                (extended,) = unpack(data, at)
                at += 4
                for _ in range(2 * extended):  # pairs of strings: type, data
                    (length,) = unpack(data, at)
                    at += 4 + length
            entries.append(Entry(name, Attrs(kind, size, mtime)))
    except (struct.error, IndexError) as error:
        raise asyncssh_module().SFTPBadMessage("truncated readdir answer") from error
    if at != len(data):
        raise asyncssh_module().SFTPBadMessage("bytes left over in a readdir answer")
    return entries


async def readdir(handler: Any, handle: bytes) -> list[Any]:
    """The next names of the open folder ``handle``: ``Entry`` objects, or asyncssh's ``SFTPName``.

    Raises:
        asyncssh.SFTPEOFError: no names are left.
        asyncssh.SFTPError: the server refused the request.
    """
    send = getattr(handler, "_send_request", None)
    if handler.version != 3 or send is None:
        names, _ = await handler.readdir(handle)
        return list(names)
    waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    send(_FXP_READDIR, [_U32.pack(len(handle)) + handle], waiter)
    kind, packet = await waiter
    if kind == _FXP_NAME:
        return decode_names(packet.get_remaining_payload())
    if kind == _FXP_STATUS:
        handler._process_status(packet)  # raises the server's error (end of file included)
    raise asyncssh_module().SFTPBadMessage(f"unexpected answer {kind} to readdir")
