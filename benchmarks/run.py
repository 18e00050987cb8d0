"""Benchmark runner: remote-store against plain ``open()``/``os`` and raw boto3, and against peers.

Usage::

    python benchmarks/run.py [--quick] [--peers] [--targets local,tmpfs,ceph,moto] [--reps N]
                             [--local-cases stream,small] [--small-count N]
                             [--out benchmarks/results/latest.json] [--report docs/benchmarks.md]

Every measured run is a fresh process (``worker.py``) of one library on one workload; the
baseline and remote-store (and the peers) alternate in the same run, their order rotated each
repetition. Peak memory comes from the kernel (``VmHWM`` reset before the operation). Figures
are written as JSON, then ``report.py`` renders the Markdown report and its chart.

``--quick`` (CI's smoke test): tiny sizes, one repetition, asserts nothing about speed; it fails
only if a baseline or remote-store workload fails. The full run (no ``--quick``) writes
``benchmarks/results/latest.json`` and ``docs/benchmarks.md``; a quick run writes
``benchmarks/results/quick.json`` and ``build/benchmarks/benchmarks.md`` so that it never
overwrites the real figures.

Needs, in this interpreter: remote-store-core, -local and -s3, boto3, ``moto[server]`` (target
``moto``), matplotlib (the chart). Ceph (target ``ceph``) comes from Debian's packages and is
installed with apt-get when missing (root). ``--peers`` builds one venv per peer under
``benchmarks/.venvs/`` (pinned versions, reused while the pins are unchanged).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "worker.py"
VENVS = HERE / ".venvs"
MIB = 1024 * 1024
GIB = 1024 * MIB

# Each peer in a venv of its own, pinned: what the report compares against.
PEERS: dict[str, list[str]] = {
    "fsspec": ["s3fs==2026.9.0", "fsspec==2026.9.0"],
    "obstore": ["obstore==0.12.1"],
    "opendal": ["opendal==0.47.12"],
    "smart_open": ["smart_open[s3]==9.0.2"],
    "remote-store-0.33.0": ["remote-store[s3]==0.33.0"],
}
# Distributions whose versions the report names, per library.
DISTS: dict[str, list[str]] = {
    "baseline": ["boto3", "botocore"],
    "ours": ["remote-store-core", "remote-store-local", "remote-store-s3", "boto3", "botocore"],
    "fsspec": ["fsspec", "s3fs", "aiobotocore", "botocore"],
    "obstore": ["obstore"],
    "opendal": ["opendal"],
    "smart_open": ["smart_open", "boto3", "botocore"],
    "remote-store-0.33.0": ["remote-store", "s3fs", "aiobotocore", "botocore"],
}
# The module whose import time is measured, per library (remote-store: core alone).
IMPORTS = {
    "ours": "remote_store",
    "fsspec": "fsspec",
    "obstore": "obstore",
    "opendal": "opendal",
    "smart_open": "smart_open",
    "remote-store-0.33.0": "remote_store",
}
BUCKET = "bench"
LIST_PREFIX = "list10k/"


@dataclass(frozen=True)
class Plan:
    """Sizes and repetitions of one run."""

    mode: str
    reps: int
    local_size: int
    small_count: int
    small_size: int
    s3_sizes: tuple[int, ...]
    s3_small_count: int
    list_count: int
    import_reps: int


FULL = Plan("full", 5, GIB, 10_000, 1024, (256 * MIB, 2 * GIB), 2_000, 10_000, 10)
# Quick: big enough to take the multipart path (> 8 MiB) and a second listing page (> 1,000 keys).
QUICK = Plan("quick", 1, 16 * MIB, 200, 1024, (20 * MIB,), 50, 1_100, 3)


def size_label(size: int) -> str:
    """``256MiB``, ``2GiB``: the variant name of a size."""
    if size % GIB == 0:
        return f"{size // GIB}GiB"
    return f"{size // MIB}MiB"


def parse_size(text: str) -> int:
    """Bytes of ``256MiB`` or ``2GiB`` (the inverse of ``size_label``).

    Raises:
        ValueError: ``text`` is not a whole number of MiB or GiB.
    """
    match = re.fullmatch(r"\s*(\d+)\s*(MiB|GiB)\s*", text)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"{text.strip()!r} is not a size such as 256MiB or 2GiB")
    return int(match.group(1)) * (MIB if match.group(2) == "MiB" else GIB)


@dataclass
class Runner:
    """Runs workers, collects results, remembers failures."""

    plan: Plan
    peers: list[str]
    tmp: Path
    runs: list[dict[str, Any]] = field(default_factory=list)
    pythons: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    timeout: float = 1200.0
    local_cases: tuple[str, ...] = ("stream", "small")

    def python(self, lib: str) -> str:
        return self.pythons.get(lib, sys.executable)

    def worker(self, lib: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Run one worker process; its parsed result (``ok`` false on any failure)."""
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        spec = {**spec, "lib": lib}
        try:
            done = subprocess.run(
                [self.python(lib), str(WORKER), json.dumps(spec)],
                capture_output=True,
                text=True,
                env=env,
                cwd=str(HERE),
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {"ok": False, "na": False, "error": f"timed out after {self.timeout:.0f} s"}
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        try:
            result: dict[str, Any] = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            result = {"ok": False, "na": False, "error": f"exit {done.returncode}: {done.stderr[-2000:]}"}
        if not result.get("ok") and not result.get("na"):
            result.setdefault("stderr", done.stderr[-4000:])
        return result

    def record(
        self, target: str, case: str, variant: str, lib: str, rep: int, result: dict[str, Any]
    ) -> None:
        run = {"target": target, "case": case, "variant": variant, "lib": lib, "rep": rep, **result}
        self.runs.append(run)
        label = f"[{target}] {case} {variant} rep {rep + 1}/{self.plan.reps} {lib}"
        if result.get("ok"):
            figures = ", ".join(_describe(phase) for phase in result["phases"])
            print(f"{label}: {figures}", file=sys.stderr, flush=True)
        elif result.get("na"):
            print(f"{label}: n/a ({result.get('error')})", file=sys.stderr, flush=True)
        else:
            print(f"{label}: FAILED {result.get('error')}", file=sys.stderr, flush=True)
            if result.get("stderr"):
                print(result["stderr"], file=sys.stderr, flush=True)
            if lib in ("baseline", "baseline-putobject", "ours"):
                self.failures.append(label)

    def alternate(self, libs: list[str]) -> Iterator[tuple[int, str]]:
        """``(rep, lib)`` for every repetition, the order of the libraries rotated each time."""
        for rep in range(self.plan.reps):
            shift = rep % len(libs)
            for lib in libs[shift:] + libs[:shift]:
                yield rep, lib

    # -- local -------------------------------------------------------------------------------

    def local(self, target: str = "local") -> None:
        """The local workloads in the temporary folder (``local``) or in /dev/shm (``tmpfs``).

        On tmpfs no disk is involved: the ratios show the library's own overhead alone.
        """
        plan = self.plan
        if target == "tmpfs":
            root = Path(tempfile.mkdtemp(prefix="rs-bench-", dir="/dev/shm"))
        else:
            root = self.tmp / "local"
        root.mkdir(parents=True, exist_ok=True)
        libs = ["baseline", "ours", *self.peers]
        variant = size_label(plan.local_size)
        fixture = "fixture.bin"
        streams = "stream" in self.local_cases
        done = (
            self.worker(
                "baseline", {"case": "local_fixture", "path": str(root / fixture), "size": plan.local_size}
            )
            if streams
            else {"ok": True}
        )
        if not done.get("ok"):
            raise RuntimeError(f"local fixture: {done.get('error')}")
        for op in ("write", "read", "atomic") if streams else ():
            for rep, lib in self.alternate(libs):
                name = fixture if op == "read" else f"{lib}-{rep}.bin"
                spec = {
                    "case": "local_stream",
                    "root": str(root / "store"),
                    "name": name,
                    "size": plan.local_size,
                }
                if op == "read":
                    spec["root"] = str(root)
                spec["op"] = op
                # Dirty pages of the previous run must not be written back during this one.
                os.sync()
                self.record(target, f"stream_{op}", variant, lib, rep, self.worker(lib, spec))
        for rep, lib in self.alternate(libs if "small" in self.local_cases else []):
            spec = {
                "case": "local_small",
                "root": str(root / "store"),
                "folder": f"small-{lib}",
                "count": plan.small_count,
                "size": plan.small_size,
            }
            os.sync()
            self.record(
                target, "small", f"{plan.small_count}x{plan.small_size}B", lib, rep, self.worker(lib, spec)
            )
        shutil.rmtree(root, ignore_errors=True)

    # -- S3 ----------------------------------------------------------------------------------

    def collect_garbage(self, server: dict[str, Any]) -> None:
        """Make Ceph free what was deleted now, not hours later (radosgw's deferred GC).

        Without it the 2 GiB uploads fill the test cluster's 20 GiB OSD, which then blocks
        every write.
        """
        conf = server.get("conf_path")
        if conf is None:
            return
        sys.path.insert(0, str(ROOT))
        from tools.s3servers import ceph

        command = ["radosgw-admin", "-c", conf, "gc", "process", "--include-all"]
        subprocess.run(command, env=ceph._ceph_env(), capture_output=True, timeout=600, check=False)

    def s3(self, target: str, server: dict[str, Any]) -> None:
        plan = self.plan
        public = {key: server[key] for key in ("endpoint_url", "access_key", "secret_key", "region")}
        base = {"server": public, "bucket": BUCKET}
        downloads = [(size, f"fixture-{size_label(size)}") for size in plan.s3_sizes]
        setup = self.worker(
            "baseline",
            {
                **base,
                "case": "s3_setup",
                "list_prefix": LIST_PREFIX,
                "list_count": plan.list_count,
                "download_objects": downloads,
            },
        )
        if not setup.get("ok"):
            raise RuntimeError(f"{target} setup: {setup.get('error')}\n{setup.get('stderr', '')}")
        print(f"[{target}] fixtures ready: {setup['extra']['seconds']}", file=sys.stderr, flush=True)

        for size in plan.s3_sizes:
            variant = size_label(size)
            put_file = self.tmp / f"putobject-{variant}.bin"
            self.worker("baseline", {"case": "local_fixture", "path": str(put_file), "size": size})
            libs = ["baseline", "baseline-putobject", "ours", *self.peers]
            for rep, lib in self.alternate(libs):
                key = f"upload/{lib}-{variant}-{rep}"
                spec = {**base, "case": "s3_stream", "op": "upload", "key": key, "size": size}
                spec["put_file"] = str(put_file)
                result = self.worker(lib, spec)
                check = self.worker("baseline", {**base, "case": "s3_cleanup", "check": [[key, size]]})
                self.collect_garbage(server)
                if result.get("ok") and not check.get("ok"):
                    result = {"ok": False, "na": False, "error": check.get("error"), "measured": result}
                self.record(target, "upload", variant, lib, rep, result)
            put_file.unlink(missing_ok=True)
        for size, key in downloads:
            variant = size_label(size)
            for rep, lib in self.alternate(["baseline", "ours", *self.peers]):
                spec = {**base, "case": "s3_stream", "op": "download", "key": key, "size": size}
                self.record(target, "download", variant, lib, rep, self.worker(lib, spec))

        small_variant = f"{plan.s3_small_count}x{plan.small_size}B"
        for rep, lib in self.alternate(["baseline", "ours", *self.peers]):
            prefix = f"small/{lib}-{rep}/"
            spec = {**base, "case": "s3_small", "prefix": prefix, "count": plan.s3_small_count}
            spec["size"] = plan.small_size
            self.record(target, "small", small_variant, lib, rep, self.worker(lib, spec))
            self.worker("baseline", {**base, "case": "s3_cleanup", "prefixes": [prefix]})
            self.collect_garbage(server)
        for rep, lib in self.alternate(["baseline", "ours", *self.peers]):
            spec = {**base, "case": "s3_list", "prefix": LIST_PREFIX, "expected": plan.list_count}
            self.record(target, "list", f"{plan.list_count} keys", lib, rep, self.worker(lib, spec))
        self.worker(
            "baseline", {**base, "case": "s3_cleanup", "prefixes": [LIST_PREFIX, "fixture-", "upload/"]}
        )

    # -- import time -------------------------------------------------------------------------

    def imports(self) -> dict[str, Any]:
        """Import times (``-X importtime``) and what a first store imports, each in fresh interpreters."""
        results: dict[str, Any] = {}
        for lib in ["ours", *self.peers]:
            module = IMPORTS.get(lib)
            if module is None:
                continue
            _import_us(self.python(lib), module)  # warm-up: writes the bytecode caches
            samples = [_import_us(self.python(lib), module) for _ in range(self.plan.import_reps)]
            valid = [sample for sample in samples if sample is not None]
            results[lib] = {"module": module, "microseconds": valid}
        _first_local_store(self.tmp)  # warm-up
        results["ours_first_local_store"] = [
            _first_local_store(self.tmp) for _ in range(self.plan.import_reps)
        ]
        results["ours_s3_store_constructed"] = _s3_constructed()
        return results


def _describe(phase: dict[str, Any]) -> str:
    seconds = phase["seconds"]
    if phase.get("unit_bytes") and phase["units"] == 1:
        speed = f"{phase['unit_bytes'] / MIB / seconds:.0f} MiB/s"
    else:
        speed = f"{phase['units'] / seconds:.0f}/s"
    text = f"{phase['name']} {speed} +{phase['rss_growth'] / MIB:.1f} MiB"
    if phase.get("requests") is not None:
        text += f" {phase['requests'] / max(phase['units'], 1):.2f} req/op"
    return text


def _clean_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}


