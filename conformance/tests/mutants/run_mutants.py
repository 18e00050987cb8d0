#!/usr/bin/env python3
"""Run the conformance suite against every adversarial mutant and say which ones it catches.

Each mutant (``memory_mutants.py``, ``local_mutants.py``, ``s3_mutants.py``) violates one
requirement of ``specs/``. For each, this script runs the whole suite in a fresh subprocess,
plugged in exactly as conformance/README.md tells a backend author (``harness.py`` holds the
fixtures), with ``-x``: the mutant is CAUGHT when some suite test fails, SURVIVED when every test
passes. First it runs the unmutated bases under the same harness: they must pass, otherwise a
"caught" means nothing and that base's mutants are not run.

Usage (from anywhere; needs remote-store-core, -local, -s3, the conformance plugin,
pytest-timeout and moto[server] installed; the azure and sftp bases also need their packages, and
Azurite (``tools/azurite_server.py``) or OpenSSH's sshd (``tools/sshd_server.py``))::

    python conformance/tests/mutants/run_mutants.py                 # memory, local and S3
    python conformance/tests/mutants/run_mutants.py --base memory   # one base
    python conformance/tests/mutants/run_mutants.py --base azure --base sftp   # the agnostic set
    python conformance/tests/mutants/run_mutants.py --only memory:partial_publish --verbose
    python conformance/tests/mutants/run_mutants.py --list

Writes ``build/mutants-report.json`` (repository root) and exits 1 when a mutant survived or a
base failed, 0 when every mutant run was caught.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE))

from _bases import BASES, DEFAULT_BASES, mutants_of  # noqa: E402
from _registry import Mutant  # noqa: E402

_CONFTEST = "from harness import *  # noqa: F403\n"
_TESTS = "from remote_store_conformance.suite import *  # noqa: F403\n"
_INI = "[pytest]\naddopts = --strict-markers\n"
_FAILED = re.compile(r"^(FAILED|ERROR) (\S+)(?: - (.*))?$", re.MULTILINE)


def _run_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="rs-mutants-"))
    (folder / "conftest.py").write_text(_CONFTEST)
    (folder / "test_conformance.py").write_text(_TESTS)
    (folder / "pytest.ini").write_text(_INI)
    return folder


def _pytest(
    folder: Path, base: str, name: str, targets: list[str], *, test_timeout: int, run_timeout: int
) -> tuple[int | None, str]:
    """Run the suite (``targets``: the test file, or node ids of tests in it) for one mutant."""
    env = dict(os.environ)
    env["RS_MUTANT"] = f"{base}:{name}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH", "")]))
    command = [
        sys.executable,
        "-m",
        "pytest",
        *targets,
        "-x",
        "-q",
        "-rfE",
        "-p",
        "no:cacheprovider",
        f"--timeout={test_timeout}",
        "--basetemp",
        str(folder / f"tmp-{base}-{name}"),
    ]
    try:
        done = subprocess.run(
            command, cwd=folder, env=env, capture_output=True, text=True, timeout=run_timeout, check=False
        )
        return done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as expired:
        output = (
            (expired.stdout or b"").decode(errors="replace")
            if isinstance(expired.stdout, bytes)
            else (expired.stdout or "")
        )
        return None, output


def _run_one(
    folder: Path,
    base: str,
    name: str,
    *,
    test_timeout: int,
    run_timeout: int,
    first: str | None = None,
    only: list[str] | None = None,
) -> dict[str, object]:
    """Run the suite against one mutant (``name == "base"``: the unmutated base, the control).

    ``only``: node ids of the suite tests to run instead of the whole suite (a hinted control).
    ``first`` is the node id of the suite test that caught this mutant in an earlier run (the
    hints file): it runs alone first, and a failure there is a catch like any other; when it
    passes (the suite or the mutant changed), the whole suite runs as without a hint.
    """
    started = time.monotonic()
    suite = str(folder / "test_conformance.py")
    hinted = False
    if first:
        code, output = _pytest(
            folder, base, name, [f"{suite}::{first}"], test_timeout=test_timeout, run_timeout=run_timeout
        )
        hinted = code == 1 and "Failed: Timeout" not in output
    if not hinted:
        targets = [f"{suite}::{test}" for test in only] if only else [suite]
        code, output = _pytest(
            folder, base, name, targets, test_timeout=test_timeout, run_timeout=run_timeout
        )
    seconds = round(time.monotonic() - started, 1)
    failure = _FAILED.search(output)
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    if code == 0:
        outcome = "SURVIVED" if name != "base" else "PASSED"
    elif code == 1 and "Failed: Timeout" in output:
        # pytest-timeout stopped a test: a hang, or only a loaded machine; not a caught violation.
        outcome = "TEST-TIMEOUT"
    elif code == 1:
        outcome = "CAUGHT" if name != "base" else "FAILED"
    elif code is None:
        outcome = "TIMEOUT"
    else:
        outcome = f"ERROR(exit {code})"
    return {
        "base": base,
        "name": name,
        "outcome": outcome,
        "seconds": seconds,
        "caught_by": failure.group(2).split("::", 1)[-1] if failure else None,
        "failure": (failure.group(3) or "")[:300] if failure else None,
        "summary": summary,
        "output_tail": "\n".join(output.strip().splitlines()[-40:]) if code not in (0, 1) else "",
        "hinted": hinted,
    }


HINTS = HERE / "caught_by.json"
"""Which suite test caught each mutant last time (``--save-hints``): run first, to save time."""


def _load_hints(path: Path) -> dict[str, str]:
    """The hints file's mapping, or none when it is missing."""
    if not path.exists():
        return {}
    return {str(key): str(value) for key, value in json.loads(path.read_text()).items()}


