"""The lean decoding of readdir answers (SFTP-021), checked against asyncssh's own encoder."""

from __future__ import annotations

import asyncio
import stat
from typing import Any

import pytest

from remote_store.backends.sftp._pool import asyncssh_module
from remote_store.backends.sftp._readdir import decode_names, readdir


def _body(names: list[Any]) -> bytes:
    """An SSH_FXP_NAME body (after the request id) as asyncssh's server side encodes it."""
    encoded = b"".join(name.encode(3) for name in names)
    return len(names).to_bytes(4, "big") + encoded


@pytest.mark.spec("SFTP-021")
def test_sftp_021_names_decode_as_asyncssh_encodes_them() -> None:
    asyncssh = asyncssh_module()
    attrs = [
        asyncssh.SFTPAttrs(
            size=1234, uid=1, gid=2, permissions=stat.S_IFREG | 0o644, atime=5, mtime=1700000000
        ),
        asyncssh.SFTPAttrs(permissions=stat.S_IFDIR | 0o755, atime=6, mtime=7),
        asyncssh.SFTPAttrs(permissions=stat.S_IFLNK | 0o777, size=3),
        asyncssh.SFTPAttrs(permissions=stat.S_IFIFO | 0o600, extended=[(b"a@x", b"1"), (b"b@x", b"")]),
        asyncssh.SFTPAttrs(),
    ]
    names = [
        asyncssh.SFTPName(f"n{index}é".encode(), b"-rw-r--r-- long name", each)
        for index, each in enumerate(attrs)
    ]
    decoded = decode_names(_body(names))
    assert [entry.filename for entry in decoded] == [name.filename for name in names]
    assert [(entry.attrs.type, entry.attrs.size, entry.attrs.mtime) for entry in decoded] == [
        (asyncssh.FILEXFER_TYPE_REGULAR, 1234, 1700000000),
        (asyncssh.FILEXFER_TYPE_DIRECTORY, None, 7),
        (asyncssh.FILEXFER_TYPE_SYMLINK, 3, None),
        (asyncssh.FILEXFER_TYPE_SPECIAL, None, None),
        (asyncssh.FILEXFER_TYPE_UNKNOWN, None, None),
    ]
    assert decode_names((0).to_bytes(4, "big")) == []


@pytest.mark.spec("SFTP-021")
def test_sftp_021_a_malformed_answer_is_refused() -> None:
    asyncssh = asyncssh_module()
    body = _body([asyncssh.SFTPName(b"name", b"long", asyncssh.SFTPAttrs(size=1, mtime=2))])
    for broken in (body[:-1], body[:9], body + b"\0", (2).to_bytes(4, "big") + body[4:], b""):
        with pytest.raises(asyncssh.SFTPBadMessage):
            decode_names(broken)


@pytest.mark.spec("SFTP-021")
def test_sftp_021_other_protocol_versions_use_asyncssh() -> None:
    asyncssh = asyncssh_module()
    found = [asyncssh.SFTPName(b"x", attrs=asyncssh.SFTPAttrs(size=1))]

    class Version6:
        version = 6

        async def readdir(self, handle: bytes) -> tuple[list[Any], bool]:
            assert handle == b"h"
            return found, True

    assert asyncio.run(readdir(Version6(), b"h")) == found
