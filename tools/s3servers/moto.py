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

import dataclasses
import importlib.machinery
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING or __package__:
    from . import _process
else:  # run as a script, or loaded from its file path (the S3 tests' conftest): not in a package
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _process

    del sys.path[0]

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
KILL_GRACE = _process.KILL_GRACE

_LOG_NAME = "moto.log"
_MARKER = "moto"


@dataclasses.dataclass
class MotoServer(_process.ServerInfo):
    """A running moto server, as :func:`start` returns it and the CLI's state file stores it.

    ``to_json()`` gives the fields as a JSON-ready dict; ``MotoServer.from_json(data)`` rebuilds it
    (extra keys ignored; KeyError for a missing field, ValueError if ``pids`` is not a list of
    integers).

    Attributes:
        endpoint_url: the S3 endpoint, ``http://127.0.0.1:PORT``.
        access_key: dummy access key (moto accepts any).
        secret_key: dummy secret key (moto checks no signature).
        region: the region to sign for (``us-east-1``).
        workdir: the directory holding the server's log (and its working directory).
        pids: the server's process id (one element).
    """


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
    port = _process.pick_port(port)
    cmd = server_command(port)
    path = _process.prepare_workdir(workdir, "moto-s3-")
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
        while not _process.http_answers(endpoint + "/"):
            code = proc.poll()
            if code is not None:
                raise RuntimeError(f"{' '.join(cmd)} exited with status {code}")
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{' '.join(cmd)} did not answer within {timeout:.0f} s")
            time.sleep(0.05)
    except BaseException as exc:
        tail = _process.tail(log)
        _process.abandon([proc], _markers(endpoint), path, logger)
        if isinstance(exc, Exception):
            raise RuntimeError(
                f"moto did not start: {exc}\n--- {_LOG_NAME} (last lines) ---\n{tail}"
            ) from exc
        raise
    logger.info("moto answers at %s after %.1f s", endpoint, time.monotonic() - t0)
    _process.detach([proc])
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
    _process.kill_pids(server.pids, _markers(server.endpoint_url), logger)
    workdir = Path(server.workdir)
    looks_ours = workdir.is_dir() and all(p.name == _LOG_NAME for p in workdir.iterdir())
    _process.remove_workdir(workdir, looks_ours, logger, "holds more than moto's log")


# ------------------------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``start --state FILE``, ``stop --state FILE``.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    parser, _, p_start = _process.cli_parser(
        "moto's S3 server on 127.0.0.1.", "server", "port (default: a free one)"
    )
    p_start.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds")
    args = _process.parse_cli(parser, argv)
    return _process.run_cli(
        args, lambda: start(args.workdir, args.port, timeout=args.timeout), stop, MotoServer
    )


if __name__ == "__main__":
    sys.exit(main())
