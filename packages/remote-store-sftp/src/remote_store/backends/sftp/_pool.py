"""``Pool``: the SSH connections of one backend, opened on demand, each with one SFTP session.

Everything here runs on the backend's event-loop thread. asyncssh is imported with the first
connection, never when the backend is built (SFTP-002).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import warnings
from types import ModuleType
from typing import Any

from remote_store import BackendUnavailable, ConfigError, PermissionDenied
from remote_store.backend_tools import OperationContext

from ._coalesce import coalesce_writes
from ._folders import KnownFolders
from ._options import Options

__all__ = ["Connection", "Pool", "asyncssh_module", "server_extensions"]

# Preferred first: AES-GCM has hardware support on every current x86-64 and ARMv8 CPU; asyncssh's
# default (chacha20-poly1305) cost about 40% of upload speed here (docs/backends/sftp.md).
_PREFERRED_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")


def asyncssh_module() -> ModuleType:
    """asyncssh, imported on first use.

    Its import warns about DSA deprecations in newer ``cryptography`` releases; those notices are
    about asyncssh's own code, not the caller's, so they are silenced for the import only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import asyncssh
    return asyncssh


_EXTENSION_FLAGS = {
    "posix-rename@openssh.com": "_supports_posix_rename",
    "hardlink@openssh.com": "_supports_hardlink",
    "fsync@openssh.com": "_supports_fsync",
    "statvfs@openssh.com": "_supports_statvfs",
    "copy-data": "_supports_copy_data",
}


def server_extensions(sftp: Any) -> frozenset[str]:
    """The OpenSSH extensions the server announced, of those the backend uses (for reports only).

    The backend does not branch on this: asyncssh raises ``SFTPOpUnsupported`` for an extension
    the server lacks, and the backend falls back there (SFTP-015).
    """
    handler = getattr(sftp, "_handler", None)
    return frozenset(name for name, flag in _EXTENSION_FLAGS.items() if getattr(handler, flag, False))


class Connection:
    """One SSH connection and its SFTP client; ``busy`` counts the calls using it now."""

    __slots__ = ("busy", "connection", "sftp")

    def __init__(self, connection: Any, sftp: Any) -> None:
        self.connection = connection
        self.sftp = sftp
        self.busy = 0

    @property
    def alive(self) -> bool:
        """False once the connection was lost or closed."""
        return not self.connection.is_closed()


def _ciphers(asyncssh: ModuleType) -> list[str]:
    available = [name.decode() for name in asyncssh.encryption.get_default_encryption_algs()]
    return [name for name in _PREFERRED_CIPHERS if name in available] + [
        name for name in available if name not in _PREFERRED_CIPHERS
    ]


def _known_hosts_line(host: str, port: int, key: Any) -> str:
    pattern = host if port == 22 else f"[{host}]:{port}"
    kind, blob = key.export_public_key("openssh").decode().split()[:2]
    return f"{pattern} {kind} {blob}\n"


