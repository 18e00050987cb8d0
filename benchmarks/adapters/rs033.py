"""remote-store 0.33.0 from PyPI (the predecessor): its ``Store`` over ``LocalBackend``/``S3Backend``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

from _measure import MIB, drain

from .base import LocalAdapter, S3Adapter


class OldLocal(LocalAdapter):
    def __init__(self, root: str) -> None:
        from remote_store import Store
        from remote_store.backends import LocalBackend  # type: ignore[attr-defined,unused-ignore]

        self.store = Store(LocalBackend(root))

    def stream_write(self, name: str, source: Any) -> None:
        self.store.write(name, source)

    def stream_read(self, name: str, sink: Any) -> int:
        with self.store.read(name) as source:
            shutil.copyfileobj(source, sink)
        return int(sink.count)

    def atomic_write(self, name: str, source: Any) -> None:
        self.store.write_atomic(name, source)

    def small_write(self, names: list[str], data: bytes) -> None:
        for name in names:
            self.store.write(name, data)

    def small_list(self, folder: str) -> int:
        return sum(1 for _ in self.store.list_files(folder))

    def small_read(self, names: list[str]) -> int:
        return sum(len(self.store.read_bytes(name)) for name in names)

    def small_delete(self, names: list[str]) -> None:
        for name in names:
            self.store.delete(name)

    def close(self) -> None:
        self.store.close()


def local(lib: str, root: str) -> LocalAdapter:
    return OldLocal(root)


class OldS3(S3Adapter):
    def __init__(self, server: dict[str, Any], bucket: str) -> None:
        from remote_store import Store
        from remote_store.backends import S3Backend  # type: ignore[attr-defined,unused-ignore]

        backend = S3Backend(
            bucket,
            endpoint_url=server["endpoint_url"],
            key=server["access_key"],
            secret=server["secret_key"],
            region_name=server["region"],
            client_options={"config_kwargs": {"s3": {"addressing_style": "path"}}},
        )
        self.store = Store(backend)

    def warmup(self) -> None:
        self.store.exists("warmup-probe")

    def upload(self, key: str, source: Any, size: int) -> None:
        self.store.write(key, source)

    def download(self, key: str, sink: Any) -> int:
        with self.store.read(key) as body:
            return int(drain(body, sink, MIB))

    def put(self, keys: list[str], data: bytes) -> None:
        for key in keys:
            self.store.write(key, data)

    def overwrite(self, keys: list[str], data: bytes) -> None:
        for key in keys:
            self.store.write(key, data, overwrite=True)

    def get(self, keys: list[str]) -> int:
        return sum(len(self.store.read_bytes(key)) for key in keys)

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.store.delete(key, missing_ok=True)

    def list(self, prefix: str) -> Iterator[str]:
        for info in self.store.list_files(prefix.rstrip("/"), recursive=True):
            yield str(info.path)

    def close(self) -> None:
        self.store.close()


def s3(lib: str, server: dict[str, Any], bucket: str, put_file: str | None = None) -> S3Adapter:
    return OldS3(server, bucket)
