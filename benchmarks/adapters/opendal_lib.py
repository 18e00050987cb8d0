"""Apache OpenDAL's Python binding (Rust): a blocking ``Operator`` for ``fs`` and ``s3``, defaults.

Streamed writes go through ``Operator.open(path, "wb")``, the binding's file-like writer, fed in
1 MiB pieces from the non-seekable source (OpenDAL buffers and uploads parts itself); reads
through ``Operator.open(path, "rb")``, read in 1 MiB. A listing's entries carry their size and
time for ``fs`` (the entry of the folder itself, which ``list`` yields first, is left out).
Requests cannot be counted (no botocore).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from _measure import MIB, drain

from .base import LocalAdapter, S3Adapter


def _copy(source: Any, writer: Any) -> None:
    while True:
        chunk = source.read(MIB)
        if not chunk:
            return
        writer.write(chunk)


class OpendalLocal(LocalAdapter):
    def __init__(self, root: str) -> None:
        import opendal

        self.op = opendal.Operator("fs", root=root)

    def stream_write(self, name: str, source: Any) -> None:
        with self.op.open(name, "wb") as writer:
            _copy(source, writer)

    def stream_read(self, name: str, sink: Any) -> int:
        with self.op.open(name, "rb") as reader:
            return int(drain(reader, sink, MIB))

    def small_write(self, names: list[str], data: bytes) -> None:
        write = self.op.write
        for name in names:
            write(name, data)

    def small_list(self, folder: str) -> int:
        # Size and time, as a FileInfo carries them: the fs service fills them in from its stat.
        count = 0
        for entry in self.op.list(folder.rstrip("/") + "/"):
            if entry.path.endswith("/"):
                continue
            metadata = entry.metadata
            if metadata.content_length is not None and metadata.last_modified is not None:
                count += 1
        return count

    def small_read(self, names: list[str]) -> int:
        read = self.op.read
        return sum(len(read(name)) for name in names)

    def small_delete(self, names: list[str]) -> None:
        delete = self.op.delete
        for name in names:
            delete(name)


def local(lib: str, root: str) -> LocalAdapter:
    return OpendalLocal(root)


class OpendalS3(S3Adapter):
    def __init__(self, server: dict[str, Any], bucket: str) -> None:
        import opendal

        self.op = opendal.Operator(
            "s3",
            bucket=bucket,
            endpoint=server["endpoint_url"],
            region=server["region"],
            access_key_id=server["access_key"],
            secret_access_key=server["secret_key"],
        )

    def warmup(self) -> None:
        for _ in self.op.list("warmup-probe/"):
            break

    def upload(self, key: str, source: Any, size: int) -> None:
        with self.op.open(key, "wb") as writer:
            _copy(source, writer)

    def download(self, key: str, sink: Any) -> int:
        with self.op.open(key, "rb") as reader:
            return int(drain(reader, sink, MIB))

    def put(self, keys: list[str], data: bytes) -> None:
        write = self.op.write
        for key in keys:
            write(key, data)

    overwrite = put

    def get(self, keys: list[str]) -> int:
        read = self.op.read
        return sum(len(read(key)) for key in keys)

    def delete(self, keys: list[str]) -> None:
        delete = self.op.delete
        for key in keys:
            delete(key)

    def list(self, prefix: str) -> Iterator[str]:
        # scan: every key below the prefix, without a delimiter (as the paginator lists).
        for entry in self.op.scan(prefix):
            if not entry.path.endswith("/"):
                yield entry.path


def s3(lib: str, server: dict[str, Any], bucket: str, put_file: str | None = None) -> S3Adapter:
    return OpendalS3(server, bucket)
