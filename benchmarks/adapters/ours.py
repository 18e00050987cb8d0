"""remote-store (this repository): ``Store`` over ``LocalBackend`` and ``S3Backend``, defaults."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from typing import Any

from _measure import MIB, drain

from .base import LocalAdapter, S3Adapter


class OursLocal(LocalAdapter):
    def __init__(self, root: str) -> None:
        from remote_store import Store
        from remote_store.backends.local import LocalBackend

        self.store = Store(LocalBackend(root=root))

    def stream_write(self, name: str, source: Any) -> None:
        self.store.write(name, source)

    def stream_read(self, name: str, sink: Any) -> int:
        with self.store.read(name) as source:
            shutil.copyfileobj(source, sink)
        return int(sink.count)

    def atomic_write(self, name: str, source: Any) -> None:
        self.store.write_atomic(name, source)

    def small_write(self, names: list[str], data: bytes) -> None:
        write = self.store.write
        for name in names:
            write(name, data)

    def small_list(self, folder: str) -> int:
        return sum(1 for _ in self.store.list_files(folder))

    def small_read(self, names: list[str]) -> int:
        read_bytes = self.store.read_bytes
        return sum(len(read_bytes(name)) for name in names)

    def small_delete(self, names: list[str]) -> None:
        delete = self.store.delete
        for name in names:
            delete(name)

    def close(self) -> None:
        self.store.close()


def local(lib: str, root: str) -> LocalAdapter:
    return OursLocal(root)


class OursS3(S3Adapter):
    def __init__(self, server: dict[str, Any], bucket: str) -> None:
        from remote_store import Store
        from remote_store.backends.s3 import S3Backend

        backend = S3Backend(
            bucket=bucket,
            endpoint_url=server["endpoint_url"],
            aws_access_key_id=server["access_key"],
            aws_secret_access_key=server["secret_key"],
            region_name=server["region"],
        )
        self.store = Store(backend)
        # The S3 backend promises not to import boto3 before its first operation.
        self.boto3_before_first_use = "boto3" in sys.modules or "botocore" in sys.modules

    def warmup(self) -> None:
        self.store.exists("warmup-probe")

    def upload(self, key: str, source: Any, size: int) -> None:
        self.store.write(key, source)

    def download(self, key: str, sink: Any) -> int:
        with self.store.read(key) as body:
            return int(drain(body, sink, MIB))

    def put(self, keys: list[str], data: bytes) -> None:
        write = self.store.write
        for key in keys:
            write(key, data)

    def overwrite(self, keys: list[str], data: bytes) -> None:
        write = self.store.write
        for key in keys:
            write(key, data, overwrite=True)

    def get(self, keys: list[str]) -> int:
        read_bytes = self.store.read_bytes
        return sum(len(read_bytes(key)) for key in keys)

    def delete(self, keys: list[str]) -> None:
        delete = self.store.delete
        for key in keys:
            delete(key, missing_ok=True)

    def list(self, prefix: str) -> Iterator[str]:
        for info in self.store.list_files(prefix.rstrip("/"), recursive=True):
            yield str(info.path)

    def close(self) -> None:
        self.store.close()


def s3(lib: str, server: dict[str, Any], bucket: str, put_file: str | None = None) -> S3Adapter:
    return OursS3(server, bucket)
