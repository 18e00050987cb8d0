"""Run one SFTP workload of one client in this (fresh) process and print its figures as JSON.

Usage: ``python benchmarks/sftp_worker.py '<json spec>'`` (see ``sftp_bench.py``). The spec names
``client``, ``case`` and the server (``host``, ``port``, ``username``, ``key``, ``known_hosts``,
``data``: the server's folder, which is on this machine). The last line of stdout is the result,
as ``worker.py`` prints it: ``{"ok": true, "phases": [...]}``, ``{"ok": false, "na": true, ...}``
when the client is not installed, ``{"ok": false, "na": false, "error": ...}`` on failure.

Clients:

- ``sftp-command``: OpenSSH's ``sftp`` in batch mode (``-b``), aes128-gcm. Its connection and login
  are timed in the same process just before (a batch of ``pwd``) and subtracted, since the other
  clients connect before the clock starts.
- ``ours``: remote-store's ``SFTPBackend`` through a ``Store``.
- ``asyncssh``: asyncssh with its defaults (chacha20-poly1305), ``put``/``get`` of a local file,
  ``readdir``.
- ``asyncssh-tuned``: asyncssh with aes128-gcm, ``open`` and 1 MiB ``write``/``read`` calls, each
  split by asyncssh into parallel requests of the server's limit (the issue's "tuned" row).
- ``paramiko``: paramiko tuned: TCP_NODELAY, aes128-gcm, pipelined 255 KiB writes, reads with a
  bounded read-ahead (``readv`` of 16 x 255 KiB), plain ``open``/``write``/``read`` for small files.
- ``sshfs``: fsspec's ``sshfs`` (asyncssh underneath), ``open`` and 1 MiB reads/writes.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from typing import Any

import _measure
from _measure import MIB, Phase, Sink, Source, measure, pattern

CHUNK = MIB
PARAMIKO_REQUEST = 255 * 1024
PARAMIKO_WINDOW = 16


def _done(phases: list[Phase], **extra: Any) -> dict[str, Any]:
    return {"ok": True, "phases": [phase.to_json() for phase in phases], "extra": extra}


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


# -- clients -------------------------------------------------------------------------------


class SftpCommand:
    """OpenSSH's ``sftp`` client, one batch per call."""

    def __init__(self, server: dict[str, Any]) -> None:
        self.server = server
        if shutil.which("sftp") is None:
            raise ModuleNotFoundError("no sftp command (Debian package openssh-client)")

    def batch(self, commands: str) -> float:
        """Seconds one batch takes, its connection and login included."""
        server = self.server
        with tempfile.NamedTemporaryFile("w", suffix=".batch", delete=False) as batch:
            batch.write(commands)
        command = [
            "sftp", "-q", "-b", batch.name, "-P", str(server["port"]), "-i", server["key"],
            "-c", "aes128-gcm@openssh.com", "-o", f"UserKnownHostsFile={server['known_hosts']}",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
            f"{server['username']}@{server['host']}",
        ]  # fmt: skip
        try:
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, check=False)
            seconds = time.perf_counter() - start
        finally:
            os.unlink(batch.name)
        if done.returncode != 0:
            raise RuntimeError(f"sftp failed: {done.stderr.decode(errors='replace')[-500:]}")
        return seconds

    def connect_seconds(self) -> float:
        return min(self.batch("pwd\n") for _ in range(3))


def _paramiko(server: dict[str, Any]) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import paramiko

    sock = socket.create_connection((server["host"], server["port"]))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    transport = paramiko.Transport(sock)
    transport.get_security_options().ciphers = ("aes128-gcm@openssh.com", "aes128-ctr")
    key = paramiko.Ed25519Key.from_private_key_file(server["key"])
    transport.connect(username=server["username"], pkey=key)
    return transport, paramiko.SFTPClient.from_transport(transport)


def _ours(server: dict[str, Any]) -> Any:
    from remote_store import Store
    from remote_store.backends.sftp import SFTPBackend

    backend = SFTPBackend(
        server["host"],
        port=server["port"],
        username=server["username"],
        private_key=server["key"],
        known_hosts=server["known_hosts"],
        root=server["data"],
    )
    store = Store(backend)
    store.exists("warm-up")  # connected before the clock starts
    return store


async def _asyncssh(server: dict[str, Any], *, tuned: bool = False) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import asyncssh

    tuning: dict[str, Any] = {"encryption_algs": ["aes128-gcm@openssh.com"]} if tuned else {}
    connection = await asyncssh.connect(
        server["host"],
        server["port"],
        username=server["username"],
        client_keys=[server["key"]],
        known_hosts=server["known_hosts"],
        config=None,
        **tuning,
    )
    return connection, await connection.start_sftp_client()


