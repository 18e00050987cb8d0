"""Render a results JSON (from ``run.py``) as the Markdown report plus its chart.

Usage: ``python benchmarks/report.py [results.json] [--report docs/benchmarks.md]``. ``run.py``
calls ``render`` itself at the end of a run. Hand-written analysis in ``benchmarks/analysis.md``
(what limits us where a target is missed, with profiles) is included as it is.

Ratios are computed per repetition (the library against the baseline run next to it), then the
median is taken; absolute figures are medians too. Nothing here weakens a target: each is stated
with its figure and "met" or "MISSED".
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ANALYSIS = HERE / "analysis.md"
SFTP_RESULTS = HERE / "results" / "sftp.json"
AIO_RESULTS = [
    HERE / "results" / "aio-ceph.json",
    HERE / "results" / "aio-ceph-1gib.json",
    HERE / "results" / "aio-ceph-download.json",
]
PARQUET_RESULTS = HERE / "results" / "parquet-ceph.json"
S3_CALLS_RESULTS = HERE / "results" / "s3-calls.json"
MIB = 1024 * 1024

NAMES = {
    "baseline": "baseline",
    "baseline-putobject": "boto3 put_object (seekable file)",
    "ours": "**remote-store**",
    "fsspec": "fsspec / s3fs",
    "obstore": "obstore",
    "opendal": "OpenDAL",
    "smart_open": "smart_open",
    "remote-store-0.33.0": "remote-store 0.33.0",
}
ORDER = list(NAMES)
BASELINE_TEXT = {
    ("local", "stream_write"): "`open()` + `shutil.copyfileobj`",
    ("local", "stream_read"): "`open()` + `shutil.copyfileobj`",
    ("local", "stream_atomic"): "write + `fsync` + `rename`",
    ("local", "small"): "plain `open()`/`os.scandir`+`stat`/`os.unlink`",
    ("s3", "upload"): "boto3 multipart by hand (8 MiB parts, 4 threads)",
    ("s3", "download"): "boto3 `get_object` body, read in 1 MiB",
    ("s3", "small"): "boto3 `put_object`/`get_object`/`delete_object`",
    ("s3", "list"): "boto3 `list_objects_v2` paginator",
}
PEER_LIBS = ("fsspec", "smart_open", "remote-store-0.33.0")


# -- figures -------------------------------------------------------------------------------


def throughput(phase: dict[str, Any]) -> float:
    """MiB/s for a single large object, operations (or keys) per second otherwise."""
    seconds = max(phase["seconds"], 1e-9)
    if phase["units"] == 1 and phase.get("unit_bytes"):
        return float(phase["unit_bytes"] / MIB / seconds)
    return float(phase["units"] / seconds)


def unit(case: str) -> str:
    """The throughput unit of a case."""
    return {"small": "ops/s", "list": "keys/s"}.get(case, "MiB/s")


@dataclass
class Cell:
    """Medians of one library on one (target, case, variant, phase)."""

    lib: str
    runs: int
    failed: int
    na: bool
    speed: float | None = None
    ratio: float | None = None
    rss: float | None = None
    seconds: float | None = None
    cpu: float | None = None
    cpu_ratio: float | None = None
    requests: float | None = None
    first_seconds: float | None = None
    requests_first: float | None = None
    error: str | None = None


Key = tuple[str, str, str, str]


def collect(results: dict[str, Any]) -> dict[Key, dict[str, Cell]]:
    """``(target, case, variant, phase) -> lib -> Cell``, with per-repetition ratios to the baseline."""
    phases: dict[Key, dict[str, dict[int, dict[str, Any]]]] = defaultdict(lambda: defaultdict(dict))
    status: dict[tuple[str, str, str], dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for run in results["runs"]:
        status[(run["target"], run["case"], run["variant"])][run["lib"]].append(run)
        if not run.get("ok"):
            continue
        for phase in run["phases"]:
            phases[(run["target"], run["case"], run["variant"], phase["name"])][run["lib"]][run["rep"]] = (
                phase
            )
    table: dict[Key, dict[str, Cell]] = {}
    phase_names: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for key in phases:
        phase_names[key[:3]].append(key[3])
    for group, libs in status.items():
        for phase_name in phase_names.get(group, []):
            key = (*group, phase_name)
            by_lib = phases.get(key, {})
            base = by_lib.get("baseline", {})
            cells: dict[str, Cell] = {}
            for lib, runs in libs.items():
                ok = by_lib.get(lib, {})
                failed = [run for run in runs if not run.get("ok") and not run.get("na")]
                cell = Cell(lib, len(ok), len(failed), bool(runs) and all(run.get("na") for run in runs))
                if failed:
                    cell.error = str(failed[0].get("error"))[:200]
                if ok:
                    values = list(ok.values())
                    cell.speed = statistics.median(throughput(phase) for phase in values)
                    cell.rss = statistics.median(phase["rss_growth"] / MIB for phase in values)
                    cell.seconds = statistics.median(phase["seconds"] for phase in values)
                    cell.cpu = statistics.median(phase["cpu_seconds"] for phase in values)
                    requests = [
                        phase["requests"] / max(phase["units"], 1)
                        for phase in values
                        if phase["requests"] is not None
                    ]
                    if case_of(key) == "list":
                        requests = [phase["requests"] for phase in values if phase["requests"] is not None]
                    cell.requests = statistics.median(requests) if requests else None
                    firsts = [phase["extra"].get("first_entry_seconds") for phase in values]
                    if any(first is not None for first in firsts):
                        cell.first_seconds = statistics.median(first for first in firsts if first is not None)
                    before = [phase["extra"].get("requests_before_first_entry") for phase in values]
                    before = [value for value in before if value is not None]
                    cell.requests_first = max(before) if before else None
                    ratios = [
                        throughput(phase) / throughput(base[rep]) for rep, phase in ok.items() if rep in base
                    ]
                    cell.ratio = statistics.median(ratios) if ratios else None
                    # The baseline's CPU time over the library's for the same work, per repetition:
                    # what the library itself costs, less swayed than wall time by other load.
                    cpu_ratios = [
                        base[rep]["cpu_seconds"] / phase["cpu_seconds"]
                        for rep, phase in ok.items()
                        if rep in base and phase["cpu_seconds"] > 0 and phase["units"] == base[rep]["units"]
                    ]
                    cell.cpu_ratio = statistics.median(cpu_ratios) if cpu_ratios else None
                cells[lib] = cell
            table[key] = cells
    return table


def case_of(key: Key) -> str:
    """The case name of a table key."""
    return key[1]


# -- formatting ----------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 0, suffix: str = "") -> str:
    """A number with thousands separators, or "-" when missing."""
    if value is None:
        return "-"
    return f"{value:,.{digits}f}{suffix}"


def fmt_ratio(value: float | None, digits: int = 2) -> str:
    """``0.97x``."""
    return "-" if value is None else f"{value:.{digits}f}x"


def fmt_speed(value: float | None) -> str:
    """Three significant-ish digits."""
    if value is None:
        return "-"
    if value >= 100:
        return fmt(value)
    if value >= 10:
        return fmt(value, 1)
    return fmt(value, 2)


def lib_cell(cell: Cell) -> str:
    """The library's name, with its failure or n/a state."""
    name = NAMES.get(cell.lib, cell.lib)
    return name


