r"""An HTTP fault-injecting reverse proxy on 127.0.0.1, for testing S3 and Azure Blob clients.

Put it between a client and an S3 server (moto, Ceph radosgw, ...) or Azurite: the client's endpoint
is ``proxy.url``, and the proxy forwards every request to ``upstream`` unchanged (the ``Host``
header included, so SigV4 signatures stay valid). Rules pick requests and do something else with
them instead:

- ``status``: answer with an S3 error document (``500 InternalError``, ``503 SlowDown``, ...),
  before forwarding the request or, with ``after_forward=True``, after the server applied it;
- ``reset``: close the client's connection with a TCP reset, before forwarding, after forwarding,
  or (``keep_bytes=N``) after relaying the answer's headers and ``N`` bytes of its body;
- ``truncate``: relay the headers (with the full ``Content-Length``) and ``keep_bytes`` bytes of
  the body, then close the connection normally;
- ``stall``: stop for ``seconds`` before answering, or (``keep_bytes=N``) after relaying the
  headers and ``N`` bytes of the body, then close the connection;
- ``delay``: wait ``seconds``, then forward and relay as usual.

A rule matches by operation (S3's ``"UploadPart"``, ``"GetObject"``, ... guessed from the method,
query and headers of a path-style request by ``s3_operation``; Azure Blob's ``"PutBlock"``,
``"ListBlobs"``, ... by ``blob_operation`` for a proxy made with ``operations=blob_operation``),
HTTP method, a regular expression searched in the request target, and an optional predicate;
``skip`` lets the first matches through and ``times`` limits how many get the fault (``None``:
all). The first rule that matches and has faults left decides. Every request is recorded in
``proxy.events``; ``proxy.injected`` counts the faults.

Standard library only; one thread per client connection. Only ever bind to loopback::

    with FaultProxy("http://127.0.0.1:5000") as proxy:
        proxy.add(Rule("status", operation="PutObject", status=503, code="SlowDown", times=2))
        client = boto3.client("s3", endpoint_url=proxy.url, ...)

Command line (rules as JSON objects of ``Rule``'s fields; runs until interrupted)::

    python tools/faultproxy.py --upstream http://127.0.0.1:5000 --port 8999 \\
        --rule '{"action": "status", "operation": "PutObject", "status": 503, "times": 2}'
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import json
import re
import socket
import socketserver
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import BinaryIO

__all__ = [
    "ACTIONS",
    "Event",
    "FaultProxy",
    "Operations",
    "Request",
    "Rule",
    "blob_operation",
    "main",
    "s3_operation",
]

ACTIONS = ("status", "reset", "truncate", "stall", "delay")
"""The faults a ``Rule`` can inject."""

_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_MAX_HEADER_LINE = 65536

Operations = Callable[[str, str, dict[str, str], dict[str, str]], str]
"""Names a request's operation from its method, decoded path, query and lower-case headers."""
_STALL_STEP = 0.05


@dataclasses.dataclass(frozen=True)
class Request:
    """One HTTP request received from the client, as a rule sees it."""

    number: int
    """Sequence number of the request in the proxy's life, from 1."""
    method: str
    target: str
    """The request target as sent: path and query (``/bucket/key?partNumber=1&uploadId=...``)."""
    headers: dict[str, str]
    """Header names in lower case."""
    body_size: int
    operations: Operations = dataclasses.field(default=lambda *request: s3_operation(*request), repr=False)
    """How ``operation`` is named: ``s3_operation`` (the default) or ``blob_operation``."""

    @property
    def path(self) -> str:
        """The target's path, percent-decoded."""
        return urllib.parse.unquote(self.target.split("?", 1)[0])

    @property
    def query(self) -> dict[str, str]:
        """The target's query parameters (flags such as ``?uploads`` map to ``""``)."""
        query = self.target.split("?", 1)[1] if "?" in self.target else ""
        return dict(urllib.parse.parse_qsl(query, keep_blank_values=True))

    @property
    def operation(self) -> str:
        """The operation this request most likely is; see ``s3_operation`` and ``blob_operation``."""
        return self.operations(self.method, self.path, self.query, self.headers)


