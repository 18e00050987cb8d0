"""Start and stop a throw-away one-node Ceph cluster with radosgw (a real S3 server) on 127.0.0.1.

Standalone and stdlib only. It runs one ``ceph-mon``, one ``ceph-osd`` (bluestore on a sparse
block file, or memstore) and one ``radosgw`` (beast frontend, ``tcp_nodelay=1``, cephx kept) as
plain processes in their own sessions: no systemd, no containers, every file under one working
directory. Debian's Ceph packages provide the programs (:func:`ensure_installed`).

Library use::

    from tools.s3servers import ceph

    ceph.ensure_installed()
    server = ceph.start()
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=server.endpoint_url,
            aws_access_key_id=server.access_key,
            aws_secret_access_key=server.secret_key,
            region_name=server.region,
            config=botocore.config.Config(s3={"addressing_style": "path"}),
        )
        ...
    finally:
        ceph.stop(server)

Command line (``start`` leaves the daemons running and exits)::

    python tools/s3servers/ceph.py install
    python tools/s3servers/ceph.py start --state /tmp/ceph-s3.json
    python tools/s3servers/ceph.py stop --state /tmp/ceph-s3.json

Use path-style addressing: virtual-host style would need DNS names.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import hmac
import json
import logging
import os
import shutil
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
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
    "APT_PACKAGES",
    "REGION",
    "REQUIRED_BINARIES",
    "SECRET_KEY",
    "CephServer",
    "ensure_installed",
    "main",
    "missing_binaries",
    "start",
    "stop",
]

logger = logging.getLogger("s3servers.ceph")

#: The S3 user's fixed access key (a local throw-away test server only).
ACCESS_KEY = "remotestoretest"
#: The S3 user's fixed 40-character secret key (a local throw-away test server only).
SECRET_KEY = "remotestoretestsecretkey0123456789abcdef"
#: The region to sign requests for (radosgw's default zonegroup accepts it).
REGION = "us-east-1"

#: Programs :func:`start` needs on PATH.
REQUIRED_BINARIES = (
    "radosgw",
    "ceph-mon",
    "ceph-osd",
    "ceph",
    "monmaptool",
    "ceph-authtool",
    "radosgw-admin",
)
#: Debian packages that provide them.
APT_PACKAGES = ("radosgw", "ceph-mon", "ceph-osd", "ceph-common")

#: Default bound, in seconds, on the whole start sequence.
DEFAULT_TIMEOUT = 120.0
#: Declared size of the sparse bluestore block file (only what is written takes disk space).
BLOCK_SIZE = 20 * 1024**3
#: Capacity of the in-memory store with ``objectstore="memstore"``.
MEMSTORE_SIZE = 4 * 1024**3
#: Seconds between SIGTERM and SIGKILL in :func:`stop`.
KILL_GRACE = _process.KILL_GRACE

_CONF_NAME = "ceph.conf"
_MON_ID = "a"
_OSD_ID = "0"
_RGW_NAME = "client.rgw"
_RGW_UID = "remotestore"
_OBJECTSTORES = ("bluestore", "memstore")


@dataclasses.dataclass
class CephServer(_process.ServerInfo):
    """A running cluster, as :func:`start` returns it and the CLI's state file stores it.

    ``to_json()`` gives the fields as a JSON-ready dict; ``CephServer.from_json(data)`` rebuilds it
    (extra keys ignored, ``objectstore`` defaults to ``"bluestore"``; KeyError for a missing field,
    ValueError if ``pids`` is not a list of integers).

    Attributes:
        endpoint_url: radosgw's S3 endpoint, ``http://127.0.0.1:PORT``.
        access_key: the S3 user's access key.
        secret_key: the S3 user's secret key.
        region: the region to sign for (``us-east-1``).
        workdir: the directory holding config, keys, logs, mon store and OSD (with its block file).
        pids: the daemons' process ids, in start order: ceph-mon, ceph-osd, radosgw.
        objectstore: ``"bluestore"`` or ``"memstore"``.
    """

    objectstore: str = "bluestore"

    @property
    def conf_path(self) -> str:
        """The cluster's ceph.conf, to pass as ``-c`` to ``ceph``, ``rados`` or ``radosgw-admin``."""
        return os.path.join(self.workdir, _CONF_NAME)


