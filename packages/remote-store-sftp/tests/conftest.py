"""Fixtures: a private OpenSSH sshd on 127.0.0.1 for the session, a fresh root folder per test.

sshd is started once per session through ``tools/sshd_server.py`` and stopped by its PID. Where
``sshd`` is not installed the tests that need it skip, naming the packages to install, unless
``REMOTE_STORE_SFTP_REQUIRED=1`` (CI), which turns that skip into a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from remote_store.backends.sftp import SFTPBackend

REQUIRED_ENV = "REMOTE_STORE_SFTP_REQUIRED"
TOOL = Path(__file__).resolve().parents[3] / "tools" / "sshd_server.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_sshd_server", TOOL)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {TOOL}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


sshd_tool = _tool()


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The running sshd (``tools/sshd_server.SshdServer``)."""
    reason = sshd_tool.missing_reason()
    if reason is not None:
        if os.environ.get(REQUIRED_ENV) == "1":
            pytest.fail(f"{REQUIRED_ENV}=1 but sshd cannot run: {reason}")
        pytest.skip(f"no OpenSSH sshd: {reason}")
    server = sshd_tool.start(tmp_path_factory.mktemp("sshd"))
    yield server
    sshd_tool.stop(server)


@pytest.fixture
def server_root(sshd: Any) -> Iterator[Path]:
    """A fresh, empty folder on the server (its local path: sshd runs on this machine)."""
    root = Path(sshd.data) / uuid.uuid4().hex
    root.mkdir()
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def make_backend(sshd: Any, server_root: Path) -> Iterator[Callable[..., SFTPBackend]]:
    """Build backends on ``server_root`` (key login, the server's known_hosts); closed afterwards."""
    made: list[SFTPBackend] = []

    def make(**options: Any) -> SFTPBackend:
        settings: dict[str, Any] = {
            "host": sshd.host,
            "port": sshd.port,
            "username": sshd.username,
            "private_key": sshd.client_key,
            "known_hosts": sshd.known_hosts,
            "root": str(server_root),
        }
        settings.update(options)
        backend = SFTPBackend(**settings)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def backend(make_backend: Callable[..., SFTPBackend]) -> SFTPBackend:
    return make_backend()


@pytest.fixture
def conformance_backend(make_backend: Callable[..., SFTPBackend]) -> SFTPBackend:
    return make_backend()


@pytest.fixture
def conformance_faults() -> Any:
    # Every SFTP request the client sends can fail: the suite fails each in turn (CONF-009).
    from remote_store.backends.sftp._pool import asyncssh_module
    from remote_store_conformance import FaultInjector

    asyncssh = asyncssh_module()  # imported as the backend does (its import warns: see there)
    from remote_store_conformance._support import error_chain

    handler_class = asyncssh.sftp.SFTPClientHandler

    class SFTPRequestFaults(FaultInjector):
        """Fails the n-th SFTP request with the generic failure a server answers on I/O errors."""

        def __init__(self) -> None:
            self._original = handler_class._send_request
            self._left = 0
            self._fired: BaseException | None = None
            self._armed = False

        def arm(self, skip: int) -> None:
            self.disarm()
            self._left, self._fired, self._armed = skip, None, True
            faults, original = self, self._original

            # Every request passes here, asyncssh's own and the backend's lean readdir alike; the
            # failure is raised where the request would be sent, as the server's answer would be.
            def failing(handler: Any, *args: Any, **kwargs: Any) -> Any:
                if faults._armed and faults._fired is None:
                    if faults._left == 0:
                        faults._fired = asyncssh.SFTPFailure("injected fault")
                        raise faults._fired
                    faults._left -= 1
                return original(handler, *args, **kwargs)

            handler_class._send_request = failing

        def disarm(self) -> bool:
            handler_class._send_request = self._original
            self._armed = False
            return self._fired is not None

        def reported_by(self, error: BaseException) -> bool:
            return any(link is self._fired for link in error_chain(error))

    return SFTPRequestFaults()


@pytest.fixture
def conformance_links(server_root: Path, tmp_path: Path) -> Any:
    # sshd serves this machine's file system: links are made there directly (CONF-010).
    from remote_store_conformance import OsLinks

    return OsLinks(server_root, tmp_path / "outside")


@pytest.fixture
def conformance_litter(conformance_backend: SFTPBackend, server_root: Path) -> Any:
    # What a writer killed mid-write leaves: a named temporary file beside the target (CONF-011).
    from remote_store.backends.sftp._names import is_temp_name, new_temp_name
    from remote_store_conformance import LitterMaker

    class SFTPLitter(LitterMaker):
        def leave(self, folder: str, *, age: float) -> str:
            place = server_root / folder
            place.mkdir(parents=True, exist_ok=True)
            name = new_temp_name()
            (place / name).write_bytes(b"the first part of a file whose writer was killed")
            touched = time.time() - age
            os.utime(place / name, (touched, touched))
            return f"{folder}/{name}" if folder else name

        def count(self) -> int:
            return sum(1 for _, _, names in os.walk(server_root) for name in names if is_temp_name(name))

        def sweep(self, older_than: float) -> int:
            return conformance_backend.remove_temp_files(older_than=older_than)

    return SFTPLitter()
