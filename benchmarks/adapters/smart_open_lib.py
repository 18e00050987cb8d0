"""smart_open over a boto3 client (S3 only: for local paths it is the builtin ``open``).

smart_open reads and writes streams; it has no listing or delete, so those are "n/a".
"""

from __future__ import annotations

import shutil
from typing import Any

from _measure import MIB, drain

from .base import S3Adapter, boto3_client


class SmartOpenS3(S3Adapter):
    def __init__(self, server: dict[str, Any], bucket: str) -> None:
        import smart_open

        self.open = smart_open.open
        self.client = boto3_client(server)
        self.params = {"client": self.client}
        self.bucket = bucket

    def _url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def warmup(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def upload(self, key: str, source: Any, size: int) -> None:
        with self.open(self._url(key), "wb", transport_params=self.params) as target:
            shutil.copyfileobj(source, target, MIB)

    def download(self, key: str, sink: Any) -> int:
        with self.open(self._url(key), "rb", transport_params=self.params) as body:
            return int(drain(body, sink, MIB))

    def put(self, keys: list[str], data: bytes) -> None:
        for key in keys:
            with self.open(self._url(key), "wb", transport_params=self.params) as target:
                target.write(data)

    overwrite = put

    def get(self, keys: list[str]) -> int:
        total = 0
        for key in keys:
            with self.open(self._url(key), "rb", transport_params=self.params) as body:
                total += len(body.read())
        return total

    def close(self) -> None:
        self.client.close()


def s3(lib: str, server: dict[str, Any], bucket: str, put_file: str | None = None) -> S3Adapter:
    return SmartOpenS3(server, bucket)
