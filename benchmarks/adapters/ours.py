"""remote-store (this repository): ``Store`` over ``LocalBackend`` and ``S3Backend``, defaults."""

from __future__ import annotations

import sys
from typing import Any

from .base import LocalAdapter, S3Adapter, StoreLocal, StoreS3


class OursLocal(StoreLocal):
    def __init__(self, root: str) -> None:
        from remote_store import Store
        from remote_store.backends.local import LocalBackend

        self.store = Store(LocalBackend(root=root))


def local(lib: str, root: str) -> LocalAdapter:
    return OursLocal(root)


class OursS3(StoreS3):
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


def s3(lib: str, server: dict[str, Any], bucket: str, put_file: str | None = None) -> S3Adapter:
    return OursS3(server, bucket)
