"""Start and stop a throw-away one-node Ceph cluster with radosgw (S3) on 127.0.0.1.

Standalone, stdlib only.  Runs one ceph-mon, one ceph-osd and one radosgw as plain
processes (no systemd, no containers), all state under one working directory.

Library use::

    from tools.s3servers import ceph

    ceph.ensure_installed()
    server = ceph.start()
    try:
        ...  # boto3.client("s3", endpoint_url=server.endpoint_url, ...)
    finally:
        ceph.stop(server)

Command line::

    python tools/s3servers/ceph.py install
    python tools/s3servers/ceph.py start --state /tmp/ceph-s3.json
    python tools/s3servers/ceph.py stop --state /tmp/ceph-s3.json

Use path-style addressing with the client (virtual-host style needs DNS).
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime
import hashlib
import hmac
import json
import logging
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = [
    "ACCESS_KEY",
    "REGION",
    "REQUIRED_BINARIES",
    "SECRET_KEY",
    "CephServer",
    "ensure_installed",
    "main",
    "start",
    "stop",
]

logger = logging.getLogger("s3servers.ceph")

ACCESS_KEY = "remotestoretest"
#: Fixed 40-character test secret (never used for anything but this local test server).
SECRET_KEY = "remotestoretestsecretkey0123456789abcdef"
REGION = "us-east-1"

REQUIRED_BINARIES = (
    "radosgw",
    "ceph-mon",
    "ceph-osd",
    "ceph",
    "monmaptool",
    "ceph-authtool",
    "radosgw-admin",
)
APT_PACKAGES = ("radosgw", "ceph-mon", "ceph-osd", "ceph-common")

#: Default bound on the whole start sequence.
DEFAULT_TIMEOUT = 120.0
#: Declared size of the sparse bluestore block file (only what is written uses disk).
BLOCK_SIZE = 20 * 1024**3
#: Size of the in-memory store when ``objectstore="memstore"``.
MEMSTORE_SIZE = 4 * 1024**3
#: Seconds between SIGTERM and SIGKILL in :func:`stop`.
KILL_GRACE = 5.0

_CONF_NAME = "ceph.conf"
_MON_ID = "a"
_RGW_NAME = "client.rgw"


@dataclasses.dataclass
class CephServer:
    """A running cluster, as returned by :func:`start` (and stored in the CLI's state file)."""

    endpoint_url: str
    access_key: str
    secret_key: str
    region: str
    workdir: str
    pids: list[int]
    objectstore: str = "bluestore"

    @property
    def conf_path(self) -> str:
        """The cluster's ceph.conf (pass it as ``-c`` to ceph, rados, radosgw-admin)."""
        return os.path.join(self.workdir, _CONF_NAME)

    def to_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> CephServer:
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
            objectstore=str(data.get("objectstore", "bluestore")),
        )


# --------------------------------------------------------------------------- install


def missing_binaries() -> list[str]:
    """The required Ceph programs that are not on PATH."""
    return [name for name in REQUIRED_BINARIES if shutil.which(name) is None]