class Pool:
    """Up to ``max_connections`` connections to the server, opened when calls need them.

    A call takes the least busy live connection; a new one is opened while every live one is
    busy and the limit is not reached. A lost connection is dropped, so the next call connects
    anew (SFTP-008).
    """

    def __init__(self, options: Options) -> None:
        self._options = options
        self._connections: list[Connection] = []
        self._opening: asyncio.Lock | None = None
        self.real_root: str | None = None
        self.extensions: frozenset[str] = frozenset()
        self.folders = KnownFolders()
        """Folders below the real root known to exist, shared by the connections (SFTP-019)."""

    async def acquire(self, context: OperationContext) -> Connection:
        """The connection for one call (its ``busy`` count raised; ``release`` lowers it).

        Raises:
            BackendUnavailable: the server cannot be reached.
            PermissionDenied: the host key is refused or the login failed.
            ConfigError: the key file or ``root`` is unusable.
        """
        self._connections = [each for each in self._connections if each.alive]
        if self._opening is None:
            self._opening = asyncio.Lock()
        best = min(self._connections, key=lambda each: each.busy, default=None)
        if best is None or (best.busy and len(self._connections) < self._options.max_connections):
            async with self._opening:
                self._connections = [each for each in self._connections if each.alive]
                best = min(self._connections, key=lambda each: each.busy, default=None)
                if best is None or (best.busy and len(self._connections) < self._options.max_connections):
                    best = await self._open(context)
                    self._connections.append(best)
        best.busy += 1
        return best

    @staticmethod
    def release(connection: Connection) -> None:
        """End one call's use of ``connection``."""
        connection.busy -= 1

    async def _open(self, context: OperationContext) -> Connection:
        asyncssh = asyncssh_module()
        options = self._options
        refused: list[Any] = []
        known_hosts: Any
        if options.host_key_policy == "accept-any":
            known_hosts = None
        elif os.path.exists(options.known_hosts):
            try:
                known_hosts = asyncssh.read_known_hosts(options.known_hosts)
            except (OSError, ValueError) as error:
                raise context.error(
                    ConfigError, f"option 'known_hosts': cannot read {options.known_hosts}"
                ) from error
        else:
            known_hosts = asyncssh.import_known_hosts("")
        policy = options.host_key_policy
        known_file = options.known_hosts

        class _HostKeyCheck(asyncssh.SSHClient):  # type: ignore[misc,name-defined]
            # Called for a key known_hosts does not trust: refuse it, or record it (accept-new)
            # when known_hosts holds no key at all for this host (a changed key is refused).
            def validate_host_public_key(self, host: str, addr: str, port: int, key: Any) -> bool:
                if policy == "accept-new":
                    trusted = asyncssh.match_known_hosts(known_hosts, host, addr, port)[0]
                    if not trusted:
                        os.makedirs(os.path.dirname(known_file) or ".", exist_ok=True)
                        with open(known_file, "a", encoding="ascii") as stream:
                            stream.write(_known_hosts_line(options.host, options.port, key))
                        return True
                refused.append(key)
                return False

        try:
            connection = await asyncio.wait_for(
                asyncssh.connect(
                    options.host,
                    options.port,
                    username=options.username,
                    password=options.password,
                    client_keys=[options.private_key] if options.private_key else (),
                    passphrase=options.private_key_passphrase,
                    known_hosts=known_hosts,
                    client_factory=_HostKeyCheck,
                    encryption_algs=_ciphers(asyncssh),
                    keepalive_interval=options.keepalive,
                    login_timeout=options.connect_timeout,
                    # Only the options given: no ssh config file, agent or default keys of the
                    # user running the program change what the backend does (SFTP-003).
                    config=None,
                    agent_path=None,
                    preferred_auth="publickey,password,keyboard-interactive",
                ),
                options.connect_timeout,
            )
        except asyncssh.HostKeyNotVerifiable as error:
            found = f" (key fingerprint {refused[0].get_fingerprint('sha256')})" if refused else ""
            raise context.error(
                PermissionDenied,
                f"host key of {options.host_label}{found} is not trusted by known_hosts "
                f"{options.known_hosts} (host_key_policy={options.host_key_policy!r}): refused",
            ) from error
        except asyncssh.PermissionDenied as error:
            raise context.error(
                PermissionDenied,
                f"login to {options.host_label} as {options.username or 'the local user'} refused",
            ) from error
        except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as error:
            raise context.error(
                ConfigError, "option 'private_key': cannot load the key (wrong file or passphrase)"
            ) from error
        except (OSError, asyncio.TimeoutError, asyncssh.Error) as error:
            raise context.error(BackendUnavailable, f"cannot connect to {options.host_label}") from error
        # Requests sent together leave in one socket write, not two per request (SFTP-022).
        coalesce_writes(connection)
        try:
            sftp = await connection.start_sftp_client(path_errors="surrogateescape")
            if self.real_root is None:
                self.real_root = await self._root(context, sftp)
            self.extensions = server_extensions(sftp)
        except BaseException:
            # Waited for, so that its socket is gone when the failed call returns (BACKEND-014).
            connection.close()
            with contextlib.suppress(Exception):
                await connection.wait_closed()
            raise
        return Connection(connection, sftp)

    async def _root(self, context: OperationContext, sftp: Any) -> str:
        asyncssh = asyncssh_module()
        root = self._options.root or "."
        try:
            real = str(await sftp.realpath(root))
            attrs = await sftp.stat(real)
        except asyncssh.SFTPError as error:
            raise context.error(
                ConfigError, f"option 'root': no folder {root!r} on {self._options.host_label}"
            ) from error
        if attrs.type != asyncssh.FILEXFER_TYPE_DIRECTORY:
            raise context.error(
                ConfigError, f"option 'root': {root!r} on {self._options.host_label} is not a folder"
            )
        return real

    async def close(self) -> None:
        """Close every connection and wait until they are closed."""
        connections, self._connections = self._connections, []
        for each in connections:
            each.connection.close()
        for each in connections:
            with contextlib.suppress(Exception):  # a connection already broken is closed too
                await each.connection.wait_closed()
