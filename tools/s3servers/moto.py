"""Start and stop moto's S3-compatible server on 127.0.0.1 as a plain process.

Standalone and stdlib only; ``moto[server]`` must be installed in the calling interpreter's
environment (``pip install "moto[server]"``), or its ``moto_server`` script must be on PATH. The
server runs ``python -m moto.server -H 127.0.0.1 -p PORT`` in a session of its own.

moto is a fake: it checks no signatures and no Content-MD5, reads a whole object for every
ranged GET, and keeps every object in its memory. Use it for fast functional tests; use
``ceph.py`` (a real radosgw) for signatures, timings and memory.

Library use::

    from tools.s3servers import moto

    server = moto.start()
    try:
        ...  # boto3.client("s3", endpoint_url=server.endpoint_url, ...)
    finally:
        moto.stop(server)

Command line (``start`` leaves the server running and exits)::

    python tools/s3servers/moto.py start --state /tmp/moto-s3.json
    python tools/s3servers/moto.py stop --state /tmp/moto-s3.json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.machinery
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "ACCESS_KEY",
    "REGION",
    "SECRET_KEY",
    "MotoServer",
    "main",
    "server_command",
    "start",
    "stop",
]

logger = logging.getLogger("s3servers.moto")

#: moto accepts any credentials; these are the conventional dummy ones.
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"

#: Default bound, in seconds, on the start.
DEFAULT_TIMEOUT = 60.0
#: Seconds between SIGTERM and SIGKILL in :func:`stop`.
KILL_GRACE = 5.0

_LOG_NAME = "moto.log"
_MARKER = "moto"


@dataclasses.dataclass
class MotoServer:
    """A running moto server, as :func:`start` returns it and the CLI's state file stores it.

    Attributes:
        endpoint_url: the S3 endpoint, ``http://127.0.0.1:PORT``.
        access_key: dummy access key (moto accepts any).
        secret_key: dummy secret key (moto checks no signature).
        region: the region to sign for (``us-east-1``).
        workdir: the directory holding the server's log (and its working directory).
        pids: the server's process id (one element).
    """

    endpoint_url: str
    access_key: str
    secret_key: str
    region: str
    workdir: str
    pids: list[int]

    def to_json(self) -> dict[str, object]:
        """The fields as a JSON-ready dict (the CLI's state file)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> MotoServer:
        """Rebuild a server description from :meth:`to_json`'s dict (extra keys are ignored).

        Raises:
            KeyError: if a field is missing.
            ValueError: if ``pids`` is not a list of integers.
        """
        pids = data["pids"]
        if not isinstance(pids, list):
            raise ValueError("state file: 'pids' must be a list")
        return cls(
            endpoint_url=str(data["endpoint_url"]),
            access_key=str(data["access_key"]),
            secret_key=str(data["secret_key"]),
            region=str(data["region"]),
            workdir=str(data["workdir"]),
            pids=[int(p) for p in pids],
        )


# ------------------------------------------------------------------------------------------ helpers


def server_command(port: int) -> list[str]:
    """The command that runs moto's server on 127.0.0.1:``port``.

    ``python -m moto.server`` with the current interpreter where moto is importable, else the
    ``moto_server`` script from PATH.

    Raises:
        RuntimeError: if neither is available.
    """
    # Run as a script, this file's folder is sys.path[0] and this very moto.py would shadow the
    # real package: look for moto everywhere but here.
    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("moto", path)
    if spec is not None and spec.submodule_search_locations:
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    script = shutil.which("moto_server")
    if script is not None:
        return [script, "-H", "127.0.0.1", "-p", str(port)]
    raise RuntimeError(
        f"moto is not installed for {sys.executable} and no moto_server is on PATH: "
        f"pip install 'moto[server]'"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            data = fh.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"(cannot read: {exc})"
    return "\n".join(data.splitlines()[-lines:])


# Loopback only: never through an http_proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_answers(url: str) -> bool:
    """True once anything answers HTTP at ``url``, whatever the status code."""
    try:
        with _OPENER.open(url, timeout=2) as resp:
            resp.read()
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:  # URLError, connection refused or reset, timeout
        return False


def _proc_cmdline(pid: int) -> str | None:
    """The process's command line ("" where /proc cannot tell), None if it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except FileNotFoundError:
        return None
    except OSError:
        return ""


def _reap(pid: int) -> bool:
    """Reap ``pid`` if it is our own exited child; True if it was."""
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == pid
    return False


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone; our own zombie child is reaped)."""
    if _reap(pid):
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
        if state in (b"Z", b"X"):
            _reap(pid)  # it may have exited just after the first try
            return False
        return True
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_gone(pids: Sequence[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)


def _kill_pids(pids: Sequence[int], markers: Sequence[str], grace: float = KILL_GRACE) -> None:
    """SIGTERM the pids, wait up to ``grace`` seconds, SIGKILL the survivors.

    A pid is only signalled while its command line contains every marker, so a pid that the
    kernel has since given to another program is left alone.
    """
    targets = []
    for pid in pids:
        if pid <= 1 or not _alive(pid):
            continue
        cmdline = _proc_cmdline(pid)
        if cmdline is None:
            continue
        if cmdline and not all(m in cmdline for m in markers):
            logger.warning("pid %d is no longer ours (%s): not signalled", pid, cmdline[:200])
            continue
        targets.append(pid)
    for pid in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    _wait_gone(targets, grace)
    for pid in targets:
        if _alive(pid):
            logger.warning("pid %d still running %.0f s after SIGTERM: SIGKILL", pid, grace)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    _wait_gone(targets, 5.0)


def _markers(endpoint_url: str) -> tuple[str, str]:
    return (_MARKER, endpoint_url.rsplit(":", 1)[1].rstrip("/"))


# ------------------------------------------------------------------------------------ public API


def start(
    workdir: str | None = None, port: int | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> MotoServer:
    """Start moto's server and return once it answers HTTP (about 1 s).

    The server runs in a session of its own and outlives the calling process: always pair with
    :func:`stop`.

    Args:
        workdir: a new or empty directory for the log; :func:`stop` deletes it. Default: a fresh
            temporary directory.
        port: the TCP port on 127.0.0.1. Default: a free one.
        timeout: bound in seconds on the start.

    Returns:
        The running server's description.

    Raises:
        RuntimeError: if moto is not installed, the port is taken, the workdir is not empty, or the
            server did not answer in time (then it has been stopped, the workdir deleted, and the
            message ends with the log's tail).
    """
    port = port if port is not None else _free_port()
    if not _port_is_free(port):
        raise RuntimeError(f"port 127.0.0.1:{port} is already in use")
    cmd = server_command(port)
    if workdir is None:
        path = Path(tempfile.mkdtemp(prefix="moto-s3-"))
    else:
        path = Path(workdir).absolute()
        if path.exists() and any(path.iterdir()):
            raise RuntimeError(f"workdir {path} is not empty (stop() deletes it, so it must be new)")
        path.mkdir(parents=True, exist_ok=True)
    endpoint = f"http://127.0.0.1:{port}"
    log = path / _LOG_NAME
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    t0 = time.monotonic()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            # A fresh directory as cwd: `python -m` puts the cwd first on sys.path, where a
            # moto.py (like this one) would shadow the real package.
            cwd=path,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    try:
        deadline = t0 + timeout
        while not _http_answers(endpoint + "/"):
            code = proc.poll()
            if code is not None:
                raise RuntimeError(f"{' '.join(cmd)} exited with status {code}")
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{' '.join(cmd)} did not answer within {timeout:.0f} s")
            time.sleep(0.05)
    except BaseException as exc:
        tail = _tail(log)
        _kill_pids([proc.pid], _markers(endpoint))
        proc.poll()
        shutil.rmtree(path, ignore_errors=True)
        if isinstance(exc, Exception):
            raise RuntimeError(
                f"moto did not start: {exc}\n--- {_LOG_NAME} (last lines) ---\n{tail}"
            ) from exc
        raise
    logger.info("moto answers at %s after %.1f s", endpoint, time.monotonic() - t0)
    # The server outlives its Popen object on purpose: mark it done so that Popen's finalizer
    # neither warns nor reaps it; stop() reaps it if we are still the parent.
    proc.returncode = 0
    return MotoServer(
        endpoint_url=endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        workdir=str(path),
        pids=[proc.pid],
    )


def stop(server: MotoServer) -> None:
    """Stop the server by pid (SIGTERM, SIGKILL after 5 s) and delete its workdir.

    Calling it twice is harmless.

    Args:
        server: what :func:`start` returned (or :meth:`MotoServer.from_json` rebuilt).
    """
    _kill_pids(server.pids, _markers(server.endpoint_url))
    workdir = Path(server.workdir)
    if workdir.is_dir() and all(p.name == _LOG_NAME for p in workdir.iterdir()):
        shutil.rmtree(workdir, ignore_errors=True)
    elif workdir.exists():
        logger.warning("%s holds more than moto's log: left in place", workdir)


# ------------------------------------------------------------------------------------------- CLI


def _write_state(path: str, data: dict[str, object]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``start --state FILE``, ``stop --state FILE``.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(description="moto's S3 server on 127.0.0.1.")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="start the server, write a JSON state file, exit")
    p_start.add_argument("--state", required=True, help="JSON state file to write")
    p_start.add_argument("--workdir", default=None, help="new or empty directory (default: a temp dir)")
    p_start.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    p_start.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds")
    p_stop = sub.add_parser("stop", help="stop the server that a state file describes")
    p_stop.add_argument("--state", required=True, help="JSON state file written by 'start'")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(name)s: %(message)s",
        stream=sys.stderr,
    )

    if args.command == "start":
        t0 = time.monotonic()
        try:
            server = start(args.workdir, args.port, timeout=args.timeout)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        data = server.to_json()
        data["start_seconds"] = round(time.monotonic() - t0, 2)
        _write_state(args.state, data)
        print(json.dumps(data))
        return 0
    try:
        with open(args.state, encoding="utf-8") as fh:
            state = json.load(fh)
    except FileNotFoundError:
        print(f"error: no state file {args.state}", file=sys.stderr)
        return 1
    stop(MotoServer.from_json(state))
    os.unlink(args.state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
