"""Shareable URLs: a time-limited link a browser downloads from, and one a client uploads to.

``Store.url(path, expires_in=..., method="GET" | "PUT")`` signs a URL locally (no request) that a
plain HTTP client uses without credentials until it expires (specs/urls.md). This script mints a
download link and an upload link on an S3-compatible server and uses them with ``urllib.request``
only, then shows that a local folder refuses the call before any I/O.

Run it against a server you have (MinIO, Ceph radosgw, AWS S3, or a moto server as
``nox -s examples`` starts one)::

    export REMOTE_STORE_S3_ENDPOINT=http://127.0.0.1:9000
    export REMOTE_STORE_S3_ACCESS_KEY=minioadmin REMOTE_STORE_S3_SECRET_KEY=minioadmin
    export REMOTE_STORE_S3_CREATE_BUCKET=1      # create the bucket if it is missing
    python examples/s3_share_url.py

Environment: as ``s3_minio.py``: ``REMOTE_STORE_S3_ENDPOINT`` (required; ``aws`` for AWS S3),
``REMOTE_STORE_S3_ACCESS_KEY``/``REMOTE_STORE_S3_SECRET_KEY``, ``REMOTE_STORE_S3_BUCKET``
(default ``remote-store-examples``), ``REMOTE_STORE_S3_REGION`` (default ``us-east-1``),
``REMOTE_STORE_S3_CREATE_BUCKET``. Everything it writes lies below a fresh ``examples/<random>/``
prefix, deleted at the end. Exits with status 2 when not configured, 1 if anything behaves
unexpectedly. Needs ``pip install "remote-store[s3]"``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import urllib.request
import uuid
from datetime import timedelta
from typing import Any

from remote_store import Capability, CapabilityNotSupported, Store
from remote_store.backends.local import LocalBackend
from remote_store.backends.s3 import S3Backend

# Straight to the server, as a browser on the same network would: no proxy from the environment.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        raise SystemExit(f"unexpected: {what}")


def s3_backend() -> S3Backend:
    """The S3 backend from the environment (credentials from boto3's chain when no keys are set)."""
    endpoint = os.environ["REMOTE_STORE_S3_ENDPOINT"]
    options: dict[str, Any] = {
        "bucket": os.environ.get("REMOTE_STORE_S3_BUCKET", "remote-store-examples"),
        "region_name": os.environ.get("REMOTE_STORE_S3_REGION", "us-east-1"),
        "endpoint_url": None if endpoint == "aws" else endpoint,
    }
    if os.environ.get("REMOTE_STORE_S3_ACCESS_KEY"):
        options["aws_access_key_id"] = os.environ["REMOTE_STORE_S3_ACCESS_KEY"]
        options["aws_secret_access_key"] = os.environ["REMOTE_STORE_S3_SECRET_KEY"]
    return S3Backend(**options)


def create_bucket_if_missing(backend: S3Backend) -> None:
    """One-time setup with plain boto3: the backend never creates buckets."""
    import boto3

    endpoint = os.environ["REMOTE_STORE_S3_ENDPOINT"]
    client = boto3.client(
        "s3",
        endpoint_url=None if endpoint == "aws" else endpoint,
        aws_access_key_id=os.environ.get("REMOTE_STORE_S3_ACCESS_KEY") or None,
        aws_secret_access_key=os.environ.get("REMOTE_STORE_S3_SECRET_KEY") or None,
        region_name=os.environ.get("REMOTE_STORE_S3_REGION", "us-east-1"),
    )
    if backend.bucket not in {item["Name"] for item in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=backend.bucket)
        print(f"created bucket {backend.bucket!r}")
    client.close()


def share(store: Store) -> None:
    """A download link for a report, an upload link for a client's file, both used with urllib."""
    check(store.supports(Capability.PRESIGNED_URL), "S3 signs URLs")
    store.write("reports/2024.csv", b"month,total\n1,100\n2,250\n")

    download = store.url("reports/2024.csv", expires_in=timedelta(minutes=15))
    print(f"download link (15 minutes): {download.split('?')[0]}?X-Amz-...")
    with HTTP.open(download, timeout=30) as answer:
        body = answer.read()
    print(f"  GET with urllib, no credentials: {answer.status}, {len(body)} bytes")
    check(body == store.read_bytes("reports/2024.csv"), "the link downloads the file")

    upload = store.url("uploads/photo.jpg", expires_in=timedelta(minutes=5), method="PUT")
    photo = os.urandom(300_000)
    request = urllib.request.Request(upload, data=photo, method="PUT")
    request.add_header("Content-Type", "application/octet-stream")
    with HTTP.open(request, timeout=30) as answer:
        print(f"  PUT {len(photo)} bytes to the upload link: {answer.status}")
    check(store.read_bytes("uploads/photo.jpg") == photo, "the link uploaded the file")

    try:
        store.url("reports/2024.csv", expires_in=timedelta(days=8))
    except ValueError as error:
        print(f"  too long a link: ValueError: {error}")
    else:
        check(False, "S3 refuses links longer than 7 days")


def refused_on_a_local_folder() -> None:
    """A local folder has no HTTP endpoint: the call is refused before any I/O."""
    with tempfile.TemporaryDirectory() as tmp, Store(LocalBackend(tmp)) as local:
        try:
            local.url("a.txt", expires_in=timedelta(minutes=5))
        except CapabilityNotSupported as error:
            print(f"local folder: CapabilityNotSupported ({error.capability}, {error.operation})")
        else:
            check(False, "a local folder cannot sign URLs")


def main() -> int:
    """Share a file and receive one through time-limited URLs on S3; the refusal on a local folder."""
    if not os.environ.get("REMOTE_STORE_S3_ENDPOINT"):
        print(__doc__, file=sys.stderr)
        print("REMOTE_STORE_S3_ENDPOINT is not set: nothing to connect to.", file=sys.stderr)
        return 2
    backend = s3_backend()
    if os.environ.get("REMOTE_STORE_S3_CREATE_BUCKET") == "1":
        create_bucket_if_missing(backend)
    run = uuid.uuid4().hex[:12]
    with Store(backend) as bucket:
        try:
            share(bucket.child(f"examples/{run}"))
        finally:
            bucket.delete_folder(f"examples/{run}", recursive=True, missing_ok=True)
        check(not bucket.exists(f"examples/{run}"), "everything written was deleted")
    refused_on_a_local_folder()
    print("s3_share_url: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
