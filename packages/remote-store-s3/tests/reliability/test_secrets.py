"""Secrets never shown: real-looking AWS credentials through every path a secret can take.

Two scans, both with an access key id, a secret access key and a session token shaped like
real ones (``AKIA`` + 16 characters, 40 characters, a long token):

- in this process: a Registry configured through ``${ENV}`` references, option errors, a battery
  of operations with their failures, retried faults (through the fault proxy), a multipart upload
  whose abort fails (a WARNING with the upload id), a closed store; every repr/str of what is
  handed out, every log record of every logger at DEBUG (with tracebacks), every error with its
  causes and traceback, and the same through an ``AsyncStore``;
- the whole conformance suite in a child pytest against a backend holding the credentials (moto,
  which accepts any), through ``Store``, capturing every log record at DEBUG, every
  ``RemoteStoreError`` created, every ``Store``/``Backend`` repr and the run's own output.

Nothing of ours may show any of the three. botocore's own DEBUG log is the one exception, and it
is measured, not excused: it prints the request headers, so the access key id (in
``Authorization``) and the session token (``X-Amz-Security-Token``) appear there; the secret key
never does. See specs/guarantees.md. The in-process scan is ``remote_store_conformance.secrets_scan``'s,
shared with the other backends.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import os
import random
import string
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from remote_store import Registry, RegistryConfig, RemoteStoreError
from remote_store.backends.s3 import S3Backend
from remote_store_conformance.secrets_scan import (
    LogCapture,
    Recorder,
    capture_logs,
    check_the_scan,
    error_texts,
    leaks,
    store_calls,
)

from ._support import MIB
from .conftest import faultproxy

_RNG = random.Random(20240611)
ACCESS_KEY = "AKIA" + "".join(_RNG.choice(string.ascii_uppercase + "234567") for _ in range(16))
SECRET_KEY = "".join(_RNG.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
SESSION_TOKEN = "FwoGZXIvYXdzE" + "".join(
    _RNG.choice(string.ascii_letters + string.digits + "+/") for _ in range(300)
)
SECRETS = {"access key id": ACCESS_KEY, "secret access key": SECRET_KEY, "session token": SESSION_TOKEN}
OURS = ("remote_store", "s3servers")
"""Loggers of this project: no secret at all may appear in their records."""


@pytest.fixture
def capture() -> Iterator[LogCapture]:
    with capture_logs() as handler:
        yield handler


@pytest.mark.spec("GUAR-012")
def test_no_secret_in_any_repr_log_or_error(
    s3_server: Any,
    bucket: str,
    proxy: Any,
    fast_retries: None,
    capture: LogCapture,
    monkeypatch: pytest.MonkeyPatch,
    figures: dict[str, Any],
) -> None:
    monkeypatch.setenv("RS_TEST_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("RS_TEST_SECRET", SECRET_KEY)
    common = {"bucket": bucket, "endpoint_url": proxy.url, "region_name": s3_server.region}
    credentials = {
        "aws_access_key_id": "${RS_TEST_KEY_ID}",
        "aws_secret_access_key": "${RS_TEST_SECRET}",
        "aws_session_token": SESSION_TOKEN,
    }
    config = RegistryConfig.from_dict(
        {
            "backends": {
                "s3": {"type": "s3", "options": {**common, **credentials, "max_attempts": "3"}},
                "mp": {
                    "type": "s3",
                    "options": {
                        **common,
                        **credentials,
                        "max_attempts": 1,
                        "multipart_threshold": 5 * MIB,
                        "multipart_chunksize": 5 * MIB,
                    },
                },
                "bad-number": {"type": "s3", "options": {**common, **credentials, "max_attempts": "lots"}},
                "half": {"type": "s3", "options": {**common, "aws_access_key_id": ACCESS_KEY}},
                "token-only": {"type": "s3", "options": {**common, "aws_session_token": SESSION_TOKEN}},
            },
            "stores": {
                name: {"backend": name, "root_path": "p"}
                for name in ("s3", "mp", "bad-number", "half", "token-only")
            },
        }
    )
    recorder = Recorder()
    recorder.show(config, *config.backends.values())
    registry = Registry(config)
    recorder.show(registry)
    for name in ("bad-number", "half", "token-only"):
        recorder.call(functools.partial(registry.get_store, name))
    recorder.call(
        lambda: S3Backend(bucket="bad/bucket", aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    )
    bad_verify: Any = 3
    recorder.call(
        lambda: S3Backend(
            bucket=bucket, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, verify=bad_verify
        )
    )
    store = registry.get_store("s3")
    backend = store.backend
    recorder.show(store, backend, getattr(backend, "_options", None))
    operations = recorder.call_all(store_calls(store, files=20, folders=3))
    operations += _through_async_store(recorder, registry)
    # Retried faults: botocore logs each retry at DEBUG.
    proxy.add(faultproxy.Rule("status", operation="PutObject", status=503, code="SlowDown", times=2))
    proxy.add(faultproxy.Rule("reset", operation="GetObject", times=1))
    recorder.call(lambda: store.write("retried", b"x", overwrite=True))
    recorder.call(lambda: store.read_bytes("retried"))
    # A multipart upload whose abort fails too: the WARNING names the upload.
    proxy.add(faultproxy.Rule("status", operation="UploadPart", status=500, code="InternalError", times=None))
    proxy.add(
        faultproxy.Rule(
            "status", operation="AbortMultipartUpload", status=500, code="InternalError", times=None
        )
    )
    multipart = registry.get_store("mp")
    recorder.call(lambda: multipart.write("big", io.BytesIO(b"b" * (5 * MIB + 10)), overwrite=True))
    proxy.clear()
    registry.close()
    recorder.call(lambda: store.read_bytes("retried"))
    assert any("Retry needed" in text for _, text in capture.records), "botocore's DEBUG log was not captured"
    if s3_server.name == "moto":
        # moto accepts any credentials: the operations succeed and the multipart path is taken.
        assert recorder.calls - recorder.errors > 100, "the operations must mostly succeed on moto"
        assert any("could not abort" in text for _, text in capture.records), (
            "the abort WARNING was not captured"
        )
    else:
        # A server that checks signatures rejects these credentials: every error is a rejection,
        # whose text must not quote them either (S3-003).
        assert any("PermissionDenied" in text for text in recorder.texts), "no rejected signature was scanned"
    ours = recorder.texts + [text for name, text in capture.records if name.startswith(OURS)]
    theirs = [text for name, text in capture.records if not name.startswith(OURS)]
    botocore_showing = {name: sum(secret in text for text in theirs) for name, secret in SECRETS.items()}
    figures.update(
        operations=operations,
        texts_scanned=len(ours) + len(theirs),
        log_records=len(capture.records),
        errors=recorder.errors,
        third_party_records_showing=botocore_showing,
    )
    found = leaks(ours, SECRETS) + leaks(theirs, {"secret access key": SECRET_KEY})
    assert not found, "\n".join(found[:10])


_CHILD_CONFTEST = '''
"""Run by test_secrets.py: the conformance suite against S3 with secret-looking credentials."""

import json
import logging
import os
import traceback
import uuid
import weakref

import boto3
import pytest
from botocore.config import Config

import remote_store
from remote_store.backends.s3 import S3Backend

OUT = open(os.environ["RS_CAPTURE"], "a", encoding="utf-8")
ERRORS = []
OBJECTS = weakref.WeakSet()


def emit(source, text):
    OUT.write(json.dumps({"source": source, "text": text}) + "\\n")


class Capture(logging.Handler):
    def emit(self, record):
        try:
            emit("log:" + record.name, self.format(record))
        except Exception:
            emit("log-error:" + record.name, repr(record.msg))


handler = Capture(level=logging.DEBUG)
handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.DEBUG)
# botocore's wire-level DEBUG chatter (event hooks, endpoint rules) is huge and slow to format;
# its records that carry requests, retries and responses come from these loggers, kept at DEBUG.
for name in ("botocore.hooks", "botocore.regions", "botocore.loaders", "botocore.client", "botocore.utils"):
    logging.getLogger(name).setLevel(logging.INFO)

_init = remote_store.RemoteStoreError.__init__


def _recording_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    ERRORS.append(self)


remote_store.RemoteStoreError.__init__ = _recording_init


def pytest_sessionfinish(session, exitstatus):
    for error in ERRORS:
        emit("error", str(error))
        emit("error", repr(error))
        emit("error", "".join(traceback.format_exception(type(error), error, error.__traceback__)))
    for item in list(OBJECTS):
        emit("repr", repr(item))
    emit("count", json.dumps({"errors": len(ERRORS)}))
    OUT.flush()


ADMIN = boto3.client(
    "s3",
    endpoint_url=os.environ["RS_ENDPOINT"],
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
    region_name="us-east-1",
    config=Config(s3={"addressing_style": "path"}),
)


@pytest.fixture
def conformance_backend():
    bucket = "rs-secret-" + uuid.uuid4().hex[:12]
    ADMIN.create_bucket(Bucket=bucket)
    backend = S3Backend(
        bucket=bucket,
        endpoint_url=os.environ["RS_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id=os.environ["RS_KEY_ID"],
        aws_secret_access_key=os.environ["RS_SECRET"],
        aws_session_token=os.environ["RS_TOKEN"],
    )
    OBJECTS.add(backend)
    yield backend
    emit("repr", repr(backend))
    backend.close()

'''


def _through_async_store(recorder: Recorder, registry: Registry) -> int:
    """AsyncStore's reprs and the errors raised through it (the suite's child run is through Store)."""

    async def calls() -> int:
        store = registry.get_async_store("s3")
        recorder.show(store)
        await store.write("async/file", b"x", overwrite=True)
        reader = await store.read("async/file")
        recorder.show(reader)
        await reader.close()
        failed = 0
        failing = (
            lambda: store.read_bytes("async/missing"),  # NotFound
            lambda: store.write("async/file", b"again"),  # AlreadyExists
            lambda: store.read_bytes("../escape"),  # InvalidPath
            lambda: reader.read(),  # read of a closed AsyncReader
        )
        for call in failing:
            try:
                await call()
            except (RemoteStoreError, ValueError) as error:
                failed += 1
                recorder.texts += error_texts(error)
        recorder.errors += failed
        await store.close()
        assert failed == len(failing), "an async call meant to fail did not"
        return len(failing) + 3

    return asyncio.run(calls())


@pytest.mark.spec("GUAR-012")
@pytest.mark.servers("moto")
def test_no_secret_in_a_run_of_the_conformance_suite(
    s3_server: Any, tmp_path: Path, figures: dict[str, Any]
) -> None:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "conftest.py").write_text(textwrap.dedent(_CHILD_CONFTEST), encoding="utf-8")
    (folder / "test_conformance.py").write_text(
        "from remote_store_conformance.suite import *  # noqa: F403\n", encoding="utf-8"
    )
    capture_file = tmp_path / "capture.jsonl"
    env = {
        **os.environ,
        "RS_CAPTURE": str(capture_file),
        "RS_ENDPOINT": s3_server.endpoint_url,
        "RS_KEY_ID": ACCESS_KEY,
        "RS_SECRET": SECRET_KEY,
        "RS_TOKEN": SESSION_TOKEN,
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-ra",
            "-p",
            "no:cacheprovider",
            # Capture (the child's conftest) takes every record at DEBUG; pytest's own capture
            # would format each again for a report section, tripling the run's time.
            "-p",
            "no:logging",
            "--rootdir",
            str(folder),
            "-W",
            "error",
            # Through Store only: AsyncStore raises Store's errors, and _through_async_store
            # scans its own texts; the async run would double the 31,000 requests logged here.
            "--conformance-api=sync",
            str(folder),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    records = [json.loads(line) for line in capture_file.read_text(encoding="utf-8").splitlines()]
    ours = [
        r["text"] for r in records if not r["source"].startswith("log:") or r["source"][4:].startswith(OURS)
    ]
    theirs = [
        r["text"] for r in records if r["source"].startswith("log:") and not r["source"][4:].startswith(OURS)
    ]
    # pytest's own output: test ids, the reasons of skips, warnings and any failure's report.
    theirs.append(output)
    errors = sum(1 for r in records if r["source"] == "error") // 3
    assert errors > 100, "the suite's errors were not captured: the scan would prove nothing"
    figures.update(
        tests=output.strip().splitlines()[-1],
        log_records=sum(1 for r in records if r["source"].startswith("log:")),
        errors_scanned=errors,
        third_party_texts_showing={
            name: sum(secret in text for text in theirs) for name, secret in SECRETS.items()
        },
    )
    found = leaks(ours, SECRETS) + leaks(theirs, {"secret access key": SECRET_KEY})
    assert not found, "\n".join(found[:10])


def test_the_scan_sees_a_leak() -> None:
    # The scans are only worth something if a leak would be found: show one being found.
    check_the_scan(SECRETS)