# -- targets -------------------------------------------------------------------------------


@dataclass
class Verdict:
    """One target line of the summary."""

    area: str
    target: str
    figure: str
    state: str  # "met", "MISSED", "not run"


def _cell(table: dict[Key, dict[str, Cell]], key: Key, lib: str) -> Cell | None:
    cell = table.get(key, {}).get(lib)
    return cell if cell is not None and cell.runs else None


def _at_least(value: float | None, bound: float) -> str:
    if value is None:
        return "not run"
    return "met" if value >= bound else "MISSED"


def _at_most(value: float | None, bound: float) -> str:
    if value is None:
        return "not run"
    return "met" if value <= bound else "MISSED"


def _all(states: list[str]) -> str:
    if not states or any(state == "not run" for state in states):
        return "not run" if not any(state == "MISSED" for state in states) else "MISSED"
    return "MISSED" if "MISSED" in states else "met"


def verdicts(results: dict[str, Any], table: dict[Key, dict[str, Cell]]) -> list[Verdict]:
    """Every target of issues 7 and 20 against its figure."""
    out: list[Verdict] = []
    keys = sorted(table)

    def find(target: str, case: str, phase: str) -> list[Key]:
        return [key for key in keys if key[0] == target and key[1] == case and key[3] == phase]

    for local in ("local", "tmpfs"):
        area = "local" if local == "local" else "tmpfs (overhead only)"
        for case, phase, label, bound in (
            ("stream_write", "write", "stream write", 0.95),
            ("stream_read", "read", "stream read", 0.95),
            ("stream_atomic", "atomic", "write_atomic", 0.9),
        ):
            for key in find(local, case, phase):
                ours = _cell(table, key, "ours")
                ratio = ours.ratio if ours else None
                target_text = f"{label} {key[2]} >= {bound}x plain"
                out.append(Verdict(area, target_text, fmt_ratio(ratio, 3), _at_least(ratio, bound)))
                if case != "stream_atomic":
                    rss = ours.rss if ours else None
                    target_text = f"{label} {key[2]} RSS growth <= 8 MiB"
                    out.append(Verdict(area, target_text, fmt(rss, 1, " MiB"), _at_most(rss, 8)))
        # Issue 7 set write >= 0.9x on both; issue 20 set write >= 0.8x on tmpfs, with the sandbox.
        write_bound = 0.8 if local == "tmpfs" else 0.9
        for phase, bound in (("write", write_bound), ("list", 0.7), ("read", 0.7), ("delete", 0.7)):
            for key in find(local, "small", phase):
                ours = _cell(table, key, "ours")
                ratio = ours.ratio if ours else None
                target_text = f"small files {phase} >= {bound}x plain"
                figure = fmt_ratio(ratio, 3)
                if ours is not None and ours.cpu_ratio is not None:
                    figure += f" (CPU time: {ours.cpu_ratio:.2f}x)"
                out.append(Verdict(area, target_text, figure, _at_least(ratio, bound)))

    for target in ("ceph", "moto"):
        for case in ("upload", "download"):
            for key in find(target, case, case):
                ours = _cell(table, key, "ours")
                if ours is None:
                    out.append(Verdict(target, f"{case} {key[2]}", "-", "not run"))
                    continue
                figure = fmt_ratio(ours.ratio, 3)
                if case == "upload":
                    put = _cell(table, key, "baseline-putobject")
                    if put and put.speed and ours.speed:
                        figure += f" (vs put_object from a file: {ours.speed / put.speed:.2f}x)"
                out.append(
                    Verdict(target, f"{case} {key[2]} >= 1.0x raw boto3", figure, _at_least(ours.ratio, 1.0))
                )
                out.append(
                    Verdict(
                        target,
                        f"{case} {key[2]} RSS growth <= 64 MiB",
                        fmt(ours.rss, 1, " MiB"),
                        _at_most(ours.rss, 64),
                    )
                )
                peers = [_cell(table, key, lib) for lib in PEER_LIBS]
                present = [peer for peer in peers if peer is not None and peer.speed is not None]
                if present:
                    speed_ok = all(
                        ours.speed is not None and ours.speed > peer.speed for peer in present if peer.speed
                    )
                    rss_ok = all(
                        ours.rss is not None and peer.rss is not None and ours.rss <= peer.rss
                        for peer in present
                    )
                    names = ", ".join(NAMES[peer.lib] for peer in present)
                    figure = "; ".join(
                        f"{NAMES[peer.lib]} {fmt_speed(peer.speed)} MiB/s +{fmt(peer.rss, 1)} MiB"
                        for peer in present
                    )
                    figure = f"ours {fmt_speed(ours.speed)} MiB/s +{fmt(ours.rss, 1)} MiB; {figure}"
                    state = "met" if speed_ok and rss_ok else "MISSED"
                    out.append(
                        Verdict(target, f"{case} {key[2]} ahead of {names} (speed and memory)", figure, state)
                    )
                obstore = _cell(table, key, "obstore")
                if obstore and obstore.speed and ours.speed:
                    state = (
                        "met"
                        if ours.speed >= obstore.speed and (ours.rss or 0) <= (obstore.rss or 0)
                        else "MISSED"
                    )
                    figure = (
                        f"ours {fmt_speed(ours.speed)} MiB/s +{fmt(ours.rss, 1)} MiB; "
                        f"obstore {fmt_speed(obstore.speed)} MiB/s +{fmt(obstore.rss, 1)} MiB"
                    )
                    out.append(
                        Verdict(target, f"(stretch) {case} {key[2]} at obstore's figures", figure, state)
                    )
        for phase in ("put", "overwrite", "get", "delete"):
            for key in find(target, "small", phase):
                ours = _cell(table, key, "ours")
                requests = ours.requests if ours else None
                state = "not run" if requests is None else ("met" if abs(requests - 1.0) < 1e-9 else "MISSED")
                label = "delete(missing_ok=True)" if phase == "delete" else phase
                out.append(
                    Verdict(target, f"small {label}: exactly 1 request", fmt(requests, 2, " req/op"), state)
                )
                ratio = ours.ratio if ours else None
                # Issue 7 set 1.0x; issue 20 set 1.25x on Ceph for put, get and delete (and head,
                # which this workload does not time: see the small-call section).
                bound = 1.25 if target == "ceph" and phase in ("put", "get", "delete") else 1.0
                out.append(
                    Verdict(
                        target,
                        f"small {label} >= {bound}x raw boto3 ops/s",
                        fmt_ratio(ratio, 3),
                        _at_least(ratio, bound),
                    )
                )
                obstore = _cell(table, key, "obstore")
                if obstore and ours and phase in ("put", "get"):
                    state = "met" if (ours.speed or 0) >= (obstore.speed or 0) else "MISSED"
                    figure = f"ours {fmt(ours.speed)}/s, obstore {fmt(obstore.speed)}/s"
                    out.append(Verdict(target, f"(stretch) small {phase} at obstore's ops/s", figure, state))
        for key in find(target, "list", "list"):
            ours = _cell(table, key, "ours")
            ratio = ours.ratio if ours else None
            out.append(
                Verdict(
                    target, f"list {key[2]} >= 1.0x paginator", fmt_ratio(ratio, 3), _at_least(ratio, 1.0)
                )
            )
            first = ours.requests_first if ours else None
            state = "not run" if first is None else ("met" if first <= 1 else "MISSED")
            out.append(
                Verdict(
                    target,
                    f"list {key[2]}: first entry before the 2nd page",
                    f"{fmt(first)} request(s)",
                    state,
                )
            )
            seconds = ours.seconds if ours else None
            figure = fmt(seconds, 3, " s")
            if target == "ceph":  # issue 20's target; moto's server alone takes longer
                out.append(Verdict(target, f"list {key[2]} <= 0.25 s", figure, _at_most(seconds, 0.25)))
            out.append(Verdict(target, f"(stretch) list {key[2]} <= 0.2 s", figure, _at_most(seconds, 0.2)))
            obstore = _cell(table, key, "obstore")
            if obstore and obstore.seconds:
                versus = f"ours {figure}, obstore {fmt(obstore.seconds, 3, ' s')}"
                state = _at_most(seconds, obstore.seconds)
                out.append(Verdict(target, f"(stretch) list {key[2]} at obstore's time", versus, state))

    imports = results.get("imports", {})
    ours_import = imports.get("ours", {}).get("microseconds") or []
    median_ms = statistics.median(ours_import) / 1000 if ours_import else None
    out.append(
        Verdict("import", "`import remote_store` <= 25 ms", fmt(median_ms, 1, " ms"), _at_most(median_ms, 25))
    )
    first_stores = [item for item in imports.get("ours_first_local_store", []) if "error" not in item]
    if first_stores:
        leaked = any(item["boto3"] or item["botocore"] for item in first_stores)
        out.append(
            Verdict(
                "import",
                "no boto3 for a local store",
                "boto3 imported" if leaked else "not imported",
                "MISSED" if leaked else "met",
            )
        )
    constructed = imports.get("ours_s3_store_constructed", {})
    if "boto3" in constructed:
        leaked = constructed["boto3"] or constructed["botocore"]
        out.append(
            Verdict(
                "import",
                "boto3 imported only at an S3 store's first use",
                "imported at construction" if leaked else "not imported at construction",
                "MISSED" if leaked else "met",
            )
        )
    return out


