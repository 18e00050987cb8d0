"""The request layer: one method per Blob REST call, each sending one request and mapping failures.

``BlobRequests`` owns the SDK's ``ContainerClient`` (built on first use, shared by every thread:
its authentication, retries and connection pool), and speaks in plain values (``Blob``, ``Page``)
so that the backend module above it keeps only the operations. Every failure leaves here as a
remote-store error built by ``_errors.map_error`` through the caller's ``OperationContext``, raised
``from`` the SDK's error. The Azure SDK is imported by the first request, never before.

``observers`` are called with every HTTP request just before it is sent, retries included (the
SDK's ``raw_request_hook``): tests count requests and inject faults there.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    NotFound,
    PreconditionFailed,
    RemoteStoreError,
)
from remote_store.backend_tools import OperationContext

from ._attributes import Attributes, read_metadata
from ._errors import azure_code, map_error
from ._hns import dfs_endpoint
from ._listing import Blob, Page, is_directory, list_blobs_query, parse_list_blobs
from ._options import AzureOptions
from ._redact import hide_sas_signatures
from ._version import __version__

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, ContainerClient, StorageStreamDownloader

__all__ = ["PAGE_SIZE", "Blob", "BlobRequests", "Page", "is_directory"]

PAGE_SIZE = 5000
"""Blobs asked per List Blobs page (Azure's maximum); tests lower it to exercise paging."""

_COPY_POLL = (0.05, 2.0)
"""First and longest pause between two polls of a pending copy, in seconds."""


_BACKOFF = (0.5, 1.5, 0.5)
"""The SDK's exponential retry: the pause before retry n is ``0.5 + 1.5**n`` seconds, +-0.5 s."""

Observer = Callable[[Any], None]


class BlobRequests:
    """The Blob REST calls of one container, on one lazily built, thread-safe SDK client."""

    def __init__(self, options: AzureOptions) -> None:
        self._options = options
        self.place = f"container {options.container!r} at {options.endpoint}"
        """Names the container and endpoint in messages (no secret)."""
        self.observers: list[Observer] = []
        self._lock = threading.Lock()
        self._client: ContainerClient | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    # -- the client -------------------------------------------------------------------------

    def pool(self, ctx: OperationContext) -> ThreadPoolExecutor:
        """The worker threads of parallel requests (block uploads, recursive deletes), made once.

        One pool for the backend's life, not one per call: the SDK names each request with
        ``uuid.uuid1()``, and libuuid keeps a descriptor open for every thread that ever called
        it, so threads started per call would leak one descriptor each.

        Raises:
            StoreClosed: the backend is closed.
        """
        with self._lock:
            if self._closed:
                raise ctx.closed()
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self._options.max_concurrency, thread_name_prefix="remote-store-azure"
                )
            return self._pool

    def _container(self, ctx: OperationContext) -> ContainerClient:
        client = self._client
        if client is not None and not self._closed:
            return client
        with self._lock:
            if self._closed:
                raise ctx.closed()
            if self._client is None:
                with self._mapped(ctx):
                    self._client = self._build()
            return self._client

    def _settings(self) -> dict[str, Any]:
        """The transport, retry and hook settings both SDK clients (blob and DFS) are built with."""
        options = self._options
        return {
            "connection_timeout": options.connection_timeout,
            "read_timeout": options.read_timeout,
            "retry_total": options.retry_total,
            # The SDK's pauses (15 s + 3**n s) suit throttled production accounts; these (0.5 s +
            # 1.5**n s, +-0.5 s: about 2, 2.8, 3.9, 5.6, 8.1 s) keep a retried call responsive.
            "initial_backoff": _BACKOFF[0],
            "increment_base": _BACKOFF[1],
            "random_jitter_range": _BACKOFF[2],
            "user_agent": f"remote-store-azure/{__version__}",
            "raw_request_hook": self._observe,
            "raw_response_hook": _read_error_body,
        }

    def _build(self) -> ContainerClient:
        from azure.storage.blob import ContainerClient

        options = self._options
        settings: dict[str, Any] = {
            **self._settings(),
            "max_single_put_size": options.max_single_put_size,
            "max_block_size": options.max_block_size,
            "max_single_get_size": options.max_chunk_get_size,
            "max_chunk_get_size": options.max_chunk_get_size,
        }
        if options.connection_string is not None:
            if "sharedaccesssignature=" in options.connection_string.lower():
                hide_sas_signatures()
            return ContainerClient.from_connection_string(
                options.connection_string, options.container, **settings
            )
        return ContainerClient(options.endpoint, options.container, credential=self._credential(), **settings)

    def build_file_system(self, datalake: Any) -> Any:
        """The DFS ``FileSystemClient`` of the container, from the ``azure.storage.filedatalake`` module.

        Same credential and settings as the blob client; the endpoint is the blob endpoint with
        ``.blob.`` made ``.dfs.`` (an IP endpoint stays as it is).
        """
        options = self._options
        credential = self._credential()
        if options.connection_string is not None:
            credential = _connection_credential(options.connection_string)
        return datalake.FileSystemClient(
            dfs_endpoint(options.endpoint), options.container, credential=credential, **self._settings()
        )

    def account_is_hns(self, ctx: OperationContext) -> bool:
        """Get Account Information: whether the account has a hierarchical namespace.

        Raises:
            PermissionDenied: the credential may not read the account's information (a SAS
                without account scope): set ``hierarchical_namespace`` to true or false.
        """
        container = self._container(ctx)
        with self._mapped(ctx):
            information = container.get_account_information()
        return bool(information.get("is_hns_enabled"))

    def _credential(self) -> Any:
        options = self._options
        if options.account_key is not None:
            from azure.core.credentials import AzureNamedKeyCredential

            name = options.account_name or options.url_account_name() or ""
            return AzureNamedKeyCredential(name, options.account_key)
        if options.sas_token is not None:
            from azure.core.credentials import AzureSasCredential

            hide_sas_signatures()
            return AzureSasCredential(options.sas_token.lstrip("?"))
        if options.credential == "default":
            # An optional dependency (the [identity] extra): imported by name, so that type
            # checking this package does not need it installed.
            identity = importlib.import_module("azure.identity")
            return identity.DefaultAzureCredential()
        return options.credential  # a token credential object, or None: anonymous access

    def check_open(self, ctx: OperationContext) -> None:
        """Raise ``StoreClosed`` (for ``ctx``) once closed."""
        if self._closed:
            raise ctx.closed()

    def _observe(self, request: Any) -> None:
        for observer in list(self.observers):
            observer(request)

    @contextlib.contextmanager
    def _mapped(
        self, ctx: OperationContext, *, exists: type[RemoteStoreError] = AlreadyExists
    ) -> Iterator[None]:
        try:
            yield
        except RemoteStoreError:
            raise
        except Exception as error:
            raise map_error(error, ctx, self.place, exists=exists) from error

    def _blob(self, ctx: OperationContext, name: str) -> BlobClient:
        return self._container(ctx).get_blob_client(name)

    def blob_client(self, ctx: OperationContext, name: str) -> BlobClient:
        """The SDK's client of blob ``name``, for what the SDK computes locally (its URL); no request.

        Raises:
            StoreClosed: the backend is closed.
        """
        return self._blob(ctx, name)

    def close(self) -> None:
        """Close the client's connections; idempotent. Later requests raise ``StoreClosed``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            client, self._client = self._client, None
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        if client is not None:
            client.close()

    # -- writes -----------------------------------------------------------------------------

    def put_blob(
        self,
        ctx: OperationContext,
        name: str,
        data: bytes | memoryview,
        *,
        create: bool,
        attributes: Attributes | None = None,
    ) -> None:
        """Put Blob: the whole content in one request; ``create`` sends ``If-None-Match: *``.

        ``attributes`` are stored with the blob; their ``if_match`` sends ``If-Match``.

        Raises:
            AlreadyExists: ``create`` and the blob exists (409 BlobAlreadyExists or 412).
            PreconditionFailed: ``if_match`` is not the blob's ETag (412); nothing changed.
            NotFound: ``if_match`` is given and there is no blob ``name``.
        """
        blob = self._blob(ctx, name)
        extra = _stored(attributes)
        try:
            blob.upload_blob(
                bytes(data) if isinstance(data, memoryview) else data,
                length=len(data),
                overwrite=not create,
                **extra,
            )
        except Exception as error:
            raise self._write_failure(ctx, name, error, attributes) from error

    def put_block(self, ctx: OperationContext, name: str, block_id: str, data: bytes | memoryview) -> None:
        """Put Block: stage one block of a blob's next block list."""
        blob = self._blob(ctx, name)
        with self._mapped(ctx):
            blob.stage_block(
                block_id, bytes(data) if isinstance(data, memoryview) else data, length=len(data)
            )

    def put_block_list(
        self,
        ctx: OperationContext,
        name: str,
        block_ids: Sequence[str],
        *,
        create: bool,
        attributes: Attributes | None = None,
    ) -> None:
        """Put Block List: commit the staged blocks as the blob; ``create`` sends ``If-None-Match: *``.

        ``attributes`` are stored with the blob; their ``if_match`` sends ``If-Match``, which
        Azure checks in the same step as the commit.

        Raises:
            AlreadyExists: ``create`` and the blob exists (409 BlobAlreadyExists or 412), or the
                staged blocks were discarded by another writer's commit (400 InvalidBlockList)
                and the blob now exists.
            PreconditionFailed: ``if_match`` is not the blob's ETag (412, or another writer's
                commit discarded the staged blocks); nothing changed.
            NotFound: ``if_match`` is given and there is no blob ``name``.
        """
        from azure.core import MatchConditions
        from azure.storage.blob import BlobBlock

        blob = self._blob(ctx, name)
        extra = _stored(attributes)
        if create:
            extra["match_condition"] = MatchConditions.IfMissing
        try:
            blob.commit_block_list([BlobBlock(block_id) for block_id in block_ids], **extra)
        except Exception as error:
            _, code = azure_code(error)
            if code == "InvalidBlockList":
                # Another writer's commit discarded this upload's uncommitted blocks.
                if create:
                    raise ctx.error(AlreadyExists, "file already exists") from error
                if attributes is not None and attributes.if_match is not None:
                    raise self._stale_or_gone(ctx, name, attributes.if_match) from error
                raise ctx.error(
                    BackendUnavailable, "a concurrent write replaced this upload's blocks; write again"
                ) from error
            raise self._write_failure(ctx, name, error, attributes) from error

    def _write_failure(
        self, ctx: OperationContext, name: str, error: Exception, attributes: Attributes | None
    ) -> RemoteStoreError:
        """The error of a failed Put Blob or Put Block List; a failed ``If-Match`` is told apart."""
        mapped = map_error(error, ctx, self.place)
        if attributes is None or attributes.if_match is None or not isinstance(mapped, AlreadyExists):
            return mapped
        # 412 ConditionNotMet: the blob has another ETag, or (as Azure answers too) none at all.
        return self._stale_or_gone(ctx, name, attributes.if_match)

    def _stale_or_gone(self, ctx: OperationContext, name: str, if_match: str) -> RemoteStoreError:
        if self.get_blob_properties(ctx, name) is None:
            return ctx.error(NotFound, "no such file to replace (if_match)")
        return ctx.error(PreconditionFailed, f"file changed: its ETag is no longer {if_match!r}")

    # -- reads ------------------------------------------------------------------------------

    def get_blob(
        self, ctx: OperationContext, name: str, *, concurrency: int = 1
    ) -> StorageStreamDownloader[bytes]:
        """Get Blob of the first chunk (``max_chunk_get_size``); the downloader fetches the rest.

        The downloader's later ranged GETs carry ``If-Match`` with the first answer's ETag; a read
        of several chunks sends up to ``concurrency`` of them at once.

        Raises:
            NotFound: no blob ``name``.
        """
        blob = self._blob(ctx, name)
        with self._mapped(ctx):
            return blob.download_blob(max_concurrency=concurrency)

    def read_chunk(
        self, ctx: OperationContext, downloader: StorageStreamDownloader[bytes], size: int
    ) -> bytes:
        """Up to ``size`` bytes (``-1``: all the rest) from ``downloader``, fetching ranges as needed.

        Raises:
            BackendUnavailable: the blob changed since the first answer (its ETag no longer
                matches), or the service failed.
            NotFound: the blob was deleted meanwhile.
        """
        with self._mapped(ctx, exists=BackendUnavailable):
            return downloader.read(size)

    def get_range(
        self, ctx: OperationContext, name: str, offset: int, length: int, *, etag: str | None = None
    ) -> bytes:
        """Bytes ``offset`` to ``offset + length`` of blob ``name``: ranged Get Blob(s), in one call.

        One request up to the chunk (``max_chunk_get_size``); a longer range is fetched chunk by
        chunk, ``max_concurrency`` at a time. ``etag`` (as Azure gave it) sends ``If-Match``. A
        range that starts at or past the end of the blob (Azure's ``416 InvalidRange``) gives
        ``b""``; one that ends past it gives the bytes up to the end.

        Raises:
            NotFound: no blob ``name`` (or it was deleted).
            BackendUnavailable: ``etag`` no longer matches: the blob changed (AZURE-027).
        """
        from azure.core import MatchConditions

        blob = self._blob(ctx, name)
        extra: dict[str, Any] = (
            {"etag": etag, "match_condition": MatchConditions.IfNotModified} if etag else {}
        )
        try:
            downloader = blob.download_blob(
                offset=offset, length=length, max_concurrency=self._options.max_concurrency, **extra
            )
            data: bytes = downloader.readall()
        except Exception as error:
            status, code = azure_code(error)
            if status == 416 or code == "InvalidRange":
                return b""
            raise map_error(error, ctx, self.place, exists=BackendUnavailable) from error
        return data

    def get_blob_properties(self, ctx: OperationContext, name: str) -> Blob | None:
        """Get Blob Properties (a HEAD); ``None`` when there is no blob ``name``."""
        blob = self._blob(ctx, name)
        from azure.core.exceptions import ResourceNotFoundError

        try:
            properties = blob.get_blob_properties()
        except ResourceNotFoundError as error:
            _, code = azure_code(error)
            if code in ("", "BlobNotFound"):
                return None
            raise map_error(error, ctx, self.place) from error
        except Exception as error:
            raise map_error(error, ctx, self.place) from error
        return _blob_of(properties)

    # -- deletes ----------------------------------------------------------------------------

    def delete_blob(self, ctx: OperationContext, name: str) -> bool:
        """Delete Blob (with its snapshots); ``False`` when there was no blob ``name``."""
        blob = self._blob(ctx, name)
        from azure.core.exceptions import ResourceNotFoundError

        try:
            blob.delete_blob(delete_snapshots="include")
        except ResourceNotFoundError as error:
            _, code = azure_code(error)
            if code in ("", "BlobNotFound"):
                return False
            raise map_error(error, ctx, self.place) from error
        except Exception as error:
            raise map_error(error, ctx, self.place) from error
        return True

    # -- copies -----------------------------------------------------------------------------

    def copy_blob(self, ctx: OperationContext, source: str, target: str, *, create: bool) -> None:
        """Copy Blob on the server from ``source`` to ``target``, polling until a pending copy ends.

        ``create`` sends ``If-None-Match: *`` for the target. ``ctx`` names the source; a failed
        condition is reported at the target.

        Raises:
            NotFound: no blob ``source``.
            AlreadyExists: ``create`` and the target exists.
            RemoteStoreError: the copy failed or was aborted on the server.
        """
        from azure.core import MatchConditions

        container = self._container(ctx)
        source_url = container.get_blob_client(source).url
        target_blob = container.get_blob_client(target)
        extra: dict[str, Any] = {"match_condition": MatchConditions.IfMissing} if create else {}
        try:
            result = target_blob.start_copy_from_url(source_url, **extra)
        except Exception as error:
            mapped = map_error(error, ctx, self.place)
            if isinstance(mapped, AlreadyExists):
                mapped = ctx.error(AlreadyExists, "file already exists", path=target)
            raise mapped from error
        status = result.get("copy_status")
        pause = _COPY_POLL[0]
        while status == "pending":
            time.sleep(pause)
            pause = min(pause * 2, _COPY_POLL[1])
            with self._mapped(ctx.at(target)):
                status = target_blob.get_blob_properties().copy.status
        if status not in (None, "success"):
            raise ctx.error(RemoteStoreError, f"the server's copy ended {status!r}", path=target)

    # -- listings ---------------------------------------------------------------------------

    def list_blobs(
        self,
        ctx: OperationContext,
        prefix: str,
        *,
        delimiter: bool,
        page_size: int | None = None,
        metadata: bool = False,
    ) -> Iterator[Page]:
        """List Blobs below ``prefix``, one page per request, sent as the iteration reaches it.

        With ``delimiter``, names below a further ``/`` come as prefixes (one level). With
        ``metadata`` the blobs' metadata is asked for too, so that directories of an HNS account
        are known (``Blob.is_directory``).
        """
        container = self._container(ctx)
        size = page_size or PAGE_SIZE
        marker: str | None = None
        while True:
            query = list_blobs_query(
                prefix, delimiter=delimiter, page_size=size, metadata=metadata, marker=marker
            )
            with self._mapped(ctx):
                page, marker = parse_list_blobs(_send_list(container, query))
            yield page
            if marker is None:
                return

    def delete_blobs(self, ctx: OperationContext, names: Sequence[str]) -> list[str]:
        """Delete Blob for each of ``names`` (with snapshots); the names that could not be deleted.

        A blob already gone counts as deleted.
        """
        failed: list[str] = []
        for name in names:
            try:
                self.delete_blob(ctx, name)
            except RemoteStoreError:
                failed.append(name)
        return failed