def _import_env() -> dict[str, str]:
    # Imports are timed as installed packages run: from bytecode caches. pip writes them for the
    # peers at install time; our editable sources get theirs from the first (discarded) run.
    env = _clean_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _import_us(python: str, module: str) -> int | None:
    """Cumulative microseconds of ``import module`` in a fresh interpreter (``-X importtime``)."""
    done = subprocess.run(
        [python, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=_import_env(),
        cwd=tempfile.gettempdir(),
        check=False,
    )
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].rstrip() == f" {module}":
            return int(parts[1])
    return None


_FIRST_STORE = """
import json, sys, time
start = time.perf_counter()
from remote_store import Store
from remote_store.backends.local import LocalBackend
store = Store(LocalBackend(root=sys.argv[1]))
store.write("first.txt", b"hello", overwrite=True)
seconds = time.perf_counter() - start
modules = {"boto3": "boto3" in sys.modules, "botocore": "botocore" in sys.modules}
print(json.dumps({"seconds": seconds, **modules}))
"""

_S3_CONSTRUCTED = """
import json, sys
from remote_store import Store
from remote_store.backends.s3 import S3Backend
store = Store(S3Backend(bucket="b", endpoint_url="http://127.0.0.1:9", aws_access_key_id="k",
                        aws_secret_access_key="s", region_name="us-east-1"))
print(json.dumps({"boto3": "boto3" in sys.modules, "botocore": "botocore" in sys.modules}))
"""


