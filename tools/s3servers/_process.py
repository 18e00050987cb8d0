"""What ``ceph.py`` and ``moto.py`` share: ports, workdir, logs, HTTP probe, stop by PID, state file, CLI.

Stdlib only. Imported as ``tools.s3servers._process`` when the servers are used as a package, and
as the top-level module ``_process`` (from this folder) when they run as scripts or are loaded
from their file path.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

__all__ = [
    "KILL_GRACE",
    "OPENER",
    "ServerInfo",
    "abandon",
    "cli_parser",
    "detach",
    "free_port",
    "http_answers",
    "kill_pids",
    "parse_cli",
    "pick_port",
    "port_is_free",
    "prepare_workdir",
    "remove_workdir",
    "run_cli",
    "tail",
    "write_state",
]

#: Seconds between SIGTERM and SIGKILL in :func:`kill_pids`.
KILL_GRACE = 5.0

_ServerT = TypeVar("_ServerT", bound="ServerInfo")
# A string: argparse's class cannot be subscripted at run time.
_SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


@dataclasses.dataclass
class ServerInfo:
    """The fields every server description has; ``CephServer`` and ``MotoServer`` extend it.

    Attributes:
        endpoint_url: the S3 endpoint, ``http://127.0.0.1:PORT``.
        access_key: the S3 access key.
        secret_key: the S3 secret key.
        region: the region to sign for.
        workdir: the server's working directory (config, logs, data).
        pids: the server's process ids, in start order.
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
    def from_json(cls: type[_ServerT], data: dict[str, object]) -> _ServerT:
        """Rebuild a server description from :meth:`to_json`'s dict (extra keys are ignored).

        A field missing from ``data`` that has a default takes it; every field but ``pids`` is text.

        Raises:
            KeyError: if a field without a default is missing.
            ValueError: if ``pids`` is not a list of integers.
        """
        pids = data["pids"]
        if not isinstance(pids, list):
            raise ValueError("state file: 'pids' must be a list")
        values: dict[str, Any] = {"pids": [int(p) for p in pids]}
        for field in dataclasses.fields(cls):
            if field.name != "pids" and (field.name in data or field.default is dataclasses.MISSING):
                values[field.name] = str(data[field.name])
        return cls(**values)