def _connection_credential(connection_string: str) -> Any:
    """The shared key or SAS of a connection string, as an SDK credential (``None``: anonymous)."""
    from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential

    parts = dict(item.split("=", 1) for item in connection_string.split(";") if "=" in item)
    settings = {key.strip().lower(): value.strip() for key, value in parts.items()}
    if "accountkey" in settings:
        return AzureNamedKeyCredential(settings.get("accountname", ""), settings["accountkey"])
    if "sharedaccesssignature" in settings:
        return AzureSasCredential(settings["sharedaccesssignature"].lstrip("?"))
    return None


def _send_list(container: ContainerClient, query: str) -> bytes:
    """One List Blobs request on ``container``'s own pipeline (auth, retries, hooks); the XML body.

    Raises:
        azure.core.exceptions.HttpResponseError: any answer but 200, with its status and
            ``x-ms-error-code`` (as the SDK's errors carry them), for ``map_error``.
    """
    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest

    url = container.url
    request = HttpRequest(
        "GET",
        f"{url}{'&' if '?' in url else '?'}{query}",
        headers={"x-ms-version": container.api_version, "Accept": "application/xml"},
    )
    # The client's pipeline is the one its own calls run on; the SDK offers no public way to
    # send a request on it and keep the answer undeserialised.
    response = container._pipeline.run(request).http_response
    if response.status_code != 200:
        error = HttpResponseError(response=response)
        # The attribute the SDK's own storage errors carry, which map_error reads.
        error.error_code = response.headers.get("x-ms-error-code")  # type: ignore[attr-defined]
        raise error
    body: bytes = response.body()
    return body


