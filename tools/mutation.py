"""Mutation testing of core's ``Store``, the local and the S3 backend against the conformance suite.

A small AST mutator, run by ``nox -s mutation`` (tools/noxlib/mutation.py). Each mutant
changes one spot of one source file:

- comparison swaps (``==``/``!=``, ``<``/``>=``, ``<=``/``>``, ``is``/``is not``, ``in``/``not in``,
  and the boundary swaps ``<``/``<=``, ``>``/``>=``);
- ``and``/``or`` swaps and the removal of ``not``;
- constant changes (``True``/``False``, ``0``/``1``, any other integer ``n`` to ``n + 1``);
- ``return value`` replaced by ``return None``;
- removal of one statement (a call, a ``raise``, an assignment) from a body of more than one.

Each mutant is written into a copy of the package's source tree in a temporary folder (the working
tree is never modified) that shadows the installed one through ``PYTHONPATH``; then the
conformance suite runs against it with ``pytest -x -q -p no:cacheprovider`` under a time limit:
``Store`` and ``StoreReader`` mutants against the memory backend
(``conformance/tests/test_memory.py``), local mutants against
``packages/remote-store-local/tests/test_conformance.py`` and ``tests/without_hard_links`` (the
same suite on a file system without hard links). A failing run kills the mutant (a mutant that
does not even import fails the run too), a run over the limit is a timeout (counted as detected),
a passing run is a survivor.

Usage::

    python tools/mutation.py run [--max-mutants 200] [--seed 2026] [--budget SECONDS]
    python tools/mutation.py rerun       # survivors and unrun mutants again, after adding tests
    python tools/mutation.py report      # rewrite the markdown from the JSON
    python tools/mutation.py --group s3 run --max-mutants 40   # the S3 backend against moto

Results: ``build/mutation/mutation.json`` and ``docs/development/mutation.md`` (``--group s3``:
``mutation-s3.json`` and ``mutation-s3.md``; the S3 run shares one moto server, started by
``tools/s3servers/moto.py``, between every mutant's pytest). Survivors judged
equivalent (no observable behaviour changes) are listed in ``tools/mutation_judgements.json``
with the reason, and so are the real changes the suite does not reach, with why; the score is
given over all mutants and over the non-equivalent ones.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Target:
    """A group of source files mutated together and the test file that must catch the mutants."""

    name: str
    src: Path
    """The ``src`` folder that is copied and put first on ``PYTHONPATH``."""
    files: tuple[str, ...]
    """The mutated files, relative to ``src``."""
    module: str
    """A module whose ``__file__`` proves that the copy shadows the installed package."""
    test_dir: Path
    """The folder whose pytest configuration the test runs use."""
    test_files: tuple[str, ...]
    """The tests run against each mutant, relative to ``test_dir``."""
    server: str = ""
    """A server the tests need, started once per run and shared by every mutant's pytest
    (``moto``: ``tools/s3servers/moto.py``, handed over by ``REMOTE_STORE_MOTO_STATE``)."""


CORE_SRC = ROOT / "packages" / "remote-store-core" / "src"
LOCAL_SRC = ROOT / "packages" / "remote-store-local" / "src"
LOCAL_PKG = "remote_store/backends/local"
S3_SRC = ROOT / "packages" / "remote-store-s3" / "src"
S3_PKG = "remote_store/backends/s3"

CORE_TARGETS = (
    Target(
        "store",
        CORE_SRC,
        # Store and the reader that translates the errors of the streams Store.read returns.
        ("remote_store/_store.py", "remote_store/_reader.py"),
        "remote_store._store",
        ROOT / "conformance",
        ("tests/test_memory.py",),
    ),
    Target(
        "local",
        LOCAL_SRC,
        tuple(f"{LOCAL_PKG}/{path.name}" for path in sorted((LOCAL_SRC / LOCAL_PKG).glob("*.py"))),
        "remote_store.backends.local._backend",
        ROOT / "packages" / "remote-store-local",
        # The suite on a normal file system, and on one without hard links (the fallbacks).
        ("tests/test_conformance.py", "tests/without_hard_links"),
    ),
)
S3_TARGETS = (
    Target(
        "s3",
        S3_SRC,
        tuple(
            f"{S3_PKG}/{path.name}"
            for path in sorted((S3_SRC / S3_PKG).glob("*.py"))
            if path.name not in ("__init__.py", "_version.py")
        ),
        "remote_store.backends.s3._backend",
        ROOT / "packages" / "remote-store-s3",
        ("tests/test_conformance.py",),
        server="moto",
    ),
)


@dataclass(frozen=True)
class Group:
    """The targets mutated in one run, and where that run's JSON and markdown go."""

    targets: tuple[Target, ...]
    json: Path
    markdown: Path
    subject: str
    """What is mutated, for the markdown's first paragraph."""
    session: str = "mutation"
    """The nox session that runs this group."""
    notes: str = "notes"
    """The key of ``tools/mutation_judgements.json`` holding the markdown's notes on this group's run."""


