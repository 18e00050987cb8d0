"""AsyncStore over S3: a cancelled multipart write leaves no unfinished upload (AIO-010)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from _s3_helpers import MIB

from remote_store.aio import AsyncStore
from remote_store.backends.s3 import S3Backend
from remote_store_conformance.aio_cancel import cancel_at_every_await_point

PART = 5 * MIB
# 7 MiB in 1 MiB chunks: the first 5 MiB part is uploaded mid-source, so most cancellations find
# a multipart upload in progress that the backend must abort.
CHUNKS = [bytes([index]) * MIB for index in range(7)]


def _uploads(admin: Any, bucket: str) -> list[str]:
    return [upload["Key"] for upload in admin.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


@pytest.mark.spec("AIO-010")
@pytest.mark.parametrize("method", ["write", "write_atomic"])
def test_a_cancelled_multipart_write_leaves_no_upload(
    make_backend: Callable[..., S3Backend], admin: Any, bucket: str, method: str
) -> None:
    backend = make_backend(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=2)
    in_progress: list[int] = []

    async def scenario() -> int:
        async with AsyncStore(backend, "async", owns_backend=False) as store:

            async def check(may_exist: bool) -> None:
                assert _uploads(admin, bucket) == [], "a cancelled write left an unfinished upload"
                if may_exist and await store.exists("big.bin"):
                    assert await store.read_bytes("big.bin") == b"".join(CHUNKS)
                    await store.delete("big.bin")
                assert not await store.exists("big.bin"), "a cancelled write left its object"

            async def parked(step: int) -> None:
                # Let the worker catch up with what the source gave, then see whether an upload
                # is open: those steps prove the abort, not just an early end.
                await asyncio.sleep(0.3)
                if _uploads(admin, bucket):
                    in_progress.append(step)

            return await cancel_at_every_await_point(
                store, "big.bin", CHUNKS, check, atomic=method == "write_atomic", turns=10, parked=parked
            )

    cancellations = asyncio.run(scenario())
    assert cancellations > len(CHUNKS)
    assert in_progress, "no cancellation found a multipart upload in progress"