def s3_operation(method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> str:
    """Guess the S3 operation of a path-style request (``/bucket`` or ``/bucket/key``).

    Returns a name such as ``"PutObject"``, ``"UploadPart"``, ``"CompleteMultipartUpload"``,
    ``"GetObject"``, ``"ListObjectsV2"``, or ``"Other"`` when nothing fits.
    """
    has_key = "/" in path.strip("/")
    if not has_key:
        if method == "HEAD":
            return "HeadBucket"
        if method == "GET":
            if "uploads" in query:
                return "ListMultipartUploads"
            return "ListObjectsV2" if query.get("list-type") == "2" else "ListObjects"
        if method == "POST" and "delete" in query:
            return "DeleteObjects"
        return {"PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method, "Other")
    copy = "x-amz-copy-source" in headers
    if method == "PUT":
        if "partNumber" in query and "uploadId" in query:
            return "UploadPartCopy" if copy else "UploadPart"
        return "CopyObject" if copy else "PutObject"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        if "uploadId" in query:
            return "CompleteMultipartUpload"
        return "Other"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in query else "DeleteObject"
    if method == "GET":
        return "ListParts" if "uploadId" in query else "GetObject"
    if method == "HEAD":
        return "HeadObject"
    return "Other"


def blob_operation(method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> str:
    """Guess the Azure Blob REST operation of a request (``/account/container/blob``).

    Returns ``"PutBlob"``, ``"PutBlock"``, ``"PutBlockList"``, ``"CopyBlob"``, ``"GetBlob"``,
    ``"GetBlobProperties"``, ``"DeleteBlob"``, ``"ListBlobs"``, or ``"Other"`` (container and
    account calls, ...).
    """
    comp = query.get("comp")
    if query.get("restype") == "container":
        return "ListBlobs" if method == "GET" and comp == "list" else "Other"
    if method == "PUT":
        if comp is None:
            return "CopyBlob" if "x-ms-copy-source" in headers else "PutBlob"
        return {"block": "PutBlock", "blocklist": "PutBlockList"}.get(comp, "Other")
    if comp is not None:
        return "Other"
    return {"GET": "GetBlob", "HEAD": "GetBlobProperties", "DELETE": "DeleteBlob"}.get(method, "Other")


@dataclasses.dataclass
class Rule:
    """Which requests get which fault; see the module docstring for the actions.

    Raises:
        ValueError: an unknown ``action``, or a negative ``skip``, ``times`` or ``keep_bytes``.
    """

    action: str
    operation: str | None = None
    """Match this operation (as the proxy names them: ``s3_operation`` or ``blob_operation``)."""
    method: str | None = None
    """Match this HTTP method."""
    target: str | None = None
    """Match requests whose target this regular expression is found in."""
    when: Callable[[Request], bool] | None = None
    """Match requests for which this returns true."""
    skip: int = 0
    """Let this many matching requests through first."""
    times: int | None = 1
    """Inject into this many matching requests (after ``skip``); ``None``: every one."""
    status: int = 503
    """``status``: the HTTP status answered."""
    code: str = "SlowDown"
    """``status``: the S3 error code in the answer's body."""
    after_forward: bool = False
    """``status``/``reset``/``stall``: let the server apply the request first."""
    keep_bytes: int | None = None
    """``reset``/``stall``: relay headers and this many body bytes first; ``truncate``: bytes kept."""
    seconds: float = 0.0
    """``stall``/``delay``: how long."""
    matched: int = 0
    """How many requests matched so far."""
    injected: int = 0
    """How many faults this rule injected so far."""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}; choose from {', '.join(ACTIONS)}")
        if self.skip < 0 or (self.times is not None and self.times < 0):
            raise ValueError("skip and times must not be negative")
        if self.keep_bytes is not None and self.keep_bytes < 0:
            raise ValueError("keep_bytes must not be negative")
        if self.action == "truncate" and self.keep_bytes is None:
            self.keep_bytes = 0

    def matches(self, request: Request) -> bool:
        """True if ``request`` is one this rule selects (whatever its remaining budget)."""
        if self.operation is not None and request.operation != self.operation:
            return False
        if self.method is not None and request.method != self.method.upper():
            return False
        if self.target is not None and re.search(self.target, request.target) is None:
            return False
        return self.when is None or bool(self.when(request))


@dataclasses.dataclass(frozen=True)
class Event:
    """One request the proxy handled and what it did with it (``"forward"`` or an action)."""

    number: int
    operation: str
    method: str
    target: str
    action: str


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy


class FaultProxy:
    """A fault-injecting reverse proxy from ``url`` (127.0.0.1) to ``upstream``.

    Start it with ``start()`` or ``with``; ``stop()`` closes every connection. Safe to change
    rules (``add``, ``clear``) while requests are flowing.

    Args:
        upstream: the server's base URL, ``http://host:port`` (plain HTTP only).
        port: the port to listen on; a free one by default.
        operations: names each request's operation for rules and events: ``s3_operation``
            (the default) or ``blob_operation``.

    Raises:
        ValueError: ``upstream`` is not an ``http://`` URL with a host.
    """

    def __init__(self, upstream: str, *, port: int = 0, operations: Operations | None = None) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 80
        self._port = port
        self._operations: Operations = operations or s3_operation
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._events: list[Event] = []
        self._count = 0
        self._sockets: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Listen on 127.0.0.1 and serve in a background thread; returns ``self``."""
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.proxy = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="faultproxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection; idempotent."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _close_quietly(sock)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the endpoint the client uses.

        Raises:
            RuntimeError: the proxy is not started.
        """
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- rules and records ------------------------------------------------------------------

    def add(self, *rules: Rule) -> None:
        """Append ``rules`` (they are consulted in the order added)."""
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        """Remove every rule (the events recorded stay)."""
        with self._lock:
            self._rules.clear()

    @property
    def events(self) -> list[Event]:
        """A copy of every request handled so far, in order."""
        with self._lock:
            return list(self._events)

    @property
    def injected(self) -> int:
        """How many faults were injected so far."""
        with self._lock:
            return sum(1 for event in self._events if event.action != "forward")

    def operations(self, name: str) -> list[Event]:
        """The events of operation ``name``."""
        return [event for event in self.events if event.operation == name]

    def _decide(
        self, method: str, target: str, headers: dict[str, str], body_size: int
    ) -> tuple[Request, Rule | None]:
        with self._lock:
            self._count += 1
            request = Request(self._count, method, target, headers, body_size, self._operations)
            chosen: Rule | None = None
            for rule in self._rules:
                if not rule.matches(request):
                    continue
                rule.matched += 1
                used = rule.matched - 1 - rule.skip
                if used < 0 or (rule.times is not None and used >= rule.times):
                    continue
                rule.injected += 1
                chosen = rule
                break
            action = chosen.action if chosen is not None else "forward"
            self._events.append(Event(request.number, request.operation, method, target, action))
        return request, chosen

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._sockets.add(sock)
            else:
                self._sockets.discard(sock)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, _STALL_STEP))