GROUPS = {
    "core": Group(
        CORE_TARGETS,
        ROOT / "build" / "mutation" / "mutation.json",
        ROOT / "docs" / "development" / "mutation.md",
        "core's `Store` (with\n`StoreReader`, the stream `Store.read` returns) and the local backend",
    ),
    # A run of its own: the suite against moto takes minutes per survivor, and the core/local
    # figures stay comparable with earlier runs.
    "s3": Group(
        S3_TARGETS,
        ROOT / "build" / "mutation" / "mutation-s3.json",
        ROOT / "docs" / "development" / "mutation-s3.md",
        "the S3 backend\n(`packages/remote-store-s3/src`, against moto's server)",
        notes="notes_s3",
        session="mutation_s3",
    ),
}
GROUP = GROUPS["core"]
TARGETS = GROUP.targets
JSON_REPORT = GROUP.json
MD_REPORT = GROUP.markdown


def select(name: str) -> None:
    """Make the group ``name`` (a key of ``GROUPS``) the one the commands work on."""
    global GROUP, TARGETS, JSON_REPORT, MD_REPORT
    GROUP = GROUPS[name]
    TARGETS, JSON_REPORT, MD_REPORT = GROUP.targets, GROUP.json, GROUP.markdown


# Written by hand after reading the survivors of a run; keyed by Mutant.key.
JUDGEMENTS = Path(__file__).with_name("mutation_judgements.json")
_judged = json.loads(JUDGEMENTS.read_text(encoding="utf-8"))
EQUIVALENT: dict[str, str] = _judged["equivalent"]
"""Survivors judged equivalent: ``Mutant.key`` -> why no behaviour can tell them apart."""
NOT_REACHED: dict[str, str] = _judged["not_reached"]
"""Non-equivalent survivors: ``Mutant.key`` -> why the conformance suite does not reach them."""


@dataclass
class Mutant:
    """One mutation: where, what, and (after the run) its status and duration."""

    target: str
    file: str
    line: int
    col: int
    operator: str
    description: str
    status: str = "pending"
    seconds: float = 0.0
    own_tests: str = ""
    """For a non-equivalent survivor, after ``own-tests``: ``killed`` or ``survived`` by the
    package's own tests (OWN_TESTS), which are not part of the score."""

    @property
    def key(self) -> str:
        """Unique, and stable while the file does not change: ``file:line:col:operator:description``."""
        return f"{self.file}:{self.line}:{self.col}:{self.operator}:{self.description}"


# -- mutation operators -----------------------------------------------------------------------

_COMPARE_SWAPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Lt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Lt, ast.Gt),
    ast.LtE: (ast.Gt, ast.Lt),
    ast.Gt: (ast.LtE, ast.GtE),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_SYMBOLS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.GtE: ">=",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}

Edit = tuple[str, str, Callable[[], None], Callable[[], None]]
"""(operator, description, apply, undo): an in-place change of the tree and its reversal."""


