"""A TCP relay that counts the bytes a server sends: what a read costs on the wire, measured."""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.parse
from types import TracebackType

_CHUNK = 64 * 1024


class ByteCountingRelay:
    """Relays 127.0.0.1:``port`` to ``upstream`` (an ``http://host:port`` URL), counting bytes.

    ``received`` is the number of bytes taken from the server for the client: what crossed the wire,
    including what the client never read before closing a connection (the relay takes them only as
    fast as the client's socket accepts them, 64 KiB ahead at most). ``connections`` counts the
    connections the client opened. Use it as a context manager; ``url`` is the endpoint to give
    the client.
    """

    def __init__(self, upstream: str) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self._upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.received = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._acceptor = threading.Thread(target=self._accept, name="relay-accept", daemon=True)

    def __enter__(self) -> ByteCountingRelay:
        self._acceptor.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self.received = 0

    def stop(self) -> None:
        """Close every socket and wait for the relay's threads."""
        self._stopping = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        self._acceptor.join(timeout=10)
        for thread in self._threads:
            thread.join(timeout=10)

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self._upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self.connections += 1
                self._sockets += [client, server]
            for source, target, counted in ((client, server, False), (server, client, True)):
                thread = threading.Thread(target=self._pump, args=(source, target, counted), daemon=True)
                self._threads.append(thread)
                thread.start()

    def _pump(self, source: socket.socket, target: socket.socket, counted: bool) -> None:
        try:
            while True:
                data = source.recv(_CHUNK)
                if not data:
                    break
                if counted:  # counted as it leaves the server, delivered or not
                    with self._lock:
                        self.received += len(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
