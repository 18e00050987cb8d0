"""Read one column of a Parquet file on S3 without downloading the file.

``store.read`` returns a stream that seeks on backends declaring ``SEEKABLE_READ`` (S3, local,
memory): pyarrow reads the file's footer, then the bytes of the column asked for, each a ranged
GET pinned to the version first read. Needs remote-store-s3 and pyarrow
(``pip install "remote-store[s3]" pyarrow``) and an S3-compatible server, configured as for
``s3_minio.py``::

    export REMOTE_STORE_S3_ENDPOINT=http://127.0.0.1:9000
    export REMOTE_STORE_S3_ACCESS_KEY=minioadmin REMOTE_STORE_S3_SECRET_KEY=minioadmin
    export REMOTE_STORE_S3_CREATE_BUCKET=1      # create the bucket if it is missing
    python examples/s3_parquet_column.py

``nox -s examples`` runs it against a moto server. Everything it writes lies below a fresh
``examples/<random>/`` prefix, deleted at the end. Exits with status 2 when not configured, 1 if
anything behaves unexpectedly.
"""

from __future__ import annotations

import io
import os
import sys
import uuid
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from remote_store import Capability, Store
from remote_store.backends import S3Backend

MiB = 1024 * 1024
ROWS = 400_000
COLUMNS = 8


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        raise SystemExit(f"unexpected: {what}")


class CountingReader(io.RawIOBase):
    """Passes reads and seeks to ``stream`` and counts the bytes it hands out."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self._stream = stream
        self.delivered = 0

    def readable(self) -> bool:
        """Always: it only reads."""
        return True

    def seekable(self) -> bool:
        """As the stream is."""
        return bool(self._stream.seekable())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """The stream's seek."""
        return int(self._stream.seek(offset, whence))

    def tell(self) -> int:
        """The stream's position."""
        return int(self._stream.tell())

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the stream, counting."""
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.delivered += len(data)
        return len(data)


def backend_from_environment() -> S3Backend:
    """The S3 backend the REMOTE_STORE_S3_* variables describe."""
    endpoint = os.environ["REMOTE_STORE_S3_ENDPOINT"]
    return S3Backend(
        bucket=os.environ.get("REMOTE_STORE_S3_BUCKET", "remote-store-examples"),
        region_name=os.environ.get("REMOTE_STORE_S3_REGION", "us-east-1"),
        endpoint_url=None if endpoint == "aws" else endpoint,
        aws_access_key_id=os.environ.get("REMOTE_STORE_S3_ACCESS_KEY") or None,
        aws_secret_access_key=os.environ.get("REMOTE_STORE_S3_SECRET_KEY") or None,
    )


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
        region_name=os.environ.get("REMOTE_STORE_S3_REGION", "us-east-1"),
        config=Config(s3={"addressing_style": "path"}),
    )
    bucket = os.environ.get("REMOTE_STORE_S3_BUCKET", "remote-store-examples")
    if bucket not in {item["Name"] for item in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=bucket)
        print(f"created bucket {bucket!r}")
    client.close()


def a_table() -> pa.Table:
    """Eight columns of random 64-bit integers: a Parquet file of about 24 MiB that does not compress."""
    columns = [
        pa.Array.from_buffers(pa.int64(), ROWS, [None, pa.py_buffer(os.urandom(ROWS * 8))])
        for _ in range(COLUMNS)
    ]
    return pa.Table.from_arrays(columns, names=[f"c{index}" for index in range(COLUMNS)])


def main() -> int:
    """Write a Parquet file to S3, read one of its columns through store.read, compare."""
    if not os.environ.get("REMOTE_STORE_S3_ENDPOINT"):
        print(__doc__, file=sys.stderr)
        print("REMOTE_STORE_S3_ENDPOINT is not set: nothing to connect to.", file=sys.stderr)
        return 2
    if os.environ.get("REMOTE_STORE_S3_CREATE_BUCKET") == "1":
        create_bucket_if_missing()
    run = uuid.uuid4().hex[:12]
    with Store(backend_from_environment()) as bucket:
        store = bucket.child(f"examples/{run}")
        try:
            check(store.supports(Capability.SEEKABLE_READ), "the S3 backend declares SEEKABLE_READ")
            table = a_table()
            sink = io.BytesIO()
            pq.write_table(table, sink, compression="none")
            store.write("tables/events.parquet", sink.getvalue())
            size = store.get_file_info("tables/events.parquet").size
            print(f"wrote tables/events.parquet: {size / MiB:.1f} MiB, {COLUMNS} columns")

            with store.read("tables/events.parquet") as stream:
                counting = CountingReader(stream)
                column = pq.read_table(counting, columns=["c3"])
            share = counting.delivered / size
            print(f"read column c3: {column.num_rows:,} rows from {counting.delivered:,} bytes ({share:.1%})")
            check(column.column("c3").equals(table.column("c3")), "the column read is the column written")
            check(share < 0.25, "one column of eight took less than a quarter of the file")

            footer = store.read_range("tables/events.parquet", size - 8, size)
            print(f"read_range of the last 8 bytes: {footer!r} (footer length, then the magic PAR1)")
            check(footer.endswith(b"PAR1"), "a Parquet file ends with PAR1")
        finally:
            bucket.delete_folder(f"examples/{run}", recursive=True, missing_ok=True)
        check(not bucket.exists(f"examples/{run}"), "everything written was deleted")
    print("s3_parquet_column: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