def _set(obj: object, attr: str, new: object) -> tuple[Callable[[], None], Callable[[], None]]:
    old = getattr(obj, attr)
    return (lambda: setattr(obj, attr, new)), (lambda: setattr(obj, attr, old))


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """Nodes not worth mutating: ``__all__``, ``TYPE_CHECKING`` blocks, annotations, docstrings."""
    skipped: set[int] = set()

    def skip(node: ast.AST) -> None:
        skipped.update(id(child) for child in ast.walk(node))

    for node in ast.walk(tree):
        is_all = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        )
        if is_all or (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)):
            skip(node)
        elif isinstance(node, (ast.AnnAssign, ast.arg)) and node.annotation is not None:
            skip(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            skip(node.returns)
    return skipped


def _statement_edits(node: ast.AST) -> Iterator[tuple[ast.AST, Edit]]:
    """Removals of one statement; not at module level, where a removal only breaks the import."""
    if isinstance(node, ast.Module):
        return
    for field in ("body", "orelse", "finalbody"):
        body = getattr(node, field, None)
        if not isinstance(body, list) or len(body) < 2:
            continue
        for index, stmt in enumerate(body):
            removable = (
                (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call))
                or isinstance(stmt, (ast.Raise, ast.Assign, ast.AugAssign))
                or (isinstance(stmt, ast.AnnAssign) and stmt.value is not None)
            )
            if not removable:
                continue
            shorter = body[:index] + body[index + 1 :]
            text = ast.unparse(stmt).splitlines()[0]
            apply, undo = _set(node, field, shorter)
            yield stmt, ("remove-statement", f"remove `{text[:70]}`", apply, undo)


def _edits(node: ast.AST) -> Iterator[Edit]:
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            for new in _COMPARE_SWAPS.get(type(op), ()):
                ops = list(node.ops)
                ops[index] = new()
                apply, undo = _set(node, "ops", ops)
                yield "compare", f"`{_SYMBOLS[type(op)]}` -> `{_SYMBOLS[new]}`", apply, undo
    elif isinstance(node, ast.BoolOp):
        new_op: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        before, after = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        apply, undo = _set(node, "op", new_op)
        yield "boolop", f"`{before}` -> `{after}`", apply, undo
    elif isinstance(node, ast.Constant) and isinstance(node.value, (bool, int)):
        value = node.value
        if isinstance(value, bool):
            replacement: object = not value
        elif value == 0:
            replacement = 1
        elif value == 1:
            replacement = 0
        else:
            replacement = value + 1
        apply, undo = _set(node, "value", replacement)
        yield "constant", f"`{value!r}` -> `{replacement!r}`", apply, undo
    elif (
        isinstance(node, ast.Return)
        and node.value is not None
        and not (isinstance(node.value, ast.Constant) and node.value.value is None)
    ):
        apply, undo = _set(node, "value", ast.Constant(None))
        yield "return-none", f"`return {ast.unparse(node.value)[:60]}` -> `return None`", apply, undo


def _not_removals(tree: ast.Module, skipped: set[int]) -> Iterator[tuple[ast.AST, Edit]]:
    """``not x`` -> ``x``: the UnaryOp is replaced in its parent's field."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            children = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                if not (
                    isinstance(child, ast.UnaryOp)
                    and isinstance(child.op, ast.Not)
                    and id(child) not in skipped
                ):
                    continue
                if isinstance(value, list):
                    replaced = list(value)
                    replaced[index] = child.operand
                    apply, undo = _set(parent, field, replaced)
                else:
                    apply, undo = _set(parent, field, child.operand)
                yield child, ("not-removal", f"remove `not` in `{ast.unparse(child)[:60]}`", apply, undo)


def mutate_source(source: str) -> Iterator[tuple[int, int, str, str, str]]:
    """Every mutant of ``source``: ``(line, col, operator, description, mutated source)``."""
    tree = ast.parse(source)
    skipped = _skipped_nodes(tree)
    found: list[tuple[ast.AST, Edit]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        found += [(node, edit) for edit in _edits(node)]
        found += list(_statement_edits(node))
    found += list(_not_removals(tree, skipped))
    for node, (operator, description, apply, undo) in found:
        apply()
        try:
            mutated = ast.unparse(tree)
        finally:
            undo()
        yield getattr(node, "lineno", 0), getattr(node, "col_offset", 0), operator, description, mutated


def enumerate_mutants() -> list[tuple[Mutant, str]]:
    """Every mutant of every target, each with its mutated source text."""
    result = []
    for target in TARGETS:
        for file in target.files:
            source = (target.src / file).read_text(encoding="utf-8")
            seen: set[str] = set()
            for line, col, operator, description, mutated in mutate_source(source):
                if mutated in seen:  # two edits that produce the same program are one mutant
                    continue
                seen.add(mutated)
                result.append((Mutant(target.name, file, line, col, operator, description), mutated))
    return result


# -- running ----------------------------------------------------------------------------------


def _run(command: list[str], env: dict[str, str], timeout: float) -> tuple[str, float]:
    """Run ``command`` in its own process group and a scratch folder: passed, failed or timeout."""
    start = time.monotonic()
    scratch = tempfile.mkdtemp(prefix="remote-store-mutant-")
    process = subprocess.Popen(
        command,
        cwd=scratch,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the group of the pytest this function started
        process.wait()
        return "timeout", time.monotonic() - start
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ("passed" if code == 0 else "failed"), time.monotonic() - start


def _env(copy_src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy_src), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # A mutant is written over the previous one within the same second: no stale bytecode.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _pytest(target: Target, test_files: tuple[str, ...] = ()) -> list[str]:
    # Run from a scratch folder (see _run) with the target's configuration: a mutant that
    # writes to relative paths litters the scratch folder, not the working tree.
    return [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        # Through Store only: the async run (CONF-013) would double the time per mutant, and the
        # figures stay comparable with earlier runs.
        "--conformance-api=sync",
        "--rootdir",
        str(target.test_dir),
        "-c",
        str(target.test_dir / "pyproject.toml"),
        *(str(target.test_dir / name) for name in test_files or target.test_files),
    ]


OWN_TESTS = {"local": "tests/test_*.py", "s3": "tests/test_*.py"}
"""The package's own tests, run by ``own-tests`` against the suite's survivors (not scored): the
files matching the pattern, but for the target's own ``test_files`` (the suite)."""