# ------------------------------------------------------------------------------ ports and workdir


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """True if ``port`` on 127.0.0.1 can be bound now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def pick_port(port: int | None) -> int:
    """``port`` if it is free, a free port if it is None.

    Raises:
        RuntimeError: if ``port`` is taken.
    """
    port = port if port is not None else free_port()
    if not port_is_free(port):
        raise RuntimeError(f"port 127.0.0.1:{port} is already in use")
    return port


def prepare_workdir(workdir: str | None, prefix: str) -> Path:
    """A fresh temporary directory named ``prefix...`` if ``workdir`` is None, else ``workdir`` (created).

    Raises:
        RuntimeError: if ``workdir`` exists and is not empty (the server's stop deletes it).
    """
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix=prefix))
    path = Path(workdir).absolute()
    if path.exists() and any(path.iterdir()):
        raise RuntimeError(f"workdir {path} is not empty (stop() deletes it, so it must be new)")
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_workdir(workdir: Path, looks_ours: bool, logger: logging.Logger, why_not: str) -> None:
    """Delete ``workdir`` if ``looks_ours``; else, if it exists, leave it and warn ``{workdir} {why_not}``."""
    if looks_ours:
        shutil.rmtree(workdir, ignore_errors=True)
    elif workdir.exists():
        logger.warning("%s %s: left in place", workdir, why_not)


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file (of its last 64 KiB), or why it cannot be read."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            data = fh.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"(cannot read: {exc})"
    return "\n".join(data.splitlines()[-lines:])


# ------------------------------------------------------------------------------------ HTTP probe

#: Loopback only: never through an http_proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_answers(url: str) -> bool:
    """True once anything answers HTTP at ``url``, whatever the status code."""
    try:
        with OPENER.open(url, timeout=2) as resp:
            resp.read()
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:  # URLError, connection refused or reset, timeout
        return False


# ------------------------------------------------------------------------------- process control


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


def kill_pids(
    pids: Sequence[int], markers: Sequence[str], logger: logging.Logger, grace: float = KILL_GRACE
) -> None:
    """SIGTERM the pids, wait up to ``grace`` seconds, SIGKILL the survivors; warnings go to ``logger``.

    A pid is only signalled while its command line contains every marker, so a pid that the
    kernel has since given to another program is left alone. Pids already gone are skipped.
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


def abandon(
    procs: Sequence[subprocess.Popen[bytes]], markers: Sequence[str], workdir: Path, logger: logging.Logger
) -> None:
    """Undo a failed start: stop ``procs`` one at a time, last started first, and delete ``workdir``."""
    for proc in reversed(procs):
        kill_pids([proc.pid], markers, logger)
        proc.poll()
    shutil.rmtree(workdir, ignore_errors=True)


def detach(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    """Let started servers outlive their Popen objects.

    Marks them done so that Popen's finalizer neither warns nor reaps them; the server's stop
    reaps them (:func:`kill_pids`) if we are still the parent.
    """
    for proc in procs:
        proc.returncode = 0


# ------------------------------------------------------------------------------------------- CLI


def write_state(path: str, data: dict[str, object]) -> None:
    """Write ``data`` as JSON to ``path`` atomically (a temporary file beside it, then a rename)."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


def cli_parser(
    description: str, thing: str, port_help: str
) -> tuple[argparse.ArgumentParser, _SubParsers, argparse.ArgumentParser]:
    """The CLI's parser with ``-q``, ``start --state --workdir --port`` and ``stop --state``.

    Args:
        description: the program's description.
        thing: what ``start`` starts, in the sub-commands' help ("cluster", "server").
        port_help: the help of ``start --port``.

    Returns:
        The parser, its sub-parsers (to add commands to) and the ``start`` parser (to add options to).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help=f"start the {thing}, write a JSON state file, exit")
    p_start.add_argument("--state", required=True, help="JSON state file to write")
    p_start.add_argument("--workdir", default=None, help="new or empty directory (default: a temp dir)")
    p_start.add_argument("--port", type=int, default=None, help=port_help)
    p_stop = sub.add_parser("stop", help=f"stop the {thing} that a state file describes")
    p_stop.add_argument("--state", required=True, help="JSON state file written by 'start'")
    return parser, sub, p_start


def parse_cli(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv`` and send log lines to stderr (INFO and up, WARNING and up with ``-q``).

    Raises:
        SystemExit: for ``--help`` or wrong arguments (argparse's usage message).
    """
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(name)s: %(message)s",
        stream=sys.stderr,
    )
    return args


def run_cli(
    args: argparse.Namespace,
    start: Callable[[], _ServerT],
    stop: Callable[[_ServerT], None],
    server_type: type[_ServerT],
) -> int:
    """Run the ``start`` or ``stop`` command; the exit status.

    ``start`` calls ``start()``, writes the description (plus ``start_seconds``) to the state file
    and stdout, and leaves the server running; a RuntimeError is printed and gives status 1.
    ``stop`` rebuilds the description from the state file, calls ``stop`` and deletes the file;
    a missing state file gives status 1.
    """
    if args.command == "start":
        t0 = time.monotonic()
        try:
            server = start()
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        data = server.to_json()
        data["start_seconds"] = round(time.monotonic() - t0, 2)
        write_state(args.state, data)
        print(json.dumps(data))
        return 0
    try:
        with open(args.state, encoding="utf-8") as fh:
            state = json.load(fh)
    except FileNotFoundError:
        print(f"error: no state file {args.state}", file=sys.stderr)
        return 1
    stop(server_type.from_json(state))
    os.unlink(args.state)
    return 0
