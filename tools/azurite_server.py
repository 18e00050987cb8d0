"""Install, start and stop Azurite's blob service (the Azure Storage emulator) on 127.0.0.1.

Standalone and stdlib only; needs Node.js and npm. Azurite is installed with npm, pinned to
``AZURITE_VERSION``, into a cache folder (``REMOTE_STORE_AZURITE_HOME``, default
``~/.cache/remote-store/azurite-<version>``) the first time it is needed, and runs as
``azurite-blob --blobHost 127.0.0.1 --blobPort PORT --location <fresh dir> --skipApiVersionCheck
--disableTelemetry --silent`` in a session of its own, stopped by its pid.

``--skipApiVersionCheck`` because azure-storage-blob sends API versions newer than Azurite knows.
What Azurite does differently from Azure (seen here): a failed ``If-None-Match: *`` is ``409
BlobAlreadyExists`` (Azure: ``412 ConditionNotMet``), copies complete at once, and there is no DFS
endpoint (no hierarchical namespace).

Library use::

    server = azurite_server.start()
    try:
        ...  # BlobServiceClient.from_connection_string(server.connection_string)
    finally:
        azurite_server.stop(server)

Command line (``start`` leaves the server running and exits)::

    python tools/azurite_server.py install
    python tools/azurite_server.py start --state /tmp/azurite.json
    python tools/azurite_server.py stop --state /tmp/azurite.json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "ACCOUNT_KEY",
    "ACCOUNT_NAME",
    "AZURITE_VERSION",
    "AzuriteServer",
    "InstallError",
    "install",
    "main",
    "start",
    "stop",
]

AZURITE_VERSION = "3.37.0"
"""The pinned npm package version (``azurite@3.37.0``)."""

ACCOUNT_NAME = "devstoreaccount1"
"""Azurite's development account."""
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
"""Azurite's published development key (public, not a secret)."""

HOME_ENV = "REMOTE_STORE_AZURITE_HOME"
_MARKER = "azurite-blob"
_INSTALL_TIMEOUT = 300.0
_START_TIMEOUT = 60.0


class InstallError(RuntimeError):
    """Azurite is not installed and cannot be (no Node.js or npm, or npm failed)."""


@dataclasses.dataclass(frozen=True)
class AzuriteServer:
    """A running Azurite blob service.

    Attributes:
        port: its TCP port on 127.0.0.1.
        location: the fresh folder holding its data and log (deleted by ``stop``).
        pid: its process id.
    """

    port: int
    location: str
    pid: int

    @property
    def account_url(self) -> str:
        """The blob endpoint, ``http://127.0.0.1:PORT/devstoreaccount1``."""
        return f"http://127.0.0.1:{self.port}/{ACCOUNT_NAME}"

    @property
    def connection_string(self) -> str:
        """A connection string for the development account on this server."""
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.account_url};"
        )

    def to_json(self) -> dict[str, object]:
        """The description as a JSON-ready dict (the state file of ``start``)."""
        return {**dataclasses.asdict(self), "connection_string": self.connection_string}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AzuriteServer:
        """Rebuild the description from ``to_json``'s dict."""
        return cls(port=int(str(data["port"])), location=str(data["location"]), pid=int(str(data["pid"])))


def home() -> Path:
    """The folder Azurite is (or will be) installed in."""
    configured = os.environ.get(HOME_ENV)
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "remote-store" / f"azurite-{AZURITE_VERSION}"


def executable() -> Path:
    """The ``azurite-blob`` script of the installation in ``home()`` (may not exist yet)."""
    return home() / "node_modules" / ".bin" / "azurite-blob"


def install() -> Path:
    """Install ``azurite@AZURITE_VERSION`` into ``home()`` unless it is there; its ``azurite-blob``.

    Raises:
        InstallError: Node.js or npm is missing, or ``npm install`` failed.
    """
    script = executable()
    if script.exists():
        return script
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise InstallError(f"cannot install Azurite: {tool!r} is not on PATH (install Node.js and npm)")
    target = home()
    target.mkdir(parents=True, exist_ok=True)
    command = [
        "npm",
        "install",
        "--prefix",
        str(target),
        f"azurite@{AZURITE_VERSION}",
        "--no-audit",
        "--no-fund",
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=_INSTALL_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InstallError(f"cannot install Azurite: {' '.join(command)}: {error}") from error
    if done.returncode != 0 or not script.exists():
        output = (done.stdout + done.stderr).decode("utf-8", "replace")[-2000:]
        raise InstallError(f"cannot install Azurite: {' '.join(command)} failed:\n{output}")
    return script


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start(*, port: int | None = None, timeout: float = _START_TIMEOUT) -> AzuriteServer:
    """Install Azurite if needed, start its blob service on a fresh location, wait until it listens.

    Always pair with ``stop``: the server runs in a session of its own.

    Raises:
        InstallError: Azurite is not installed and cannot be.
        RuntimeError: the server exited or did not listen within ``timeout`` seconds (it has been
            stopped; the message ends with its log).
    """
    script = install()
    port = port if port is not None else _free_port()
    location = Path(tempfile.mkdtemp(prefix="azurite-"))
    log = location / "azurite.log"
    command = [
        str(script),
        "--blobHost", "127.0.0.1",
        "--blobPort", str(port),
        "--location", str(location / "data"),
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--silent",
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=location,
            start_new_session=True,
            close_fds=True,
        )
    server = AzuriteServer(port=port, location=str(location), pid=process.pid)
    deadline = time.monotonic() + timeout
    while not _accepts(port):
        status = process.poll()
        if status is not None or time.monotonic() > deadline:
            stop(server)
            text = log.read_text("utf-8", "replace")[-2000:] if log.exists() else ""
            why = (
                f"exited with status {status}" if status is not None else f"did not listen in {timeout:.0f} s"
            )
            raise RuntimeError(f"Azurite {why}\n--- azurite.log ---\n{text}")
        time.sleep(0.05)
    process.returncode = 0  # stop() reaps it; Popen's finalizer must not warn
    return server


def _ours(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return _MARKER.encode() in handle.read()
    except OSError:
        return False


def stop(server: AzuriteServer, *, grace: float = 5.0) -> None:
    """Stop the server by pid (SIGTERM, SIGKILL after ``grace`` seconds), delete its location.

    Harmless when called twice; a pid that now runs something else is left alone.
    """
    if _ours(server.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _ours(server.pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(server.pid, os.WNOHANG)
            time.sleep(0.05)
        if _ours(server.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(server.pid, 0)
    shutil.rmtree(server.location, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``install``, ``start --state FILE``, ``stop --state FILE``; the exit status."""
    parser = argparse.ArgumentParser(description="Azurite's blob service on 127.0.0.1.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help=f"install azurite@{AZURITE_VERSION} into {home()}")
    for name in ("start", "stop"):
        sub.add_parser(name).add_argument("--state", required=True, help="JSON state file")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            print(install())
        elif args.command == "start":
            server = start()
            Path(args.state).write_text(json.dumps(server.to_json(), indent=2) + "\n", encoding="utf-8")
            print(json.dumps(server.to_json()))
        else:
            stop(AzuriteServer.from_json(json.loads(Path(args.state).read_text(encoding="utf-8"))))
            os.unlink(args.state)
    except (RuntimeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
