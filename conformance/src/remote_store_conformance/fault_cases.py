"""The ``Store`` calls a backend's fault tests run under injected faults, as a table.

A backend's reliability tests put a fault proxy (``tools/faultproxy.py``) between the backend and
its server and break the requests one ``Store`` call makes: a transient fault must be retried and
the call succeed with the right result; a lasting one must raise ``BackendUnavailable``. Which
calls, set up how and checked how, is the same for every backend; only the name of the storage
request each call makes (``PutObject``, ``PutBlob``...) differs. ``fault_cases`` builds the table
from those names.

Import this module by its path (``remote_store_conformance.fault_cases``); the package's
``__init__`` does not re-export it.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from remote_store import Store

__all__ = ["SMALL", "FaultCase", "fault_actions", "fault_cases", "large_content", "read_in_chunks"]

SMALL = b"small file " * 40
"""The content of the small file the cases write and read (440 bytes: one request each way)."""


@dataclass(frozen=True)
class FaultCase:
    """One ``Store`` call under faults: the storage request that gets them, how to run and check it."""

    operation: str
    """The fault proxy's name of the request the faults hit."""
    setup: Callable[[Store], object]
    """Run before the faults are armed (writes the file the call needs)."""
    run: Callable[[Store], Any]
    """The call under faults; its result goes to ``check``."""
    check: Callable[[Store, Any], None]
    """Asserts the call's result and the store's state afterwards."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """Backend options the case needs (thresholds that make a large write take several requests)."""
    skip: int = 0
    """Matching requests let through before the faults (1: a ranged read's first GET)."""


def fault_actions(busy: str, busy_code: str) -> dict[str, dict[str, Any]]:
    """The faults every backend's tests inject, by name, as keyword arguments of a proxy ``Rule``.

    ``500`` (an internal error), ``busy`` (a 503 with the storage's ``busy_code``: ``SlowDown``,
    ``ServerBusy``), ``reset`` (the connection reset before the server saw the request) and
    ``reset-after-applied`` (reset after the server applied it: the answer is lost).
    """
    return {
        "500": {"action": "status", "status": 500, "code": "InternalError"},
        busy: {"action": "status", "status": 503, "code": busy_code},
        "reset": {"action": "reset"},
        "reset-after-applied": {"action": "reset", "after_forward": True},
    }


def large_content(size: int, seed: int = 1) -> bytes:
    """``size`` reproducible random bytes: the same for the same ``seed``, so a check can rebuild them."""
    return random.Random(seed).randbytes(size)


def read_in_chunks(store: Store, path: str, chunk: int = 10_000) -> bytes:
    """Read ``path`` through ``store.read`` in reads of ``chunk`` bytes; return the whole content."""
    with store.read(path) as stream:
        return b"".join(iter(lambda: stream.read(chunk), b""))


def _equal(actual: Any, expected: Any) -> None:
    assert actual == expected, f"{actual!r:.80} != {expected!r:.80}"


def _nothing(store: Store) -> None:
    return None


def _with_small(store: Store) -> None:
    store.write("k", SMALL, overwrite=True)


def fault_cases(
    requests: Mapping[str, str],
    *,
    large_size: int,
    large_options: Mapping[str, Any],
    large_writes: Mapping[str, str] | None = None,
    ranged_read: tuple[str, Mapping[str, Any]] | None = None,
    delete_missing_ok: bool = False,
) -> dict[str, FaultCase]:
    """The fault cases of one backend, keyed by name, for the calls it names a request for.

    ``requests`` maps the small calls to the request each makes: ``put`` (bytes), ``put-stream``,
    ``get`` (``read_bytes``), ``read-stream``, ``head`` (``get_file_info``), ``list``, ``delete``,
    ``copy``; names it leaves out get no case. ``large_writes`` maps case names (``multipart-part``,
    ``block-commit``...) to the request of a streamed write of ``large_size`` bytes with
    ``large_options`` that the faults hit. ``ranged_read``: a ``get-ranged`` case reading a large
    file in chunks with the given options, faults from its second request of the named kind on.

    Raises:
        KeyError: ``requests`` names a call this table does not know.
    """
    large = large_content(large_size)

    def with_large(store: Store) -> None:
        store.write("big", large, overwrite=True)

    def write_large(store: Store) -> None:
        store.write("big", io.BytesIO(large), overwrite=True)

    small: dict[str, Callable[[str], FaultCase]] = {
        "put": lambda request: FaultCase(
            request,
            _nothing,
            lambda s: s.write("k", SMALL, overwrite=True),
            lambda s, _: _equal(s.read_bytes("k"), SMALL),
        ),
        "put-stream": lambda request: FaultCase(
            request,
            _nothing,
            lambda s: s.write("k", io.BytesIO(SMALL), overwrite=True),
            lambda s, _: _equal(s.read_bytes("k"), SMALL),
        ),
        "get": lambda request: FaultCase(
            request, _with_small, lambda s: s.read_bytes("k"), lambda s, r: _equal(r, SMALL)
        ),
        "read-stream": lambda request: FaultCase(
            request, _with_small, lambda s: read_in_chunks(s, "k", 100), lambda s, r: _equal(r, SMALL)
        ),
        "head": lambda request: FaultCase(
            request, _with_small, lambda s: s.get_file_info("k").size, lambda s, r: _equal(r, len(SMALL))
        ),
        "list": lambda request: FaultCase(
            request,
            _with_small,
            lambda s: [str(info.path) for info in s.list_files("")],
            lambda s, r: _equal(r, ["k"]),
        ),
        "delete": lambda request: FaultCase(
            request,
            _with_small,
            lambda s: s.delete("k", missing_ok=delete_missing_ok),
            lambda s, _: _equal(s.exists("k"), False),
        ),
        "copy": lambda request: FaultCase(
            request,
            _with_small,
            lambda s: s.copy("k", "k2", overwrite=True),
            lambda s, _: _equal(s.read_bytes("k2"), SMALL),
        ),
    }
    cases = {name: small[name](request) for name, request in requests.items()}
    for name, request in (large_writes or {}).items():
        cases[name] = FaultCase(
            request, _nothing, write_large, lambda s, _: _equal(s.read_bytes("big"), large), large_options
        )
    if ranged_read is not None:
        request, options = ranged_read
        cases["get-ranged"] = FaultCase(
            request,
            with_large,
            lambda s: read_in_chunks(s, "big"),
            lambda s, r: _equal(r, large),
            options,
            skip=1,
        )
    return cases
