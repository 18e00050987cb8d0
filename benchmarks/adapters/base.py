"""The adapter interface: what every library implements (or refuses with NotImplementedError)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


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
