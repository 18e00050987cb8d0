"""An async web service's upload and download endpoints over a Store, without a web framework.

Run it with ``python examples/async_web.py`` (needs remote-store-core and remote-store-local).
The two handlers are written as in FastAPI or Starlette: ``upload`` streams a request body (an
async iterator of chunks, like Starlette's ``request.stream()``) into the store, ``download``
returns an async iterator of the file's chunks (what ``StreamingResponse`` takes). Here they are
called directly, with a fake request body of 32 MiB, while a ticker task checks that the event
loop never stalled; ``tracemalloc`` checks that memory stayed bounded. Exits with a non-zero
status if anything behaves unexpectedly.

With FastAPI the same handlers read::

    @app.put("/files/{name}")
    async def put_file(name: str, request: Request) -> dict[str, int]:
        return await upload(store, name, request.stream())


    @app.get("/files/{name}")
    async def get_file(name: str) -> StreamingResponse:
        return StreamingResponse(await download(store, name))
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator

from remote_store import AlreadyExists, BackendConfig, NotFound, Registry, RegistryConfig, StoreProfile
from remote_store.aio import AsyncStore

MiB = 1024 * 1024
BODY_SIZE = 32 * MiB
HEAP_LIMIT = 16 * MiB
"""Largest heap growth accepted: a few 1 MiB chunks in flight, never the whole body."""


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        print(f"FAILED: {what}")
        sys.exit(1)


# -- the handlers: what a web application writes --------------------------------------------


async def upload(store: AsyncStore, name: str, body: AsyncIterator[bytes]) -> dict[str, int]:
    """PUT /files/{name}: stream the request body into the store; 409 if the file exists."""
    try:
        await store.write(f"uploads/{name}", body)
    except AlreadyExists:
        return {"status": 409}
    info = await store.get_file_info(f"uploads/{name}")
    return {"status": 201, "size": info.size}


async def download(store: AsyncStore, name: str) -> AsyncIterator[bytes]:
    """GET /files/{name}: the file's chunks, for a streaming response; NotFound becomes a 404."""
    reader = await store.read(f"uploads/{name}")

    async def chunks() -> AsyncIterator[bytes]:
        async with reader:  # closed when the response ends, or the client goes away
            async for chunk in reader:
                yield chunk

    return chunks()


# -- the driver: a fake client instead of a web server ---------------------------------------


async def request_body(size: int, digest: hashlib._Hash) -> AsyncIterator[bytes]:
    """A request body arriving in 64 KiB pieces, as a server hands it over."""
    piece = bytes(range(256)) * 256
    sent = 0
    while sent < size:
        chunk = piece[: min(len(piece), size - sent)]
        digest.update(chunk)
        sent += len(chunk)
        await asyncio.sleep(0)  # the network: other tasks run between pieces
        yield chunk


async def main() -> None:
    """Upload and download through the handlers, checking bytes, memory and the event loop."""
    with tempfile.TemporaryDirectory() as root:
        config = RegistryConfig(
            backends={"files": BackendConfig(type="local", options={"root": root})},
            stores={"web": StoreProfile(backend="files", root_path="web")},
        )
        with Registry(config) as registry:
            async with registry.get_async_store("web") as store:
                longest_stall = 0.0

                async def ticker() -> None:
                    nonlocal longest_stall
                    while True:
                        before = time.perf_counter()
                        await asyncio.sleep(0.001)
                        longest_stall = max(longest_stall, time.perf_counter() - before)

                tick = asyncio.ensure_future(ticker())
                sent = hashlib.sha256()
                tracemalloc.start()
                started = time.perf_counter()
                answer = await upload(store, "video.bin", request_body(BODY_SIZE, sent))
                check(answer == {"status": 201, "size": BODY_SIZE}, f"upload answered {answer}")
                print(f"upload: {answer}, {time.perf_counter() - started:.2f} s")
                again = await upload(store, "video.bin", request_body(10, hashlib.sha256()))
                check(again == {"status": 409}, "a second upload must not replace the file")

                received = hashlib.sha256()
                size = 0
                async for chunk in await download(store, "video.bin"):
                    received.update(chunk)
                    size += len(chunk)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                tick.cancel()
                check(size == BODY_SIZE and received.digest() == sent.digest(), "the download differs")
                print(f"download: {size} bytes, the same SHA-256 as the upload")
                print(f"heap peak while streaming {BODY_SIZE // MiB} MiB both ways: {peak / MiB:.1f} MiB")
                check(peak < HEAP_LIMIT, f"heap peak {peak / MiB:.1f} MiB over {HEAP_LIMIT // MiB} MiB")
                print(f"longest event-loop stall: {longest_stall * 1000:.0f} ms")
                check(longest_stall < 0.5, "the event loop was blocked")
                try:
                    await download(store, "missing.bin")
                except NotFound as error:
                    print(f"GET a missing file: NotFound, path {error.path!r} (a 404)")
                else:
                    check(False, "a missing file must raise NotFound")


if __name__ == "__main__":
    asyncio.run(main())