def ensure_installed() -> None:
    """Install Debian's Ceph packages with apt-get unless every required program is on PATH."""
    missing = missing_binaries()
    if not missing:
        return
    logger.info("missing %s: installing %s with apt-get", ", ".join(missing), " ".join(APT_PACKAGES))
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        raise RuntimeError(
            f"Ceph programs missing ({', '.join(missing)}) and not root: run "
            f"'apt-get install {' '.join(APT_PACKAGES)}' as root"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env, stdin=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", *APT_PACKAGES],
        check=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    still = missing_binaries()
    if still:
        raise RuntimeError(f"still missing after apt-get install: {', '.join(still)}")


# --------------------------------------------------------------------------- helpers


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


def _ceph_env() -> dict[str, str]:
    """Environment for Ceph programs: /usr/bin/ceph is a Python script of the system Python,
    so keep a caller's virtualenv/pyenv settings away from it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env.pop("CEPH_CONF", None)
    env.pop("CEPH_ARGS", None)
    return env


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"(cannot read: {exc})"
    return "\n".join(data.splitlines()[-lines:])


def _log_tails(workdir: Path) -> str:
    log_dir = workdir / "log"
    if not log_dir.is_dir():
        return "(no log directory)"
    parts = []
    for path in sorted(log_dir.iterdir()):
        if path.is_file() and path.stat().st_size > 0:
            parts.append(f"--- {path.name} (last lines) ---\n{_tail(path)}")
    return "\n".join(parts) if parts else "(logs empty)"


def _make_key() -> str:
    """A cephx secret, as ceph-authtool --gen-key makes it (type AES, created now, 16 bytes)."""
    now = time.time()
    secret = os.urandom(16)
    header = struct.pack("<HIIH", 1, int(now), int((now % 1) * 1e9), len(secret))
    return base64.b64encode(header + secret).decode("ascii")


def _write_keyring(path: Path) -> None:
    """One keyring for the whole cluster; ``ceph-mon --mkfs`` imports every entry."""
    entries: list[tuple[str, dict[str, str]]] = [
        ("mon.", {"mon": "allow *"}),
        ("client.admin", {"mon": "allow *", "osd": "allow *", "mgr": "allow *", "mds": "allow *"}),
        ("osd.0", {"mon": "allow profile osd", "osd": "allow *", "mgr": "allow profile osd"}),
        (_RGW_NAME, {"mon": "allow rw", "osd": "allow rwx", "mgr": "allow rw"}),
    ]
    out = []
    for name, caps in entries:
        out.append(f"[{name}]\n\tkey = {_make_key()}\n")
        out.extend(f'\tcaps {svc} = "{cap}"\n' for svc, cap in caps.items())
    path.write_text("".join(out))
    path.chmod(0o600)


def _conf_text(workdir: Path, mon_port: int, rgw_port: int, objectstore: str) -> str:
    w = str(workdir)
    if objectstore == "bluestore":
        store = (
            "osd objectstore = bluestore\n"
            "bluestore block create = true\n"
            f"bluestore block size = {BLOCK_SIZE}\n"
            "bluestore fsck on mkfs = false\n"
            "bluestore fsck on mount = false\n"
        )
    elif objectstore == "memstore":
        store = f"osd objectstore = memstore\nmemstore device bytes = {MEMSTORE_SIZE}\n"
    else:
        raise ValueError(f"objectstore must be 'bluestore' or 'memstore', not {objectstore!r}")
    return f"""\
[global]
fsid = {uuid.uuid4()}
mon host = v2:127.0.0.1:{mon_port}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
keyring = {w}/keyring
run dir = {w}/run
admin socket = {w}/run/$name.asok
pid file = {w}/run/$name.pid
log file = {w}/log/$name.log
crash dir = {w}/crash
log to stderr = false
err to stderr = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0

[mon]
mon data = {w}/mon/$name
mon cluster log file = {w}/log/cluster.log

[osd]
osd data = {w}/osd/$name
osd memory target = 1073741824
{store}
[{_RGW_NAME}]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port} tcp_nodelay=1
rgw data = {w}/rgw
rgw enable usage log = false
"""


# --------------------------------------------------------------------------- process control


def _proc_cmdline(pid: int) -> str | None:
    """The process's command line ('' where /proc is unavailable), None if it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except FileNotFoundError:
        return None
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """True while ``pid`` runs; reaps it first if it is our own (zombie) child."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
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


def _kill_pids(pids: Sequence[int], marker: str | None, grace: float = KILL_GRACE) -> None:
    """SIGTERM every pid (only if its command line contains ``marker``, guarding against a
    recycled pid), wait up to ``grace`` seconds, then SIGKILL the survivors."""
    targets = []
    for pid in pids:
        if pid <= 1 or not _alive(pid):
            continue
        cmdline = _proc_cmdline(pid)
        if cmdline is None:
            continue
        if marker and cmdline and marker not in cmdline:
            logger.warning("pid %d is not ours any more (%s): not killed", pid, cmdline[:200])
            continue
        targets.append(pid)
    for pid in targets:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(p) for p in targets):
        time.sleep(0.05)
    for pid in targets:
        if _alive(pid):
            logger.warning("pid %d ignored SIGTERM for %.0f s: SIGKILL", pid, grace)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and any(_alive(p) for p in targets):
        time.sleep(0.05)


class _Cluster:
    """The start sequence; keeps what it started so a failure can undo it."""

    def __init__(self, workdir: Path, rgw_port: int, objectstore: str, deadline: float) -> None:
        self.workdir = workdir
        self.conf = workdir / _CONF_NAME
        self.rgw_port = rgw_port
        self.objectstore = objectstore
        self.deadline = deadline
        self.env = _ceph_env()
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.t0 = time.monotonic()

    def step(self, what: str) -> None:
        logger.info("[%5.1f s] %s", time.monotonic() - self.t0, what)

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def run(self, *args: str, timeout: float = 60.0) -> str:
        cmd = [args[0], "-c", str(self.conf), *args[1:]]
        timeout = max(1.0, min(timeout, self.remaining()))
        try:
            res = subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=self.env,
                cwd=self.workdir,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"timed out after {timeout:.0f} s: {' '.join(cmd)}") from exc
        if res.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} exited {res.returncode}:\n"
                f"{res.stdout.decode('utf-8', 'replace')}{res.stderr.decode('utf-8', 'replace')}"
            )
        return res.stdout.decode("utf-8", "replace")

    def spawn(self, name: str, *args: str) -> None:
        """Start a daemon in the foreground (-f) of its own session, detached from us."""
        cmd = [args[0], "-f", "-c", str(self.conf), *args[1:]]
        with open(self.workdir / "log" / f"{name}.out", "ab") as out:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.workdir,
                start_new_session=True,
                close_fds=True,
            )
        self.procs.append((name, proc))

    def check_daemons(self) -> None:
        for name, proc in self.procs:
            code = proc.poll()
            if code is not None:
                raise RuntimeError(f"{name} exited with status {code}")

    def wait(self, what: str, probe: Callable[[], bool], interval: float = 0.2) -> None:
        while True:
            self.check_daemons()
            if probe():
                return
            if time.monotonic() >= self.deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(interval)

    def ceph_ok(self, *args: str) -> str | None:
        try:
            return self.run("ceph", "--connect-timeout", "5", *args, timeout=15.0)
        except RuntimeError:
            return None

    def start(self) -> None:
        w = self.workdir
        for sub in ("run", "log", "crash", "mon", "osd/osd.0", "rgw"):
            (w / sub).mkdir(parents=True, exist_ok=True)

        self.step("keyring, monmap, mon mkfs")
        _write_keyring(w / "keyring")
        fsid = self.fsid()
        mon_addr = self.mon_addr()
        subprocess.run(
            ["monmaptool", "--create", "--clobber", "--fsid", fsid, "--addv", _MON_ID,
             f"[{mon_addr}]", str(w / "monmap")],
            check=True, capture_output=True, env=self.env, cwd=w, timeout=30,
        )  # fmt: skip
        self.run("ceph-mon", "--mkfs", "-i", _MON_ID, "--monmap", str(w / "monmap"),
                 "--keyring", str(w / "keyring"))  # fmt: skip

        self.step("start ceph-mon")
        self.spawn("ceph-mon", "ceph-mon", "-i", _MON_ID)
        osd_uuid = str(uuid.uuid4())
        # `ceph osd new` is the first command that needs the mon: retry until it answers.
        osd_id: str | None = None

        def osd_new() -> bool:
            nonlocal osd_id
            out = self.ceph_ok("osd", "new", osd_uuid)
            if out is not None:
                osd_id = out.strip()
            return out is not None

        self.wait("ceph-mon to answer", osd_new)
        if osd_id != "0":
            raise RuntimeError(f"'ceph osd new' gave id {osd_id!r}, expected '0'")

        self.step(f"ceph-osd mkfs ({self.objectstore})")
        self.run("ceph-osd", "-i", "0", "--mkfs", "--osd-uuid", osd_uuid, timeout=120.0)

        self.step("start ceph-osd")
        self.spawn("ceph-osd", "ceph-osd", "-i", "0")

        def osd_up() -> bool:
            out = self.ceph_ok("osd", "stat", "--format", "json")
            if out is None:
                return False
            try:
                return int(json.loads(out).get("num_up_osds", 0)) >= 1
            except (ValueError, AttributeError):
                return False

        self.wait("the OSD to come up", osd_up, interval=0.3)

        self.step("start radosgw")
        self.spawn("radosgw", "radosgw", "-n", _RGW_NAME)
        endpoint = f"http://127.0.0.1:{self.rgw_port}"
        self.wait("radosgw to answer HTTP", lambda: _http_answers(endpoint))

        self.step("create S3 user")
        self.run(
            "radosgw-admin", "user", "create", "--uid=remotestore", "--display-name=remote-store tests",
            f"--access-key={ACCESS_KEY}", f"--secret={SECRET_KEY}",
        )  # fmt: skip
        self.wait(
            "the S3 user to be accepted",
            lambda: _signed_list_buckets(endpoint, ACCESS_KEY, SECRET_KEY, REGION) == 200,
        )
        self.step("ready")

    def fsid(self) -> str:
        for line in self.conf.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "fsid":
                return value.strip()
        raise RuntimeError("no fsid in ceph.conf")

    def mon_addr(self) -> str:
        for line in self.conf.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "mon host":
                return value.strip()
        raise RuntimeError("no mon host in ceph.conf")


# --------------------------------------------------------------------------- HTTP probes


def _http_answers(url: str) -> bool:
    """True once anything answers HTTP at ``url`` (any status code)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback http
            resp.read()
        return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _signed_list_buckets(endpoint: str, access_key: str, secret_key: str, region: str) -> int:
    """Status of a SigV4-signed ListBuckets (GET /), 0 if the server does not answer."""
    host = endpoint.split("://", 1)[1].rstrip("/")
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    payload_hash = hashlib.sha256(b"").hexdigest()
    signed_headers = "host;x-amz-content-sha256;x-amz-date"
    canonical = "\n".join(
        [
            "GET",
            "/",
            "",
            f"host:{host}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{amz_date}\n",
            signed_headers,
            payload_hash,
        ]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(
        endpoint.rstrip("/") + "/",
        headers={
            "Host": host,
            "x-amz-date": amz_date,
            "x-amz-content-sha256": payload_hash,
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                f"SignedHeaders={signed_headers}, Signature={signature}"
            ),
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback http
            resp.read()
            status: int = resp.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


# --------------------------------------------------------------------------- public API


def _prepare_workdir(workdir: str | None) -> Path:
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="ceph-s3-"))
    path = Path(workdir).absolute()
    if path.exists() and any(path.iterdir()):
        raise RuntimeError(f"workdir {path} is not empty (stop() removes it, so it must be ours)")
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(
    workdir: str | None = None,
    port: int | None = None,
    *,
    objectstore: str = "bluestore",
    timeout: float = DEFAULT_TIMEOUT,
) -> CephServer:
    """Start mon + OSD + radosgw and return once a signed S3 request succeeds.

    ``workdir`` (created; must be empty or absent) holds config, keys, logs, the mon store
    and the OSD (with its sparse block file); a fresh temporary directory by default.
    ``port`` is radosgw's port on 127.0.0.1 (a free one by default).  On failure everything
    started is stopped, the workdir removed, and RuntimeError carries the logs' tails.
    """
    missing = missing_binaries()
    if missing:
        raise RuntimeError(
            f"Ceph programs not on PATH: {', '.join(missing)} (run ensure_installed(), or "
            f"'python tools/s3servers/ceph.py install')"
        )
    if objectstore not in ("bluestore", "memstore"):
        raise ValueError(f"objectstore must be 'bluestore' or 'memstore', not {objectstore!r}")
    rgw_port = port if port is not None else _free_port()
    if not _port_is_free(rgw_port):
        raise RuntimeError(f"port 127.0.0.1:{rgw_port} is already in use")
    path = _prepare_workdir(workdir)
    mon_port = _free_port()
    while mon_port == rgw_port:
        mon_port = _free_port()
    (path / _CONF_NAME).write_text(_conf_text(path, mon_port, rgw_port, objectstore))
    cluster = _Cluster(path, rgw_port, objectstore, time.monotonic() + timeout)
    try:
        cluster.start()
    except BaseException as exc:
        tails = _log_tails(path)
        _kill_pids([p.pid for _, p in cluster.procs], marker=str(path))
        for _, proc in cluster.procs:
            proc.poll()
        shutil.rmtree(path, ignore_errors=True)
        if isinstance(exc, Exception):
            raise RuntimeError(f"Ceph/radosgw did not start: {exc}\n{tails}") from exc
        raise
    # The daemons run in their own sessions and outlive us; forget the Popen objects
    # without the "still running" warning (stop() reaps them if we are still their parent).
    for _, proc in cluster.procs:
        proc.returncode = 0
    return CephServer(
        endpoint_url=f"http://127.0.0.1:{rgw_port}",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        workdir=str(path),
        pids=[p.pid for _, p in cluster.procs],
        objectstore=objectstore,
    )


