"""One column of a 256 MiB Parquet file on S3: the fsspec bridge against s3fs (issue 18).

Usage::

    python benchmarks/parquet_bench.py --target ceph --json benchmarks/results/parquet-ceph.json
    python benchmarks/parquet_bench.py --target moto --quick   # smoke test: 16 MiB, 1 repetition

The runner writes a Parquet file of ``--size`` MiB (16 int64 columns of random bits, no
compression, no dictionary: every column is 1/16 of the file) and uploads it. Then, each in a
fresh process, the libraries alternating (order rotated every repetition), it reads one column
with ``pyarrow.parquet.read_table(path, columns=["c03"], filesystem=fs)``, each filesystem with its
defaults:

- ``bridge``: ``remote_store.fsspec.RemoteStoreFileSystem(Store(S3Backend(...)))``;
- ``s3fs``: ``s3fs.S3FileSystem`` on the same endpoint and keys.

Measured per read: wall seconds, peak-RSS growth (``_measure``), the GetObject requests and the
bytes the server was asked to send (the sum of the ``Content-Length`` of every GetObject answer,
from botocore's ``after-call`` event, which aiobotocore fires too). The column read back is checked
against the one written. Medians over the repetitions; the ratio is per repetition, bridge
seconds over s3fs seconds of the same repetition, then the median. Both libraries use botocore, so
the interpreter needs remote-store-core, -s3, -fsspec, pyarrow and s3fs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _measure  # noqa: E402
from _measure import MIB  # noqa: E402

COLUMNS = 16
COLUMN = "c03"
LIBS = ["bridge", "s3fs"]
KEY = "parquet/table.parquet"


# -- one measurement, in its own process ------------------------------------------------------


class BodyBytes:
    """The Content-Length of every GetObject answer, summed (the bytes the server was asked for)."""

    def __init__(self) -> None:
        self.total = 0

    def handler(self, parsed: Any = None, **kwargs: Any) -> None:
        if isinstance(parsed, dict):
            self.total += int(parsed.get("ContentLength") or 0)


BODY = BodyBytes()


def _count_bodies() -> None:
    import botocore.session

    original = botocore.session.Session.__init__

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register("after-call.s3.GetObject", BODY.handler)

    botocore.session.Session.__init__ = counting_init  # type: ignore[method-assign]


def _filesystem(lib: str, server: dict[str, Any], bucket: str) -> tuple[Any, str]:
    if lib == "bridge":
        from remote_store import Store
        from remote_store.backends.s3 import S3Backend
        from remote_store.fsspec import RemoteStoreFileSystem

        store = Store(
            S3Backend(
                bucket=bucket,
                endpoint_url=server["endpoint_url"],
                aws_access_key_id=server["access_key"],
                aws_secret_access_key=server["secret_key"],
                region_name=server["region"],
            )
        )
        store.exists("warmup-probe")
        return RemoteStoreFileSystem(store), KEY
    import s3fs

    fs = s3fs.S3FileSystem(
        key=server["access_key"],
        secret=server["secret_key"],
        client_kwargs={"endpoint_url": server["endpoint_url"], "region_name": server["region"]},
        config_kwargs={"s3": {"addressing_style": "path"}},
        skip_instance_cache=True,
    )
    fs.exists(f"{bucket}/warmup-probe")
    return fs, f"{bucket}/{KEY}"


def one(spec: dict[str, Any]) -> dict[str, Any]:
    """Read the column with the library ``spec`` names, in this process; its figures."""
    _measure.install_request_counter()
    _count_bodies()
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    fs, path = _filesystem(spec["lib"], spec["server"], spec["bucket"])
    before = BODY.total
    phase, table = _measure.measure(
        "read-column", lambda: pq.read_table(path, columns=[COLUMN], filesystem=fs), units=1
    )
    column = table.column(COLUMN)
    check = pc.sum(pc.bit_wise_and(column, 0xFFFF)).as_py()
    if table.num_rows != spec["rows"] or check != spec["check"]:
        raise AssertionError(f"{spec['lib']} read {table.num_rows} rows, check {check}; expected {spec}")
    return {
        "ok": True,
        "seconds": phase.seconds,
        "cpu_seconds": phase.cpu_seconds,
        "rss_growth": phase.rss_growth,
        "requests": phase.requests,
        "requests_by_operation": phase.requests_by_operation,
        "body_bytes": BODY.total - before,
    }


# -- the runner ---------------------------------------------------------------------------------


def _write_table(path: Path, size: int) -> tuple[int, int]:
    """A Parquet file of ``size`` bytes of int64 data; its row count and the check of COLUMN."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rows = size // (COLUMNS * 8)
    columns = {
        f"c{index:02d}": pa.Array.from_buffers(pa.int64(), rows, [None, pa.py_buffer(os.urandom(rows * 8))])
        for index in range(COLUMNS)
    }
    table = pa.table(columns)
    pq.write_table(table, path, compression="none", use_dictionary=False)
    return rows, pc.sum(pc.bit_wise_and(table.column(COLUMN), 0xFFFF)).as_py()


