"""fsspec (local) and s3fs (S3), each with its defaults (s3fs: 50 MiB blocks, no listing cache)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

from _measure import MIB, drain

from .base import LocalAdapter, S3Adapter


class FsspecLocal(LocalAdapter):
    def __init__(self, root: str) -> None:
        import fsspec

        self.fs = fsspec.filesystem("file")
        self.root = root

    def _path(self, name: str) -> str:
        return os.path.join(self.root, name)

    def stream_write(self, name: str, source: Any) -> None:
        path = self._path(name)
        self.fs.makedirs(os.path.dirname(path), exist_ok=True)
        with self.fs.open(path, "wb") as target:
            shutil.copyfileobj(source, target)

    def stream_read(self, name: str, sink: Any) -> int:
        with self.fs.open(self._path(name), "rb") as source:
            shutil.copyfileobj(source, sink)
        return int(sink.count)

    def small_write(self, names: list[str], data: bytes) -> None:
        self.fs.makedirs(os.path.dirname(self._path(names[0])), exist_ok=True)
        for name in names:
            self.fs.pipe_file(self._path(name), data)

    def small_list(self, folder: str) -> int:
        return sum(1 for entry in self.fs.ls(self._path(folder), detail=True) if entry["type"] == "file")

    def small_read(self, names: list[str]) -> int:
        return sum(len(self.fs.cat_file(self._path(name))) for name in names)

    def small_delete(self, names: list[str]) -> None:
        for name in names:
            self.fs.rm_file(self._path(name))


def local(lib: str, root: str) -> LocalAdapter:
    return FsspecLocal(root)


class S3fs(S3Adapter):
    def __init__(self, server: dict[str, Any], bucket: str) -> None:
        import s3fs

        self.fs = s3fs.S3FileSystem(
            key=server["access_key"],
            secret=server["secret_key"],
            endpoint_url=server["endpoint_url"],
            client_kwargs={"region_name": server["region"]},
            config_kwargs={"s3": {"addressing_style": "path"}},
            skip_instance_cache=True,
            use_listings_cache=False,
        )
        self.bucket = bucket

    def _path(self, key: str) -> str:
        return f"{self.bucket}/{key}"

    def warmup(self) -> None:
        self.fs.exists(self._path("warmup-probe"))

    def upload(self, key: str, source: Any, size: int) -> None:
        with self.fs.open(self._path(key), "wb") as target:
            shutil.copyfileobj(source, target, MIB)

    def download(self, key: str, sink: Any) -> int:
        with self.fs.open(self._path(key), "rb") as body:
            return int(drain(body, sink, MIB))

    def put(self, keys: list[str], data: bytes) -> None:
        for key in keys:
            self.fs.pipe_file(self._path(key), data)

    overwrite = put

    def get(self, keys: list[str]) -> int:
        return sum(len(self.fs.cat_file(self._path(key))) for key in keys)

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.fs.rm_file(self._path(key))

    def list(self, prefix: str) -> Iterator[str]:
        # s3fs has no lazy listing: find() returns every key once all pages are in.
        yield from self.fs.find(self._path(prefix.rstrip("/")))


def s3(lib: str, server: dict[str, Any], bucket: str, put_file: str | None = None) -> S3Adapter:
    return S3fs(server, bucket)
