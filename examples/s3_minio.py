"""The same code against an S3-compatible server (MinIO, Ceph radosgw, moto, or AWS S3 itself).

Run it against a server you have, for example MinIO started with
``docker run -p 9000:9000 minio/minio server /data`` (user and password ``minioadmin``)::

    export REMOTE_STORE_S3_ENDPOINT=http://127.0.0.1:9000
    export REMOTE_STORE_S3_ACCESS_KEY=minioadmin REMOTE_STORE_S3_SECRET_KEY=minioadmin
    export REMOTE_STORE_S3_CREATE_BUCKET=1      # create the bucket if it is missing
    python examples/s3_minio.py

or let ``nox -s examples`` start a moto server for it. Needs remote-store-s3 and remote-store-local
(``pip install "remote-store[s3]"``).

Environment: ``REMOTE_STORE_S3_ENDPOINT`` (required: the server's URL, or ``aws`` for AWS S3
itself), ``REMOTE_STORE_S3_ACCESS_KEY`` and ``REMOTE_STORE_S3_SECRET_KEY`` (optional: boto3's
credential chain otherwise), ``REMOTE_STORE_S3_BUCKET`` (default ``remote-store-examples``),
``REMOTE_STORE_S3_REGION`` (default ``us-east-1``), ``REMOTE_STORE_S3_CREATE_BUCKET`` (``1`` to
create the bucket when missing; the backend itself never creates buckets).

It runs one function on a local folder and on the bucket and checks that both give the same
results, then shows what differs on S3 by design (folders are key prefixes, no atomic move, ETags,
multipart uploads). Everything it writes lies below a fresh ``examples/<random>/`` prefix, deleted at
the end. Exits with status 2 when not configured, 1 if anything behaves unexpectedly.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import uuid
from typing import Any

from remote_store import AlreadyExists, Capability, NotFound, Registry, RegistryConfig, Store

MiB = 1024 * 1024


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        raise SystemExit(f"unexpected: {what}")


def same_code(store: Store) -> list[str]:
    """Portable file handling; returns a transcript of what it observed."""
    seen: list[str] = []
    store.write("inbox/a.txt", b"alpha")
    store.write("inbox/b.txt", io.BytesIO(b"beta"))
    try:
        store.write("inbox/a.txt", b"again")
    except AlreadyExists:
        seen.append("AlreadyExists without overwrite")
    store.write_atomic("inbox/a.txt", b"ALPHA", overwrite=True)
    seen.append(f"read_bytes: {store.read_bytes('inbox/a.txt')!r}")
    with store.read("inbox/b.txt") as stream:
        seen.append(f"read(2): {stream.read(2)!r}")
    seen.append(f"list_files: {sorted(str(info.path) for info in store.list_files('inbox'))}")
    seen.append(f"list_folders: {sorted(store.list_folders(''))}")
    seen.append(f"size: {store.get_file_info('inbox/b.txt').size}")
    store.copy("inbox/a.txt", "archive/a.txt")
    store.move("inbox/b.txt", "archive/b.txt")
    seen.append(f"after copy+move: {sorted(str(info.path) for info in store.list_files('', recursive=True))}")
    try:
        store.read_bytes("inbox/b.txt")
    except NotFound as error:
        seen.append(f"NotFound: {error.path}")
    folder = store.get_folder_info("archive")
    seen.append(f"folder info: {folder.file_count} files, {folder.total_size} bytes")
    store.delete_folder("archive", recursive=True)
    store.delete("inbox/a.txt")
    seen.append(f"exists('archive'): {store.exists('archive')}")
    return seen


def s3_options() -> dict[str, Any]:
    """The S3 backend's options, as configuration with ${ENV_VAR} references."""
    options: dict[str, Any] = {
        "bucket": "${REMOTE_STORE_S3_BUCKET}",
        "region_name": "${REMOTE_STORE_S3_REGION}",
        # Small enough that the 12 MiB write below is a multipart upload (5 MiB is S3's minimum).
        "multipart_threshold": 5 * MiB,
        "multipart_chunksize": 5 * MiB,
    }
    if os.environ["REMOTE_STORE_S3_ENDPOINT"] != "aws":
        options["endpoint_url"] = "${REMOTE_STORE_S3_ENDPOINT}"
    if os.environ.get("REMOTE_STORE_S3_ACCESS_KEY"):
        options["aws_access_key_id"] = "${REMOTE_STORE_S3_ACCESS_KEY}"
        options["aws_secret_access_key"] = "${REMOTE_STORE_S3_SECRET_KEY}"
    return options


