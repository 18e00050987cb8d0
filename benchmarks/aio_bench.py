"""AsyncStore against the sync Store and raw clients on S3: concurrent small gets, large transfers.

Usage::

    python benchmarks/aio_bench.py --target moto            # or ceph (the issue's targets)
    python benchmarks/aio_bench.py --target moto --quick    # smoke test: small sizes
    python benchmarks/aio_bench.py --target ceph --cases upload --size 1024   # 1 GiB streamed write

Each measurement runs in a fresh process (``--one``), the libraries alternating, as ``run.py``
does; figures are reported as ratios against a baseline of the same run. Workloads:

- ``gets``: ``--objects`` (2,000) objects of 1 KiB read by key: the sequential ``Store``
  (``read_bytes`` in a loop), raw boto3 sequentially (the baseline), ``AsyncStore`` with 16 calls
  in flight (``max_workers=16``), and aioboto3 (aiobotocore) at the same concurrency when it is
  importable (``pip install aioboto3`` in the environment; else reported as not run).
- ``upload`` / ``download``: ``--size`` (256 MiB) streamed from a generated non-seekable source /
  into a counting sink, through the sync ``Store`` (the baseline) and ``AsyncStore`` (an async
  generator of 1 MiB chunks / ``async for`` over the reader), with the peak-RSS growth of each.

Targets (issue 17): gets through AsyncStore at least 2.5x the sequential Store and at least as fast
as aioboto3; transfers at least 0.95x the sync Store, RSS growth within 8 MiB of it. Prints a
Markdown table; ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _measure  # noqa: E402
from _measure import MIB, Sink, Source, pattern  # noqa: E402

CONCURRENCY = 16
SMALL = 1024
GET_LIBS = ["boto3-seq", "store-seq", "asyncstore-16", "aioboto3-16"]
TRANSFER_LIBS = ["store", "asyncstore"]


# -- one measurement, in its own process ------------------------------------------------------


def _backend(server: dict[str, Any], bucket: str) -> Any:
    from remote_store.backends.s3 import S3Backend

    return S3Backend(
        bucket=bucket,
        endpoint_url=server["endpoint_url"],
        aws_access_key_id=server["access_key"],
        aws_secret_access_key=server["secret_key"],
        region_name=server["region"],
    )


def _boto3(server: dict[str, Any]) -> Any:
    from adapters.base import boto3_client

    return boto3_client(server)


def _gets(lib: str, server: dict[str, Any], bucket: str, keys: list[str]) -> float:
    if lib == "boto3-seq":
        client = _boto3(server)
        client.head_bucket(Bucket=bucket)
        start = time.perf_counter()
        for key in keys:
            assert len(client.get_object(Bucket=bucket, Key=key)["Body"].read()) == SMALL
        return time.perf_counter() - start
    if lib == "store-seq":
        from remote_store import Store

        with Store(_backend(server, bucket)) as store:
            store.exists("warmup-probe")
            start = time.perf_counter()
            for key in keys:
                assert len(store.read_bytes(key)) == SMALL
            return time.perf_counter() - start
    if lib == "asyncstore-16":
        from remote_store.aio import AsyncStore

        async def run() -> float:
            async with AsyncStore(_backend(server, bucket), max_workers=CONCURRENCY) as store:
                await asyncio.gather(*(store.exists("warmup-probe") for _ in range(CONCURRENCY)))
                gate = asyncio.Semaphore(CONCURRENCY)

                async def get(key: str) -> None:
                    async with gate:
                        assert len(await store.read_bytes(key)) == SMALL

                start = time.perf_counter()
                await asyncio.gather(*(get(key) for key in keys))
                return time.perf_counter() - start

        return asyncio.run(run())
    if lib == "aioboto3-16":
        import aioboto3  # type: ignore[import-not-found]
        from botocore.config import Config

        async def run_peer() -> float:
            session = aioboto3.Session()
            async with session.client(
                "s3",
                endpoint_url=server["endpoint_url"],
                aws_access_key_id=server["access_key"],
                aws_secret_access_key=server["secret_key"],
                region_name=server["region"],
                config=Config(s3={"addressing_style": "path"}, max_pool_connections=CONCURRENCY),
            ) as client:
                await client.head_bucket(Bucket=bucket)
                gate = asyncio.Semaphore(CONCURRENCY)

                async def get(key: str) -> None:
                    async with gate:
                        response = await client.get_object(Bucket=bucket, Key=key)
                        async with response["Body"] as body:
                            assert len(await body.read()) == SMALL

                start = time.perf_counter()
                await asyncio.gather(*(get(key) for key in keys))
                return time.perf_counter() - start

        return asyncio.run(run_peer())
    raise ValueError(lib)


def _transfer(
    lib: str, op: str, server: dict[str, Any], bucket: str, key: str, size: int
) -> tuple[float, int]:
    data = pattern()
    if lib == "store":
        from remote_store import Store

        with Store(_backend(server, bucket)) as store:
            store.exists("warmup-probe")
            if op == "upload":
                phase, _ = _measure.measure(
                    op, lambda: store.write(key, Source(size, data), overwrite=True), units=1
                )
            else:
                sink = Sink()

                def download() -> None:
                    with store.read(key) as body:
                        _measure.drain(body, sink, MIB)

                phase, _ = _measure.measure(op, download, units=1)
                assert sink.count == size
            return phase.seconds, phase.rss_growth
    from remote_store.aio import AsyncStore

    async def run() -> tuple[float, int]:
        async with AsyncStore(_backend(server, bucket)) as store:
            await store.exists("warmup-probe")
            if op == "upload":

                async def chunks() -> Any:
                    source = Source(size, data)
                    while chunk := source.read(MIB):
                        yield chunk

                action = store.write(key, chunks(), overwrite=True)
            else:

                async def download() -> int:
                    count = 0
                    async with await store.read(key) as reader:
                        async for chunk in reader:
                            count += len(chunk)
                    return count

                action = download()
            _measure.gc.collect()
            _measure.reset_peak()
            start_rss = _measure.rss_bytes()
            start = time.perf_counter()
            result = await action
            seconds = time.perf_counter() - start
            if op == "download":
                assert result == size
            return seconds, max(0, _measure.hwm_bytes() - start_rss)

    return asyncio.run(run())


def one(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the measurement ``spec`` names in this process."""
    try:
        if spec["case"] == "gets":
            return {"ok": True, "seconds": _gets(spec["lib"], spec["server"], spec["bucket"], spec["keys"])}
        seconds, growth = _transfer(
            spec["lib"], spec["case"], spec["server"], spec["bucket"], spec["key"], spec["size"]
        )
        return {"ok": True, "seconds": seconds, "rss_growth": growth}
    except ImportError as error:
        return {"ok": False, "error": f"not installed: {error.name}"}


