"""Connections the server drops mid-transfer: the call raises, nothing partial is published.

The sshd processes serving the backend's connections are killed while a streamed write sends its
content (or while a read stream is read): the call must raise ``BackendUnavailable`` with the
lost connection as its cause, the target must hold what it held before (nothing, or the old
file), a read must have delivered only a true prefix, and the next call must connect anew. The
temporary file a dropped write leaves on the server is litter for ``remove_temp_files``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from remote_store import BackendUnavailable
from remote_store.backends.sftp import SFTPBackend
from remote_store.backends.sftp._names import is_temp_name

from .conftest import drop_connections

MIB = 1024 * 1024
SIZE = 32 * MIB
DROP_AT = 6 * MIB


class DroppingSource(io.RawIOBase):
    """``SIZE`` bytes in 1 MiB reads; once ``DROP_AT`` bytes were given, the server drops the connections."""

    def __init__(self, sshd: Any) -> None:
        super().__init__()
        self.sshd = sshd
        self.given = 0
        self.dropped = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.given >= DROP_AT and not self.dropped:
            self.dropped = drop_connections(self.sshd)
        count = min(len(buffer), MIB, SIZE - self.given)
        buffer[:count] = b"n" * count
        self.given += count
        return count


def _litter(root: Path) -> int:
    return sum(1 for _, _, names in os.walk(root) for name in names if is_temp_name(name))


@pytest.mark.spec("SFTP-017", "SFTP-008")
@pytest.mark.parametrize(
    ("method", "existing"), [("write", None), ("write", b"old"), ("write_atomic", b"old")]
)
def test_a_write_whose_connection_drops_publishes_nothing(
    sshd: Any,
    server_root: Path,
    make_backend: Callable[..., SFTPBackend],
    method: str,
    existing: bytes | None,
    figures: dict[str, Any],
) -> None:
    backend = make_backend()
    if existing is not None:
        backend.write("d/target.bin", existing)
    source = DroppingSource(sshd)
    with pytest.raises(BackendUnavailable) as caught:
        getattr(backend, method)("d/target.bin", source, overwrite=existing is not None)
    assert source.dropped, "the connection was not dropped during the write"
    assert source.given < SIZE, "the write finished before the drop: nothing was tested"
    assert caught.value.__cause__ is not None
    target = server_root / "d" / "target.bin"
    if existing is None:
        assert not target.exists(), "a dropped create published a partial file"
    else:
        assert target.read_bytes() == existing, "a dropped replace changed the old file"
    # The next call connects anew; the dropped write's temporary file is swept as litter.
    assert backend.is_file("d/target.bin") == (existing is not None)
    litter = _litter(server_root)
    assert backend.remove_temp_files(older_than=0) == litter
    assert _litter(server_root) == 0
    backend.write("d/after.bin", b"fine")
    assert backend.read_bytes("d/after.bin") == b"fine"
    figures.update(sent_before_drop=source.given, litter=litter)


@pytest.mark.spec("SFTP-017", "SFTP-008")
def test_a_read_whose_connection_drops_raises_after_a_true_prefix(
    sshd: Any, make_backend: Callable[..., SFTPBackend]
) -> None:
    backend = make_backend()
    content = os.urandom(8 * MIB)
    backend.write("big.bin", content)
    received = bytearray()
    with pytest.raises(BackendUnavailable), backend.read("big.bin") as stream:
        received += stream.read(MIB)
        drop_connections(sshd)
        while chunk := stream.read(256 * 1024):
            received += chunk
    assert len(received) < len(content), "the read ended as if the file were whole"
    assert bytes(received) == content[: len(received)], "the bytes delivered are not a prefix"
    assert backend.read_bytes("big.bin") == content