class _Closed(Exception):
    """The client connection is done (closed by either side, or by a fault)."""


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        proxy = self.server.proxy
        client: socket.socket = self.request
        proxy._track(client, True)
        upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=120)
        reader = client.makefile("rb")
        try:
            while not proxy._stopping.is_set():
                if not self._exchange(proxy, client, reader, upstream):
                    break
        except (_Closed, OSError, http.client.HTTPException):
            pass
        finally:
            reader.close()
            upstream.close()
            proxy._track(client, False)
            _close_quietly(client)

    def _exchange(
        self, proxy: FaultProxy, client: socket.socket, reader: BinaryIO, upstream: http.client.HTTPConnection
    ) -> bool:
        """Handle one request; False when the connection must end."""
        head = _read_head(reader)
        if head is None:
            return False
        method, target, version, header_list = head
        headers = {name.lower(): value for name, value in header_list}
        if headers.get("expect", "").lower() == "100-continue":
            # Answer it here: the server then gets the request without Expect (botocore does
            # not sign that header), so it never sends a 100 of its own.
            client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = _read_body(reader, headers)
        request, rule = proxy._decide(method, target, headers, len(body))
        keep_alive = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
        if rule is not None and _before_forward(rule):
            if rule.action == "status":
                client.sendall(_error_response(rule.status, rule.code, request.number, close=not keep_alive))
                return keep_alive
            if rule.action == "reset":
                _reset(client)
                raise _Closed
            proxy._sleep(rule.seconds)
            raise _Closed
        if rule is not None and rule.action == "delay":
            proxy._sleep(rule.seconds)
        forwarded = [(name, value) for name, value in header_list if name.lower() != "expect"]
        # The client's connection stays open whatever the server does with its own (moto closes
        # every connection): http.client reconnects upstream by itself for the next request.
        status, reason, response_headers, payload = _forward(upstream, method, target, forwarded, body)
        if not keep_alive:
            response_headers.append(("Connection", "close"))
        if rule is None or rule.action == "delay":
            client.sendall(_response_head(status, reason, response_headers) + payload)
            return keep_alive
        if rule.action == "status":
            client.sendall(_error_response(rule.status, rule.code, request.number, close=not keep_alive))
            return keep_alive
        head_bytes = _response_head(status, reason, response_headers)
        if rule.action == "reset" and rule.keep_bytes is None:
            _reset(client)
            raise _Closed
        kept = payload[: rule.keep_bytes or 0]
        client.sendall(head_bytes + kept)
        if rule.action == "reset":
            _reset(client)
        elif rule.action == "stall":
            proxy._sleep(rule.seconds)
        raise _Closed