def _first_local_store(tmp: Path) -> dict[str, Any]:
    root = tmp / "first-store"
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_STORE, str(root)],
        capture_output=True,
        text=True,
        env=_import_env(),
        cwd=tempfile.gettempdir(),
        check=False,
    )
    shutil.rmtree(root, ignore_errors=True)
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _s3_constructed() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _S3_CONSTRUCTED],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=tempfile.gettempdir(),
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _versions(python: str, dists: list[str]) -> dict[str, str]:
    code = (
        "import json, sys\nfrom importlib import metadata\nout = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n        out[name] = metadata.version(name)\n"
        "    except metadata.PackageNotFoundError:\n        pass\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run(
        [python, "-c", code, *dists], capture_output=True, text=True, env=_clean_env(), check=False
    )
    try:
        versions: dict[str, str] = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {}
    return versions


def ensure_peer_venv(name: str) -> str:
    """The python of the peer's venv under benchmarks/.venvs, created or refreshed when its pins change."""
    venv = VENVS / name
    python = venv / "bin" / "python"
    stamp = venv / "bench-pins.txt"
    pins = "\n".join(PEERS[name])
    if python.exists() and stamp.exists() and stamp.read_text() == pins:
        return str(python)
    shutil.rmtree(venv, ignore_errors=True)
    print(f"creating {venv} ({', '.join(PEERS[name])})", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PEERS[name]],
        check=True,
        env=_clean_env(),
    )
    stamp.write_text(pins)
    return str(python)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = None
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as info:
        match = re.search(r"MemTotal:\s+(\d+) kB", info.read())
        memory = int(match.group(1)) * 1024 if match else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": memory,
        "kernel": platform.release(),
        "system": platform.system(),
        "python": platform.python_version(),
        "filesystem_tmp": tempfile.gettempdir(),
    }


