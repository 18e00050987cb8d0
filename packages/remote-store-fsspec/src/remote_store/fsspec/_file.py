"""``StoreFile``: the file object ``RemoteStoreFileSystem.open`` returns."""

from __future__ import annotations

import io
import tempfile
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from fsspec.spec import AbstractBufferedFile
from remote_store import Capability, Store

from ._ranges import RangeReader

if TYPE_CHECKING:
    from ._filesystem import RemoteStoreFileSystem

__all__ = ["StoreFile"]

SPOOL_MEMORY = 8 * 1024 * 1024
"""Bytes a file being written keeps in memory before its spool moves to a temporary file."""


class StoreFile(AbstractBufferedFile):  # type: ignore[misc]  # fsspec is untyped
    """A file of a store, opened ``rb``, ``wb``, ``xb`` or ``ab``.

    Reading fetches blocks through a ``RangeReader`` (ranged requests where the backend declares
    ``SEEKABLE_READ``, one forward stream otherwise) behind fsspec's read cache; the file is
    seekable either way.

    Writing spools what is written (in memory up to ``SPOOL_MEMORY`` bytes, then in an anonymous
    temporary file) and publishes it with one streamed ``Store.write`` (``write_atomic`` where the
    backend declares ``ATOMIC_WRITE``) on ``close``. Leaving a ``with`` block by an exception,
    ``discard()``, or dropping the file unclosed publishes nothing.
    """

    def __init__(
        self,
        fs: RemoteStoreFileSystem,
        path: str,
        store: Store,
        relative: str,
        mode: str = "rb",
        **kwargs: Any,
    ) -> None:
        self._store = store
        self._relative = relative
        self._reader: RangeReader | None = None
        self._spool: IO[bytes] | None = None
        super().__init__(fs, path, mode=mode, **kwargs)
        if mode == "rb":
            self._reader = RangeReader(store, relative)

    # -- reading ----------------------------------------------------------------------------

    def _fetch_range(self, start: int, end: int) -> bytes:
        assert self._reader is not None
        return self._reader.read(start, end)

    # -- writing ----------------------------------------------------------------------------

    def _initiate_upload(self) -> None:
        # Closed by commit() or discard(): it outlives this call by design.
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115
        if self.mode == "ab" and self.fs.exists(self.path):
            with self._store.read(self._relative) as existing:
                while chunk := existing.read(1 << 20):
                    self._spool.write(chunk)

    def _upload_chunk(self, final: bool = False) -> bool:
        assert self._spool is not None
        self._spool.write(self.buffer.getbuffer())
        if final and self.autocommit:
            self.commit()
        return True

    def commit(self) -> None:
        """Publish what was written: one streamed ``Store.write`` of the spool.

        Raises:
            FileExistsError: (our ``AlreadyExists``) mode ``xb`` and the file exists.
        """
        spool, self._spool = self._spool, None
        if spool is None:
            return
        try:
            spool.seek(0)
            overwrite = self.mode != "xb"
            if self._store.supports(Capability.ATOMIC_WRITE):
                self._store.write_atomic(self._relative, spool, overwrite=overwrite)
            else:
                self._store.write(self._relative, spool, overwrite=overwrite)
        finally:
            spool.close()

    def discard(self) -> None:
        """Drop what was written; nothing is published. The file is closed."""
        spool, self._spool = self._spool, None
        if spool is not None:
            spool.close()
        self.buffer = io.BytesIO()
        self.forced = True
        self.closed = True

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file; in a write mode, publish what was written (see ``commit``)."""
        if self.closed:
            return
        try:
            super().close()
        except BaseException:
            self.discard()
            raise
        finally:
            if self._reader is not None:
                self._reader.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None and self.mode != "rb":
            self.discard()
        else:
            self.close()

    def __del__(self) -> None:
        # An unclosed file being written was abandoned half way: publishing it would expose
        # half a file. fsspec's own files flush here; ours discard.
        if getattr(self, "closed", True):
            return
        if self.mode == "rb":
            self.close()
        else:
            self.discard()
