"""``RequestLog``: the SFTP requests a backend sends, and how many round trips they take."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from remote_store.backends.sftp._pool import asyncssh_module

# SFTP version 3 packet types (draft-ietf-secsh-filexfer-02), named for the assertions.
_NAMES = {
    3: "open",
    4: "close",
    5: "read",
    6: "write",
    7: "lstat",
    8: "fstat",
    11: "opendir",
    12: "readdir",
    13: "remove",
    14: "mkdir",
    15: "rmdir",
    16: "realpath",
    17: "stat",
    18: "rename",
}


class RequestLog:
    """The SFTP requests sent and answers received, in order, while ``recording()`` is active.

    Each request gets a *round*: 1 if no answer had arrived when it was sent, else one more than
    the highest round among the answers that had arrived. Requests sent together share a round;
    one that needed an earlier answer is a round later. ``round_trips`` is the highest round: the
    waits for the server that the calls recorded could not avoid.
    """

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self._rounds: dict[tuple[int, int], int] = {}
        self._answered = 0
        self._highest = 0
        self.most_in_flight: dict[str, int] = {}
        """Per request name, the most requests of that name sent and not yet answered at once."""
        self._in_flight: dict[tuple[int, int], str] = {}

    @contextlib.contextmanager
    def recording(self) -> Iterator[RequestLog]:
        """Record every SFTP client's requests until the block ends."""
        asyncssh = asyncssh_module()
        handler_class = asyncssh.sftp.SFTPClientHandler
        send, process = handler_class._send_request, handler_class._process_packet
        log = self

        def sending(handler: Any, pkttype: Any, args: Any, waiter: Any) -> None:
            name = pkttype.decode() if isinstance(pkttype, bytes) else _NAMES.get(pkttype, str(pkttype))
            log.events.append(("send", name))
            log._rounds[id(handler), handler._next_pktid] = log._answered + 1
            log._highest = max(log._highest, log._answered + 1)
            log._in_flight[id(handler), handler._next_pktid] = name
            count = sum(1 for each in log._in_flight.values() if each == name)
            log.most_in_flight[name] = max(log.most_in_flight.get(name, 0), count)
            send(handler, pkttype, args, waiter)

        async def answered(handler: Any, pkttype: int, pktid: int, packet: Any) -> None:
            log.events.append(("answer", ""))
            log._answered = max(log._answered, log._rounds.pop((id(handler), pktid), 0))
            log._in_flight.pop((id(handler), pktid), None)
            await process(handler, pkttype, pktid, packet)

        handler_class._send_request = sending
        handler_class._process_packet = answered
        try:
            yield self
        finally:
            handler_class._send_request = send
            handler_class._process_packet = process

    @property
    def requests(self) -> list[str]:
        """The names of the requests sent, in order."""
        return [name for kind, name in self.events if kind == "send"]

    @property
    def round_trips(self) -> int:
        """The highest round of a request sent since the last ``clear()``."""
        return self._highest

    def clear(self) -> None:
        """Forget what was recorded; rounds count from 1 again."""
        self.events.clear()
        self._rounds.clear()
        self._answered = 0
        self._highest = 0
        self._in_flight.clear()
        self.most_in_flight.clear()
