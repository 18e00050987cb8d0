"""A hierarchical-namespace facade over Azurite: the DFS calls the HNS seam uses, with real directories.

No emulator has a DFS endpoint (Azurite answers every DataLake call 400), so the HNS tests run
against this threaded ``http.server`` in front of Azurite, started as a process of its own on
127.0.0.1 (``DfsServerProcess``; ``python _dfs_server.py`` with Azurite's connection string in
``DFS_UPSTREAM_CONNECTION_STRING`` prints ``{"port": N}`` and serves until it is terminated).
Blob requests are relayed to Azurite unchanged, with what an HNS account adds:

- Get Account Information answers ``x-ms-is-hns-enabled: true``;
- a blob made by Put Blob, Put Block List or Copy Blob gets its missing parent directories, as
  zero-byte blobs with metadata ``hdi_isfolder=true`` (how the Blob API shows HNS directories);

and the DFS calls are served on the same endpoint (an IP endpoint is its own DFS endpoint), acting
on Azurite's blobs under one lock, so that each is atomic towards the others:

- Path Create with ``x-ms-rename-source`` (rename a file or a directory; ``If-None-Match: *``
  refuses an existing destination with ``412 ConditionNotMet``; a missing source is
  ``404 SourcePathNotFound``; a directory as the destination of a file ``409 PathConflict``);
- Path Create with ``resource=file|directory`` (``409 PathAlreadyExists`` under ``If-None-Match: *``);
- Path Delete with ``recursive`` (``404 PathNotFound``, ``409 DirectoryNotEmpty``).

``GET /_dfs_server/calls`` answers the DFS calls served so far, as JSON, for the tests' checks.

Errors come as the service sends them: the status, the ``x-ms-error-code`` header and the JSON body
``{"error": {"code": ..., "message": ...}}``. Blob reads and writes are not atomic towards the
DFS calls (they go straight to Azurite), which the real service is; the tests do not race them.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient

_DIRECTORY = {"hdi_isfolder": "true"}
ENV = "DFS_UPSTREAM_CONNECTION_STRING"
CALLS_PATH = "/_dfs_server/calls"
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}


class DfsError(Exception):
    """A DFS error answer: status, ``x-ms-error-code`` and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class HnsFacade:
    """The facade's state: Azurite's address, the lock of the DFS calls, and what it served."""

    def __init__(self, azurite_connection_string: str, azurite_account_url: str) -> None:
        self._service = BlobServiceClient.from_connection_string(azurite_connection_string)
        target = urllib.parse.urlsplit(azurite_account_url)
        self.upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.account_path = target.path.rstrip("/")  # /devstoreaccount1
        self.lock = threading.RLock()
        self.idle: list[http.client.HTTPConnection] = []
        """Connections to Azurite not in use (the handler threads take one per request)."""
        self.idle_lock = threading.Lock()
        self.dfs_calls: list[tuple[str, str, int, str]] = []
        """Every DFS call served: (kind, path, status, error code)."""
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def serve(self) -> None:
        """Serve until the process is terminated."""
        self._server.serve_forever()

    def close(self) -> None:
        self._server.server_close()
        self._service.close()
        with self.idle_lock:
            for connection in self.idle:
                connection.close()
            self.idle.clear()

    # -- the model: directories are blobs with hdi_isfolder ----------------------------------

    def container(self, name: str) -> ContainerClient:
        return self._service.get_container_client(name)

    def kind(self, container: ContainerClient, path: str) -> str | None:
        """``"file"``, ``"directory"`` or ``None``."""
        try:
            properties = container.get_blob_client(path).get_blob_properties()
        except ResourceNotFoundError:
            return None
        return "directory" if (properties.metadata or {}).get("hdi_isfolder") == "true" else "file"

    def below(self, container: ContainerClient, path: str) -> list[str]:
        return [blob.name for blob in container.list_blobs(name_starts_with=f"{path}/")]

    def ensure_parents(self, container: ContainerClient, path: str) -> None:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            parent = "/".join(parts[:depth])
            if self.kind(container, parent) is None:
                container.get_blob_client(parent).upload_blob(b"", metadata=_DIRECTORY, overwrite=True)

    # -- DFS calls ---------------------------------------------------------------------------

    def rename(self, container_name: str, target: str, source: str, headers: dict[str, str]) -> None:
        source_container, _, source_path = source.lstrip("/").partition("/")
        source_path = urllib.parse.unquote(source_path.partition("?")[0])
        container = self.container(container_name)
        source_client = self.container(urllib.parse.unquote(source_container))
        with self.lock:
            source_kind = self.kind(source_client, source_path)
            if source_kind is None:
                raise DfsError(
                    404, "SourcePathNotFound", "The source path for a rename operation does not exist."
                )
            target_kind = self.kind(container, target)
            if headers.get("if-none-match") == "*" and target_kind is not None:
                raise DfsError(
                    412,
                    "ConditionNotMet",
                    "The condition specified using HTTP conditional header(s) is not met.",
                )
            if target_kind == "directory" and source_kind == "file":
                raise DfsError(
                    409,
                    "PathConflict",
                    "The specified path, or an element of the path, exists and its resource type is invalid "
                    "for this operation.",
                )
            moves = [(source_path, target)]
            if source_kind == "directory":
                moves += [
                    (name, target + name[len(source_path) :])
                    for name in self.below(source_client, source_path)
                ]
            self.ensure_parents(container, target)
            for old, new in moves:
                new_blob = container.get_blob_client(new)
                new_blob.start_copy_from_url(source_client.get_blob_client(old).url, requires_sync=False)
            for old, _ in reversed(moves):
                source_client.get_blob_client(old).delete_blob()

    def create(self, container_name: str, path: str, resource: str, headers: dict[str, str]) -> None:
        container = self.container(container_name)
        with self.lock:
            if headers.get("if-none-match") == "*" and self.kind(container, path) is not None:
                raise DfsError(409, "PathAlreadyExists", "The specified path already exists.")
            self.ensure_parents(container, path)
            metadata = _DIRECTORY if resource == "directory" else None
            container.get_blob_client(path).upload_blob(b"", metadata=metadata, overwrite=True)

    def delete(self, container_name: str, path: str, recursive: bool) -> None:
        container = self.container(container_name)
        with self.lock:
            kind = self.kind(container, path)
            if kind is None:
                raise DfsError(404, "PathNotFound", "The specified path does not exist.")
            if kind == "directory":
                children = self.below(container, path)
                if children and not recursive:
                    raise DfsError(
                        409,
                        "DirectoryNotEmpty",
                        "The recursive query parameter value must be true to delete a non-empty directory.",
                    )
                for name in sorted(children, key=len, reverse=True):
                    container.get_blob_client(name).delete_blob()
            container.get_blob_client(path).delete_blob()


