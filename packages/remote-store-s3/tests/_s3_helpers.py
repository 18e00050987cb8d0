"""Helpers of the S3 tests: counting and faking HTTP requests, generated streams."""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse

from remote_store.backend_tools import Operation
from remote_store.backends.s3 import S3Backend

MIB = 1024 * 1024


def client_of(backend: S3Backend) -> Any:
    """The backend's boto3 client (built now if it was not yet; no request is sent)."""
    return backend._requests.client(backend.context(Operation.READ))


class RequestLog:
    """Records the operation name and headers of every HTTP request a backend's client sends.

    Unless ``warm`` is false, a query of a missing key first spends the backend's one HeadBucket
    check (S3-021), which would otherwise follow the first HeadObject answered 404.
    """

    def __init__(self, backend: S3Backend, *, warm: bool = True) -> None:
        self.operations: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.urls: list[str] = []
        if warm:
            backend.is_file("request-log-warm-up")
        client_of(backend).meta.events.register("before-send.s3", self._record)

    def _record(self, request: Any, event_name: str, **_: Any) -> None:
        self.operations.append(event_name.rsplit(".", 1)[-1])
        self.urls.append(request.url)
        self.headers.append({key.lower(): _text(value) for key, value in request.headers.items()})

    def clear(self) -> None:
        self.operations.clear()
        self.headers.clear()
        self.urls.clear()

    def count(self, operation: str) -> int:
        return self.operations.count(operation)

    def headers_of(self, operation: str) -> list[dict[str, str]]:
        return [
            headers for name, headers in zip(self.operations, self.headers, strict=True) if name == operation
        ]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def fake_response(status: int, code: str = "", message: str = "") -> AWSResponse:
    """An HTTP answer of ``status`` with an S3 error document, as a before-send hook may return."""
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode() if code else b""
    headers = {"Content-Type": "application/xml", "Content-Length": str(len(body))}
    return AWSResponse("http://fake", status, headers, _Raw(body))  # type: ignore[arg-type]


def inject(
    backend: S3Backend,
    operation: str,
    outcome: Callable[[Any], Any] | BaseException | AWSResponse,
    *,
    times: int | None = 1,
    skip: int = 0,
) -> list[int]:
    """Make the backend's requests of ``operation`` fail (or do something first).

    The ``skip`` first requests go through; then ``times`` requests (all if ``None``) get
    ``outcome``: an exception raised instead of sending, a fake response returned instead of the
    server's, or a callable run with the request (returning ``None`` sends the request as usual).
    Returns a list that counts the requests seen (its one element).
    """
    seen = [0]

    def handler(request: Any, **_: Any) -> Any:
        seen[0] += 1
        index = seen[0] - 1 - skip
        if index < 0 or (times is not None and index >= times):
            return None
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, AWSResponse):
            return outcome
        return outcome(request)

    client_of(backend).meta.events.register(f"before-send.s3.{operation}", handler)
    return seen


class GeneratedStream:
    """A non-seekable stream of ``size`` pseudo-random bytes, never held whole in memory.

    ``read(n)`` returns at most ``max_chunk`` bytes (short reads); ``digest`` is the SHA-256 of
    everything returned so far; ``fail_at`` makes ``read`` raise ``failure`` once that many bytes
    were returned; ``on_read`` is called with the position before each read.
    """

    def __init__(
        self,
        size: int,
        *,
        seed: int = 1,
        max_chunk: int = 256 * 1024,
        fail_at: int | None = None,
        failure: BaseException | None = None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self._block = random.Random(seed).randbytes(MIB + 7)
        self._offsets = itertools.cycle(range(0, MIB, 4093))
        self.size = size
        self.position = 0
        self._max_chunk = max_chunk
        self._fail_at = fail_at
        self._failure = failure or RuntimeError("source broke")
        self._on_read = on_read
        self._hash = hashlib.sha256()
        self.read_sizes: list[int] = []

    def read(self, size: int = -1, /) -> bytes:
        self.read_sizes.append(size)
        if self._on_read is not None:
            self._on_read(self.position)
        if self._fail_at is not None and self.position >= self._fail_at:
            raise self._failure
        count = min(size if size >= 0 else self.size, self.size - self.position, self._max_chunk)
        offset = next(self._offsets)
        data = self._block[offset : offset + count]
        self.position += len(data)
        self._hash.update(data)
        return data

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()


def digest_of(stream: Any, chunk: int = MIB) -> tuple[str, int]:
    """SHA-256 and size of what ``stream`` yields through ``read(chunk)``."""
    hasher = hashlib.sha256()
    total = 0
    while data := stream.read(chunk):
        hasher.update(data)
        total += len(data)
    return hasher.hexdigest(), total