# ------------------------------------------------------------------------------------------ install


def missing_binaries() -> list[str]:
    """The programs of :data:`REQUIRED_BINARIES` that are not on PATH."""
    return [name for name in REQUIRED_BINARIES if shutil.which(name) is None]


def ensure_installed() -> None:
    """Install Debian's Ceph packages with apt-get, unless every required program is on PATH.

    Runs ``apt-get update`` and then ``apt-get install -y --no-install-recommends radosgw ceph-mon
    ceph-osd ceph-common`` (needs root; Debian's policy-rc.d keeps the system services stopped).

    Raises:
        RuntimeError: if not root, or a program is still missing afterwards.
        subprocess.CalledProcessError: if apt-get fails.
    """
    missing = missing_binaries()
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        raise RuntimeError(
            f"Ceph programs missing ({', '.join(missing)}) and not root: run "
            f"'apt-get install {' '.join(APT_PACKAGES)}' as root"
        )
    logger.info("missing %s: apt-get install %s", ", ".join(missing), " ".join(APT_PACKAGES))
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


# ------------------------------------------------------------------------------------------ helpers


def _ceph_env() -> dict[str, str]:
    """The environment for Ceph's programs.

    ``/usr/bin/ceph`` is a script of the system Python: keep a caller's virtualenv or pyenv
    settings, and any CEPH_* overrides, away from it.
    """
    drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "CEPH_CONF", "CEPH_ARGS")
    return {k: v for k, v in os.environ.items() if k not in drop}


def _log_tails(workdir: Path) -> str:
    log_dir = workdir / "log"
    if not log_dir.is_dir():
        return "(no log directory)"
    parts = [
        f"--- {path.name} (last lines) ---\n{_process.tail(path)}"
        for path in sorted(log_dir.iterdir())
        if path.is_file() and path.stat().st_size > 0
    ]
    return "\n".join(parts) if parts else "(all logs empty)"


def _make_key() -> str:
    """A cephx secret as ``ceph-authtool --gen-key`` makes it: AES type, created now, 16 bytes."""
    now = time.time()
    secret = os.urandom(16)
    header = struct.pack("<HIIH", 1, int(now), int((now % 1) * 1e9), len(secret))
    return base64.b64encode(header + secret).decode("ascii")


def _write_keyring(path: Path) -> None:
    """One keyring for the whole cluster; ``ceph-mon --mkfs`` imports every entry into the mon."""
    entries: list[tuple[str, dict[str, str]]] = [
        ("mon.", {"mon": "allow *"}),
        ("client.admin", {"mon": "allow *", "osd": "allow *", "mgr": "allow *", "mds": "allow *"}),
        (f"osd.{_OSD_ID}", {"mon": "allow profile osd", "osd": "allow *", "mgr": "allow profile osd"}),
        (_RGW_NAME, {"mon": "allow rw", "osd": "allow rwx", "mgr": "allow rw"}),
    ]
    out = []
    for name, caps in entries:
        out.append(f"[{name}]\n\tkey = {_make_key()}\n")
        out.extend(f'\tcaps {service} = "{cap}"\n' for service, cap in caps.items())
    path.write_text("".join(out))
    path.chmod(0o600)