# -- the runner ---------------------------------------------------------------------------------


def _spawn(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--one", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{spec['case']} {spec['lib']} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _best(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    good = [result for result in results if result.get("ok")]
    return min(good, key=lambda result: result["seconds"]) if good else None


def main(argv: list[str] | None = None) -> int:
    """Run every workload against the target and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["moto", "ceph"], default="moto")
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--size", type=int, default=256, help="MiB streamed by upload/download")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 objects, 16 MiB, 1 repetition")
    parser.add_argument(
        "--cases", default="gets,upload,download", help="comma-separated: gets, upload, download"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--note", default="", help="a sentence for the report: what this run measures")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(json.loads(args.one))))
        return 0
    if args.quick:
        args.objects, args.size, args.repeat = 200, 16, 1
    from run import s3_server

    cases = [case.strip() for case in args.cases.split(",") if case.strip()]
    unknown = sorted(set(cases) - {"gets", "upload", "download"})
    if unknown or not cases:
        parser.error(f"--cases: unknown {unknown}" if unknown else "--cases: none given")
    size = args.size * MIB
    figures: dict[str, Any] = {
        "target": args.target,
        "objects": args.objects,
        "size": size,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "note": args.note,
        "load_average_before": os.getloadavg()[0],
        "versions": _versions(),
        "results": {},
    }
    with s3_server(args.target) as server:
        server = {key: server[key] for key in ("endpoint_url", "access_key", "secret_key", "region")}
        client = _boto3(server)
        bucket = f"aio-bench-{uuid.uuid4().hex[:8]}"
        client.create_bucket(Bucket=bucket)
        keys = [f"small/{index:05d}" for index in range(args.objects)] if "gets" in cases else []
        small = os.urandom(SMALL)
        for key in keys:
            client.put_object(Bucket=bucket, Key=key, Body=small)
        if "download" in cases:
            client.upload_fileobj(Source(size, pattern()), bucket, "large/source")
        runs: dict[str, list[dict[str, Any]]] = {}
        for _ in range(args.repeat):
            for lib in GET_LIBS if "gets" in cases else []:
                spec = {"case": "gets", "lib": lib, "server": server, "bucket": bucket, "keys": keys}
                runs.setdefault(f"gets/{lib}", []).append(_spawn(spec))
            for op in [case for case in ("upload", "download") if case in cases]:
                for lib in TRANSFER_LIBS:
                    key = "large/source" if op == "download" else f"large/{lib}"
                    spec = {
                        "case": op,
                        "lib": lib,
                        "server": server,
                        "bucket": bucket,
                        "key": key,
                        "size": size,
                    }
                    runs.setdefault(f"{op}/{lib}", []).append(_spawn(spec))
    best = {name: _best(results) for name, results in runs.items()}
    figures["results"] = best
    figures["cases"], figures["repeat"], figures["runs"] = cases, args.repeat, runs
    figures["load_average_after"] = os.getloadavg()[0]
    print(_table(best, args.objects, size, cases))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def _versions() -> dict[str, str]:
    from importlib import metadata

    found = {}
    for name in ("remote-store-core", "remote-store-s3", "boto3", "botocore", "aioboto3", "aiobotocore"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def section(runs: list[dict[str, Any]]) -> str:
    """The async section of docs/benchmarks.md from the JSON of one or more runs, as Markdown."""
    lines = [
        "## Async: `AsyncStore` against the sync `Store` (issue 17)",
        "",
        "`python benchmarks/aio_bench.py` (each measurement a fresh process, the best of the",
        "repetitions; ratios against the sync `Store` or the sequential baseline of the same run).",
        "",
    ]
    for figures in runs:
        named = sorted(figures.get("versions", {}).items())
        versions = ", ".join(f"{name} {version}" for name, version in named)
        load = [figures.get(f"load_average_{when}") for when in ("before", "after")]
        context = [f"Run of {figures.get('when', 'n/a')}, best of {figures['repeat']}"]
        if None not in load:
            context.append(f"load average {load[0]:.1f} before, {load[1]:.1f} after")
        context.append("2 cores shared with the server and other work")
        lines += [
            f"### {figures['target']}, {' + '.join(figures['cases'])}, {figures['size'] // MIB} MiB"
            + (f", {figures['objects']} objects" if "gets" in figures["cases"] else ""),
            "",
            "; ".join(context) + (f". Versions: {versions}." if versions else "."),
            "",
            *([figures["note"], ""] if figures.get("note") else []),
            _table(figures["results"], figures["objects"], figures["size"], figures["cases"]),
            "",
        ]
    return "\n".join(lines)


def _table(best: dict[str, dict[str, Any] | None], objects: int, size: int, cases: list[str]) -> str:
    def seconds(name: str) -> float | None:
        found = best.get(name)
        return found["seconds"] if found else None

    lines = [
        "| workload | library | seconds | rate | ratio | target |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    baseline = seconds("gets/store-seq")
    peer = seconds("gets/aioboto3-16")
    for lib in GET_LIBS if "gets" in cases else []:
        taken = seconds(f"gets/{lib}")
        if taken is None:
            lines.append(f"| {objects} x 1 KiB gets | {lib} | not run | | | |")
            continue
        ratio = f"{baseline / taken:.2f}x store-seq" if baseline else ""
        target = ""
        if lib == "asyncstore-16" and baseline:
            target = "met" if baseline / taken >= 2.5 else "missed"
            target += " (>= 2.5x store-seq)"
            if peer:
                target += "; " + ("met" if taken <= peer else "missed") + " (>= aioboto3-16)"
        lines.append(
            f"| {objects} x 1 KiB gets | {lib} | {taken:.2f} | {objects / taken:.0f}/s | {ratio} | {target} |"
        )
    for op in [case for case in ("upload", "download") if case in cases]:
        sync, other = best.get(f"{op}/store"), best.get(f"{op}/asyncstore")
        for lib, found in (("store", sync), ("asyncstore", other)):
            if not found:
                lines.append(f"| {size // MIB} MiB {op} | {lib} | failed | | | |")
                continue
            rate = f"{size / MIB / found['seconds']:.0f} MiB/s, RSS +{found['rss_growth'] / MIB:.1f} MiB"
            ratio = target = ""
            if lib == "asyncstore" and sync:
                speed = sync["seconds"] / found["seconds"]
                extra = (found["rss_growth"] - sync["rss_growth"]) / MIB
                ratio = f"{speed:.2f}x store"
                target = ("met" if speed >= 0.95 else "missed") + " (>= 0.95x); "
                target += ("met" if extra <= 8 else "missed") + f" (RSS {extra:+.1f} MiB vs store, <= 8)"
            lines.append(
                f"| {size // MIB} MiB {op} | {lib} | {found['seconds']:.2f} | {rate} | {ratio} | {target} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