def _own_test_files(target: Target) -> tuple[str, ...]:
    """The files of ``OWN_TESTS[target.name]``, relative to the target's ``test_dir``."""
    suite = {str(target.test_dir / name) for name in target.test_files}
    found = sorted(target.test_dir.glob(OWN_TESTS[target.name]))
    return tuple(str(path.relative_to(target.test_dir)) for path in found if str(path) not in suite)


def _prepare(tmp: Path) -> tuple[dict[str, Path], dict[str, float]]:
    """Copy each target's src into ``tmp``; the copies and each target's time limit per mutant.

    Checks that the copy is what gets imported and that the unmutated copy passes its suite.
    """
    copies: dict[str, Path] = {}
    limits: dict[str, float] = {}
    for target in TARGETS:
        copy_src = tmp / target.name / "src"
        shutil.copytree(target.src, copy_src, ignore=shutil.ignore_patterns("__pycache__"))
        copies[target.name] = copy_src
        env = _env(copy_src)
        where = subprocess.run(
            [sys.executable, "-c", f"import {target.module} as m; print(m.__file__)"],
            cwd=target.test_dir,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not Path(where).is_relative_to(copy_src):
            raise SystemExit(f"{target.module} is imported from {where}, not from the copy {copy_src}")
        status, seconds = _run(_pytest(target), env, timeout=600)
        if status != "passed":
            raise SystemExit(f"the unmutated {target.name} does not pass its suite ({status})")
        limits[target.name] = max(30.0, 3 * seconds + 10)
        print(f"baseline {target.name}: {seconds:.1f}s, limit per mutant {limits[target.name]:.0f}s")
    return copies, limits


@contextlib.contextmanager
def _servers(tmp: Path) -> Iterator[None]:
    """Start the servers the targets need once, for every pytest of the run; stop them after."""
    if not any(target.server == "moto" for target in TARGETS):
        yield
        return
    state = tmp / "moto.json"
    script = [sys.executable, str(ROOT / "tools" / "s3servers" / "moto.py")]
    subprocess.run([*script, "start", "--state", str(state)], check=True, cwd=tmp)
    saved = {name: os.environ.get(name) for name in ("REMOTE_STORE_MOTO_STATE", "REMOTE_STORE_S3_SERVERS")}
    os.environ["REMOTE_STORE_MOTO_STATE"] = str(state)
    os.environ["REMOTE_STORE_S3_SERVERS"] = "moto"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        subprocess.run([*script, "stop", "--state", str(state)], check=False, cwd=tmp)


def _test_all(
    work: list[tuple[Mutant, str]], budget: float, started: float, progress: Callable[[], None]
) -> None:
    """Test each mutant of ``work`` in turn, setting its status; stop starting new ones after ``budget``.

    ``progress`` is called after each mutant (to save the JSON: a run stopped half-way, as a
    long S3 run may be, keeps what it has measured).
    """
    with tempfile.TemporaryDirectory(prefix="remote-store-mutation-") as tmp, _servers(Path(tmp)):
        copies, limits = _prepare(Path(tmp))
        for number, (mutant, mutated) in enumerate(work, 1):
            if time.monotonic() - started > budget:
                print(f"budget of {budget:.0f}s spent: {len(work) - number + 1} mutants not run")
                break
            target = next(t for t in TARGETS if t.name == mutant.target)
            path = copies[target.name] / mutant.file
            original = (target.src / mutant.file).read_text(encoding="utf-8")
            path.write_text(mutated, encoding="utf-8")
            try:
                status, seconds = _run(_pytest(target), _env(copies[target.name]), limits[target.name])
            finally:
                path.write_text(original, encoding="utf-8")
            mutant.status = {"failed": "killed", "passed": "survived", "timeout": "timeout"}[status]
            mutant.seconds = round(seconds, 2)
            print(f"[{number}/{len(work)}] {mutant.status:8} {mutant.key}", flush=True)
            progress()


def own_tests() -> dict[str, object]:
    """Run each target's own tests (OWN_TESTS) against its non-equivalent survivors; record it."""
    data: dict[str, object] = json.loads(JSON_REPORT.read_text(encoding="utf-8"))
    mutants = [Mutant(**entry) for entry in data["mutants"]]  # type: ignore[attr-defined]
    sources = {mutant.key: mutated for mutant, mutated in enumerate_mutants()}
    work = [
        m for m in mutants if m.status == "survived" and m.key not in EQUIVALENT and m.target in OWN_TESTS
    ]
    with tempfile.TemporaryDirectory(prefix="remote-store-mutation-") as tmp, _servers(Path(tmp)):
        copies, limits = _prepare(Path(tmp))
        for number, mutant in enumerate(work, 1):
            target = next(t for t in TARGETS if t.name == mutant.target)
            path = copies[target.name] / mutant.file
            original = (target.src / mutant.file).read_text(encoding="utf-8")
            path.write_text(sources[mutant.key], encoding="utf-8")
            try:
                command = _pytest(target, _own_test_files(target))
                status, _ = _run(command, _env(copies[target.name]), limits[target.name])
            finally:
                path.write_text(original, encoding="utf-8")
            mutant.own_tests = "survived" if status == "passed" else "killed"
            print(f"[{number}/{len(work)}] own tests: {mutant.own_tests:8} {mutant.key}", flush=True)
    data["mutants"] = [asdict(mutant) for mutant in mutants]
    _save(data)
    return data


def _save(data: dict[str, object]) -> None:
    JSON_REPORT.parent.mkdir(parents=True, exist_ok=True)
    JSON_REPORT.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_markdown(data)


def run(max_mutants: int, seed: int, budget: float) -> dict[str, object]:
    """Enumerate, sample, and test the mutants; write the JSON and the markdown report."""
    started = time.monotonic()
    everything = enumerate_mutants()
    totals = {target.name: sum(1 for m, _ in everything if m.target == target.name) for target in TARGETS}
    sample = everything
    if len(everything) > max_mutants:
        sample = random.Random(seed).sample(everything, max_mutants)
        order = {id(item): index for index, item in enumerate(everything)}
        sample.sort(key=lambda item: order[id(item)])
    data: dict[str, object] = {}

    def progress() -> None:
        data.update(
            seed=seed,
            max_mutants=max_mutants,
            date=time.strftime("%Y-%m-%d", time.gmtime()),
            enumerated=totals,
            runtime_seconds=round(time.monotonic() - started, 1),
            python=sys.version.split()[0],
            mutants=[asdict(mutant) for mutant, _ in sample],
        )
        _save(data)

    _test_all(sample, budget, started, progress)
    progress()
    return data


def rerun(budget: float, indices: frozenset[int] = frozenset(), *, only: bool = False) -> dict[str, object]:
    """Test again the survivors and the mutants not run of the last run (after the suite grew).

    Tests are only ever added to the suite, so a killed mutant stays killed; the result is the
    one a full run with the current suite would give, for the same sample. ``indices`` (1-based,
    in the sample) are tested again whatever their status; with ``only``, nothing else is.
    """
    started = time.monotonic()
    data: dict[str, object] = json.loads(JSON_REPORT.read_text(encoding="utf-8"))
    mutants = [Mutant(**entry) for entry in data["mutants"]]  # type: ignore[attr-defined]
    sources = {mutant.key: mutated for mutant, mutated in enumerate_mutants()}
    missing = [m.key for m in mutants if m.key not in sources]
    if missing:
        raise SystemExit(f"the sources changed since the run; mutants gone: {missing[:3]} ...")
    work = [
        (m, sources[m.key])
        for number, m in enumerate(mutants, 1)
        if (m.status in ("survived", "pending") and not only) or number in indices
    ]
    previous = float(str(data.get("rerun_seconds", 0)))

    def progress() -> None:
        data["mutants"] = [asdict(mutant) for mutant in mutants]
        data["rerun_seconds"] = round(previous + time.monotonic() - started, 1)
        _save(data)

    _test_all(work, budget, started, progress)
    progress()
    return data


# -- report -----------------------------------------------------------------------------------


def summary(data: dict[str, object]) -> dict[str, int | float]:
    """Counts and scores: timeouts count as detected; equivalent survivors leave the denominator."""
    mutants = [Mutant(**entry) for entry in data["mutants"]]  # type: ignore[attr-defined]
    ran = [m for m in mutants if m.status != "pending"]
    killed = sum(m.status == "killed" for m in ran)
    timeout = sum(m.status == "timeout" for m in ran)
    survivors = [m for m in ran if m.status == "survived"]
    equivalent = sum(m.key in EQUIVALENT for m in survivors)
    detected = killed + timeout
    # Survivors that the backend's own tests kill (``own-tests``): detected by what CI runs.
    own_killed = sum(m.key not in EQUIVALENT and m.own_tests == "killed" for m in survivors)
    judged = len(ran) - equivalent
    return {
        "sampled": len(mutants),
        "ran": len(ran),
        "killed": killed,
        "timeout": timeout,
        "survived": len(survivors),
        "equivalent": equivalent,
        "own_killed": own_killed,
        "score": round(100 * detected / len(ran), 1) if ran else 0.0,
        "score_non_equivalent": round(100 * detected / judged, 1) if judged else 0.0,
        "score_with_own_tests": round(100 * (detected + own_killed) / judged, 1) if judged else 0.0,
    }


def write_markdown(data: dict[str, object]) -> None:
    """Write docs/development/mutation.md from the JSON of a run."""
    figures = summary(data)
    runtime = float(str(data["runtime_seconds"]))
    rerun_seconds = float(str(data.get("rerun_seconds", 0)))
    mutants = [Mutant(**entry) for entry in data["mutants"]]  # type: ignore[attr-defined]
    enumerated: dict[str, int] = data["enumerated"]  # type: ignore[assignment]
    lines = [
        "# Mutation testing",
        "",
        f"How strong is the conformance suite? `nox -s {GROUP.session}` (on demand) breaks {GROUP.subject}",
        "one spot at a time and runs the suite against each broken copy",
        "([tools/mutation.py](../../tools/mutation.py) describes the operators). A mutant is *killed*",
        "when a test fails, *timeout* when the run exceeds its limit (counted as detected), *survived*",
        "when the whole suite passes. Survivors that no test could ever kill, because the program",
        "behaves the same, are judged *equivalent* below, each with the reason.",
        "",
        "## Result",
        "",
        "| | |",
        "| --- | --- |",
        f"| mutants enumerated | {sum(enumerated.values())} "
        f"({', '.join(f'{k}: {v}' for k, v in enumerated.items())}) |",
        f"| sampled (seed {data['seed']}, at most {data['max_mutants']}) | {figures['sampled']} |",
        f"| run | {figures['ran']} |",
        f"| killed | {figures['killed']} |",
        f"| timeout | {figures['timeout']} |",
        f"| survived | {figures['survived']} |",
        f"| of which equivalent | {figures['equivalent']} |",
        f"| **score, all mutants run** | **{figures['score']}%** |",
        f"| **score, non-equivalent mutants** | **{figures['score_non_equivalent']}%** |",
        f"| survivors the backend's own tests kill (`own-tests`) | {figures['own_killed']} |",
        "| **score with the backend's own tests, non-equivalent** "
        f"| **{figures['score_with_own_tests']}%** |",
        f"| run on | {data.get('date', 'unrecorded')} |",
        f"| runtime | {runtime / 60:.1f} min (Python {data['python']}, one pytest at a time)"
        + (
            f", then {rerun_seconds / 60:.1f} min of `rerun` (the survivors and the mutants not run yet)"
            if rerun_seconds
            else ""
        )
        + " |",
        "",
        "Per target:",
        "",
        "| target | run | killed | timeout | survived | equivalent | score, non-equivalent "
        "| with own tests |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for target in TARGETS:
        own = [m for m in mutants if m.target == target.name and m.status != "pending"]
        killed, timeout, survived = (
            sum(m.status == s for m in own) for s in ("killed", "timeout", "survived")
        )
        equivalent = sum(m.status == "survived" and m.key in EQUIVALENT for m in own)
        own_killed = sum(
            m.status == "survived" and m.key not in EQUIVALENT and m.own_tests == "killed" for m in own
        )
        judged = len(own) - equivalent
        score = f"{100 * (killed + timeout) / judged:.1f}%" if judged else "-"
        with_own = f"{100 * (killed + timeout + own_killed) / judged:.1f}%" if judged else "-"
        own_name = f" + `{OWN_TESTS[target.name]}`" if target.name in OWN_TESTS else ""
        tests = ", ".join(f"`{name}`" for name in target.test_files)
        lines.append(
            f"| {target.name} ({tests}{own_name}) | {len(own)} | {killed} | {timeout} "
            f"| {survived} | {equivalent} | {score} | {with_own} |"
        )
    survivors = [m for m in mutants if m.status == "survived"]
    lines += ["", "## Survivors", ""]
    if not survivors:
        lines.append("None.")
    else:
        lines += ["| mutant | change | judgement |", "| --- | --- | --- |"]
        for m in survivors:
            if m.key in EQUIVALENT:
                verdict = f"equivalent: {EQUIVALENT[m.key]}"
            else:
                verdict = "**not equivalent**" + (f": {NOT_REACHED[m.key]}" if m.key in NOT_REACHED else "")
                if m.own_tests:
                    verdict += f"; `{OWN_TESTS[m.target]}`: {m.own_tests}"
            change = m.description.replace("|", "\\|")
            lines.append(f"| `{m.file.rsplit('/', 1)[-1]}:{m.line}` {m.operator} | {change} | {verdict} |")
    notes: list[str] = _judged.get(GROUP.notes, [])
    if notes:
        lines += ["", "## Notes", "", *notes]
    lines += [
        "",
        "## Reproduce",
        "",
        "```bash",
        "nox -s mutation                       # core and local: the sampled run, about 30 minutes",
        "nox -s mutation -- --max-mutants 1000 --budget 7200  # every mutant",
        "nox -s mutation_s3 -- --max-mutants 40 --budget 3600  # the S3 backend against moto",
        "```",
        "",
        "Line numbers refer to the source as of the run; the JSON with every mutant is written to",
        f"`{JSON_REPORT.relative_to(ROOT).as_posix()}`.",
        "",
    ]
    MD_REPORT.parent.mkdir(parents=True, exist_ok=True)
    MD_REPORT.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``run`` or ``report`` (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--group", choices=sorted(GROUPS), default="core", help="what to mutate (default: core and local)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run the mutants")
    run_parser.add_argument("--max-mutants", type=int, default=200)
    run_parser.add_argument("--seed", type=int, default=2026)
    run_parser.add_argument(
        "--budget", type=float, default=30 * 60, help="seconds; stop starting mutants after"
    )
    rerun_parser = commands.add_parser(
        "rerun", help="test the survivors and unrun mutants of the last run again"
    )
    rerun_parser.add_argument("--budget", type=float, default=30 * 60)
    rerun_parser.add_argument(
        "--indices", default="", help="comma-separated sample numbers to test again too"
    )
    rerun_parser.add_argument("--only", action="store_true", help="test only the --indices")
    commands.add_parser("own-tests", help="run the packages' own tests against the suite's survivors")
    commands.add_parser("report", help="rewrite the markdown from the JSON")
    commands.add_parser("count", help="count the mutants per target")
    args = parser.parse_args(argv)
    select(args.group)
    if args.command == "count":
        for target in TARGETS:
            print(target.name, sum(1 for m, _ in enumerate_mutants() if m.target == target.name))
        return 0
    if args.command == "report":
        data = json.loads(JSON_REPORT.read_text(encoding="utf-8"))
    elif args.command == "own-tests":
        data = own_tests()
    elif args.command == "rerun":
        data = rerun(args.budget, frozenset(int(n) for n in args.indices.split(",") if n), only=args.only)
    else:
        data = run(args.max_mutants, args.seed, args.budget)
    write_markdown(data)
    print(json.dumps(summary(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
