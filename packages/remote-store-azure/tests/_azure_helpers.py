"""Helpers of the Azure tests: recording the backend's HTTP requests, generated streams."""

from __future__ import annotations

import hashlib
import random
import urllib.parse
from typing import Any

from remote_store.backends.azure import AzureBackend

MIB = 1024 * 1024


class RequestLog:
    """Records every HTTP request the backend sends (the SDK's per-request hook), retries included."""

    def __init__(self, backend: AzureBackend) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.queries: list[dict[str, str]] = []
        backend._requests.observers.append(self._record)

    def _record(self, request: Any) -> None:
        http = request.http_request
        url = urllib.parse.urlsplit(http.url)
        query = dict(urllib.parse.parse_qsl(url.query))
        kind = http.method + (f" {query['comp']}" if "comp" in query else "")
        if http.method == "PUT" and "x-ms-copy-source" in {k.lower() for k in http.headers}:
            kind = "PUT copy"
        self.queries.append(query)
        self.requests.append((kind, url.path, {k.lower(): str(v) for k, v in http.headers.items()}))

    def clear(self) -> None:
        self.requests.clear()
        self.queries.clear()

    @property
    def kinds(self) -> list[str]:
        """The kinds sent: ``GET``, ``HEAD``, ``PUT``, ``PUT block``, ``PUT blocklist``, ``PUT copy``,
        ``GET list``, ``DELETE``."""
        return [kind for kind, _, _ in self.requests]

    def headers_of(self, kind: str) -> list[dict[str, str]]:
        return [headers for name, _, headers in self.requests if name == kind]


class GeneratedStream:
    """A non-seekable stream of ``size`` pseudo-random bytes with short reads, never held whole.

    ``digest`` is the SHA-256 of everything returned so far; ``fail_at`` makes ``read`` raise
    ``OSError`` once that many bytes were returned.
    """

    def __init__(
        self, size: int, *, seed: int = 1, max_chunk: int = 256 * 1024, fail_at: int | None = None
    ) -> None:
        self._left = size
        self._random = random.Random(seed)
        self._max_chunk = max_chunk
        self._fail_at = fail_at
        self._given = 0
        self._hash = hashlib.sha256()
        self.largest_ask = 0

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size > 0, "the backend must ask a bounded size (STREAM-005)"
        self.largest_ask = max(self.largest_ask, size)
        if self._fail_at is not None and self._given >= self._fail_at:
            raise OSError("the source failed")
        count = min(size, self._left, self._max_chunk)
        data = self._random.randbytes(count)
        self._left -= count
        self._given += count
        self._hash.update(data)
        return data

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