def stop(server: CephServer) -> None:
    """Stop every daemon of ``server`` (SIGTERM, SIGKILL after 5 s); remove its workdir."""
    workdir = Path(server.workdir)
    # radosgw first, then the OSD, then the mon: each can still talk to the ones below it.
    _kill_pids(list(reversed(server.pids)), marker=str(workdir))
    if (workdir / _CONF_NAME).exists() or (workdir / "keyring").exists():
        shutil.rmtree(workdir, ignore_errors=True)
    elif workdir.exists():
        logger.warning("%s does not look like a Ceph workdir: left in place", workdir)


# --------------------------------------------------------------------------- CLI


def _write_state(path: str, data: dict[str, object]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One-node Ceph + radosgw (S3) on 127.0.0.1.")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="start the cluster, write a JSON state file, exit")
    p_start.add_argument("--state", required=True, help="JSON state file to write")
    p_start.add_argument("--workdir", default=None, help="empty or absent directory (default: temp)")
    p_start.add_argument("--port", type=int, default=None, help="radosgw port (default: a free one)")
    p_start.add_argument("--objectstore", choices=("bluestore", "memstore"), default="bluestore")
    p_start.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    p_start.add_argument("--install", action="store_true", help="run 'install' first if needed")
    p_stop = sub.add_parser("stop", help="stop the cluster named by a state file")
    p_stop.add_argument("--state", required=True, help="JSON state file written by 'start'")
    sub.add_parser("install", help="apt-get install the Ceph packages unless present")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(name)s: %(message)s",
        stream=sys.stderr,
    )

    if args.command == "install":
        ensure_installed()
        return 0
    if args.command == "start":
        if args.install:
            ensure_installed()
        t0 = time.monotonic()
        try:
            server = start(args.workdir, args.port, objectstore=args.objectstore, timeout=args.timeout)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        data = server.to_json()
        data["start_seconds"] = round(time.monotonic() - t0, 2)
        _write_state(args.state, data)
        print(json.dumps(data))
        return 0
    # stop
    try:
        with open(args.state, encoding="utf-8") as fh:
            state = json.load(fh)
    except FileNotFoundError:
        print(f"error: no state file {args.state}", file=sys.stderr)
        return 1
    stop(CephServer.from_json(state))
    os.unlink(args.state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