def _sshfs(server: dict[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sshfs import SSHFileSystem

    return SSHFileSystem(
        server["host"],
        port=server["port"],
        username=server["username"],
        client_keys=[server["key"]],
        known_hosts=server["known_hosts"],
    )


# -- workloads -----------------------------------------------------------------------------


def stream(spec: dict[str, Any]) -> dict[str, Any]:
    """Upload ``size`` bytes from a non-seekable source, or download them into a sink."""
    server, client, op, size = spec["server"], spec["client"], spec["op"], spec["size"]
    name = spec["name"]
    remote = os.path.join(server["data"], name)
    local = spec["local"]  # the same bytes on tmpfs, for the clients that copy files
    data = pattern()
    extra: dict[str, Any] = {}
    if client == "sftp-command":
        command = SftpCommand(server)
        connect = command.connect_seconds()
        batch = f"put {local} {remote}\n" if op == "upload" else f"get {remote} {spec['sink']}\n"
        phase, seconds = measure(op, lambda: command.batch(batch), units=1, unit_bytes=size)
        phase.seconds = seconds - connect
        extra["connect_seconds"] = connect
    elif client == "ours":
        store = _ours(server)
        if op == "upload":
            phase, _ = measure(op, lambda: store.write(name, Source(size, data)), units=1, unit_bytes=size)
        else:
            sink = Sink()

            def download() -> None:
                with store.read(name) as reader:
                    while chunk := reader.read(CHUNK):
                        sink.write(chunk)

            phase, _ = measure(op, download, units=1, unit_bytes=size)
            _check(sink.count == size, f"read {sink.count} bytes")
        store.close()
    elif client in ("asyncssh", "asyncssh-tuned"):
        tuned = client == "asyncssh-tuned"

        async def run() -> Phase:
            # measure() times synchronous calls; this is the same, around one await.
            connection, sftp = await _asyncssh(server, tuned=tuned)
            gc.collect()
            _measure.reset_peak()
            start_rss = _measure.rss_bytes()
            start = time.perf_counter()
            cpu = time.process_time()
            if tuned and op == "upload":
                async with sftp.open(remote, "wb") as handle:
                    offset = 0
                    for chunk in Source(size, data).chunks(CHUNK):
                        await handle.write(chunk, offset)
                        offset += len(chunk)
            elif tuned:
                sink = Sink()
                async with sftp.open(remote, "rb") as handle:
                    while chunk := await handle.read(CHUNK):
                        sink.write(chunk)
                _check(sink.count == size, f"read {sink.count} bytes")
            elif op == "upload":
                await sftp.put(local, remote)
            else:
                await sftp.get(remote, spec["sink"])
            seconds = time.perf_counter() - start
            phase = Phase(
                op, seconds, time.process_time() - cpu, max(0, _measure.hwm_bytes() - start_rss), 1, size
            )
            connection.close()
            await connection.wait_closed()
            return phase

        phase = asyncio.run(run())
    elif client == "paramiko":
        transport, sftp = _paramiko(server)
        if op == "upload":

            def upload() -> None:
                with sftp.open(remote, "wb") as handle:
                    handle.set_pipelined(True)
                    for chunk in Source(size, data).chunks(PARAMIKO_REQUEST):
                        handle.write(chunk)

            phase, _ = measure(op, upload, units=1, unit_bytes=size)
        else:
            sink = Sink()

            def download() -> None:
                with sftp.open(remote, "rb") as handle:
                    offset = 0
                    while offset < size:
                        stop = min(size, offset + PARAMIKO_WINDOW * PARAMIKO_REQUEST)
                        starts = range(offset, stop, PARAMIKO_REQUEST)
                        window = [(start, min(PARAMIKO_REQUEST, size - start)) for start in starts]
                        for block in handle.readv(window):
                            sink.write(block)
                        offset = window[-1][0] + window[-1][1]

            phase, _ = measure(op, download, units=1, unit_bytes=size)
            _check(sink.count == size, f"read {sink.count} bytes")
        sftp.close()
        transport.close()
    elif client == "sshfs":
        fs = _sshfs(server)
        if op == "upload":

            def upload() -> None:
                with fs.open(remote, "wb") as handle:
                    for chunk in Source(size, data).chunks(CHUNK):
                        handle.write(chunk)

            phase, _ = measure(op, upload, units=1, unit_bytes=size)
        else:
            sink = Sink()

            def download() -> None:
                with fs.open(remote, "rb") as handle:
                    while chunk := handle.read(CHUNK):
                        sink.write(chunk)

            phase, _ = measure(op, download, units=1, unit_bytes=size)
            _check(sink.count == size, f"read {sink.count} bytes")
    else:
        raise ValueError(f"unknown client {client!r}")
    if op == "upload":
        _check(os.path.getsize(remote) == size, f"uploaded {os.path.getsize(remote)} bytes")
        os.unlink(remote)
    return _done([phase], **extra)


def small(spec: dict[str, Any]) -> dict[str, Any]:
    """Create ``count`` files of ``size`` bytes, then read each back."""
    server, client, count, size = spec["server"], spec["client"], spec["count"], spec["size"]
    folder = spec["folder"]
    os.makedirs(os.path.join(server["data"], folder), exist_ok=True)
    names = [f"{folder}/f{index:05d}.bin" for index in range(count)]
    data = pattern(size)
    if client == "ours":
        store = _ours(server)
        create, _ = measure("create", lambda: [store.write(name, data) for name in names], units=count)
        read, got = measure("read", lambda: [store.read_bytes(name) for name in names], units=count)
        store.close()
    elif client == "paramiko":
        transport, sftp = _paramiko(server)
        paths = [os.path.join(server["data"], name) for name in names]

        def put() -> None:
            for path in paths:
                with sftp.open(path, "wb") as handle:
                    handle.write(data)

        def get() -> list[bytes]:
            found = []
            for path in paths:
                with sftp.open(path, "rb") as handle:
                    found.append(handle.read())
            return found

        create, _ = measure("create", put, units=count)
        read, got = measure("read", get, units=count)
        sftp.close()
        transport.close()
    else:
        raise ValueError(f"client {client!r} has no small-file workload")
    _check(all(item == data for item in got), "read back wrong content")
    shutil.rmtree(os.path.join(server["data"], folder), ignore_errors=True)
    return _done([create, read])


def listing(spec: dict[str, Any]) -> dict[str, Any]:
    """List the ``expected`` files of ``folder`` with their sizes and times."""
    server, client, folder, expected = spec["server"], spec["client"], spec["folder"], spec["expected"]
    remote = os.path.join(server["data"], folder)
    extra: dict[str, Any] = {}
    if client == "sftp-command":
        # A batch of three listings less a batch of one, halved: one listing, the connection,
        # login and the command's start cancelled out.
        command = SftpCommand(server)
        once = command.batch(f"ls -l {remote}\n")
        phase, thrice = measure("list", lambda: command.batch(f"ls -l {remote}\n" * 3), units=expected)
        phase.seconds = (thrice - once) / 2
        extra["batch_of_one_seconds"] = once
    elif client == "ours":
        store = _ours(server)
        phase, found = measure("list", lambda: sum(1 for _ in store.list_files(folder)), units=expected)
        _check(found == expected, f"listed {found}")
        store.close()
    elif client == "paramiko":
        transport, sftp = _paramiko(server)
        phase, found = measure("list", lambda: len(sftp.listdir_attr(remote)), units=expected)
        _check(found == expected, f"listed {found}")
        sftp.close()
        transport.close()
    else:
        raise ValueError(f"client {client!r} has no listing workload")
    return _done([phase], **extra)


def copy(spec: dict[str, Any]) -> dict[str, Any]:
    """Copy a ``size``-byte file on the server: remote-store's ``copy`` or streamed through the client."""
    server, client, size, name = spec["server"], spec["client"], spec["size"], spec["name"]
    store = _ours(server)
    if client == "ours":
        phase, _ = measure("copy", lambda: store.copy(name, "copied.bin"), units=1, unit_bytes=size)
    elif client == "ours-streamed":

        def streamed() -> None:
            with store.read(name) as reader:
                store.write("copied.bin", reader)

        phase, _ = measure("copy", streamed, units=1, unit_bytes=size)
    else:
        raise ValueError(f"client {client!r} has no copy workload")
    _check(store.get_file_info("copied.bin").size == size, "copied the wrong size")
    store.delete("copied.bin")
    store.close()
    return _done([phase])


CASES = {"stream": stream, "small": small, "list": listing, "copy": copy}


def main() -> None:
    spec = json.loads(sys.argv[1])
    try:
        result = CASES[spec["case"]](spec)
    except ModuleNotFoundError as error:
        result = {"ok": False, "na": True, "error": str(error)}
    except Exception as error:  # noqa: BLE001 - reported to the runner
        result = {"ok": False, "na": False, "error": f"{type(error).__name__}: {error}"}
        traceback.print_exc()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
