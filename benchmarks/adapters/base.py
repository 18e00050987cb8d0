"""The adapter interface: what every library implements (or refuses with NotImplementedError)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

from _measure import MIB, drain


class LocalAdapter:
    """Local-folder workloads; names are relative to the adapter's root folder."""

    def stream_write(self, name: str, source: Any) -> None:
        raise NotImplementedError

    def stream_read(self, name: str, sink: Any) -> int:
        raise NotImplementedError

    def atomic_write(self, name: str, source: Any) -> None:
        raise NotImplementedError

    def small_write(self, names: list[str], data: bytes) -> None:
        raise NotImplementedError

    def small_list(self, folder: str) -> int:
        raise NotImplementedError

    def small_read(self, names: list[str]) -> int:
        raise NotImplementedError

    def small_delete(self, names: list[str]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class S3Adapter:
    """S3 workloads on one bucket; keys are full object keys."""

    def warmup(self) -> None:
        """Build the client and make one request, so that timings exclude connection setup."""
        raise NotImplementedError

    def upload(self, key: str, source: Any, size: int) -> None:
        raise NotImplementedError

    def download(self, key: str, sink: Any) -> int:
        raise NotImplementedError

    def put(self, keys: list[str], data: bytes) -> None:
        raise NotImplementedError

    def overwrite(self, keys: list[str], data: bytes) -> None:
        raise NotImplementedError

    def get(self, keys: list[str]) -> int:
        raise NotImplementedError

    def delete(self, keys: list[str]) -> None:
        raise NotImplementedError

    def list(self, prefix: str) -> Iterator[str]:
        raise NotImplementedError

    def close(self) -> None:
        pass


# Both remote-store adapters (this repository's, ``ours``, and 0.33.0's, ``rs033``) make the same
# Store calls for every workload: only building the Store differs. Nothing here imports remote_store:
# each subclass imports its own version's when it is built (rs033's venv has only 0.33.0).


class StoreLocal(LocalAdapter):
    """Local workloads through a remote-store ``Store``; a subclass's ``__init__`` sets ``self.store``."""

    store: Any

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


class StoreS3(S3Adapter):
    """S3 workloads through a remote-store ``Store``; a subclass's ``__init__`` sets ``self.store``."""

    store: Any

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


def boto3_client(server: dict[str, Any], **config: Any) -> Any:
    """A plain boto3 S3 client for ``server`` (path-style addressing, boto3's defaults otherwise)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=server["endpoint_url"],
        aws_access_key_id=server["access_key"],
        aws_secret_access_key=server["secret_key"],
        region_name=server["region"],
        config=Config(s3={"addressing_style": "path"}, **config),
    )
