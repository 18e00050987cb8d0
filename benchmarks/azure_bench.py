"""The Azure rows: remote-store-azure against raw azure-storage-blob, in one run on Azurite.

Usage: ``python benchmarks/azure_bench.py [--size-mib 256] [--small 300] [--blobs 5000] [--reps 2]
[--cases upload,download,small,list] [--out FILE]`` (needs ``-e packages/remote-store-azure``,
Node.js and npm; Azurite is installed and started by ``tools/azurite_server.py``). Writes
``benchmarks/results/azure.json`` (or ``--out``) and prints a table.

Every (library, workload, repetition) runs in a fresh process (this file with ``--worker``), the
libraries alternating, the client warmed up with one request before the clock starts; RSS growth is
the kernel's peak mark over the timed phase, as in ``run.py``. Baselines, written as an SDK user
would: upload = ``stage_block`` of 8 MiB blocks from the stream by 4 threads + ``commit_block_list``
(the issue's hand-made pipeline); download = ``download_blob(max_concurrency=4)`` read in 1 MiB
pieces through ``chunks()``; 1 KiB put/get = ``upload_blob(overwrite=True)`` / ``download_blob().readall()``;
listing = iterating ``list_blobs``.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools"))

import _measure  # noqa: E402
from _measure import MIB, Sink, Source, measure, pattern  # noqa: E402

LIBS = ("baseline", "ours")
RESULTS = HERE / "results" / "azure.json"


# -- one workload in this process ----------------------------------------------------------------


def _container(spec: dict[str, Any]) -> Any:
    from azure.storage.blob import ContainerClient

    return ContainerClient.from_connection_string(spec["connection_string"], spec["container"])


def _ours(spec: dict[str, Any]) -> Any:
    from remote_store.backends.azure import AzureBackend

    return AzureBackend(container=spec["container"], connection_string=spec["connection_string"])


def _baseline_upload(container: Any, name: str, source: Source) -> None:
    blob = container.get_blob_client(name)
    ids: list[str] = []
    with ThreadPoolExecutor(4) as pool:
        futures = []
        for index, chunk in enumerate(source.chunks(8 * MIB)):
            ids.append(base64.b64encode(f"{index:06d}".encode()).decode())
            futures.append(pool.submit(blob.stage_block, ids[-1], chunk, length=len(chunk)))
            if len(futures) >= 4:
                futures.pop(0).result()
        for future in futures:
            future.result()
    from azure.storage.blob import BlobBlock

    blob.commit_block_list([BlobBlock(block_id) for block_id in ids])


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one workload; its phases as JSON-ready dicts."""
    lib, case = spec["lib"], spec["case"]
    container = _container(spec)
    backend = _ours(spec) if lib == "ours" else None
    if backend is not None:
        backend.is_file("warm-up")
    else:
        container.get_blob_client("warm-up").exists()
    phases = []
    if case == "upload":
        size = spec["size"]
        source = Source(size, pattern())
        name = f"up-{lib}-{uuid.uuid4().hex[:8]}"
        if backend is not None:
            phase, _ = measure("upload", lambda: backend.write(name, source), units=1, unit_bytes=size)
        else:
            phase, _ = measure(
                "upload", lambda: _baseline_upload(container, name, source), units=1, unit_bytes=size
            )
        assert container.get_blob_client(name).get_blob_properties().size == size
        container.delete_blob(name)
        phases.append(phase)
    elif case == "download":
        size, sink = spec["size"], Sink()

        def ours_read() -> None:
            with backend.read("big") as stream:
                _measure.drain(stream, sink)

        def baseline_read() -> None:
            for chunk in container.download_blob("big", max_concurrency=4).chunks():
                sink.write(chunk)

        phase, _ = measure("download", ours_read if backend else baseline_read, units=1, unit_bytes=size)
        assert sink.count == size, sink.count
        phases.append(phase)
    elif case == "small":
        count, data = spec["count"], pattern(1024)
        names = [f"small-{lib}/{index:05d}" for index in range(count)]
        if backend is not None:
            put = lambda: [backend.write(name, data, overwrite=True) for name in names]  # noqa: E731
            get = lambda: [backend.read_bytes(name) for name in names]  # noqa: E731
        else:
            put = lambda: [container.upload_blob(name, data, overwrite=True) for name in names]  # noqa: E731
            get = lambda: [container.download_blob(name).readall() for name in names]  # noqa: E731
        phases.append(measure("put", put, units=count, unit_bytes=1024)[0])
        phases.append(measure("get", get, units=count, unit_bytes=1024)[0])
    elif case == "list":
        count = spec["count"]
        if backend is not None:
            phase, listed = measure("list", lambda: sum(1 for _ in backend.list_files("many")), units=count)
        else:
            phase, listed = measure(
                "list", lambda: sum(1 for _ in container.list_blobs(name_starts_with="many/")), units=count
            )
        assert listed == count, listed
        phases.append(phase)
    if backend is not None:
        backend.close()
    container.close()
    return {"phases": [phase.to_json() for phase in phases]}


