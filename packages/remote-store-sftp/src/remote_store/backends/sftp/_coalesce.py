"""``CoalescingTransport``: the SSH packets of one pass of the event loop sent in one write (SFTP-022)."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["CoalescingTransport", "coalesce_writes"]


class CoalescingTransport:
    """Wraps an asyncio transport: writes made in one pass of the loop go out as one ``writelines``.

    asyncssh writes each SSH packet to its transport at once, and before each packet a
    ``MSG_IGNORE`` packet: two socket sends per SFTP request. Requests sent together (a round trip
    of several requests, or the 32 KiB packets of one large write) would cost a system call and a
    TCP segment each, and on loopback each send also wakes the server. Here the writes of one pass
    are kept and handed to the transport at the start of the next pass (``call_soon``), in order:
    the bytes on the wire are the same, sent in fewer, larger writes, before the loop waits again.
    Everything but ``write``, ``writelines``, ``close`` and ``abort`` goes to the wrapped transport.
    """

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        """Keep ``data`` for the write at the end of this pass of the loop."""
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)

    def writelines(self, lines: Any) -> None:
        """Keep each of ``lines``, as ``write`` does."""
        for data in lines:
            self.write(data)

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if pending and not self._transport.is_closing():
            self._transport.writelines(pending)

    def close(self) -> None:
        """Send what is kept, then close the transport."""
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        """Drop what is kept and abort the transport (as ``abort`` drops its own buffer)."""
        self._pending = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def coalesce_writes(connection: Any) -> bool:
    """Make asyncssh ``connection`` send through a ``CoalescingTransport``; False if it cannot.

    asyncssh keeps its transport in the private ``_transport`` attribute; where a release no
    longer does, the connection is left as it is (correct, with a send per packet).
    """
    transport = getattr(connection, "_transport", None)
    if transport is None or isinstance(transport, CoalescingTransport) or not hasattr(transport, "write"):
        return False
    connection._transport = CoalescingTransport(transport, asyncio.get_running_loop())
    return True
