"""The hierarchical-namespace seam: the DFS (ADLS Gen2) calls an HNS account adds to the Blob API.

``DfsPaths`` is all the backend knows of the DFS endpoint: an atomic, conditional ``rename`` and a
``delete_directory`` (AZURE-031 to AZURE-033). Everything else stays on the Blob API, which works on
HNS accounts too. It speaks through ``azure-storage-file-datalake`` (imported on the first call, an
optional dependency: the ``[hns]`` extra), on the same credential, timeouts, retries and
per-request observers as the blob client, and maps every failure through the caller's
``OperationContext``.

DFS error codes (``x-ms-error-code``) and what they become: ``SourcePathNotFound``/``PathNotFound``
404 -> ``NotFound`` (at the source of a rename); ``PathAlreadyExists`` 409 and ``ConditionNotMet``
412 on a conditional rename -> ``AlreadyExists`` at the target; ``DirectoryNotEmpty`` 409 ->
``DirectoryNotEmpty``; anything else as the blob errors (``_errors.map_error``).
"""

from __future__ import annotations

import importlib
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any

from remote_store import AlreadyExists, ConfigError, DirectoryNotEmpty, NotFound, RemoteStoreError
from remote_store.backend_tools import OperationContext

from ._errors import azure_code, map_error

__all__ = ["DfsPaths", "dfs_endpoint"]

_MISSING = frozenset({"PathNotFound", "SourcePathNotFound", "BlobNotFound"})
_TAKEN = frozenset({"PathAlreadyExists", "ConditionNotMet", "BlobAlreadyExists"})

INSTALL = 'pip install "remote-store-azure[hns]"'


def dfs_endpoint(blob_endpoint: str) -> str:
    """The DFS endpoint of an account from its blob endpoint: ``.blob.`` becomes ``.dfs.`` in the host.

    An endpoint without ``.blob.`` in its host (an emulator or a test server on an IP address) is
    its own DFS endpoint.
    """
    parts = urllib.parse.urlsplit(blob_endpoint)
    host = parts.netloc.replace(".blob.", ".dfs.", 1)
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", "")).rstrip("/")


class DfsPaths:
    """The DFS calls of one file system (the container) of an HNS account, on a lazily built client.

    ``make_client(module)`` builds the ``FileSystemClient`` from the imported
    ``azure.storage.filedatalake`` module (the backend knows the credential and settings).
    """

    def __init__(self, make_client: Callable[[Any], Any], place: str) -> None:
        self._make_client = make_client
        self._place = place
        self._lock = threading.Lock()
        self._client: Any = None

    def _file_system(self, ctx: OperationContext) -> Any:
        with self._lock:
            if self._client is None:
                try:
                    module = importlib.import_module("azure.storage.filedatalake")
                except ImportError as error:
                    raise ctx.error(
                        ConfigError, f"hierarchical_namespace needs azure-storage-file-datalake: {INSTALL}"
                    ) from error
                self._client = self._make_client(module)
            return self._client

    def rename(self, ctx: OperationContext, source: str, target: str, *, replace: bool) -> None:
        """Rename the file ``source`` to ``target`` in one atomic DFS request (Path Create, ``mode=legacy``).

        Without ``replace`` the request carries ``If-None-Match: *`` for the target, so the
        service refuses it when ``target`` exists, atomically. Missing parent directories of
        ``target`` are created by the service.

        Raises:
            NotFound: no ``source`` (404 SourcePathNotFound), at ``ctx``'s path.
            AlreadyExists: not ``replace`` and ``target`` exists (412 ConditionNotMet or 409
                PathAlreadyExists), at ``target``.
        """
        from azure.core import MatchConditions

        file_system = self._file_system(ctx)
        client = file_system.get_file_client(source)
        extra: dict[str, Any] = {} if replace else {"match_condition": MatchConditions.IfMissing}
        try:
            client.rename_file(f"{file_system.file_system_name}/{target}", **extra)
        except Exception as error:
            _, code = azure_code(error)
            if code in _MISSING:
                raise ctx.error(NotFound, "no such file") from error
            if code in _TAKEN:
                raise ctx.error(AlreadyExists, "file already exists", path=target) from error
            raise map_error(error, ctx, self._place) from error

    def delete_directory(self, ctx: OperationContext, path: str, *, recursive: bool) -> bool:
        """Delete the directory ``path`` in one DFS request (Path Delete); ``False`` when there is none.

        With ``recursive`` everything below goes too, atomically on the service's side;
        without it a directory that is not empty is refused.

        Raises:
            DirectoryNotEmpty: not ``recursive`` and the directory has entries (409 DirectoryNotEmpty).
        """
        client = self._file_system(ctx).get_directory_client(path)
        try:
            # The public delete_directory always sends recursive=true; the refusal of a non-empty
            # directory needs recursive=false, which only the client's path delete takes.
            client._delete(recursive=recursive)
        except Exception as error:
            _, code = azure_code(error)
            if code in _MISSING:
                return False
            if code == "DirectoryNotEmpty":
                raise ctx.error(DirectoryNotEmpty, "folder is not empty") from error
            mapped: RemoteStoreError = map_error(error, ctx, self._place)
            raise mapped from error
        return True

    def close(self) -> None:
        """Close the client's connections; idempotent."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