def _save_hints(path: Path, results: list[dict[str, object]]) -> None:
    """Merge this run's catching tests into the hints file (sorted, one per line)."""
    hints = _load_hints(path)
    for r in results:
        key = f"{r['base']}:{r['name']}"
        if r["outcome"] == "CAUGHT" and r["caught_by"]:
            hints[key] = str(r["caught_by"])
        else:
            hints.pop(key, None)
    path.write_text(json.dumps(dict(sorted(hints.items())), indent=1, ensure_ascii=False) + "\n")


def _mutants(bases: list[str]) -> list[tuple[str, Mutant]]:
    found = []
    for base in bases:
        for mutant in mutants_of(base):
            found.append((base, mutant))
    return found


def _write(report: Path, results: list[dict[str, object]], seconds: float, broken: set[str]) -> None:
    """Write the JSON report and its Markdown table."""
    mutants = [r for r in results if r["name"] != "base"]
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        json.dumps(
            {
                "caught": sum(1 for r in mutants if r["outcome"] == "CAUGHT"),
                "total": len(mutants),
                "survived": [f"{r['base']}:{r['name']}" for r in mutants if r["outcome"] == "SURVIVED"],
                "other": [
                    f"{r['base']}:{r['name']}" for r in mutants if r["outcome"] not in ("CAUGHT", "SURVIVED")
                ],
                "bases_failing": sorted(broken),
                "seconds": round(seconds, 1),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    report.with_suffix(".md").write_text(_markdown(results))


def _markdown(results: list[dict[str, object]]) -> str:
    """The results as a Markdown table, survivors first."""
    order = {"SURVIVED": 0, "CAUGHT": 2}
    lines = [
        "| Outcome | Mutant | Requirement | What it breaks | Caught by | Seconds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in sorted(results, key=lambda r: (order.get(str(r["outcome"]), 1), str(r["base"]), str(r["name"]))):
        lines.append(
            f"| {r['outcome']} | {r['base']}:{r['name']} | {r.get('requirement', '')}"
            f" | {r.get('description', '')} | {r['caught_by'] or ''} | {r['seconds']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", action="append", choices=sorted(BASES), help="only this base (repeatable)")
    parser.add_argument("--only", action="append", default=[], help="only <base>:<name> (repeatable)")
    parser.add_argument(
        "--workers", type=int, default=1, help="parallel runs (the machine is shared: 1 or 2)"
    )
    parser.add_argument(
        "--test-timeout", type=int, default=300, help="seconds per suite test (pytest-timeout)"
    )
    parser.add_argument("--run-timeout", type=int, default=900, help="seconds per mutant run")
    parser.add_argument("--skip-control", action="store_true", help="do not run the unmutated bases first")
    parser.add_argument(
        "--hinted-control",
        action="store_true",
        help="controls run only the tests the hints name for their base (the tests that must pass"
        " unmutated for a hinted catch to mean something); the whole suite runs against every"
        " unmutated base in the tests and servers sessions anyway",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--verbose", action="store_true", help="print each run's last lines")
    parser.add_argument("--report", type=Path, default=REPO / "build" / "mutants-report.json")
    parser.add_argument(
        "--hints",
        type=Path,
        default=HINTS,
        help="JSON: <base>:<name> -> the suite test that caught it before, run first",
    )
    parser.add_argument("--no-hints", action="store_true", help="run the whole suite for every mutant")
    parser.add_argument(
        "--save-hints", action="store_true", help="record in --hints the test that caught each mutant"
    )
    args = parser.parse_args(argv)
    hints = {} if args.no_hints else _load_hints(args.hints)

    bases = args.base or list(DEFAULT_BASES)
    if args.only:
        bases = sorted({item.split(":", 1)[0] for item in args.only})
    selected = [
        (base, mutant)
        for base, mutant in _mutants(bases)
        if not args.only or f"{base}:{mutant.name}" in args.only
    ]
    if args.list:
        for base, mutant in selected:
            print(f"{base}:{mutant.name:<34} {mutant.requirement:<12} {mutant.description}")
        print(f"{len(selected)} mutants")
        return 0

    folder = _run_folder()
    results: list[dict[str, object]] = []
    started = time.monotonic()
    broken: set[str] = set()
    if not args.skip_control:
        for base in bases:
            only = None
            if args.hinted_control:
                only = sorted({test for key, test in hints.items() if key.split(":", 1)[0] == base}) or None
            result = _run_one(
                folder,
                base,
                "base",
                test_timeout=args.test_timeout,
                run_timeout=args.run_timeout,
                only=only,
            )
            results.append(result)
            print(
                f"control {base:<6} {result['outcome']:<9} {result['seconds']:>6.1f}s  {result['summary']}",
                flush=True,
            )
            if result["outcome"] != "PASSED":
                broken.add(base)
                print(f"  the unmutated {base} base does not pass: its mutants are not run")
                print(f"  {result['caught_by']}: {result['failure']}\n{result['output_tail']}")

    runnable = [(base, mutant) for base, mutant in selected if base not in broken]

    def run(item: tuple[str, Mutant]) -> dict[str, object]:
        base, mutant = item
        result = _run_one(
            folder,
            base,
            mutant.name,
            test_timeout=args.test_timeout,
            run_timeout=args.run_timeout,
            first=hints.get(f"{base}:{mutant.name}"),
        )
        result["requirement"] = mutant.requirement
        result["description"] = mutant.description
        result["note"] = mutant.note
        return result

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        for result in pool.map(run, runnable):
            results.append(result)
            _write(args.report, results, time.monotonic() - started, broken)  # so far, in case of a stop
            print(
                f"{result['outcome']:<9} {result['base']}:{result['name']:<34} {result['requirement']:<11}"
                f" {result['seconds']:>6.1f}s  {result['caught_by'] or ''}",
                flush=True,
            )
            if args.verbose or result["outcome"] not in ("CAUGHT", "SURVIVED"):
                print(f"    {result['failure'] or ''}\n{result['output_tail']}")

    mutant_results = [r for r in results if r["name"] != "base"]
    caught = sum(1 for r in mutant_results if r["outcome"] == "CAUGHT")
    survived = [r for r in mutant_results if r["outcome"] == "SURVIVED"]
    other = [r for r in mutant_results if r["outcome"] not in ("CAUGHT", "SURVIVED")]
    total = len(mutant_results)
    elapsed = round(time.monotonic() - started, 1)
    print()
    for r in survived:
        print(f"SURVIVED {r['base']}:{r['name']} ({r['requirement']}): {r['description']}")
    for r in other:
        print(f"{r['outcome']} {r['base']}:{r['name']} ({r['requirement']})")
    share = f"{100 * caught / total:.1f}%" if total else "n/a"
    print(
        f"summary: {caught} of {total} mutants caught ({share}), {len(survived)} survived,"
        f" {len(other)} other;"
        f" bases failing: {sorted(broken) or 'none'}; {elapsed} s"
    )
    _write(args.report, results, elapsed, broken)
    print(f"report: {args.report} (and {args.report.with_suffix('.md').name})")
    if args.save_hints:
        _save_hints(args.hints, mutant_results)
        print(f"hints: {args.hints}")
    return 0 if caught == total and not broken else 1


if __name__ == "__main__":
    raise SystemExit(main())
