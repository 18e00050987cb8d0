"""Streaming writes in bounded memory: one Put Blob, or Put Blocks in parallel and a Put Block List.

Content up to ``max_single_put_size`` goes up in one Put Blob. Larger content is cut into blocks
of ``max_block_size``, staged by at most ``max_concurrency`` threads while the next block is read,
and committed by one Put Block List, the request that makes the blob appear whole (AZURE-005 to
AZURE-008). Until that commit nothing is visible: a failure leaves only uncommitted blocks, which
no listing or read shows and which Azure discards after 7 days (or at the next commit of the name).
"""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait

from remote_store import RemoteStoreError, WriteContent
from remote_store.backend_tools import OperationContext, check_content, iter_chunks

from ._attributes import Attributes
from ._options import MAX_BLOCKS, AzureOptions
from ._requests import BlobRequests

__all__ = ["MAX_READ", "upload"]

MAX_READ = 8 * 1024 * 1024
"""The largest size asked of the content stream in one ``read`` (STREAM-005)."""


def _view(content: bytes | bytearray | memoryview) -> memoryview:
    view = memoryview(content)
    return view.cast("B") if view.c_contiguous else memoryview(view.tobytes())


def _slices(view: memoryview, size: int) -> Iterator[memoryview]:
    for start in range(0, len(view), size):
        yield view[start : start + size]


def _stream_blocks(stream: WriteContent, size: int, ctx: OperationContext) -> Iterator[bytes]:
    """The stream in blocks of exactly ``size`` bytes, the last one shorter; no empty block.

    The stream is read in asks of at most ``MAX_READ`` bytes (STREAM-005), short reads included.
    """
    parts: list[bytes | memoryview] = []
    have = 0
    for piece in iter_chunks(stream, min(size, MAX_READ), context=ctx):
        parts.append(piece)
        have += len(piece)
        while have >= size:
            last = parts.pop()
            keep = len(last) - (have - size)
            parts.append(last[:keep])
            yield parts[0] if len(parts) == 1 and isinstance(parts[0], bytes) else b"".join(parts)
            parts = [last[keep:]] if keep < len(last) else []
            have -= size
    if have:
        yield b"".join(parts)


def _handed_over(blocks: list[bytes]) -> Iterator[bytes]:
    """Yield the blocks, dropping each from the list: the list must not keep them alive."""
    while blocks:
        yield blocks.pop(0)


def _block_id(upload: str, number: int) -> str:
    # Unique per upload (another writer's blocks of the same name must not be taken for ours), and
    # of one length within a blob, as Azure requires.
    return base64.b64encode(f"{upload}-{number:06d}".encode()).decode()


def upload(
    requests: BlobRequests,
    ctx: OperationContext,
    name: str,
    content: WriteContent,
    *,
    create: bool,
    options: AzureOptions,
    attributes: Attributes | None = None,
) -> None:
    """Write ``content`` to blob ``name``; ``create`` makes the committing request conditional.

    ``attributes`` (content type, metadata, ``if_match``) go with the committing request.

    Raises:
        AlreadyExists: ``create`` and the blob exists (nothing changed).
        PreconditionFailed: ``attributes.if_match`` is not the blob's ETag (nothing changed).
        NotFound: ``attributes.if_match`` is given and there is no blob.
        InvalidContent: the content is not bytes-like or a binary stream, or a read returned no bytes.
        RemoteStoreError: the content needs more than 50,000 blocks of ``max_block_size``.
    """
    check_content(content, context=ctx)
    threshold = options.max_single_put_size
    blocks: Iterator[bytes | memoryview]
    if isinstance(content, (bytes, bytearray, memoryview)):
        view = _view(content)
        if len(view) <= threshold:
            requests.put_blob(ctx, name, view, create=create, attributes=attributes)
            return
        blocks = _slices(view, options.max_block_size)
    else:
        # Read whole blocks until the content proves larger than the threshold: those first
        # blocks go up as they are, so nothing read is held twice or copied.
        stream_blocks = _stream_blocks(content, options.max_block_size, ctx)
        head: list[bytes] = []
        total = 0
        while total <= threshold:
            block = next(stream_blocks, None)
            if block is None:
                break
            head.append(block)
            total += len(block)
        block = None  # a name bound to a block would keep it in memory for the whole upload
        if total <= threshold:
            whole = head[0] if len(head) == 1 else b"".join(head)
            requests.put_blob(ctx, name, whole, create=create, attributes=attributes)
            return
        blocks = itertools.chain(_handed_over(head), stream_blocks)
    _put_blocks(requests, ctx, name, blocks, create=create, options=options, attributes=attributes)


def _put_blocks(
    requests: BlobRequests,
    ctx: OperationContext,
    name: str,
    blocks: Iterator[bytes | memoryview],
    *,
    create: bool,
    options: AzureOptions,
    attributes: Attributes | None,
) -> None:
    upload_id = uuid.uuid4().hex[:16]
    ids: list[str] = []
    in_flight: set[Future[None]] = set()
    pool = requests.pool(ctx)
    try:
        for block in blocks:
            if len(ids) == MAX_BLOCKS:
                raise ctx.error(
                    RemoteStoreError,
                    f"content needs more than {MAX_BLOCKS} blocks of max_block_size="
                    f"{options.max_block_size} bytes; raise max_block_size",
                )
            ids.append(_block_id(upload_id, len(ids)))
            in_flight.add(pool.submit(requests.put_block, ctx, name, ids[-1], block))
            del block
            if len(in_flight) >= options.max_concurrency:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()
        done, in_flight = wait(in_flight)
        for future in done:
            future.result()
    except BaseException:
        for future in in_flight:
            future.cancel()
        wait(in_flight)  # no block of a failed upload is still being sent when it raises
        raise
    requests.put_block_list(ctx, name, ids, create=create, attributes=attributes)