def _conf_text(workdir: Path, fsid: str, mon_port: int, rgw_port: int, objectstore: str) -> str:
    w = str(workdir)
    if objectstore == "bluestore":
        # The loop device here reports rotational=1: HDD settings make small writes deferred and
        # slow (1 KiB PUT 80/s instead of ~280/s), so force the SSD ones. The aio thread polls
        # every 250 ms by default and each block-device close waits for it (a dozen closes at
        # mkfs and mount): 20 ms takes start from ~5 s to ~2.5 s.
        store = (
            "osd objectstore = bluestore\n"
            "bluestore block create = true\n"
            f"bluestore block size = {BLOCK_SIZE}\n"
            "bluestore fsck on mkfs = false\n"
            "bluestore fsck on mount = false\n"
            "bluestore debug enforce settings = ssd\n"
            "bdev aio poll ms = 20\n"
        )
    else:
        store = f"osd objectstore = memstore\nmemstore device bytes = {MEMSTORE_SIZE}\n"
    # paxos propose interval: the mon batches map changes for 1 s by default; every pool that
    # radosgw creates at its first start waits for one (start took ~15 s with the default).
    # rgw enable lc threads: the lifecycle thread sleeps 5 s at a time and delays SIGTERM by ~5 s.
    # rgw gc: a deleted or overwritten object's tail (all past its first 4 MiB) waits for the
    # garbage collector, by default 2 h plus a pass every hour, so long runs filled the OSD. Now
    # collected 30-40 s after the delete, which still leaves a GET already under way 30 s.
    return f"""\
[global]
fsid = {fsid}
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
paxos propose interval = 0.1

[osd]
osd data = {w}/osd/$name
osd memory target = 1073741824
{store}
[{_RGW_NAME}]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port} tcp_nodelay=1
rgw data = {w}/rgw
rgw enable usage log = false
rgw enable lc threads = false
rgw gc obj min wait = 30
rgw gc processor period = 10
rgw gc processor max time = 10
"""


# ----------------------------------------------------------------------------------- HTTP probe


def _signed_list_buckets(endpoint: str, access_key: str, secret_key: str, region: str) -> int:
    """HTTP status of a SigV4-signed ListBuckets (``GET /``); 0 if nothing answers."""
    host = endpoint.split("://", 1)[1].rstrip("/")
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    payload_hash = hashlib.sha256(b"").hexdigest()
    signed_headers = "host;x-amz-content-sha256;x-amz-date"
    canonical_headers = f"host:{host}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{amz_date}\n"
    canonical = "\n".join(["GET", "/", "", canonical_headers, signed_headers, payload_hash])
    scope = f"{day}/{region}/s3/aws4_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{digest}"
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
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
        with _process.OPENER.open(request, timeout=5) as resp:
            resp.read()
            status: int = resp.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


# ------------------------------------------------------------------------------- start sequence