# -- the run -----------------------------------------------------------------------------------------


def _run_worker(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {spec['lib']} {spec['case']} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _prepare(connection_string: str, container_name: str, size: int, blobs: int) -> None:
    from azure.storage.blob import ContainerClient

    container = ContainerClient.from_connection_string(connection_string, container_name)
    container.create_container()
    _baseline_upload(container, "big", Source(size, pattern()))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda index: container.upload_blob(f"many/{index:05d}", b"x"), range(blobs)))
    container.close()


def main(argv: list[str] | None = None) -> int:
    """Run every workload, alternating the libraries; print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--blobs", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--cases", default="upload,download,small,list", help="comma-separated")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the JSON written")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    import azurite_server

    server = azurite_server.start()
    try:
        size = args.size_mib * MIB
        base = {"connection_string": server.connection_string, "container": "bench"}
        _prepare(server.connection_string, "bench", size, args.blobs)
        cases = [
            {"case": "upload", "size": size},
            {"case": "download", "size": size},
            {"case": "small", "count": args.small},
            {"case": "list", "count": args.blobs},
        ]
        figures: dict[str, dict[str, list[dict[str, Any]]]] = {}
        chosen = args.cases.split(",")
        for case in [case for case in cases if case["case"] in chosen]:
            for rep in range(args.reps):
                for lib in LIBS if rep % 2 == 0 else reversed(LIBS):
                    for phase in _run_worker({**base, **case, "lib": lib})["phases"]:
                        figures.setdefault(phase["name"], {}).setdefault(lib, []).append(phase)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"size_mib": args.size_mib, "figures": figures}, indent=1) + "\n")
        print(report(figures))
    finally:
        azurite_server.stop(server)
    return 0


def _rate(phase: dict[str, Any]) -> float:
    if phase["unit_bytes"] and phase["units"] == 1:
        return phase["unit_bytes"] / MIB / phase["seconds"]  # MiB/s
    return phase["units"] / phase["seconds"]  # operations/s


def report(figures: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    """A Markdown table: median rate (or time) and the worst RSS growth of each, ours / baseline."""
    lines = [
        "| workload | baseline | ours | ours / baseline | RSS growth baseline / ours (MiB) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, by_lib in figures.items():
        cells = {}
        growth = {}
        for lib, phases in by_lib.items():
            if name == "list":
                cells[lib] = statistics.median(phase["seconds"] for phase in phases)
            else:
                cells[lib] = statistics.median(_rate(phase) for phase in phases)
            growth[lib] = max(phase["rss_growth"] for phase in phases) / MIB
        unit = "s" if name == "list" else ("MiB/s" if name in ("upload", "download") else "/s")
        ratio = cells["baseline"] / cells["ours"] if name == "list" else cells["ours"] / cells["baseline"]
        lines.append(
            f"| {name} | {cells['baseline']:.2f} {unit} | {cells['ours']:.2f} {unit} | {ratio:.2f}x | "
            f"{growth['baseline']:.0f} / {growth['ours']:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