@contextlib.contextmanager
def s3_server(target: str) -> Iterator[dict[str, Any]]:
    """Start moto or Ceph radosgw (tools/s3servers) and stop it afterwards."""
    sys.path.insert(0, str(ROOT))
    from tools.s3servers import ceph, moto

    started = time.perf_counter()
    if target == "ceph":
        if ceph.missing_binaries():
            ceph.ensure_installed()
        server: Any = ceph.start()
        stop: Any = ceph.stop
    else:
        server = moto.start()
        stop = moto.stop
    try:
        info: dict[str, Any] = {
            "endpoint_url": server.endpoint_url,
            "access_key": server.access_key,
            "secret_key": server.secret_key,
            "region": server.region,
            "start_seconds": time.perf_counter() - started,
        }
        if target == "ceph":
            info["conf_path"] = server.conf_path
        yield info
    finally:
        stop(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repetition (CI smoke test)")
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also fsspec/s3fs, obstore, OpenDAL, smart_open, remote-store 0.33.0",
    )
    parser.add_argument(
        "--targets", default="local,tmpfs,ceph,moto", help="comma-separated: local, tmpfs, moto, ceph"
    )
    parser.add_argument("--peer-targets", help="targets on which the peers run (default: every target)")
    parser.add_argument("--reps", type=int, help="repetitions per workload (default: 5, quick: 1)")
    parser.add_argument(
        "--s3-small-count", type=int, help="objects of the S3 small-object workload (default: 2,000)"
    )
    parser.add_argument(
        "--small-count", type=int, help="files of the local small-file workload (default: 10,000)"
    )
    parser.add_argument(
        "--local-cases",
        default="stream,small",
        help="comma-separated local workloads to run: stream (1 GiB files), small (default: both)",
    )
    parser.add_argument(
        "--s3-sizes",
        help="comma-separated sizes of the streamed S3 transfers, e.g. 256MiB (default: 256MiB,2GiB)",
    )
    parser.add_argument(
        "--out", help="results JSON (default benchmarks/results/latest.json, quick: quick.json)"
    )
    parser.add_argument(
        "--report", help="Markdown report to write (default docs/benchmarks.md, quick: build/)"
    )
    parser.add_argument("--no-report", action="store_true", help="write the JSON only")
    parser.add_argument(
        "--append",
        action="store_true",
        help="merge into --out: keep its other targets, replace the ones run now",
    )
    parser.add_argument(
        "--tmp", help="folder for the local workloads (default: the system's temporary folder)"
    )
    args = parser.parse_args(argv)

    plan = QUICK if args.quick else FULL
    if args.reps:
        plan = Plan(**{**plan.__dict__, "reps": args.reps})
    if args.s3_sizes:
        try:
            sizes = tuple(parse_size(text) for text in args.s3_sizes.split(",") if text.strip())
        except ValueError as error:
            parser.error(f"--s3-sizes: {error}")
        plan = Plan(**{**plan.__dict__, "s3_sizes": sizes})
    if args.s3_small_count is not None:
        if args.s3_small_count < 1:
            parser.error("--s3-small-count: at least 1")
        plan = Plan(**{**plan.__dict__, "s3_small_count": args.s3_small_count})
    if args.small_count is not None:
        if args.small_count < 1:
            parser.error("--small-count: at least 1")
        plan = Plan(**{**plan.__dict__, "small_count": args.small_count})
    local_cases = tuple(case.strip() for case in args.local_cases.split(",") if case.strip())
    if not local_cases or set(local_cases) - {"stream", "small"}:
        parser.error("--local-cases: a comma-separated choice of stream, small")
    targets = [target.strip() for target in args.targets.split(",") if target.strip()]
    unknown = set(targets) - {"local", "tmpfs", "moto", "ceph"}
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    out = Path(args.out or HERE / "results" / ("quick.json" if args.quick else "latest.json"))
    report = Path(
        args.report or (ROOT / "build" / "benchmarks" if args.quick else ROOT / "docs") / "benchmarks.md"
    )

    started = time.perf_counter()
    peers = list(PEERS) if args.peers else []
    tmp = Path(tempfile.mkdtemp(prefix="rs-bench-", dir=args.tmp))
    runner = Runner(plan, peers, tmp, local_cases=local_cases)
    for peer in peers:
        runner.pythons[peer] = ensure_peer_venv(peer)
    versions = {"baseline": _versions(sys.executable, [*DISTS["baseline"], "moto"])}
    for lib in ["ours", *peers]:
        versions[lib] = _versions(runner.python(lib), DISTS[lib])
    command = " ".join(["python", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])

    # --append: keep the other targets of an earlier run of the same mode; this run replaces its own.
    earlier: dict[str, Any] = {}
    if args.append and out.exists():
        earlier = json.loads(out.read_text(encoding="utf-8"))
        if earlier["meta"]["mode"] != plan.mode:
            parser.error(f"--append: {out} holds a {earlier['meta']['mode']} run, this is {plan.mode}")
    # A target run again replaces its runs of the libraries run now; with --append and without
    # --peers, the peers' earlier runs of that target are kept (their date is in meta.commands).
    ran_libs = {"baseline", "baseline-putobject", "ours", *peers}
    kept_runs = [
        run
        for run in earlier.get("runs", [])
        if run["target"] not in targets or (not peers and run["lib"] not in ran_libs)
    ]
    status: dict[str, Any] = {
        name: state
        for name, state in earlier.get("meta", {}).get("targets", {}).items()
        if name not in targets
    }
    results: dict[str, Any] = {
        "meta": {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "mode": plan.mode,
            "plan": plan.__dict__,
            "machine": machine(),
            "versions": {**earlier.get("meta", {}).get("versions", {}), **versions},
            "targets": status,
            "wall_seconds": 0.0,
            "commands": [*earlier.get("meta", {}).get("commands", []), command],
        },
        "imports": {},
        "runs": kept_runs,
    }

    def save() -> None:
        results["meta"]["wall_seconds"] = earlier.get("meta", {}).get("wall_seconds", 0.0) + (
            time.perf_counter() - started
        )
        results["runs"] = kept_runs + runner.runs
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")

    try:
        results["imports"] = {**earlier.get("imports", {}), **runner.imports()}
        save()
        for target in targets:
            target_start = time.perf_counter()
            load_before = os.getloadavg()
            runner.peers = (
                peers if args.peer_targets is None or target in args.peer_targets.split(",") else []
            )
            try:
                if target in ("local", "tmpfs"):
                    runner.local(target)
                    status[target] = {"ok": True}
                else:
                    with s3_server(target) as server:
                        status[target] = {"ok": True, "server_start_seconds": server["start_seconds"]}
                        runner.s3(target, server)
            except Exception as error:  # noqa: BLE001 - one target failing must not lose the others
                status[target] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
                runner.failures.append(f"[{target}] {error}")
                print(f"[{target}] FAILED: {error}", file=sys.stderr, flush=True)
            status[target]["seconds"] = time.perf_counter() - target_start
            status[target]["peers"] = bool(runner.peers)
            # Other work on the machine skews figures: the report states the load around each target.
            status[target]["load_average"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
            save()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    save()
    print(f"results: {out} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if not args.no_report:
        sys.path.insert(0, str(HERE))
        import report as report_module

        report_module.render(results, report)
        print(f"report: {report}", file=sys.stderr)
    if runner.failures:
        print("failed:\n  " + "\n  ".join(runner.failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