class _Cluster:
    """The start sequence; remembers what it started so that a failure can undo it."""

    def __init__(self, workdir: Path, rgw_port: int, objectstore: str, timeout: float) -> None:
        self.workdir = workdir
        self.conf = workdir / _CONF_NAME
        self.rgw_port = rgw_port
        self.endpoint = f"http://127.0.0.1:{rgw_port}"
        self.objectstore = objectstore
        self.t0 = time.monotonic()
        self.deadline = self.t0 + timeout
        self.env = _ceph_env()
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def step(self, what: str) -> None:
        logger.info("[%5.1f s] %s", time.monotonic() - self.t0, what)

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def run(self, *args: str, timeout: float = 60.0) -> str:
        """Run a Ceph program with our ceph.conf; its stdout, or RuntimeError."""
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
                f"{' '.join(cmd)} exited with status {res.returncode}:\n"
                f"{res.stdout.decode('utf-8', 'replace')}{res.stderr.decode('utf-8', 'replace')}"
            )
        return res.stdout.decode("utf-8", "replace")

    def ceph(self, *args: str) -> str | None:
        """Output of a ``ceph`` CLI command, None if it fails (mon not answering yet)."""
        try:
            return self.run("ceph", "--connect-timeout", "5", *args, timeout=15.0)
        except RuntimeError:
            return None

    def spawn(self, name: str, *args: str) -> None:
        """Start a daemon in the foreground (``-f``) of a session of its own, detached from us."""
        with open(self.workdir / "log" / f"{name}.out", "ab") as out:
            proc = subprocess.Popen(
                [args[0], "-f", "-c", str(self.conf), *args[1:]],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.workdir,
                start_new_session=True,
                close_fds=True,
            )
        self.procs.append((name, proc))

    def wait(self, what: str, probe: Callable[[], bool], interval: float = 0.2) -> None:
        """Poll ``probe`` until it is true; fail early if a daemon died, or at the deadline."""
        while True:
            for name, proc in self.procs:
                code = proc.poll()
                if code is not None:
                    raise RuntimeError(f"{name} exited with status {code} while waiting for {what}")
            if probe():
                return
            if time.monotonic() >= self.deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(interval)

    def start(self, fsid: str, mon_addr: str) -> None:
        w = self.workdir
        for sub in ("run", "log", "crash", "mon", f"osd/osd.{_OSD_ID}", "rgw"):
            (w / sub).mkdir(parents=True, exist_ok=True)

        self.step("keyring, monmap, mon mkfs")
        _write_keyring(w / "keyring")
        self.run("monmaptool", "--create", "--clobber", "--fsid", fsid, "--addv", _MON_ID,
                 f"[{mon_addr}]", str(w / "monmap"))  # fmt: skip
        self.run("ceph-mon", "--mkfs", "-i", _MON_ID, "--monmap", str(w / "monmap"),
                 "--keyring", str(w / "keyring"))  # fmt: skip

        self.step(f"start ceph-mon; ceph-osd --mkfs ({self.objectstore}) meanwhile")
        self.spawn("ceph-mon", "ceph-mon", "-i", _MON_ID)
        osd_uuid = str(uuid.uuid4())
        # With --no-mon-config the OSD's mkfs needs no mon: it runs while the mon starts.
        with open(w / "log" / "ceph-osd-mkfs.out", "ab") as out:
            mkfs = subprocess.Popen(
                ["ceph-osd", "-c", str(self.conf), "--no-mon-config", "-i", _OSD_ID, "--mkfs",
                 "--osd-uuid", osd_uuid],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=w,
            )  # fmt: skip
        try:
            # `ceph osd new` is the first command that needs the mon: retry until it answers.
            osd_ids: list[str] = []

            def osd_new() -> bool:
                out = self.ceph("osd", "new", osd_uuid)
                if out is not None:
                    osd_ids.append(out.strip())
                return out is not None

            self.wait("ceph-mon to answer", osd_new)
            if osd_ids != [_OSD_ID]:
                raise RuntimeError(f"'ceph osd new' gave id {osd_ids!r}, expected {_OSD_ID}")
            code = mkfs.wait(timeout=max(1.0, self.remaining()))
            if code != 0:
                raise RuntimeError(f"ceph-osd --mkfs exited with status {code}")
        finally:
            if mkfs.poll() is None:
                mkfs.kill()
                mkfs.wait()

        self.step("start ceph-osd")
        self.spawn("ceph-osd", "ceph-osd", "-i", _OSD_ID)

        def osd_up() -> bool:
            out = self.ceph("osd", "stat", "--format", "json")
            try:
                return out is not None and int(json.loads(out).get("num_up_osds", 0)) >= 1
            except (ValueError, AttributeError):
                return False

        # Starting radosgw before the OSD is up works too but takes longer (~7.5 s in all).
        self.wait("the OSD to come up", osd_up, interval=0.3)

        self.step("start radosgw")
        self.spawn("radosgw", "radosgw", "-n", _RGW_NAME)
        self.wait("radosgw to answer HTTP", lambda: _process.http_answers(self.endpoint))

        self.step("create the S3 user")
        self.run("radosgw-admin", "user", "create", f"--uid={_RGW_UID}",
                 "--display-name=remote-store tests", f"--access-key={ACCESS_KEY}",
                 f"--secret={SECRET_KEY}")  # fmt: skip
        self.wait(
            "a signed S3 request to succeed",
            lambda: _signed_list_buckets(self.endpoint, ACCESS_KEY, SECRET_KEY, REGION) == 200,
        )
        self.step("ready")


# ------------------------------------------------------------------------------------ public API


