"""The baselines: plain ``open()``/``os`` calls for local folders, raw boto3 calls for S3.

Upload baselines (a non-seekable source cannot go to ``put_object`` over http: botocore seeks
the body for its checksum and the SigV4 payload hash):

- ``baseline``: a multipart upload written by hand with boto3's client calls, the same part size
  (8 MiB) and concurrency (4 threads) as remote-store's defaults, at most 4 parts in flight plus
  the one being read; objects up to one part go as one ``put_object`` of the buffered part.
- ``baseline-putobject``: one ``put_object`` whose body is a seekable local file of the same size
  (the figure quoted by the issue; it cannot stream from a pipe).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from _measure import MIB, drain, read_full

from .base import LocalAdapter, S3Adapter, boto3_client

PART_SIZE = 8 * MIB
CONCURRENCY = 4


class PlainLocal(LocalAdapter):
    def __init__(self, root: str) -> None:
        self.root = root

    def _path(self, name: str) -> str:
        return os.path.join(self.root, name)

    def stream_write(self, name: str, source: Any) -> None:
        path = self._path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as target:
            shutil.copyfileobj(source, target)

    def stream_read(self, name: str, sink: Any) -> int:
        with open(self._path(name), "rb") as source:
            shutil.copyfileobj(source, sink)
        return int(sink.count)

    def atomic_write(self, name: str, source: Any) -> None:
        # The baseline: write a temporary file, fsync it, rename it over the target.
        path = self._path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = path + ".tmp"
        with open(temporary, "wb") as target:
            shutil.copyfileobj(source, target)
            target.flush()
            os.fsync(target.fileno())
        os.rename(temporary, path)

    def small_write(self, names: list[str], data: bytes) -> None:
        os.makedirs(os.path.dirname(self._path(names[0])), exist_ok=True)
        for name in names:
            with open(self._path(name), "wb") as target:
                target.write(data)

    def small_list(self, folder: str) -> int:
        # Size and modification time, as a FileInfo carries them.
        count = 0
        with os.scandir(self._path(folder)) as entries:
            for entry in entries:
                if entry.is_file():
                    entry.stat()
                    count += 1
        return count

    def small_read(self, names: list[str]) -> int:
        total = 0
        for name in names:
            with open(self._path(name), "rb") as source:
                total += len(source.read())
        return total

    def small_delete(self, names: list[str]) -> None:
        for name in names:
            os.unlink(self._path(name))


def local(lib: str, root: str) -> LocalAdapter:
    return PlainLocal(root)


class RawBoto3(S3Adapter):
    def __init__(self, server: dict[str, Any], bucket: str, put_file: str | None) -> None:
        self.client = boto3_client(server, max_pool_connections=CONCURRENCY + 2)
        self.bucket = bucket
        self.put_file = put_file

    def warmup(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def upload(self, key: str, source: Any, size: int) -> None:
        if self.put_file is not None:
            with open(self.put_file, "rb") as body:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body)
            return
        first = read_full(source, PART_SIZE)
        if len(first) < PART_SIZE:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=first)
            return
        self._multipart(key, first, source)

    def _multipart(self, key: str, first: bytes, source: Any) -> None:
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        slots = threading.Semaphore(CONCURRENCY)
        futures: list[Future[dict[str, Any]]] = []

        def send(number: int, body: bytes) -> dict[str, Any]:
            try:
                answer = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
                )
                return {"PartNumber": number, "ETag": answer["ETag"]}
            finally:
                slots.release()

        try:
            with ThreadPoolExecutor(CONCURRENCY) as pool:
                number, part = 1, first
                while part:
                    slots.acquire()
                    futures.append(pool.submit(send, number, part))
                    number += 1
                    part = read_full(source, PART_SIZE)
                parts = [future.result() for future in futures]
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

    def download(self, key: str, sink: Any) -> int:
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            return int(drain(body, sink))
        finally:
            body.close()

    def put(self, keys: list[str], data: bytes) -> None:
        for key in keys:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    overwrite = put

    def get(self, keys: list[str]) -> int:
        total = 0
        for key in keys:
            total += len(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        return total

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def list(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", ()):
                yield item["Key"]

    def close(self) -> None:
        self.client.close()


def s3(lib: str, server: dict[str, Any], bucket: str, put_file: str | None = None) -> S3Adapter:
    return RawBoto3(server, bucket, put_file if lib == "baseline-putobject" else None)
