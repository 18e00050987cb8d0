"""Fault injection: 500s, 503 SlowDown, connection resets, truncated bodies and stalls between the
S3 backend and a real server (``tools/faultproxy.py``).

What must hold: a transient fault is retried within ``max_attempts`` and the call succeeds with
the right result; a fault that outlasts the tries raises ``BackendUnavailable`` after exactly
``max_attempts`` requests; a multipart upload that finally fails is aborted (no upload left, no
object, an old object unchanged); a read whose connection breaks or stalls mid-body resumes with a
ranged GetObject on the same ETag and returns the whole object, or raises (``BackendUnavailable``,
``NotFound``) when the resumes run out or the object changed, never returning short or mixed data;
a stall longer than ``read_timeout`` raises ``BackendUnavailable`` in bounded time.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import AlreadyExists, BackendUnavailable, NotFound, RemoteStoreError, Store
from remote_store.backends.s3 import S3Backend
from remote_store.backends.s3._reader import CHANGED
from remote_store_conformance.fault_cases import SMALL, fault_actions, fault_cases, large_content

from ._support import MIB
from .conftest import faultproxy

Rule = faultproxy.Rule

MULTIPART = dict(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=2)


def _big(seed: int = 1, size: int = 5 * MIB + 1000) -> bytes:
    return large_content(size, seed)


FAULTS = fault_actions("503-slowdown", "SlowDown")

CASES = fault_cases(
    {
        "put": "PutObject",
        "put-stream": "PutObject",
        "get": "GetObject",
        "read-stream": "GetObject",
        "head": "HeadObject",
        "list": "ListObjectsV2",
        "delete": "DeleteObject",
        "copy": "CopyObject",
    },
    large_size=5 * MIB + 1000,
    large_options=MULTIPART,
    large_writes={
        "multipart-create": "CreateMultipartUpload",
        "multipart-part": "UploadPart",
        "multipart-complete": "CompleteMultipartUpload",
    },
)


def _pending_uploads(admin: Any, bucket: str) -> list[Any]:
    return list(admin.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


@pytest.mark.spec("GUAR-014")
@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_transient_faults_are_retried_and_the_call_succeeds(
    faulty_backend: Callable[..., S3Backend],
    proxy: Any,
    admin: Any,
    bucket: str,
    case: str,
    fault: str,
    figures: dict[str, Any],
) -> None:
    spec = CASES[case]
    lost_create = fault == "reset-after-applied" and spec.operation == "CreateMultipartUpload"
    max_attempts = 4
    store = Store(faulty_backend(max_attempts=max_attempts, **spec.options))
    spec.setup(store)
    proxy.add(Rule(operation=spec.operation, times=max_attempts - 1, **FAULTS[fault]))
    result = spec.run(store)
    spec.check(store, result)
    injected = [event for event in proxy.events if event.action != "forward"]
    assert len(injected) == max_attempts - 1, "the faults were not all injected: the test proves nothing"
    # An upload the server created but whose id never reached the client cannot be aborted by
    # it: each lost CreateMultipartUpload answer leaves one (GUAR-021).
    assert len(_pending_uploads(admin, bucket)) == (max_attempts - 1 if lost_create else 0)
    figures.update(faults=len(injected))


@pytest.mark.spec("GUAR-015")
@pytest.mark.parametrize("fault", ["500", "503-slowdown", "reset"])
@pytest.mark.parametrize("case", ["put", "get", "head", "list", "delete", "copy"])
def test_faults_outlasting_the_tries_raise_backend_unavailable(
    faulty_backend: Callable[..., S3Backend], proxy: Any, case: str, fault: str, figures: dict[str, Any]
) -> None:
    spec = CASES[case]
    max_attempts = 3
    store = Store(faulty_backend(max_attempts=max_attempts))
    spec.setup(store)
    proxy.add(Rule(operation=spec.operation, times=None, **FAULTS[fault]))
    with pytest.raises(BackendUnavailable) as raised:
        spec.run(store)
    assert raised.value.__cause__ is not None, "the botocore error must be kept as the cause"
    assert len(proxy.operations(spec.operation)) == max_attempts, "exactly max_attempts tries, no more"
    figures.update(faults=proxy.injected)


@pytest.mark.spec("GUAR-016")
@pytest.mark.parametrize(
    ("operation", "fault"),
    [
        ("UploadPart", "500"),
        ("UploadPart", "reset"),
        ("CompleteMultipartUpload", "500"),
        ("CompleteMultipartUpload", "503-slowdown"),
    ],
)
@pytest.mark.parametrize("old", [False, True], ids=["new-key", "over-old-object"])
def test_a_multipart_upload_that_finally_fails_is_aborted(
    faulty_backend: Callable[..., S3Backend],
    proxy: Any,
    admin: Any,
    bucket: str,
    operation: str,
    fault: str,
    old: bool,
    figures: dict[str, Any],
) -> None:
    store = Store(faulty_backend(max_attempts=2, **MULTIPART))
    if old:
        store.write("big", b"the old object")
    proxy.add(Rule(operation=operation, times=None, **FAULTS[fault]))
    with pytest.raises(BackendUnavailable):
        store.write("big", io.BytesIO(_big()), overwrite=True)
    assert proxy.operations("AbortMultipartUpload"), "the upload was not aborted"
    assert not _pending_uploads(admin, bucket), "an upload was left behind"
    if old:
        assert store.read_bytes("big") == b"the old object"
    else:
        assert not store.exists("big")
    figures.update(faults=proxy.injected)


@pytest.mark.spec("GUAR-016")
def test_an_abort_that_fails_too_is_logged_and_the_original_error_raised(
    faulty_backend: Callable[..., S3Backend],
    proxy: Any,
    admin: Any,
    bucket: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = Store(faulty_backend(max_attempts=1, **MULTIPART))
    proxy.add(
        Rule(operation="UploadPart", times=None, **FAULTS["500"]),
        Rule(operation="AbortMultipartUpload", times=None, **FAULTS["500"]),
    )
    with caplog.at_level(logging.WARNING, logger="remote_store"), pytest.raises(BackendUnavailable) as raised:
        store.write("big", _big(), overwrite=True)
    assert "UploadPart" not in str(raised.value) or "abort" not in str(raised.value).lower()
    uploads = _pending_uploads(admin, bucket)
    assert len(uploads) == 1, "the abort failed, so the upload stays (S3-011): exactly that one"
    assert any(uploads[0]["UploadId"] in record.getMessage() for record in caplog.records), (
        "the upload left behind must be logged with its id"
    )
    assert not store.exists("big")


def _record_gets(proxy: Any, on_get: Callable[[Any], None] | None = None) -> list[dict[str, str]]:
    """The headers of every GetObject reaching the proxy, in order; ``on_get`` runs before each.

    A rule that matches every GetObject and never injects anything (``times=0``): later rules
    still decide what happens to the request.
    """
    seen: list[dict[str, str]] = []

    def record(request: Any) -> bool:
        seen.append(dict(request.headers))
        if on_get is not None:
            on_get(request)
        return True

    proxy.add(Rule("delay", operation="GetObject", when=record, times=0))
    return seen


def _read(store: Store, path: str, reader: str, received: bytearray) -> None:
    """Read ``path`` the way ``reader`` names, appending what arrives to ``received``."""
    if reader == "read_bytes":
        received += store.read_bytes(path)
        return
    with store.read(path) as stream:
        if reader == "read-all":
            received += stream.read()
        elif reader == "read-chunks":
            while chunk := stream.read(64 * 1024):
                received += chunk
        else:
            buffer = bytearray(100_000)
            raw: Any = stream
            while count := raw.readinto(buffer):
                received += buffer[:count]


def _resumed_at(headers: dict[str, str]) -> int:
    match = re.fullmatch(r"bytes=(\d+)-", headers.get("range", ""))
    assert match is not None, f"not a ranged GET from an offset: {headers.get('range')!r}"
    return int(match[1])


@pytest.mark.spec("GUAR-017", "S3-031")
@pytest.mark.parametrize("keep", [0, 1000, 300_000, MIB])
@pytest.mark.parametrize("how", ["truncate", "reset"])
@pytest.mark.parametrize("reader", ["read_bytes", "read-all", "read-chunks", "readinto"])
def test_a_read_broken_mid_body_resumes_and_returns_the_whole_object(
    faulty_backend: Callable[..., S3Backend],
    proxy: Any,
    keep: int,
    how: str,
    reader: str,
    figures: dict[str, Any],
) -> None:
    store = Store(faulty_backend(max_attempts=3))
    content = _big(size=3 * MIB // 2)
    store.write("obj", content)
    etag = store.get_file_info("obj").etag
    gets = _record_gets(proxy)
    proxy.add(Rule(how, operation="GetObject", times=1, keep_bytes=keep, after_forward=True))
    received = bytearray()
    _read(store, "obj", reader, received)
    assert proxy.injected == 1, "the fault was not injected: the test proves nothing"
    assert hashlib.sha256(received).hexdigest() == hashlib.sha256(content).hexdigest()
    assert len(gets) == 2, "one GetObject, one ranged GetObject resuming it"
    first, resume = gets
    assert "range" not in first and "if-match" not in first
    offset = _resumed_at(resume)
    assert resume["if-match"].strip('"') == etag, "the resume is conditioned on the first answer's ETag"
    if reader in ("read_bytes", "read-all"):
        assert offset == 0, "one body read of the whole object: what it had read is lost with it"
    elif how == "truncate":
        assert offset == keep
    else:
        assert offset <= keep
    figures.update(faults=proxy.injected, resumed_at=offset)


@pytest.mark.spec("GUAR-017", "S3-031")
@pytest.mark.parametrize("change", ["replaced", "deleted"])
@pytest.mark.parametrize("reader", ["read_bytes", "read-chunks"])
def test_a_read_whose_object_changes_before_the_resume_raises_and_never_splices(
    faulty_backend: Callable[..., S3Backend],
    proxy: Any,
    admin: Any,
    bucket: str,
    change: str,
    reader: str,
) -> None:
    store = Store(faulty_backend(max_attempts=3))
    old, new = _big(seed=1, size=MIB), _big(seed=2, size=MIB)
    store.write("obj", old)

    def change_before_the_resume(request: Any) -> None:
        if "range" in request.headers:
            if change == "replaced":
                admin.put_object(Bucket=bucket, Key="obj", Body=new)
            else:
                admin.delete_object(Bucket=bucket, Key="obj")

    gets = _record_gets(proxy, change_before_the_resume)
    proxy.add(Rule("truncate", operation="GetObject", times=1, keep_bytes=300_000))
    received = bytearray()
    with pytest.raises(BackendUnavailable if change == "replaced" else NotFound) as raised:
        _read(store, "obj", reader, received)
    assert raised.value.path == "obj"
    assert raised.value.__cause__ is not None
    assert old.startswith(bytes(received)), "bytes of another version were delivered"
    assert len(gets) == 2 and "if-match" in gets[1]
    proxy.clear()
    if change == "replaced":
        assert raised.value.message == CHANGED
        assert store.read_bytes("obj") == new
    else:
        assert not store.exists("obj")


@pytest.mark.spec("GUAR-017", "S3-031")
@pytest.mark.parametrize("how", ["truncate", "reset"])
@pytest.mark.parametrize("reader", ["read_bytes", "read-chunks"])
def test_a_read_broken_more_often_than_the_resumes_raises_and_never_returns_short_data(
    faulty_backend: Callable[..., S3Backend], proxy: Any, how: str, reader: str, figures: dict[str, Any]
) -> None:
    max_attempts = 3
    store = Store(faulty_backend(max_attempts=max_attempts))
    content = _big(size=3 * MIB // 2)
    store.write("obj", content)
    proxy.add(Rule(how, operation="GetObject", times=None, keep_bytes=200_000, after_forward=True))
    received = bytearray()
    with pytest.raises(BackendUnavailable) as raised:
        _read(store, "obj", reader, received)
    assert raised.value.path == "obj"
    assert raised.value.__cause__ is not None, "the last connection error is kept as the cause"
    assert content.startswith(bytes(received)) and len(received) < len(content)
    assert len(proxy.operations("GetObject")) == max_attempts, "a GetObject and max_attempts - 1 resumes"
    figures.update(faults=proxy.injected, delivered=len(received))


@pytest.mark.spec("GUAR-018")
@pytest.mark.parametrize("case", ["put", "head", "list", "get"])
def test_a_stalled_request_raises_backend_unavailable_in_bounded_time(
    faulty_backend: Callable[..., S3Backend], proxy: Any, case: str, figures: dict[str, Any]
) -> None:
    spec = CASES[case]
    read_timeout, max_attempts = 1.0, 2
    store = Store(faulty_backend(max_attempts=max_attempts, read_timeout=read_timeout))
    spec.setup(store)
    proxy.add(Rule("stall", operation=spec.operation, times=None, seconds=30))
    started = time.monotonic()
    with pytest.raises(BackendUnavailable):
        spec.run(store)
    elapsed = time.monotonic() - started
    assert max_attempts * read_timeout <= elapsed < max_attempts * read_timeout + 3, elapsed
    assert len(proxy.operations(spec.operation)) == max_attempts
    figures.update(faults=proxy.injected, seconds_to_fail=round(elapsed, 2))


@pytest.mark.spec("GUAR-017", "GUAR-018", "S3-031")
@pytest.mark.parametrize("keep", [0, 200_000])
def test_a_body_stalled_mid_read_resumes_after_read_timeout(
    faulty_backend: Callable[..., S3Backend], proxy: Any, keep: int, figures: dict[str, Any]
) -> None:
    read_timeout = 1.0
    store = Store(faulty_backend(max_attempts=3, read_timeout=read_timeout))
    content = _big(size=2 * MIB)
    store.write("obj", content)
    gets = _record_gets(proxy)
    proxy.add(Rule("stall", operation="GetObject", times=1, keep_bytes=keep, seconds=30))
    received = bytearray()
    with store.read("obj") as stream:
        started = time.monotonic()
        while chunk := stream.read(50_000):
            received += chunk
        elapsed = time.monotonic() - started
    assert bytes(received) == content
    assert read_timeout <= elapsed < read_timeout + 3, elapsed
    assert len(gets) == 2 and _resumed_at(gets[1]) <= keep
    figures.update(faults=proxy.injected, seconds_to_resume=round(elapsed, 2))


@pytest.mark.spec("GUAR-017", "GUAR-018", "S3-031")
def test_a_body_stalled_on_every_try_raises_backend_unavailable_in_bounded_time(
    faulty_backend: Callable[..., S3Backend], proxy: Any, figures: dict[str, Any]
) -> None:
    read_timeout, max_attempts = 1.0, 3
    store = Store(faulty_backend(max_attempts=max_attempts, read_timeout=read_timeout))
    content = _big(size=2 * MIB)
    store.write("obj", content)
    proxy.add(Rule("stall", operation="GetObject", times=None, keep_bytes=200_000, seconds=30))
    received = bytearray()
    with store.read("obj") as stream:
        started = time.monotonic()
        with pytest.raises(BackendUnavailable):
            while chunk := stream.read(50_000):
                received += chunk
        elapsed = time.monotonic() - started
    # Each try (the first GetObject, then max_attempts - 1 resumes) waits read_timeout for data.
    assert max_attempts * read_timeout <= elapsed < max_attempts * read_timeout + 3, elapsed
    assert len(proxy.operations("GetObject")) == max_attempts
    assert content.startswith(bytes(received)) and len(received) < len(content)
    figures.update(faults=proxy.injected, seconds_to_fail=round(elapsed, 2))


@pytest.mark.spec("GUAR-014", "S3-031")
@pytest.mark.parametrize("case", ["list", "head", "get"])
def test_truncated_answers_are_retried_or_raise(
    faulty_backend: Callable[..., S3Backend], proxy: Any, case: str, figures: dict[str, Any]
) -> None:
    # A body cut short before the call returns (an XML listing, an error document) is a broken
    # connection: botocore retries it; the call succeeds with the whole answer.
    spec = CASES[case]
    store = Store(faulty_backend(max_attempts=3))
    spec.setup(store)
    for name in ("a", "b", "c"):
        store.write(f"more/{name}", b"x")
    proxy.add(Rule("truncate", operation=spec.operation, times=1, keep_bytes=40))
    # GetObject's body is streamed to the caller: it is resumed with a ranged GetObject (S3-031).
    spec.check(store, spec.run(store))
    assert proxy.injected == 1
    figures.update(faults=proxy.injected)


@pytest.mark.spec("GUAR-019")
@pytest.mark.parametrize("case", ["put", "multipart-part", "copy-onto"])
def test_a_failed_write_leaves_the_old_object(
    faulty_backend: Callable[..., S3Backend], proxy: Any, admin: Any, bucket: str, case: str
) -> None:
    store = Store(faulty_backend(max_attempts=2, **MULTIPART))
    store.write("target", b"old content")
    store.write("source", b"new content")
    operation = {"put": "PutObject", "multipart-part": "UploadPart", "copy-onto": "CopyObject"}[case]
    proxy.add(Rule(operation=operation, times=None, **FAULTS["500"]))
    with pytest.raises(BackendUnavailable):
        if case == "put":
            store.write("target", b"new content", overwrite=True)
        elif case == "multipart-part":
            store.write("target", _big(), overwrite=True)
        else:
            store.copy("source", "target", overwrite=True)
    proxy.clear()
    assert store.read_bytes("target") == b"old content"
    assert not _pending_uploads(admin, bucket)


@pytest.mark.spec("GUAR-020")
def test_a_move_whose_copy_fails_changes_nothing(
    faulty_backend: Callable[..., S3Backend], proxy: Any
) -> None:
    store = Store(faulty_backend(max_attempts=2))
    store.write("src", b"content")
    proxy.add(Rule(operation="CopyObject", times=None, **FAULTS["503-slowdown"]))
    with pytest.raises(BackendUnavailable):
        store.move("src", "dst")
    proxy.clear()
    assert store.read_bytes("src") == b"content" and not store.exists("dst")


@pytest.mark.spec("GUAR-020")
def test_a_move_whose_delete_fails_leaves_both_files_whole(
    faulty_backend: Callable[..., S3Backend], proxy: Any
) -> None:
    store = Store(faulty_backend(max_attempts=2))
    store.write("src", b"content")
    proxy.add(Rule(operation="DeleteObject", times=None, **FAULTS["500"]))
    with pytest.raises(BackendUnavailable):
        store.move("src", "dst")
    proxy.clear()
    assert store.read_bytes("src") == b"content" and store.read_bytes("dst") == b"content"


@pytest.mark.spec("GUAR-021")
def test_a_replace_whose_answer_is_lost_is_retried_and_lands_once(
    faulty_backend: Callable[..., S3Backend], proxy: Any
) -> None:
    # The server applied the PUT, the client never heard: botocore sends it again, which is
    # harmless for a replace (the same bytes twice).
    store = Store(faulty_backend(max_attempts=3))
    proxy.add(Rule("reset", operation="PutObject", times=1, after_forward=True))
    store.write("k", SMALL, overwrite=True)
    assert store.read_bytes("k") == SMALL
    assert len(proxy.operations("PutObject")) == 2


@pytest.mark.spec("GUAR-021")
def test_a_create_whose_answer_is_lost_reports_already_exists(
    faulty_backend: Callable[..., S3Backend], proxy: Any, s3_server: Any
) -> None:
    # The conditional PUT (If-None-Match: *) created the object, the answer was lost, the retry
    # meets the object it created and gets 412: the caller sees AlreadyExists although the object
    # holds its own content. Callers that must know compare the content (or its ETag).
    store = Store(faulty_backend(max_attempts=3))
    proxy.add(Rule("reset", operation="PutObject", times=1, after_forward=True))
    with pytest.raises(AlreadyExists):
        store.write("k", SMALL)
    assert store.read_bytes("k") == SMALL


@pytest.mark.spec("GUAR-021")
def test_completion_whose_answer_is_lost(
    faulty_backend: Callable[..., S3Backend], proxy: Any, admin: Any, bucket: str
) -> None:
    # CompleteMultipartUpload applied, answer lost, retried against a finished upload. Whatever
    # the server answers the retry, the object is whole (never partial) and no upload is left.
    store = Store(faulty_backend(max_attempts=3, **MULTIPART))
    proxy.add(Rule("reset", operation="CompleteMultipartUpload", times=1, after_forward=True))
    with contextlib.suppress(RemoteStoreError):
        store.write("big", _big(), overwrite=True)
    proxy.clear()
    assert store.read_bytes("big") == _big()
    assert not _pending_uploads(admin, bucket)


@pytest.mark.spec("GUAR-015")
def test_retries_are_bounded_by_the_client_retry_quota(
    faulty_backend: Callable[..., S3Backend], proxy: Any, figures: dict[str, Any]
) -> None:
    # botocore's standard mode keeps a retry quota per client (500 units; a retry of a 5xx or a
    # connection error costs 14, of a throttling error 5, and a success gives 1 back): during an
    # outage calls stop retrying after about 35 retries and fail at their first try.
    store = Store(faulty_backend(max_attempts=5))
    proxy.add(Rule(operation="HeadObject", times=None, **FAULTS["500"]))
    tries = []
    for _ in range(15):
        before = len(proxy.operations("HeadObject"))
        with pytest.raises(BackendUnavailable):
            store.get_file_info("k")
        tries.append(len(proxy.operations("HeadObject")) - before)
    assert tries[0] == 5 and max(tries) <= 5
    assert tries[-1] == 1, f"the retry quota never ran out: {tries}"
    figures.update(tries_per_call=tries)


def test_the_proxy_really_breaks_requests(faulty_backend: Callable[..., S3Backend], proxy: Any) -> None:
    # The other tests are only worth something if the proxy's faults reach the client.
    store = Store(faulty_backend(max_attempts=1))
    store.write("k", SMALL)
    for fault in ("500", "503-slowdown", "reset"):
        proxy.clear()
        proxy.add(Rule(operation="GetObject", times=1, **FAULTS[fault]))
        with pytest.raises(BackendUnavailable):
            store.read_bytes("k")
    proxy.clear()
    with pytest.raises(NotFound):
        store.read_bytes("missing")