def start(
    workdir: str | None = None,
    port: int | None = None,
    *,
    objectstore: str = "bluestore",
    timeout: float = DEFAULT_TIMEOUT,
) -> CephServer:
    """Start ceph-mon, ceph-osd and radosgw; return once a signed S3 request succeeds.

    The daemons run in sessions of their own and outlive the calling process: always pair with
    :func:`stop`. About 2.5 s with bluestore on this kind of machine (2 cores).

    Args:
        workdir: a new or empty directory for config, keys, logs, the mon store and the OSD with
            its sparse block file; :func:`stop` deletes it. Default: a fresh temporary directory.
            Past ~85 characters the daemons run without admin sockets (a unix socket path must
            fit in 107 bytes); nothing here needs them.
        port: radosgw's TCP port on 127.0.0.1. Default: a free one.
        objectstore: ``"bluestore"`` (default: data in a sparse file, bounded memory) or
            ``"memstore"`` (data in the OSD's memory; starts ~0.7 s faster, slower for big objects).
        timeout: bound in seconds on the whole start sequence.

    Returns:
        The running server's description.

    Raises:
        RuntimeError: if a program is missing, the port is taken, the workdir is not empty, or the
            cluster did not come up in time. In the last case everything started has been stopped
            and the workdir deleted; the message ends with the tail of each log file.
        ValueError: for an unknown ``objectstore``.
    """
    if objectstore not in _OBJECTSTORES:
        raise ValueError(f"objectstore must be one of {_OBJECTSTORES}, not {objectstore!r}")
    missing = missing_binaries()
    if missing:
        raise RuntimeError(
            f"Ceph programs not on PATH: {', '.join(missing)} (run ensure_installed() or "
            f"'python tools/s3servers/ceph.py install')"
        )
    rgw_port = _process.pick_port(port)
    mon_port = _process.free_port()
    while mon_port == rgw_port:
        mon_port = _process.free_port()
    path = _process.prepare_workdir(workdir, "ceph-s3-")
    fsid = str(uuid.uuid4())
    (path / _CONF_NAME).write_text(_conf_text(path, fsid, mon_port, rgw_port, objectstore))
    cluster = _Cluster(path, rgw_port, objectstore, timeout)
    try:
        cluster.start(fsid, f"v2:127.0.0.1:{mon_port}")
    except BaseException as exc:
        tails = _log_tails(path)
        _process.abandon([proc for _, proc in cluster.procs], [str(path)], path, logger)
        if isinstance(exc, Exception):
            raise RuntimeError(f"Ceph/radosgw did not start: {exc}\n{tails}") from exc
        raise
    _process.detach([proc for _, proc in cluster.procs])
    return CephServer(
        endpoint_url=cluster.endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        workdir=str(path),
        pids=[proc.pid for _, proc in cluster.procs],
        objectstore=objectstore,
    )


def stop(server: CephServer) -> None:
    """Stop every daemon of ``server`` by pid (SIGTERM, SIGKILL after 5 s) and delete its workdir.

    The block file lives in the workdir and goes with it. Daemons already gone are skipped, so
    calling this twice is harmless.

    Args:
        server: what :func:`start` returned (or :meth:`CephServer.from_json` rebuilt).
    """
    workdir = Path(server.workdir)
    # One at a time, radosgw first, then the OSD, then the mon: each exits in ~0.1 s while the
    # daemons below it still answer (all at once, radosgw lingered for ~5 s).
    for pid in reversed(server.pids):
        _process.kill_pids([pid], [str(workdir)], logger)
    looks_ours = (workdir / _CONF_NAME).is_file() or (workdir / "keyring").is_file()
    _process.remove_workdir(workdir, looks_ours, logger, "does not look like a Ceph workdir")


# ------------------------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``install``, ``start --state FILE``, ``stop --state FILE``.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    parser, sub, p_start = _process.cli_parser(
        "A one-node Ceph cluster + radosgw (S3) on 127.0.0.1.",
        "cluster",
        "radosgw port (default: a free one)",
    )
    p_start.add_argument("--objectstore", choices=_OBJECTSTORES, default="bluestore")
    p_start.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds")
    p_start.add_argument("--install", action="store_true", help="apt-get install first if needed")
    sub.add_parser("install", help="apt-get install Debian's Ceph packages unless present")
    args = _process.parse_cli(parser, argv)

    if args.command == "install":
        ensure_installed()
        return 0
    if args.command == "start" and args.install:
        ensure_installed()
    return _process.run_cli(
        args,
        lambda: start(args.workdir, args.port, objectstore=args.objectstore, timeout=args.timeout),
        stop,
        CephServer,
    )


if __name__ == "__main__":
    sys.exit(main())