# -- Markdown ------------------------------------------------------------------------------


def _repetitions(results: dict[str, Any], planned: int) -> str:
    """``5 repetitions``, or per target where runs merged with ``--append`` differ (``local 5, moto 3``)."""
    counts: dict[str, int] = {}
    for run in results["runs"]:
        counts[run["target"]] = max(counts.get(run["target"], 0), run["rep"] + 1)
    if len(set(counts.values())) <= 1:
        count = next(iter(counts.values()), planned)
        return f"{count} repetition{'' if count == 1 else 's'}"
    return "repetitions: " + ", ".join(f"{target} {count}" for target, count in sorted(counts.items()))


def _phase_table(key: Key, cells: dict[str, Cell]) -> list[str]:
    target, case, _, phase = key
    speed_unit = unit(case)
    show_requests = target not in ("local", "tmpfs")
    show_cpu_ratio = case == "small" and not show_requests
    header = ["library", f"{phase} {speed_unit}", "ratio", "RSS growth MiB", "CPU s"]
    if show_cpu_ratio:
        header.append("CPU-time ratio")
    if case == "list":
        header += ["first entry s", "requests", "requests before 1st entry"]
    elif show_requests:
        header.append("requests/op")
    header.append("runs")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for lib in sorted(cells, key=lambda name: ORDER.index(name) if name in ORDER else 99):
        cell = cells[lib]
        if cell.na:
            row = [lib_cell(cell), "n/a", "", "", ""]
            if show_cpu_ratio:
                row.append("")
            if case == "list":
                row += ["", "", ""]
            elif show_requests:
                row.append("")
            row.append("")
            lines.append("| " + " | ".join(row) + " |")
            continue
        row = [
            lib_cell(cell),
            fmt_speed(cell.speed) if cell.runs else f"failed: {cell.error}",
            fmt_ratio(cell.ratio) if lib != "baseline" else "1.00x",
            fmt(cell.rss, 1),
            fmt(cell.cpu, 2),
        ]
        if show_cpu_ratio:
            row.append(fmt_ratio(cell.cpu_ratio) if lib != "baseline" else "1.00x")
        if case == "list":
            row += [fmt(cell.first_seconds, 3), fmt(cell.requests), fmt(cell.requests_first)]
        elif show_requests:
            row.append("n/c" if cell.requests is None and cell.runs else fmt(cell.requests, 2))
        runs = f"{cell.runs}" + (f" ({cell.failed} failed)" if cell.failed else "")
        row.append(runs)
        lines.append("| " + " | ".join(row) + " |")
    return lines