def create_bucket_if_missing() -> None:
    """One-time setup with plain boto3: the backend never creates buckets."""
    import boto3
    from botocore.config import Config

    endpoint = os.environ["REMOTE_STORE_S3_ENDPOINT"]
    client = boto3.client(
        "s3",
        endpoint_url=None if endpoint == "aws" else endpoint,
        aws_access_key_id=os.environ.get("REMOTE_STORE_S3_ACCESS_KEY") or None,
        aws_secret_access_key=os.environ.get("REMOTE_STORE_S3_SECRET_KEY") or None,
        region_name=os.environ["REMOTE_STORE_S3_REGION"],
        config=Config(s3={"addressing_style": "path"}),
    )
    bucket = os.environ["REMOTE_STORE_S3_BUCKET"]
    if bucket not in {item["Name"] for item in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=bucket)
        print(f"created bucket {bucket!r}")
    client.close()


def s3_differences(store: Store) -> None:
    """What differs on S3, by design, and how the API shows it."""
    print(f"capabilities: {store.capabilities}")
    check(not store.supports(Capability.ATOMIC_MOVE), "S3 has no atomic move")
    check(store.supports(Capability.ATOMIC_WRITE), "S3 replaces an object in one step")

    # Folders are key prefixes: one vanishes with its last file.
    store.write("folder/only.txt", b"x")
    check(store.is_folder("folder"), "a prefix with a key below it is a folder")
    store.delete("folder/only.txt")
    print(f"is_folder('folder') after deleting its last file: {store.is_folder('folder')}")
    check(not store.is_folder("folder"), "an empty prefix is no folder")

    # A multipart upload from a non-seekable stream: 12 MiB in 5 MiB parts.
    store.write("big.bin", io.BufferedReader(io.BytesIO(b"z" * (12 * MiB))))  # type: ignore[arg-type]
    info = store.get_file_info("big.bin")
    print(f"multipart object: size={info.size} etag={info.etag}")
    check(info.size == 12 * MiB, "the whole stream was uploaded")
    check(info.etag is not None and info.etag.endswith("-3"), "three parts, as the ETag tells")


def main() -> int:
    """Run the same code on a local folder and on S3, compare, then show the differences."""
    if not os.environ.get("REMOTE_STORE_S3_ENDPOINT"):
        print(__doc__, file=sys.stderr)
        print("REMOTE_STORE_S3_ENDPOINT is not set: nothing to connect to.", file=sys.stderr)
        return 2
    os.environ.setdefault("REMOTE_STORE_S3_BUCKET", "remote-store-examples")
    os.environ.setdefault("REMOTE_STORE_S3_REGION", "us-east-1")
    if os.environ.get("REMOTE_STORE_S3_CREATE_BUCKET") == "1":
        create_bucket_if_missing()

    run = uuid.uuid4().hex[:12]
    with tempfile.TemporaryDirectory() as tmp:
        config = RegistryConfig.from_dict(
            {
                "backends": {
                    "disk": {"type": "local", "options": {"root": tmp}},
                    "bucket": {"type": "s3", "options": s3_options()},
                },
                "stores": {
                    "local": {"backend": "disk"},
                    "s3": {"backend": "bucket", "root_path": f"examples/{run}/same-code"},
                    "s3-differences": {"backend": "bucket", "root_path": f"examples/{run}/differences"},
                    "examples": {"backend": "bucket", "root_path": "examples"},
                },
            }
        )
        with Registry(config) as registry:
            print(f"S3 backend: {registry.get_backend('bucket')!r}; writing below examples/{run}/")
            examples = registry.get_store("examples")
            try:
                local = same_code(registry.get_store("local"))
                remote = same_code(registry.get_store("s3"))
                for line in remote:
                    print(f"  {line}")
                print(f"the same code gave the same results on a local folder and on S3: {local == remote}")
                check(local == remote, f"same results (local {local}, S3 {remote})")
                s3_differences(registry.get_store("s3-differences"))
            finally:
                examples.delete_folder(run, recursive=True, missing_ok=True)
            check(not examples.exists(run), "everything written was deleted")
    print("s3_minio: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
