"""``AzureBackend``: the ``azure`` backend type (specs/azure.md), the operations over ``BlobRequests``."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import BinaryIO, ClassVar, cast

from remote_store import (
    Backend,
    Behaviour,
    Capability,
    CapabilitySet,
    ConfigError,
    DirectoryNotEmpty,
    FileInfo,
    InvalidPath,
    NotFound,
    RemotePath,
    RemoteStoreError,
    WriteContent,
)
from remote_store.backend_tools import Operation, OperationContext, check_content, check_write_options

from ._attributes import attributes
from ._hns import DfsPaths
from ._options import AzureOptions, build_options, option_signature, secret_options
from ._reader import BlobReader
from ._requests import Blob, BlobRequests, is_directory
from ._sas import blob_sas_url, shared_key
from ._upload import upload

__all__ = ["AzureBackend"]

logger = logging.getLogger("remote_store.azure")

_CAPABILITIES = CapabilitySet(
    {
        Capability.READ,
        Capability.SEEKABLE_READ,
        Capability.WRITE,
        Capability.ATOMIC_WRITE,
        Capability.DELETE,
        Capability.LIST,
        Capability.MOVE,
        Capability.COPY,
        Capability.METADATA,
        Capability.CONTENT_TYPE,
        Capability.USER_METADATA,
        Capability.CONDITIONAL_WRITE,  # If-Match on Put Blob and Put Block List: atomic (AZURE-030)
    }
)

_BEHAVIOUR = Behaviour(
    real_empty_folders=False,  # folders are name prefixes: one vanishes with its last blob
    file_folder_conflicts_rejected=False,  # blob "a" and blob "a/b" may exist side by side
    missing_ok_delete_detects_folders=False,  # delete(missing_ok=True) is one Delete Blob
    retries_storage_faults=True,  # the SDK retries 5xx, 429 and connection failures
)

_HNS_BEHAVIOUR = Behaviour(
    real_empty_folders=True,  # directories are real: one stays after its last file (AZURE-031)
    file_folder_conflicts_rejected=False,  # not claimed: the service's refusals are not verified here
    missing_ok_delete_detects_folders=True,  # delete asks Get Blob Properties first: a directory is no file
    retries_storage_faults=True,
)


class AzureBackend(Backend):
    """Files as the block blobs of one Azure Blob Storage container (or Azurite's).

    Paths map to blob names one to one (``a/b.txt`` is blob ``a/b.txt``); folders are name
    prefixes, and zero-byte ``name/`` marker blobs made by other tools count as folders. A
    ``Store``'s ``root_path`` selects a prefix. Behaviour and guarantees: specs/azure.md.

    Build it with keyword options (as a ``Registry`` does from configuration) or with one
    ``AzureOptions``. Construction validates the options and does nothing else: no request, and
    the Azure SDK is not imported until the first operation.

    Options (names follow the Azure SDK; numbers may be given as strings):
        container: the container (required). It must exist; it is never created.
        connection_string: a storage connection string, alone (secret).
        account_url: the blob endpoint, ``https://<account>.blob.core.windows.net`` or an
            emulator's ``http://127.0.0.1:10000/devstoreaccount1``.
        account_name: the storage account; the endpoint when ``account_url`` is not given.
        account_key: a shared key (secret).
        sas_token: a shared access signature (secret).
        credential: ``"default"`` for ``DefaultAzureCredential`` (needs azure-identity), or a
            token credential object. Without key, SAS or credential: anonymous access.
        connection_timeout: seconds to wait for a connection (default 20).
        read_timeout: seconds to wait for data on a connection (default 60).
        retry_total: retries per request of 5xx, 429 and connection failures (default 5).
        max_single_put_size: content up to this size goes up in one Put Blob (default 8 MiB).
        max_block_size: the block size above it (default 8 MiB; at most 50,000 blocks a blob).
        max_concurrency: blocks staged in parallel by one write (default 4).
        max_chunk_get_size: the size of each ranged GET of a read (default 2 MiB); a read
            fetches ``max_concurrency`` of them in parallel.
        hierarchical_namespace: ``false`` (the default: the Blob API alone, flat-namespace
            semantics), ``true`` (an ADLS Gen2 account: real directories, atomic move and
            delete_folder through the DFS endpoint; needs the ``[hns]`` extra) or ``auto``
            (ask the account once, on first need).

    Raises:
        ConfigError: an option is invalid or unknown; the message names it (never a secret).
    """

    type_name: ClassVar[str] = "azure"
    SECRET_OPTIONS: ClassVar[frozenset[str]] = secret_options()
    __signature__ = option_signature()

    def __init__(self, options: AzureOptions | None = None, /, **settings: object) -> None:
        if options is None:
            options = build_options(settings)
        elif settings:
            raise ConfigError(f"{sorted(settings)[0]}: give AzureOptions or keyword options, not both")
        self._options = options
        self._requests = BlobRequests(options)
        choice = options.hierarchical_namespace
        self._hns: bool | None = None if choice == "auto" else choice == "true"
        self._dfs = DfsPaths(self._requests.build_file_system, self._requests.place)
        # Only the account key signs a SAS locally (URL-009): the capability follows the options.
        self._capabilities = (
            _CAPABILITIES | {Capability.PRESIGNED_URL} if shared_key(options) is not None else _CAPABILITIES
        )

    # -- what it is -------------------------------------------------------------------------

    def _dfs_paths(self, ctx: OperationContext) -> DfsPaths | None:
        """The DFS seam on an HNS account, ``None`` on a flat one (``auto`` asks the account once)."""
        if self._hns is None:
            self._hns = self._requests.account_is_hns(ctx)
        return self._dfs if self._hns else None

    @property
    def hierarchical_namespace(self) -> bool:
        """True when the backend works with the account's hierarchical namespace (AZURE-031).

        With ``hierarchical_namespace = "auto"`` the first use sends Get Account Information.

        Raises:
            PermissionDenied: ``auto`` and the credential may not read the account's information.
            BackendUnavailable: ``auto`` and the account cannot be reached.
        """
        return self._dfs_paths(self.context(Operation.EXISTS)) is not None

    @property
    def capabilities(self) -> CapabilitySet:
        """Every capability but ``ATOMIC_MOVE`` on a flat account (a move is a copy and a delete).

        READ, SEEKABLE_READ, WRITE, ATOMIC_WRITE, DELETE, LIST, MOVE, COPY, METADATA, CONTENT_TYPE,
        USER_METADATA, CONDITIONAL_WRITE; PRESIGNED_URL too when the options authenticate with the
        account key (URL-009); ATOMIC_MOVE too on an HNS account (AZURE-032).
        """
        if self.hierarchical_namespace:
            return self._capabilities | {Capability.ATOMIC_MOVE}
        return self._capabilities

    @property
    def behaviour(self) -> Behaviour:
        """Flat: folders are prefixes, a blob may sit beside a prefix. HNS: real directories."""
        return _HNS_BEHAVIOUR if self.hierarchical_namespace else _BEHAVIOUR

    @property
    def options(self) -> AzureOptions:
        """The validated options (their ``repr`` masks the secrets)."""
        return self._options

    def __repr__(self) -> str:
        options = self._options
        return f"{type(self).__name__}(container={options.container!r}, endpoint={options.endpoint!r})"

    def close(self) -> None:
        """Close the client's connections; idempotent. Later calls raise ``StoreClosed``."""
        self._requests.close()
        self._dfs.close()

    # -- writes -----------------------------------------------------------------------------

    def write(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        ctx = self.context(Operation.WRITE, path)
        self._write(ctx, path, content, overwrite, content_type, metadata, if_match)

    def write_atomic(
        self,
        path: str,
        content: WriteContent,
        *,
        overwrite: bool = False,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> None:
        # A blob appears whole at its Put Blob or Put Block List: every write is atomic (AZURE-009).
        ctx = self.context(Operation.WRITE_ATOMIC, path)
        self._write(ctx, path, content, overwrite, content_type, metadata, if_match)

    def _write(
        self,
        ctx: OperationContext,
        path: str,
        content: WriteContent,
        overwrite: bool,
        content_type: str | None,
        metadata: Mapping[str, str] | None,
        if_match: str | None,
    ) -> None:
        check_content(content, context=ctx)
        options = check_write_options(
            ctx,
            _CAPABILITIES,
            overwrite=overwrite,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
        )
        stored = attributes(ctx, options)  # Azure's limits, before any request (AZURE-029)
        upload(
            self._requests,
            ctx,
            path,
            content,
            create=not overwrite,
            options=self._options,
            attributes=stored,
        )

    # -- shareable URLs ---------------------------------------------------------------------

    def url(self, path: str, *, expires_in: timedelta, method: str = "GET") -> str:
        # A SAS signed with the account key: no request, and the blob need not exist (URL-009).
        ctx = self.context(Operation.URL, path)
        return blob_sas_url(self._requests, self._options, ctx, expires_in, method)

    # -- reads ------------------------------------------------------------------------------

    def _open(self, ctx: OperationContext, path: str) -> BlobReader:
        if not path:
            self._requests.check_open(ctx)
            raise ctx.error(NotFound, "the root is a folder, not a file")
        options = self._options
        downloader = self._requests.get_blob(ctx, path, concurrency=options.max_concurrency)
        if self._dfs_paths(ctx) is not None and is_directory(downloader.properties.metadata or {}):
            # An HNS directory reads as an empty blob: the metadata tells (AZURE-031).
            raise ctx.error(NotFound, "path is a folder, not a file")
        chunk = options.max_chunk_get_size
        requests = self._requests
        return BlobReader(
            requests,
            ctx,
            downloader,
            chunk=chunk,
            # The SDK fetches the chunks of a sized read one after another: a window of more
            # than one chunk would hold more memory for no more speed.
            window=chunk,
            fetch_range=lambda offset, length, etag: requests.get_range(ctx, path, offset, length, etag=etag),
        )

    def read(self, path: str) -> BinaryIO:
        return cast(BinaryIO, self._open(self.context(Operation.READ, path), path))

    def read_bytes(self, path: str) -> bytes:
        with self._open(self.context(Operation.READ_BYTES, path), path) as reader:
            return reader.read()

    def read_range(self, path: str, start: int, end: int) -> bytes:
        # One ranged Get Blob up to the chunk; an empty range one Get Blob Properties (AZURE-028).
        ctx = self.context(Operation.READ_RANGE, path)
        if not path or path.endswith("/"):
            self._requests.check_open(ctx)
            raise ctx.error(NotFound, "no such file")
        if start == end:
            if self._file(ctx, path) is None:
                raise ctx.error(NotFound, "no such file")
            return b""
        data = self._requests.get_range(ctx, path, start, end - start)
        if not data and self._dfs_paths(ctx) is not None and self._file(ctx, path) is None:
            # An HNS directory answers as an empty blob: nothing read, so ask what it is (AZURE-031).
            raise ctx.error(NotFound, "no such file")
        return data

    # -- queries ----------------------------------------------------------------------------

    def _entry(self, ctx: OperationContext, path: str) -> Blob | None:
        """Get Blob Properties of ``path``: a file, an HNS directory, or ``None``."""
        if not path or path.endswith("/"):
            self._requests.check_open(ctx)
            return None
        return self._requests.get_blob_properties(ctx, path)

    def _file(self, ctx: OperationContext, path: str) -> Blob | None:
        entry = self._entry(ctx, path)
        return None if entry is None or entry.is_directory else entry

    def _folder(self, ctx: OperationContext, path: str) -> bool:
        if not path:
            self._requests.check_open(ctx)
            return True
        if self._dfs_paths(ctx) is not None:
            entry = self._entry(ctx, path)
            return entry is not None and entry.is_directory
        first = next(self._requests.list_blobs(ctx, f"{path}/", delimiter=False, page_size=1), None)
        return first is not None and bool(first.blobs)

    def is_file(self, path: str) -> bool:
        return self._file(self.context(Operation.IS_FILE, path), path) is not None

    def is_folder(self, path: str) -> bool:
        return self._folder(self.context(Operation.IS_FOLDER, path), path)

    def exists(self, path: str) -> bool:
        ctx = self.context(Operation.EXISTS, path)
        if path and self._dfs_paths(ctx) is not None:
            return self._entry(ctx, path) is not None
        return self._file(ctx, path) is not None or self._folder(ctx, path)

    def get_file_info(self, path: str) -> FileInfo:
        ctx = self.context(Operation.GET_FILE_INFO, path)
        blob = self._file(ctx, path)
        info = _file_info(blob) if blob is not None else None
        if info is None:
            raise ctx.error(NotFound, "no such file")
        return info

    # -- deletes ----------------------------------------------------------------------------

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        ctx = self.context(Operation.DELETE, path)
        if path and self._dfs_paths(ctx) is not None:
            # Delete Blob also deletes an empty HNS directory: ask what the path is first.
            entry = self._entry(ctx, path)
            if entry is not None and entry.is_directory:
                raise ctx.error(InvalidPath, "path is a folder; use delete_folder")
            if entry is not None and self._requests.delete_blob(ctx, path):
                return
            if not missing_ok:
                raise ctx.error(NotFound, "no such file")
            return
        if path and self._requests.delete_blob(ctx, path):
            return
        if not missing_ok:
            if self._folder(ctx, path):
                raise ctx.error(InvalidPath, "path is a folder; use delete_folder")
            raise ctx.error(NotFound, "no such file")

    def delete_folder(self, path: str, *, recursive: bool = False, missing_ok: bool = False) -> None:
        ctx = self.context(Operation.DELETE_FOLDER, path)
        if not path:
            self._requests.check_open(ctx)
            raise ctx.error(InvalidPath, "refusing to delete the root")
        dfs = self._dfs_paths(ctx)
        if dfs is not None:
            # A DFS delete takes a file as well as a directory: ask what the path is first.
            entry = self._entry(ctx, path)
            if entry is not None and not entry.is_directory:
                raise ctx.error(InvalidPath, "path is a file; use delete")
            if entry is not None and dfs.delete_directory(ctx, path, recursive=recursive):
                return
            if not missing_ok:
                raise ctx.error(NotFound, "no such folder")
            return
        marker = f"{path}/"
        if not recursive:
            page = next(self._requests.list_blobs(ctx, marker, delimiter=False, page_size=2), None)
            names = [blob.name for blob in page.blobs] if page else []
            if any(name != marker for name in names):
                raise ctx.error(DirectoryNotEmpty, "folder is not empty")
            if names:
                self._requests.delete_blob(ctx, marker)
                return
            self._no_folder(ctx, path, missing_ok)
            return
        found, failed = self._delete_below(ctx, marker)
        if failed:
            shown = ", ".join(repr(name) for name, _ in failed[:5])
            raise ctx.error(
                RemoteStoreError, f"could not delete {len(failed)} of {found} blobs (first: {shown})"
            ) from failed[0][1]
        if not found:
            self._no_folder(ctx, path, missing_ok)

    def _delete_below(
        self, ctx: OperationContext, prefix: str
    ) -> tuple[int, list[tuple[str, RemoteStoreError]]]:
        """Delete every blob whose name starts with ``prefix``, a page at a time, in parallel.

        Returns how many blobs were found, and the names that could not be deleted with why.
        """
        found = 0
        failed: list[tuple[str, RemoteStoreError]] = []
        pool = self._requests.pool(ctx)
        for page in self._requests.list_blobs(ctx, prefix, delimiter=False):
            names = [blob.name for blob in page.blobs]
            found += len(names)
            for name, error in zip(names, pool.map(self._try_delete, [ctx] * len(names), names), strict=True):
                if error is not None:
                    failed.append((name, error))
        return found, failed

    def _try_delete(self, ctx: OperationContext, name: str) -> RemoteStoreError | None:
        try:
            self._requests.delete_blob(ctx, name)
        except RemoteStoreError as error:
            return error
        return None

    def _no_folder(self, ctx: OperationContext, path: str, missing_ok: bool) -> None:
        if self._file(ctx, path) is not None:
            raise ctx.error(InvalidPath, "path is a file; use delete")
        if not missing_ok:
            raise ctx.error(NotFound, "no such folder")

    # -- copy and move ----------------------------------------------------------------------

    def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        self._copy(self.context(Operation.COPY, src), src, dst, overwrite)

    def move(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        ctx = self.context(Operation.MOVE, src)
        dfs = self._dfs_paths(ctx)
        if dfs is not None:
            # HNS: one atomic rename, conditional on the destination without overwrite (AZURE-032).
            if src == dst:
                raise ctx.error(InvalidPath, "source and destination are the same file", path=dst)
            if self._file(ctx, src) is None:  # a rename would move a directory too
                raise ctx.error(NotFound, "no such file")
            dfs.rename(ctx, src, dst, replace=overwrite)
            return
        # Flat: not atomic (no ATOMIC_MOVE): a failure after the copy leaves both blobs, dst whole.
        self._copy(ctx, src, dst, overwrite)
        self._requests.delete_blob(ctx, src)

    def _copy(self, ctx: OperationContext, src: str, dst: str, overwrite: bool) -> None:
        if src == dst:
            self._requests.check_open(ctx)
            raise ctx.error(InvalidPath, "source and destination are the same file", path=dst)
        if not src or src.endswith("/"):
            self._requests.check_open(ctx)
            raise ctx.error(NotFound, "no such file")
        if self._dfs_paths(ctx) is not None and self._file(ctx, src) is None:
            # Copy Blob would copy an HNS directory as a blob: ask what the source is (AZURE-031).
            raise ctx.error(NotFound, "no such file")
        self._requests.copy_blob(ctx, src, dst, create=not overwrite)

    # -- listings ---------------------------------------------------------------------------

    def list_files(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        ctx = self.context(Operation.LIST_FILES, path)
        self._requests.check_open(ctx)
        return self._list_files(ctx, path, recursive)

    def _list_files(self, ctx: OperationContext, path: str, recursive: bool) -> Iterator[FileInfo]:
        hns = self._dfs_paths(ctx) is not None
        prefix = f"{path}/" if path else ""
        for page in self._requests.list_blobs(ctx, prefix, delimiter=not recursive, metadata=hns):
            for blob in page.blobs:
                info = None if blob.is_directory else _file_info(blob)
                if info is not None:
                    yield info

    def list_folders(self, path: str) -> Iterator[str]:
        ctx = self.context(Operation.LIST_FOLDERS, path)
        self._requests.check_open(ctx)
        return self._list_folders(ctx, path)

    def _list_folders(self, ctx: OperationContext, path: str) -> Iterator[str]:
        hns = self._dfs_paths(ctx) is not None
        seen: set[str] = set()  # on HNS a directory with entries is both a blob and a prefix
        for page in self._requests.list_blobs(ctx, f"{path}/" if path else "", delimiter=True, metadata=hns):
            names = [prefix[:-1] for prefix in page.prefixes]
            names += [blob.name for blob in page.blobs if blob.is_directory]
            for name in sorted(names):
                folder = _valid_path(name)
                if folder is not None and not folder.is_root and name not in seen:
                    if hns:
                        seen.add(name)
                    yield str(folder)


def _valid_path(name: str) -> RemotePath | None:
    """The path naming blob ``name``, or ``None`` for names no path can name (markers, ``a//b``, ...)."""
    if not name or name.endswith("/"):
        return None
    try:
        return RemotePath(name)
    except InvalidPath:
        logger.debug("skipping blob %r: not a valid path", name)
        return None


def _file_info(blob: Blob) -> FileInfo | None:
    path = _valid_path(blob.name)
    if path is None:
        return None
    return FileInfo(
        path=path,
        name=path.name,
        size=blob.size,
        modified_at=blob.modified_at,
        etag=blob.etag,
        content_type=blob.content_type,
        metadata=blob.metadata,
    )
