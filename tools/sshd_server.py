"""Start and stop a private OpenSSH ``sshd`` serving SFTP on 127.0.0.1, as a plain process.

Standalone and stdlib only. Each server gets its own working directory holding its config, its
own ed25519 host key, a client key pair allowed in its ``AuthorizedKeysFile``, a ``known_hosts``
file for clients (``[127.0.0.1]:PORT <key>``) and a ``data`` folder for tests to use as the
backend root. It runs ``sshd -D -e -f <config>`` in a session of its own (key authentication
only, ``internal-sftp``, ``UsePAM no``, ``StrictModes no``) and is stopped by its PID. The
Debian package ``openssh-server`` provides ``sshd`` (:data:`APT_PACKAGES`).

Library use::

    import sshd_server

    server = sshd_server.start("/tmp/sshd-work")
    try:
        ...  # connect to server.host:server.port as server.username with server.client_key
    finally:
        sshd_server.stop(server)

Command line (``start`` leaves sshd running and exits)::

    python tools/sshd_server.py start --workdir /tmp/sshd --state /tmp/sshd.json
    python tools/sshd_server.py stop --state /tmp/sshd.json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["APT_PACKAGES", "SSHD", "SshdServer", "main", "missing_reason", "start", "stop"]

APT_PACKAGES = ("openssh-server", "openssh-client")
"""The Debian packages providing ``sshd``, ``ssh-keygen`` and the ``sftp`` client."""

SSHD = os.environ.get("REMOTE_STORE_SSHD", "/usr/sbin/sshd")
"""The ``sshd`` program (``REMOTE_STORE_SSHD`` overrides the Debian location)."""

_READY_TIMEOUT = 15.0
# The processes this interpreter started, by PID: kept so that stop() reaps them (no zombie, and
# no ResourceWarning from a Popen collected while its process runs).
_PROCESSES: dict[int, subprocess.Popen[bytes]] = {}
_STOP_GRACE = 5.0


@dataclasses.dataclass
class SshdServer:
    """A running private sshd.

    Attributes:
        host: the address it listens on (``127.0.0.1``).
        port: the port it listens on.
        username: the account clients log in as (the user running the tests).
        client_key: path of the private key (unencrypted ed25519) the server accepts.
        known_hosts: path of a known_hosts file holding the server's host key for ``host:port``.
        host_key_fingerprint: the host key's SHA256 fingerprint, as ``ssh-keygen -l`` prints it.
        data: a folder below the working directory, free for tests (a backend root, say).
        workdir: the working directory (config, keys, log).
        pid: the sshd process id.
    """

    host: str
    port: int
    username: str
    client_key: str
    known_hosts: str
    host_key_fingerprint: str
    data: str
    workdir: str
    pid: int

    def log(self) -> str:
        """The end of sshd's log (its stderr), for failure messages."""
        with contextlib.suppress(OSError):
            return (Path(self.workdir) / "sshd.log").read_text(errors="replace")[-4000:]
        return ""


def missing_reason() -> str | None:
    """Why no sshd can be started here (a program missing), or ``None`` if one can."""
    for program in (SSHD, shutil.which("ssh-keygen") or "ssh-keygen"):
        if not os.access(program, os.X_OK):
            return (
                f"{program} not found: install the Debian packages {' '.join(APT_PACKAGES)} "
                "(apt-get install -y --no-install-recommends openssh-server openssh-client)"
            )
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "remote-store-test", "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )


def _fingerprint(public_key: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(public_key)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[1]


def _config(work: Path, port: int, extra: Sequence[str]) -> str:
    lines = [
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {work / 'host_key'}",
        f"PidFile {work / 'sshd.pid'}",
        f"AuthorizedKeysFile {work / 'authorized_keys'}",
        "UsePAM no",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "MaxSessions 64",
        "MaxStartups 64:30:128",
        "LogLevel ERROR",
        "Subsystem sftp internal-sftp",
        *extra,
    ]
    return "\n".join(lines) + "\n"


def _answers(port: int) -> bool:
    # sshd speaks first: a version line starting "SSH-" means it is ready for clients.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.settimeout(1.0)
            return connection.recv(4).startswith(b"SSH-")
    except OSError:
        return False


def start(
    workdir: str | os.PathLike[str], *, port: int | None = None, extra_config: Sequence[str] = ()
) -> SshdServer:
    """Start a private sshd with a fresh working directory and wait until it answers.

    Args:
        workdir: the folder for its config, keys, log and ``data``; created (must be empty or absent).
        port: the port to listen on; a free one by default.
        extra_config: more ``sshd_config`` lines.

    Raises:
        RuntimeError: sshd is missing (the reason says what to install) or did not come up.
    """
    reason = missing_reason()
    if reason is not None:
        raise RuntimeError(reason)
    work = Path(workdir).absolute()
    work.mkdir(parents=True, exist_ok=True)
    (work / "data").mkdir(exist_ok=True)
    _keygen(work / "host_key")
    _keygen(work / "client_key")
    (work / "authorized_keys").write_text((work / "client_key.pub").read_text())
    # sshd refuses to start without its privilege separation directory.
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    chosen = port or _free_port()
    host_public = (work / "host_key.pub").read_text().split()
    (work / "known_hosts").write_text(f"[127.0.0.1]:{chosen} {host_public[0]} {host_public[1]}\n")
    config = work / "sshd_config"
    config.write_text(_config(work, chosen, extra_config))
    with open(work / "sshd.log", "wb") as log:
        process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    _PROCESSES[process.pid] = process
    server = SshdServer(
        host="127.0.0.1",
        port=chosen,
        username=getpass.getuser(),
        client_key=str(work / "client_key"),
        known_hosts=str(work / "known_hosts"),
        host_key_fingerprint=_fingerprint(work / "host_key.pub"),
        data=str(work / "data"),
        workdir=str(work),
        pid=process.pid,
    )
    deadline = time.monotonic() + _READY_TIMEOUT
    while not _answers(chosen):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(server)
            raise RuntimeError(f"sshd did not start on port {chosen}:\n{server.log()}")
        time.sleep(0.05)
    return server


def stop(server: SshdServer) -> None:
    """Stop the server by its PID (SIGTERM, then SIGKILL after a grace period); idempotent.

    The sessions sshd forked for clients are in its process group and are stopped with it.
    """
    process = _PROCESSES.pop(server.pid, None)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + _STOP_GRACE
        while time.monotonic() < deadline:
            if process is not None:
                if process.poll() is not None:
                    return
                time.sleep(0.05)
                continue
            try:
                finished, _ = os.waitpid(server.pid, os.WNOHANG)
            except ChildProcessError:  # not our child (the CLI's stop): probe instead
                try:
                    os.kill(server.pid, 0)
                except ProcessLookupError:
                    return
                finished = 0
            if finished:
                return
            time.sleep(0.05)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``start --workdir DIR --state FILE`` and ``stop --state FILE``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    starting = commands.add_parser("start", help="start sshd and write its description to --state")
    starting.add_argument("--workdir", required=True)
    starting.add_argument("--state", required=True)
    starting.add_argument("--port", type=int, default=None)
    stopping = commands.add_parser("stop", help="stop the sshd described by --state")
    stopping.add_argument("--state", required=True)
    args = parser.parse_args(argv)
    if args.command == "start":
        server = start(args.workdir, port=args.port)
        Path(args.state).write_text(json.dumps(dataclasses.asdict(server), indent=2))
        print(json.dumps(dataclasses.asdict(server), indent=2))
        return 0
    stop(SshdServer(**json.loads(Path(args.state).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