def _read_error_body(response: Any) -> None:
    """Read the body of an error answer at once, so that its connection returns to the pool.

    The SDK's retry policy drops a retried answer unread; for a streamed Get Blob that left the
    connection held by the dropped answer until garbage collection closed it (a ``ResourceWarning``
    and one socket per retry: AZURE-026). Error documents are small; reading one early changes
    nothing for the SDK, which parses the same bytes later. An empty body (``Content-Length: 0``,
    as the Get Blob of an empty blob or of an HNS directory) is read too: the SDK's downloader
    never reads the body of a blob of size 0.
    """
    answer = response.http_response
    if answer.status_code >= 400 or answer.headers.get("Content-Length") == "0":
        with contextlib.suppress(Exception):  # a body that cannot be read: the SDK reports it
            answer.body()


def _stored(attributes: Attributes | None) -> dict[str, Any]:
    """The SDK keywords of a Put Blob or Put Block List that store ``attributes``."""
    if attributes is None:
        return {}
    extra: dict[str, Any] = {}
    if attributes.content_type is not None:
        from azure.storage.blob import ContentSettings

        extra["content_settings"] = ContentSettings(content_type=attributes.content_type)
    if attributes.metadata is not None:
        extra["metadata"] = attributes.metadata
    if attributes.if_match is not None:
        from azure.core import MatchConditions

        # Azure compares the quoted form, as it sends ETags.
        extra["etag"] = f'"{attributes.if_match}"'
        extra["match_condition"] = MatchConditions.IfNotModified
    return extra


def _blob_of(properties: Any) -> Blob:
    modified: datetime = properties.last_modified
    if modified.tzinfo is None:
        modified = modified.replace(tzinfo=timezone.utc)
    etag = properties.etag.strip('"') if properties.etag else None
    settings = getattr(properties, "content_settings", None)
    metadata = getattr(properties, "metadata", None) or {}
    return Blob(
        name=properties.name,
        size=int(properties.size or 0),
        modified_at=modified.astimezone(timezone.utc),
        etag=etag or None,
        content_type=getattr(settings, "content_type", None) or None,
        metadata=read_metadata(getattr(properties, "metadata", None)),
        is_directory=is_directory(metadata),
    )