def markdown(results: dict[str, Any], table: dict[Key, dict[str, Cell]], chart: str | None) -> str:
    """The whole report."""
    meta = results["meta"]
    machine = meta["machine"]
    plan = meta["plan"]
    lines = ["# Benchmarks", ""]
    if meta["mode"] == "quick":
        lines += [
            "> **Quick smoke run** (`--quick`): tiny sizes, one repetition. These figures say nothing",
            "> about speed; the real report comes from a full run (`nox -s bench`).",
            "",
        ]
    lines += [
        "remote-store against the baselines (plain `open()`/`os` calls, raw boto3) and its peers, on the",
        "same machine in the same run. Regenerate with `nox -s bench` (add `-- --peers` for the peers);",
        "the raw figures are in `benchmarks/results/latest.json`, the method in `benchmarks/README.md`.",
        "",
        f"- Date: {meta['date']}; mode: {meta['mode']}; {_repetitions(results, plan['reps'])} per"
        f" workload, medians; total wall time {meta['wall_seconds'] / 60:.1f} min.",
        f"- Machine: {machine['cores']} cores ({machine['cpu']}),"
        f" {(machine['memory_bytes'] or 0) / 1024**3:.0f} GiB memory, Linux {machine['kernel']},"
        f" Python {machine['python']}. The S3 servers run on the same machine and share its cores"
        " with the client.",
        "- Commands: " + "; ".join(f"`{command}`" for command in meta.get("commands", [])),
    ]
    versions = meta.get("versions", {})
    pieces = []
    for lib, dists in versions.items():
        if dists:
            pieces.append(
                f"{NAMES.get(lib, lib).strip('*')}: "
                + ", ".join(f"{name} {ver}" for name, ver in dists.items())
            )
    if pieces:
        lines.append("- Versions: " + "; ".join(pieces) + ".")
    targets = meta.get("targets", {})
    for target, state in targets.items():
        text = f"{state.get('seconds', 0):.0f} s"
        if "load_average" in state:
            before, after = state["load_average"]
            text += f", load average {before:.1f} before, {after:.1f} after"
        if "server_start_seconds" in state:
            text += f", server started in {state['server_start_seconds']:.1f} s"
        if not state.get("ok"):
            text += f", FAILED: {state.get('error')}"
        lines.append(f"- Target `{target}`: {text}.")
    lines.append("")

    lines += ["## Targets (issues 7 and 20)", "", "| area | target | figure | state |", "|---|---|---|---|"]
    for verdict in verdicts(results, table):
        state = f"**{verdict.state}**" if verdict.state == "MISSED" else verdict.state
        lines.append(f"| {verdict.area} | {verdict.target} | {verdict.figure} | {state} |")
    lines.append("")
    if chart:
        lines += [f"![throughput relative to the baseline, and peak memory growth]({chart})", ""]

    if ANALYSIS.exists() and meta["mode"] != "quick":
        lines += [ANALYSIS.read_text(encoding="utf-8").strip(), ""]

    # The SFTP figures come from their own run (sftp_bench.py), kept in their own file.
    if SFTP_RESULTS.exists() and meta["mode"] != "quick":
        import sftp_bench

        lines += [sftp_bench.section(json.loads(SFTP_RESULTS.read_text(encoding="utf-8"))), ""]

    # The async and Parquet figures come from their own runners (aio_bench.py, parquet_bench.py).
    aio_runs = [json.loads(path.read_text(encoding="utf-8")) for path in AIO_RESULTS if path.exists()]
    if aio_runs and meta["mode"] != "quick":
        import aio_bench

        lines += [aio_bench.section(aio_runs), ""]
    if PARQUET_RESULTS.exists() and meta["mode"] != "quick":
        import parquet_bench

        lines += [parquet_bench.section(json.loads(PARQUET_RESULTS.read_text(encoding="utf-8"))), ""]

    # Issue 20's listing and small-call figures come from their own run (s3_calls_bench.py).
    if S3_CALLS_RESULTS.exists() and meta["mode"] != "quick":
        import s3_calls_bench

        lines += [s3_calls_bench.section(json.loads(S3_CALLS_RESULTS.read_text(encoding="utf-8"))), ""]

    lines += [
        "## All figures",
        "",
        "Ratio: the library's throughput over the baseline's, per repetition (the two ran next to each",
        "other), median. RSS growth: peak resident memory during the operation minus the resident memory",
        "just before it (kernel high-water mark reset first), median. CPU s: the client process's CPU time.",
        "CPU-time ratio (local small files): the baseline's CPU time over the library's, per",
        "repetition, median.",
        "Requests counted with botocore's `before-send` event (obstore, OpenDAL: not countable, `n/c`).",
        "",
    ]
    titles = {
        "local": "Local folder (ext4 on the machine's virtual disk)",
        "tmpfs": "Local folder on tmpfs (/dev/shm: no disk, the libraries' own overhead)",
        "moto": "S3 on moto (server mode; a fake, second target)",
        "ceph": "S3 on Ceph radosgw 16.2 (a real server on the same machine)",
    }
    by_target: dict[str, list[Key]] = defaultdict(list)
    for key in sorted(table, key=_key_order):
        by_target[key[0]].append(key)
    for target in ("local", "tmpfs", "ceph", "moto"):
        if target not in by_target:
            continue
        lines += [f"### {titles[target]}", ""]
        for key in by_target[target]:
            base = BASELINE_TEXT.get(("local" if target in ("local", "tmpfs") else "s3", key[1]), "")
            lines += [f"**{key[1]} {key[2]}: {key[3]}** (baseline: {base})", ""]
            lines += _phase_table(key, table[key])
            lines.append("")

    imports = results.get("imports", {})
    if imports:
        lines += [
            "### Import time",
            "",
            "| library | module | `-X importtime` cumulative, median ms | samples |",
            "|---|---|---|---|",
        ]
        for lib, item in imports.items():
            if not isinstance(item, dict) or "microseconds" not in item:
                continue
            samples = item["microseconds"]
            median = statistics.median(samples) / 1000 if samples else None
            lines.append(
                f"| {NAMES.get(lib, lib)} | `{item['module']}` | {fmt(median, 1)} | {len(samples)} |"
            )
        first = [item for item in imports.get("ours_first_local_store", []) if "error" not in item]
        if first:
            seconds = statistics.median(item["seconds"] for item in first) * 1000
            lines += [
                "",
                "A first local store (import, `Store(LocalBackend(...))`, first write) in a fresh"
                f" interpreter: {seconds:.1f} ms median;"
                f" boto3 imported: {any(item['boto3'] for item in first)}.",
            ]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _key_order(key: Key) -> tuple[int, int, float, int]:
    cases = ["stream_write", "stream_read", "stream_atomic", "small", "upload", "download", "list"]
    phases = ["write", "read", "atomic", "upload", "download", "put", "overwrite", "get", "list", "delete"]
    variant = key[2]
    digits = re.match(r"\d+", variant)
    number = float(digits.group()) if digits else 0.0
    if variant.endswith("GiB"):
        number *= 1024
    targets = ["local", "tmpfs", "ceph", "moto"]
    return (
        targets.index(key[0]) if key[0] in targets else 99,
        cases.index(key[1]) if key[1] in cases else 99,
        number,
        phases.index(key[3]) if key[3] in phases else 99,
    )