def _before_forward(rule: Rule) -> bool:
    """True when ``rule`` acts before the request reaches the server."""
    if rule.after_forward or rule.action in ("truncate", "delay"):
        return False
    return rule.action == "status" or rule.keep_bytes is None


def _read_line(reader: BinaryIO) -> bytes:
    line = reader.readline(_MAX_HEADER_LINE + 1)
    if len(line) > _MAX_HEADER_LINE:
        raise _Closed
    return line


def _read_head(reader: BinaryIO) -> tuple[str, str, str, list[tuple[str, str]]] | None:
    line = _read_line(reader)
    while line in (b"\r\n", b"\n"):
        line = _read_line(reader)
    if not line:
        return None
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3:
        raise _Closed
    method, target, version = parts
    headers: list[tuple[str, str]] = []
    while True:
        line = _read_line(reader)
        if not line:
            raise _Closed
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    return method.upper(), target, version, headers


def _read_exact(reader: BinaryIO, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise _Closed
    return data


def _read_body(reader: BinaryIO, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        while True:
            size = int(_read_line(reader).split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while _read_line(reader) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(_read_exact(reader, size))
            _read_line(reader)
    length = int(headers.get("content-length", "0") or 0)
    return _read_exact(reader, length) if length else b""


def _forward(
    upstream: http.client.HTTPConnection,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> tuple[int, str, list[tuple[str, str]], bytes]:
    chunked = any(
        name.lower() == "transfer-encoding" and "chunked" in value.lower() for name, value in headers
    )
    upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        upstream.putheader(name, value)
    if chunked:
        upstream.endheaders()
        if body:
            upstream.send(f"{len(body):x}\r\n".encode() + body + b"\r\n")
        upstream.send(b"0\r\n\r\n")
    else:
        upstream.endheaders(body if body else None)
    response = upstream.getresponse()
    payload = response.read()
    response_headers = [
        (name, value)
        for name, value in response.getheaders()
        if name.lower() not in ("transfer-encoding", "connection", "keep-alive")
    ]
    if method != "HEAD" and response.status not in (204, 304):
        response_headers = [
            (name, value) for name, value in response_headers if name.lower() != "content-length"
        ]
        response_headers.append(("Content-Length", str(len(payload))))
    if response.will_close:
        upstream.close()
    return response.status, response.reason, response_headers, payload


def _response_head(status: int, reason: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _error_response(status: int, code: str, number: int, *, close: bool = False) -> bytes:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>injected by faultproxy</Message>"
        f"<RequestId>faultproxy-{number}</RequestId></Error>"
    ).encode()
    head = _response_head(
        status,
        _REASONS.get(status, "Error"),
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
        + ([("Connection", "close")] if close else []),
    )
    return head + body


def _reset(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close_quietly(sock)


def _close_quietly(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run a proxy from the command line until interrupted; prints its URL first."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--upstream", required=True, help="the server's URL, http://host:port")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--rule", action="append", default=[], help="a rule as a JSON object (repeatable)")
    parser.add_argument(
        "--operations", choices=("s3", "blob"), default="s3", help="how rules' operation names are read"
    )
    args = parser.parse_args(argv)
    namer = blob_operation if args.operations == "blob" else s3_operation
    proxy = FaultProxy(args.upstream, port=args.port, operations=namer)
    proxy.add(*(Rule(**json.loads(text)) for text in args.rule))
    proxy.start()
    print(proxy.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
        print(f"{len(proxy.events)} requests, {proxy.injected} faults injected", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
