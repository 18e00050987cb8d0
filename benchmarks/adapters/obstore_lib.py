"""obstore (Rust object_store): ``LocalStore`` and ``S3Store`` with their defaults.

A non-seekable source is handed over as an iterator of 1 MiB buffers (obstore needs a length
for a file object); obstore batches them into its 5 MiB parts itself. Requests cannot be counted
(no botocore).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from _measure import MIB

from .base import LocalAdapter, S3Adapter


def _chunks(source: Any) -> Iterator[bytes]:
    while True:
        chunk = source.read(MIB)
        if not chunk:
            return
        yield chunk


class ObstoreLocal(LocalAdapter):
    def __init__(self, root: str) -> None:
        import obstore
        from obstore.store import LocalStore

        self.obs = obstore
        self.store = LocalStore(root, mkdir=True)

    def stream_write(self, name: str, source: Any) -> None:
        self.obs.put(self.store, name, _chunks(source))

    def stream_read(self, name: str, sink: Any) -> int:
        for chunk in self.obs.get(self.store, name).stream(min_chunk_size=MIB):
            sink.write(chunk)
        return int(sink.count)

    def small_write(self, names: list[str], data: bytes) -> None:
        for name in names:
            self.obs.put(self.store, name, data)

    def small_list(self, folder: str) -> int:
        return sum(len(batch) for batch in self.obs.list(self.store, folder))

    def small_read(self, names: list[str]) -> int:
        return sum(len(self.obs.get(self.store, name).bytes()) for name in names)

    def small_delete(self, names: list[str]) -> None:
        for name in names:
            self.obs.delete(self.store, name)


def local(lib: str, root: str) -> LocalAdapter:
    return ObstoreLocal(root)


class ObstoreS3(S3Adapter):
    def __init__(self, server: dict[str, Any], bucket: str) -> None:
        import obstore
        from obstore.store import S3Store

        self.obs = obstore
        self.store = S3Store(
            bucket,
            endpoint=server["endpoint_url"],
            access_key_id=server["access_key"],
            secret_access_key=server["secret_key"],
            region=server["region"],
            virtual_hosted_style_request=False,
            client_options={"allow_http": True},
        )

    def warmup(self) -> None:
        self.obs.list(self.store, "warmup-probe/").collect()

    def upload(self, key: str, source: Any, size: int) -> None:
        self.obs.put(self.store, key, _chunks(source))

    def download(self, key: str, sink: Any) -> int:
        for chunk in self.obs.get(self.store, key).stream(min_chunk_size=MIB):
            sink.write(chunk)
        return int(sink.count)

    def put(self, keys: list[str], data: bytes) -> None:
        for key in keys:
            self.obs.put(self.store, key, data)

    overwrite = put

    def get(self, keys: list[str]) -> int:
        return sum(len(self.obs.get(self.store, key).bytes()) for key in keys)

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.obs.delete(self.store, key)

    def list(self, prefix: str) -> Iterator[str]:
        for batch in self.obs.list(self.store, prefix.rstrip("/")):
            for item in batch:
                yield item["path"]


def s3(lib: str, server: dict[str, Any], bucket: str, put_file: str | None = None) -> S3Adapter:
    return ObstoreS3(server, bucket)
