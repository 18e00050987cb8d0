"""Small bodies sent at once, without ``Expect: 100-continue`` (specs/s3.md S3-041)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from _s3_helpers import RequestLog
from botocore.config import Config

from remote_store import AlreadyExists
from remote_store.backends.s3 import S3Backend
from remote_store.backends.s3._small_bodies import SMALL_BODY


@pytest.mark.spec("S3-041")
@pytest.mark.parametrize("size", [0, 1, 1024, SMALL_BODY])
def test_a_small_put_does_not_wait_for_100_continue(backend: S3Backend, size: int) -> None:
    log = RequestLog(backend)
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    backend.write("small/one.bin", body)
    (headers,) = log.headers_of("PutObject")
    assert "expect" not in headers
    assert backend.read_bytes("small/one.bin") == body


@pytest.mark.spec("S3-041")
def test_a_larger_put_still_waits_for_100_continue(make_backend: Callable[..., S3Backend]) -> None:
    backend = make_backend(multipart_threshold=2 * SMALL_BODY)
    log = RequestLog(backend)
    body = b"y" * (SMALL_BODY + 1)
    backend.write("small/large.bin", body)
    (headers,) = log.headers_of("PutObject")
    assert headers["expect"] == "100-continue"
    assert backend.read_bytes("small/large.bin") == body


@pytest.mark.spec("S3-041")
def test_a_refused_small_put_is_still_refused(backend: S3Backend) -> None:
    backend.write("small/taken.bin", b"first")
    log = RequestLog(backend)
    with pytest.raises(AlreadyExists):
        backend.write("small/taken.bin", b"second")
    assert all("expect" not in headers for headers in log.headers_of("PutObject"))
    assert backend.read_bytes("small/taken.bin") == b"first"


@pytest.mark.spec("S3-041")
def test_other_clients_keep_botocores_behaviour(backend: S3Backend, s3_server: Any, bucket: str) -> None:
    backend.write("small/warm.bin", b"w")  # the backend's client is built, its handler installed
    other = boto3.client(
        "s3",
        endpoint_url=s3_server.endpoint_url,
        aws_access_key_id=s3_server.access_key,
        aws_secret_access_key=s3_server.secret_key,
        region_name=s3_server.region,
        config=Config(s3={"addressing_style": "path"}),
    )
    sent: list[dict[str, Any]] = []
    other.meta.events.register(
        "before-send.s3.PutObject", lambda request, **_: sent.append(dict(request.headers))
    )
    other.put_object(Bucket=bucket, Key="small/other.bin", Body=b"z")
    (headers,) = sent
    assert {key.lower(): value for key, value in headers.items()}["expect"] in (
        "100-continue",
        b"100-continue",
    )
    other.close()
