"""remote-store 0.33.0 from PyPI (the predecessor): its ``Store`` over ``LocalBackend``/``S3Backend``."""

from __future__ import annotations

from typing import Any

from .base import LocalAdapter, S3Adapter, StoreLocal, StoreS3


class OldLocal(StoreLocal):
    def __init__(self, root: str) -> None:
        from remote_store import Store
        from remote_store.backends import LocalBackend  # type: ignore[attr-defined,unused-ignore]

        self.store = Store(LocalBackend(root))


def local(lib: str, root: str) -> LocalAdapter:
    return OldLocal(root)


class OldS3(StoreS3):
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


def s3(lib: str, server: dict[str, Any], bucket: str, put_file: str | None = None) -> S3Adapter:
    return OldS3(server, bucket)