# -- chart ---------------------------------------------------------------------------------


def _value(cell: Cell | None, name: str) -> float:
    value = getattr(cell, name) if cell is not None else None
    return float(value) if value is not None else 0.0


def chart(table: dict[Key, dict[str, Cell]], path: Path) -> bool:
    """Two panels: throughput relative to the baseline, and RSS growth of the large streams."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart", file=sys.stderr)
        return False
    libs = [lib for lib in ORDER if lib not in ("baseline", "baseline-putobject")]
    keys = [key for key in sorted(table, key=_key_order) if key[0] in ("local", "tmpfs", "ceph", "moto")]
    # Ceph is the real server: the chart shows it when present, moto otherwise.
    s3_target = "ceph" if any(key[0] == "ceph" for key in keys) else "moto"
    keys = [key for key in keys if key[0] in ("local", "tmpfs", s3_target)]
    present = [lib for lib in libs if any(table[key].get(lib) and table[key][lib].ratio for key in keys)]
    if not keys or not present:
        return False
    labels = [f"{key[0]}\n{key[3] if key[1] != 'small' else 'small ' + key[3]}\n{key[2]}" for key in keys]
    memory_keys = [key for key in keys if key[1] in ("stream_write", "stream_read", "upload", "download")]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(10, len(keys) * 0.75), 10))
    width = 0.8 / len(present)
    colors = {
        "ours": "#1f77b4",
        "fsspec": "#ff7f0e",
        "obstore": "#2ca02c",
        "opendal": "#8c564b",
        "smart_open": "#d62728",
        "remote-store-0.33.0": "#9467bd",
    }
    for index, lib in enumerate(present):
        values = [_value(table[key].get(lib), "ratio") for key in keys]
        positions = [position + (index - (len(present) - 1) / 2) * width for position in range(len(keys))]
        top.bar(positions, values, width, label=NAMES[lib].strip("*"), color=colors.get(lib))
    top.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    top.set_ylabel("throughput / baseline (median)")
    top.set_title("Throughput relative to the baseline (1.0 = plain open()/os, raw boto3)")
    top.set_xticks(range(len(keys)))
    top.set_xticklabels(labels, fontsize=7)
    top.legend(fontsize=8)

    bottom_libs = ["baseline", *present]
    width = 0.8 / len(bottom_libs)
    for index, lib in enumerate(bottom_libs):
        values = [_value(table[key].get(lib), "rss") for key in memory_keys]
        positions = [
            position + (index - (len(bottom_libs) - 1) / 2) * width for position in range(len(memory_keys))
        ]
        bottom.bar(positions, values, width, label=NAMES[lib].strip("*"), color=colors.get(lib, "#7f7f7f"))
    bottom.axhline(64, color="red", linewidth=0.8, linestyle=":", label="S3 target: 64 MiB")
    bottom.set_ylabel("peak RSS growth, MiB (median)")
    bottom.set_title("Peak memory growth of large streamed transfers")
    bottom.set_xticks(range(len(memory_keys)))
    bottom.set_xticklabels(
        [f"{key[0]}\n{key[1].replace('stream_', '')}\n{key[2]}" for key in memory_keys], fontsize=8
    )
    bottom.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def render(results: dict[str, Any], report: Path) -> None:
    """Write ``report`` and its chart (``assets/benchmarks.png`` beside it)."""
    table = collect(results)
    png = report.parent / "assets" / "benchmarks.png"
    has_chart = chart(table, png)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        markdown(results, table, "assets/benchmarks.png" if has_chart else None), encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("results", nargs="?", default=str(HERE / "results" / "latest.json"))
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    results = json.loads(Path(args.results).read_text(encoding="utf-8"))
    render(results, Path(args.report))
    print(f"report: {args.report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
