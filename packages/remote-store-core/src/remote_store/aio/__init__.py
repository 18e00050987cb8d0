"""remote_store.aio: the ``Store`` API for asyncio programs (``AsyncStore``), over every backend.

Importing it imports ``asyncio`` and ``concurrent.futures``; ``import remote_store`` does not
(CONFIG-018). See docs/concepts/async.md and specs/aio.md.
"""

from ._listing import MAX_LISTING_BATCH, AsyncListing
from ._read_ahead import DEFAULT_READ_AHEAD
from ._reader import AsyncReader
from ._runner import DEFAULT_MAX_WORKERS
from ._source import DEFAULT_QUEUE_CHUNKS, AsyncReadable, AsyncWriteContent
from ._store import AsyncStore

__all__ = [
    "DEFAULT_MAX_WORKERS",
    "DEFAULT_QUEUE_CHUNKS",
    "DEFAULT_READ_AHEAD",
    "MAX_LISTING_BATCH",
    "AsyncListing",
    "AsyncReadable",
    "AsyncReader",
    "AsyncStore",
    "AsyncWriteContent",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = __name__
del _name, _obj
