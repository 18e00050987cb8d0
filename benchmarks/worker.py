"""Run one workload of one library in this (fresh) process and print its figures as JSON.

Usage: ``python benchmarks/worker.py '<json spec>'``; the spec names ``case``, ``lib`` and the
case's parameters (see ``run.py``). The last line of stdout is the result::

    {"ok": true, "phases": [...], "extra": {...}}
    {"ok": false, "na": true, "error": "..."}  # the library cannot do this workload
    {"ok": false, "na": false, "error": "..."}  # it failed

Stdlib only at import time: peer venvs run it with nothing but their own library installed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import traceback
from typing import Any

import _measure
from _measure import MIB, Phase, Sink, Source, measure, pattern


def _done(phases: list[Phase], **extra: Any) -> dict[str, Any]:
    return {"ok": True, "phases": [phase.to_json() for phase in phases], "extra": extra}


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


# -- local ---------------------------------------------------------------------------------


def local_stream(spec: dict[str, Any]) -> dict[str, Any]:
    from adapters import load

    adapter = load(spec["lib"], "local", {"root": spec["root"]})
    size, name, op = spec["size"], spec["name"], spec["op"]
    path = os.path.join(spec["root"], name)
    data = pattern()
    try:
        if op == "read":
            sink = Sink()
            phase, count = measure("read", lambda: adapter.stream_read(name, sink), units=1, unit_bytes=size)
            _check(count == size and sink.count == size, f"read {sink.count} bytes, expected {size}")
        else:
            source = Source(size, data)
            action = adapter.atomic_write if op == "atomic" else adapter.stream_write
            phase, _ = measure(op, lambda: action(name, source), units=1, unit_bytes=size)
            _check(os.path.getsize(path) == size, f"wrote {os.path.getsize(path)} bytes, expected {size}")
    finally:
        adapter.close()
        if op != "read" and os.path.exists(path):
            os.unlink(path)
    return _done([phase])


def local_small(spec: dict[str, Any]) -> dict[str, Any]:
    from adapters import load

    adapter = load(spec["lib"], "local", {"root": spec["root"]})
    folder, count, size = spec["folder"], spec["count"], spec["size"]
    names = [f"{folder}/f{index:05d}.bin" for index in range(count)]
    data = pattern(size)
    phases = []
    try:
        phase, _ = measure("write", lambda: adapter.small_write(names, data), units=count, unit_bytes=size)
        phases.append(phase)
        phase, listed = measure("list", lambda: adapter.small_list(folder), units=count)
        _check(listed == count, f"listed {listed} files, expected {count}")
        phases.append(phase)
        phase, total = measure("read", lambda: adapter.small_read(names), units=count, unit_bytes=size)
        _check(total == count * size, f"read {total} bytes, expected {count * size}")
        phases.append(phase)
        phase, _ = measure("delete", lambda: adapter.small_delete(names), units=count)
        _check(
            not any(entry.is_file() for entry in os.scandir(os.path.join(spec["root"], folder))), "left files"
        )
        phases.append(phase)
    finally:
        adapter.close()
        shutil.rmtree(os.path.join(spec["root"], folder), ignore_errors=True)
    return _done(phases)


# -- S3 ------------------------------------------------------------------------------------


def _s3_adapter(spec: dict[str, Any]) -> Any:
    from adapters import load

    counting = _measure.install_request_counter()
    adapter = load(
        spec["lib"],
        "s3",
        {"server": spec["server"], "bucket": spec["bucket"], "put_file": spec.get("put_file")},
    )
    adapter.counting = counting
    adapter.warmup()
    return adapter


def _adapter_extra(adapter: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"requests_counted": adapter.counting}
    if hasattr(adapter, "boto3_before_first_use"):
        extra["boto3_before_first_use"] = adapter.boto3_before_first_use
    return extra


def s3_stream(spec: dict[str, Any]) -> dict[str, Any]:
    adapter = _s3_adapter(spec)
    size, key, op = spec["size"], spec["key"], spec["op"]
    try:
        if op == "download":
            sink = Sink()
            phase, count = measure("download", lambda: adapter.download(key, sink), units=1, unit_bytes=size)
            _check(count == size and sink.count == size, f"downloaded {sink.count} bytes, expected {size}")
        else:
            source = Source(size, pattern())
            phase, _ = measure("upload", lambda: adapter.upload(key, source, size), units=1, unit_bytes=size)
    finally:
        adapter.close()
    return _done([phase], **_adapter_extra(adapter))


def s3_small(spec: dict[str, Any]) -> dict[str, Any]:
    adapter = _s3_adapter(spec)
    count, size, prefix = spec["count"], spec["size"], spec["prefix"]
    keys = [f"{prefix}o{index:05d}.bin" for index in range(count)]
    data = pattern(size)
    phases = []
    try:
        for name, action in (
            ("put", lambda: adapter.put(keys, data)),
            ("overwrite", lambda: adapter.overwrite(keys, data)),
            ("get", lambda: adapter.get(keys)),
            ("delete", lambda: adapter.delete(keys)),
        ):
            try:
                phase, result = measure(name, action, units=count, unit_bytes=size)
            except NotImplementedError:
                continue
            if name == "get":
                _check(result == count * size, f"read {result} bytes, expected {count * size}")
            phases.append(phase)
    finally:
        adapter.close()
    return _done(phases, **_adapter_extra(adapter))


def s3_list(spec: dict[str, Any]) -> dict[str, Any]:
    adapter = _s3_adapter(spec)
    expected = spec["expected"]
    first: dict[str, Any] = {}

    def listing() -> int:
        start = time.perf_counter()
        count = 0
        for _ in adapter.list(spec["prefix"]):
            if count == 0:
                first["seconds"] = time.perf_counter() - start
                first["requests"] = _measure.COUNTER.total - requests_before
            count += 1
        return count

    try:
        requests_before = _measure.COUNTER.total
        phase, count = measure("list", listing, units=expected)
        _check(count == expected, f"listed {count} keys, expected {expected}")
    finally:
        adapter.close()
    phase.extra["first_entry_seconds"] = first.get("seconds")
    phase.extra["requests_before_first_entry"] = first.get("requests") if adapter.counting else None
    return _done([phase], **_adapter_extra(adapter))


# -- fixtures (run with the runner's own interpreter, which has boto3) -----------------------


def s3_setup(spec: dict[str, Any]) -> dict[str, Any]:
    """Create the bucket, the keys to list and the objects to download."""
    from concurrent.futures import ThreadPoolExecutor

    from adapters.base import boto3_client

    client = boto3_client(spec["server"], max_pool_connections=16)
    bucket = spec["bucket"]
    client.create_bucket(Bucket=bucket)
    prefix, count = spec["list_prefix"], spec["list_count"]

    def put(index: int) -> None:
        client.put_object(Bucket=bucket, Key=f"{prefix}k{index:05d}", Body=b"")

    start = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(count)))
    seconds = {"list_keys": time.perf_counter() - start}
    data = pattern()
    for size, key in spec["download_objects"]:
        start = time.perf_counter()
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(multipart_threshold=64 * MIB, multipart_chunksize=64 * MIB, max_concurrency=2)
        client.upload_fileobj(Source(size, data, max_read=64 * MIB), bucket, key, Config=config)
        _check(client.head_object(Bucket=bucket, Key=key)["ContentLength"] == size, f"fixture {key}")
        seconds[key] = time.perf_counter() - start
    client.close()
    return {"ok": True, "extra": {"seconds": seconds}}


def s3_cleanup(spec: dict[str, Any]) -> dict[str, Any]:
    """Check the sizes of uploaded objects, then delete them and everything under the prefixes."""
    from adapters.base import boto3_client

    client = boto3_client(spec["server"])
    bucket = spec["bucket"]
    sizes = {}
    for key, size in spec.get("check", []):
        try:
            sizes[key] = client.head_object(Bucket=bucket, Key=key)["ContentLength"]
        except Exception as error:  # noqa: BLE001 - reported, not raised
            sizes[key] = repr(error)
        if sizes[key] != size:
            sizes[key] = f"{sizes[key]} (expected {size})"
    keys = [key for key, _ in spec.get("check", [])]
    paginator = client.get_paginator("list_objects_v2")
    for prefix in spec.get("prefixes", []):
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", ()))
    for start in range(0, len(keys), 1000):
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    # Multipart uploads a failed run left behind.
    for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", ()):
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    client.close()
    bad = {key: value for key, value in sizes.items() if isinstance(value, str)}
    if bad:
        return {"ok": False, "na": False, "error": f"uploaded objects wrong: {bad}"}
    return {"ok": True, "extra": {"deleted": len(keys)}}


def local_fixture(spec: dict[str, Any]) -> dict[str, Any]:
    """Write a file of ``size`` bytes with plain calls (the object read back by read workloads)."""
    path, size = spec["path"], spec["size"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path) and os.path.getsize(path) == size:
        return {"ok": True, "extra": {}}
    with open(path, "wb") as target:
        shutil.copyfileobj(Source(size, pattern(), max_read=MIB), target, MIB)
    return {"ok": True, "extra": {}}


CASES = {
    "local_stream": local_stream,
    "local_small": local_small,
    "s3_stream": s3_stream,
    "s3_small": s3_small,
    "s3_list": s3_list,
    "s3_setup": s3_setup,
    "s3_cleanup": s3_cleanup,
    "local_fixture": local_fixture,
}


def main() -> int:
    spec = json.loads(sys.argv[1])
    try:
        result = CASES[spec["case"]](spec)
    except NotImplementedError as error:
        result = {"ok": False, "na": True, "error": str(error) or "not supported by this library"}
    except Exception as error:  # noqa: BLE001 - every failure is reported to the runner as data
        traceback.print_exc()
        result = {"ok": False, "na": False, "error": f"{type(error).__name__}: {error}"}
    result["python"] = sys.version.split()[0]
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