def _handler(facade: HnsFacade) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        do_PUT = do_DELETE = do_HEAD = do_POST = do_GET

        def _serve(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            if url.path == CALLS_PATH:
                self._answer(
                    200, "OK", [("Content-Type", "application/json")], json.dumps(facade.dfs_calls).encode()
                )
                return
            query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            headers = {key.lower(): value for key, value in self.headers.items()}
            body = self.rfile.read(int(headers.get("content-length") or 0))
            container, _, path = url.path[len(facade.account_path) :].lstrip("/").partition("/")
            container, path = urllib.parse.unquote(container), urllib.parse.unquote(path)
            dfs = self._dfs_kind(query, headers)
            if dfs is not None:
                self._dfs(dfs, container, path, query, headers)
                return
            status, reason, answer, data = self._relay(body)
            if query.get("restype") == "account" and query.get("comp") == "properties":
                answer = [(k, v) for k, v in answer if k.lower() != "x-ms-is-hns-enabled"]
                answer.append(("x-ms-is-hns-enabled", "true"))
            elif (
                self.command == "PUT"
                and 200 <= status < 300
                and path
                and (query.get("comp") in (None, "blocklist") and query.get("restype") is None)
            ):
                with facade.lock:
                    facade.ensure_parents(facade.container(container), path)
            self._answer(status, reason, answer, data)

        def _dfs_kind(self, query: dict[str, str], headers: dict[str, str]) -> str | None:
            if self.command == "PUT" and "x-ms-rename-source" in headers:
                return "rename"
            if self.command == "PUT" and query.get("resource") in ("file", "directory"):
                return "create"
            if self.command == "DELETE" and "recursive" in query:
                return "delete"
            return None

        def _dfs(
            self, kind: str, container: str, path: str, query: dict[str, str], headers: dict[str, str]
        ) -> None:
            try:
                if kind == "rename":
                    facade.rename(container, path, headers["x-ms-rename-source"], headers)
                    status = 201
                elif kind == "create":
                    facade.create(container, path, query["resource"], headers)
                    status = 201
                else:
                    facade.delete(container, path, query["recursive"].lower() == "true")
                    status = 200
                facade.dfs_calls.append((kind, path, status, ""))
                self._answer(status, "OK", [("x-ms-request-id", str(uuid.uuid4()))], b"")
            except DfsError as error:
                facade.dfs_calls.append((kind, path, error.status, error.code))
                document = json.dumps(
                    {"error": {"code": error.code, "message": f"{error.message}\nRequestId:{uuid.uuid4()}"}}
                ).encode()
                self._answer(
                    error.status,
                    http.HTTPStatus(error.status).phrase,
                    [
                        ("x-ms-error-code", error.code),
                        ("x-ms-request-id", str(uuid.uuid4())),
                        ("Content-Type", "application/json;charset=utf-8"),
                    ],
                    document,
                )

        def _relay(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
            for attempt in range(2):
                with facade.idle_lock:
                    connection = facade.idle.pop() if facade.idle and not attempt else None
                if connection is None:
                    connection = http.client.HTTPConnection(*facade.upstream, timeout=60)
                try:
                    forwarded = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                    forwarded["Content-Length"] = str(len(body))
                    connection.request(self.command, self.path, body=body, headers=forwarded)
                    response = connection.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException):
                    connection.close()  # a stale idle connection: try once more on a new one
                    if attempt:
                        raise
                    continue
                with facade.idle_lock:
                    facade.idle.append(connection)
                return response.status, response.reason, list(response.getheaders()), data
            raise AssertionError("unreachable")

        def _answer(self, status: int, reason: str, headers: list[tuple[str, str]], data: bytes) -> None:
            self.send_response(status, reason)
            length = str(len(data))
            for key, value in headers:
                if key.lower() == "content-length" and self.command == "HEAD":
                    length = value  # a HEAD tells the length of the body it does not send
                elif key.lower() not in _HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", length)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    return Handler


def walk(facade: HnsFacade, container: str) -> Iterator[tuple[str, str]]:
    """Every (name, kind) of the container as the facade sees it."""
    client = facade.container(container)
    for blob in client.list_blobs(include=["metadata"]):
        yield blob.name, "directory" if (blob.metadata or {}).get("hdi_isfolder") == "true" else "file"


class DfsServerProcess:
    """The facade run as a process of its own (``python _dfs_server.py``), stopped by its pid."""

    def __init__(self, azurite_connection_string: str, azurite_account_url: str) -> None:
        self._connection_string = azurite_connection_string
        self._account_path = urllib.parse.urlsplit(azurite_account_url).path.rstrip("/")
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self) -> DfsServerProcess:
        environment = {**os.environ, ENV: self._connection_string}
        self._process = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # the server prints its port once it listens
        if not line:
            self.stop()
            raise RuntimeError("the DFS test server did not start")
        self.port = int(json.loads(line)["port"])
        return self

    @property
    def account_url(self) -> str:
        """The blob (and DFS) endpoint of the facade's account."""
        return f"http://127.0.0.1:{self.port}{self._account_path}"

    @property
    def dfs_calls(self) -> list[tuple[str, str, int, str]]:
        """Every DFS call served so far: (kind, path, status, error code)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{CALLS_PATH}", timeout=30) as answer:
            return [tuple(call) for call in json.loads(answer.read())]  # type: ignore[misc]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


def main() -> None:
    """Serve the facade over the Azurite named by ``DFS_UPSTREAM_CONNECTION_STRING`` until terminated."""
    connection_string = os.environ[ENV]
    settings = dict(item.split("=", 1) for item in connection_string.split(";") if "=" in item)
    facade = HnsFacade(connection_string, settings["BlobEndpoint"])
    # Orphaned (the test process died without stopping it): stdin ends, the server exits.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    print(json.dumps({"port": facade.port}), flush=True)
    try:
        facade.serve()
    finally:
        facade.close()


__all__ = ["DfsError", "DfsServerProcess", "HnsFacade", "walk"]

if __name__ == "__main__":
    main()