def _spawn(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--one", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{spec['lib']} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Write the file, read one column with each library, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["moto", "ceph"], default="moto")
    parser.add_argument("--size", type=int, default=256, help="MiB of column data in the file")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="16 MiB, 1 repetition")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(json.loads(args.one))))
        return 0
    if args.quick:
        args.size, args.repeat = 16, 1
    from adapters.base import boto3_client
    from run import s3_server

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "table.parquet"
        rows, check = _write_table(local, args.size * MIB)
        file_size = local.stat().st_size
        with s3_server(args.target) as server:
            server = {key: server[key] for key in ("endpoint_url", "access_key", "secret_key", "region")}
            client = boto3_client(server)
            bucket = f"parquet-bench-{uuid.uuid4().hex[:8]}"
            client.create_bucket(Bucket=bucket)
            client.upload_file(str(local), bucket, KEY)
            runs: dict[str, list[dict[str, Any]]] = {lib: [] for lib in LIBS}
            for repetition in range(args.repeat):
                order = LIBS if repetition % 2 == 0 else LIBS[::-1]
                for lib in order:
                    spec = {"lib": lib, "server": server, "bucket": bucket, "rows": rows, "check": check}
                    runs[lib].append(_spawn(spec))
    figures = {
        "target": args.target,
        "file_bytes": file_size,
        "rows": rows,
        "columns": COLUMNS,
        "column": COLUMN,
        "repeat": args.repeat,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "versions": _versions(),
        "runs": runs,
    }
    print(_table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def _table(figures: dict[str, Any]) -> str:
    runs: dict[str, list[dict[str, Any]]] = figures["runs"]
    size = figures["file_bytes"]
    pairs = zip(runs["bridge"], runs["s3fs"], strict=True)
    ratios = [bridge["seconds"] / peer["seconds"] for bridge, peer in pairs]
    lines = [
        f"One int64 column of {COLUMNS} from a {size / MIB:.0f} MiB Parquet file, "
        f"{figures['target']}, medians of {figures['repeat']}:",
        "",
        "| library | seconds | bytes asked of the server | share of the file | GetObjects | RSS growth |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for lib in LIBS:
        results = runs[lib]
        seconds = statistics.median(result["seconds"] for result in results)
        body = statistics.median(result["body_bytes"] for result in results)
        gets = statistics.median(
            (result["requests_by_operation"] or {}).get("GetObject", 0) for result in results
        )
        rss = statistics.median(result["rss_growth"] for result in results)
        share = f"{body / MIB:.1f} MiB | {body / size:.1%}"
        lines.append(f"| {lib} | {seconds:.2f} | {share} | {gets:.0f} | +{rss / MIB:.1f} MiB |")
    ratio = statistics.median(ratios)
    share = statistics.median(result["body_bytes"] for result in runs["bridge"]) / size
    lines += [
        "",
        f"bridge time / s3fs time, median of per-repetition ratios: {ratio:.2f} "
        f"(target <= 1.00: {'met' if ratio <= 1.0 else 'missed'}); the bridge asked for {share:.1%} "
        f"of the file (target: a small fraction, the column is 1/{COLUMNS}: "
        f"{'met' if share <= 2 / COLUMNS else 'missed'}).",
    ]
    return "\n".join(lines)


def _versions() -> dict[str, str]:
    from importlib import metadata

    found = {}
    for name in ("remote-store-fsspec", "fsspec", "s3fs", "aiobotocore", "botocore", "pyarrow"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def section(figures: dict[str, Any]) -> str:
    """The Parquet section of docs/benchmarks.md from the JSON of a run, as Markdown."""
    versions = ", ".join(f"{name} {version}" for name, version in sorted(figures["versions"].items()))
    return "\n".join(
        [
            "## Parquet column through the fsspec bridge against s3fs (issue 18)",
            "",
            f"`python benchmarks/parquet_bench.py --target {figures['target']}` (run of "
            f"{figures['when']}; each read a fresh process, the libraries alternating; load average "
            f"{figures['load_average_before']:.1f} before, {figures['load_average_after']:.1f} after, "
            f"2 cores shared with the server). `pyarrow.parquet.read_table(path, columns=[...], "
            f"filesystem=fs)`, each filesystem with its defaults. Bytes: the `Content-Length` of "
            f"every GetObject answer. Versions: {versions}.",
            "",
            _table(figures),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
