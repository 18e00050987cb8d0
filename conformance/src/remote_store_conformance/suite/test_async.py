"""Cancelling AsyncStore writes: at every await point, no file and no litter is left (AIO-010)."""

from __future__ import annotations

import asyncio

import pytest

from remote_store import Backend, Capability
from remote_store.aio import AsyncStore

from .._litter import LitterMaker
from .._markers import requires
from ..aio_cancel import cancel_at_every_await_point

__all__ = ["TestAsyncCancel"]

CHUNKS = [bytes([index]) * 48 * 1024 for index in range(5)]


@requires(Capability.WRITE, Capability.READ)
class TestAsyncCancel:
    @pytest.mark.spec("AIO-010")
    @pytest.mark.parametrize(
        "method", ["write", pytest.param("write_atomic", marks=requires(Capability.ATOMIC_WRITE))]
    )
    def test_a_cancelled_write_leaves_no_file(
        self, conformance_backend: Backend, conformance_litter: LitterMaker | None, method: str
    ) -> None:
        async def scenario() -> int:
            async with AsyncStore(conformance_backend, owns_backend=False) as store:

                async def check(may_exist: bool) -> None:
                    if may_exist and await store.exists("c/file.bin"):
                        assert await store.read_bytes("c/file.bin") == b"".join(CHUNKS), "a partial file"
                        await store.delete("c/file.bin")
                    assert not await store.exists("c/file.bin"), "a cancelled write left its file"
                    if conformance_litter is not None:
                        assert conformance_litter.count() == 0, "a cancelled write left litter"

                return await cancel_at_every_await_point(
                    store, "c/file.bin", CHUNKS, check, atomic=method == "write_atomic"
                )

        assert asyncio.run(scenario()) > len(CHUNKS)
