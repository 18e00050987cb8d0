"""Developer and CI tasks for the remote-store monorepo.

``nox`` runs every default session (what CI runs, through ``.ci/run``); ``nox -l`` lists them;
``nox -s NAME`` runs one. Sessions find the distributions by their ``pyproject.toml``
(``packages/*/`` and ``conformance/``), so a package joins the checks as soon as it has one.
More sessions (docs, examples, packaging, reliability, ...) are defined beside their helpers in
``tools/nox_*_sessions.py`` and registered at the end of this file.

Environment:

- ``REMOTE_STORE_S3_SERVERS``: which S3 servers the remote-store-s3 tests start, comma-separated
  from ``moto`` and ``ceph`` (default ``moto``; CI sets ``moto,ceph``, and Ceph must then be
  installed: ``python tools/s3servers/ceph.py install``). Passed through to pytest untouched.
- ``CI``: when set, virtualenvs are always recreated and a missing Python version is an error.

Arguments after ``--`` go to pytest in the ``tests`` sessions (``nox -s tests-3.12 -- -x -k path``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nox
from nox.command import CommandFailed

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox depends on tomli on Python 3.10
    import tomli as tomllib

nox.needs_version = ">=2024.10.9"

ROOT = Path(__file__).resolve().parent
CI = bool(os.environ.get("CI"))
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
REPORTS = ROOT / "build" / "test-reports"

# Tool versions are pinned so that a new release cannot turn CI red on its own.
RUFF = "ruff==0.17.6"
MYPY = "mypy==2.4.1"
BUILD = "build==1.6.1"
TEST_DEPS = ["pytest>=8", "hypothesis>=6.100", "pytest-timeout>=2.3"]
# Test dependencies of single distributions, on top of their own `test` extra (if they have one).
DIST_TEST_DEPS = {"remote-store-s3": ["moto[s3,server]>=5"]}
# Extra packages mypy needs to see the types of the distributions' dependencies.
DIST_TYPE_DEPS = {"remote-store-s3": ["boto3-stubs[s3]"]}
# The conformance suite runs every store test through Store and AsyncStore (CONF-013); on this
# Python only, through both: elsewhere through Store alone (--conformance-api=sync), which keeps
# the S3 suite (moto and Ceph) from doubling on every Python. The async layer is pure Python with
# no version-specific code path beyond asyncio, which its own tests cover on every Python.
ASYNC_SUITE_PYTHON = "3.12"
# Per-test limit: a hung test (a server that never answers) fails instead of eating CI's time.
PYTEST_TIMEOUT = "600"

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "no" if CI else "yes"
nox.options.error_on_external_run = True
nox.options.download_python = "never"


@dataclass(frozen=True)
class Dist:
    """One distribution of the monorepo: its folder, project name and optional dependencies."""

    path: Path
    name: str
    extras: frozenset[str]

    @property
    def short(self) -> str:
        """``core``, ``local``, ``s3``, ``conformance``: for report file names."""
        return self.name.removeprefix("remote-store-")

    @property
    def src(self) -> Path:
        """The folder holding the import packages."""
        return self.path / "src"

    @property
    def tests(self) -> Path:
        """The distribution's own test folder (it may not exist)."""
        return self.path / "tests"

    @property
    def relative(self) -> str:
        """The folder relative to the repository root, for pip and messages."""
        return self.path.relative_to(ROOT).as_posix()


def distributions() -> list[Dist]:
    """Every distribution with a pyproject.toml: core first (the others depend on it)."""
    folders = sorted(path.parent for path in ROOT.glob("packages/*/pyproject.toml"))
    if (ROOT / "conformance" / "pyproject.toml").exists():
        folders.append(ROOT / "conformance")
    found = []
    for folder in folders:
        with open(folder / "pyproject.toml", "rb") as file:
            project = tomllib.load(file)["project"]
        found.append(Dist(folder, project["name"], frozenset(project.get("optional-dependencies", {}))))
    return sorted(found, key=lambda dist: dist.name != "remote-store-core")


def _editable_args(dists: list[Dist], *, test: bool = False) -> list[str]:
    """``-e folder[extras]`` for each distribution, all in one pip call so they resolve together.

    Core's ``toml`` extra brings tomli on Python 3.10; with ``test``, a distribution's ``test``
    extra (its own test dependencies) is installed too.
    """
    args: list[str] = []
    for dist in dists:
        wanted = {"toml"} | ({"test"} if test else set())
        extras = sorted(dist.extras & wanted)
        args += ["-e", f"{dist.relative}[{','.join(extras)}]" if extras else dist.relative]
    return args


def _extra(table: dict[str, list[str]], dists: list[Dist]) -> list[str]:
    return [requirement for dist in dists for requirement in table.get(dist.name, [])]


def _run_all(session: nox.Session, commands: list[tuple[str, list[str], Path]]) -> None:
    """Run every ``(label, command, folder)`` even if one fails; then fail naming the failed ones."""
    failed = []
    for label, command, folder in commands:
        session.chdir(folder)
        try:
            session.run(*command)
        except CommandFailed:
            failed.append(label)
        finally:
            session.chdir(ROOT)
    if failed:
        session.error(f"failed: {', '.join(failed)}")


# -- sessions -----------------------------------------------------------------------------------


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check over the whole repository (config: ruff.toml)."""
    session.install(RUFF)
    _run_all(
        session,
        [
            ("ruff check", ["ruff", "check", "--no-fix", "."], ROOT),
            ("ruff format --check", ["ruff", "format", "--check", "--diff", "."], ROOT),
        ],
    )


@nox.session(default=False)
def fmt(session: nox.Session) -> None:
    """Apply ruff's formatting and safe fixes (not run by default)."""
    session.install(RUFF)
    session.run("ruff", "format", ".")
    session.run("ruff", "check", "--fix", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the src of every distribution with mypy --strict (config: mypy.ini)."""
    dists = distributions()
    session.install(MYPY, *_editable_args(dists), "tomli", *TEST_DEPS, *_extra(DIST_TYPE_DEPS, dists))
    sources = [dist.src.relative_to(ROOT).as_posix() for dist in dists if dist.src.is_dir()]
    # The checkers CI runs are typed too.
    tools = ["tools/check_specs.py", "tools/smoke_test.py"]
    session.run("mypy", "--config-file", "mypy.ini", *sources, *tools)


@nox.session
def specs(session: nox.Session) -> None:
    """Every requirement in specs/ has a test and every cited ID exists; writes docs/traceability.md."""
    session.install("pytest>=8")
    REPORTS.mkdir(parents=True, exist_ok=True)
    _run_all(
        session,
        [
            ("tools/tests", ["pytest", "tools/tests", f"--junitxml={REPORTS / 'specs-tools.xml'}"], ROOT),
            ("check_specs", ["python", "tools/check_specs.py"], ROOT),
        ],
    )


@nox.session
def quickstart(session: nox.Session) -> None:
    """Run examples/quickstart.py (the README quick start) and check what it prints."""
    dists = [dist for dist in distributions() if dist.name in ("remote-store-core", "remote-store-local")]
    if len(dists) < 2:
        session.error("quickstart needs packages/remote-store-core and packages/remote-store-local")
    session.install(*[dist.relative for dist in dists])
    output = session.run("python", "examples/quickstart.py", silent=True)
    print(output, end="")
    if output != "b'Hello, world!'\n":
        session.error(f"examples/quickstart.py printed {output!r}, expected \"b'Hello, world!'\\n\"")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Each distribution's tests (one pytest run per folder, in that folder) on one Python."""
    dists = distributions()
    session.install(*_editable_args(dists, test=True), *TEST_DEPS, *_extra(DIST_TEST_DEPS, dists))
    REPORTS.mkdir(parents=True, exist_ok=True)
    for stale in REPORTS.glob(f"{session.name}-*.xml"):
        stale.unlink()
    if any(dist.name == "remote-store-s3" for dist in dists):
        session.log(f"REMOTE_STORE_S3_SERVERS={os.environ.get('REMOTE_STORE_S3_SERVERS', '(unset: moto)')}")
    commands = []
    for dist in dists:
        if not dist.tests.is_dir():
            session.warn(f"{dist.relative}: no tests/ folder, skipped")
            continue
        report = REPORTS / f"{session.name}-{dist.short}.xml"
        # One run per distribution, from its folder, so that its own pytest configuration and
        # conftest.py apply and test module names cannot collide between distributions.
        command = [
            "pytest",
            "--rootdir",
            str(dist.path),
            "tests",
            f"--junitxml={report}",
            f"--timeout={PYTEST_TIMEOUT}",
            *([] if session.python == ASYNC_SUITE_PYTHON else ["--conformance-api=sync"]),
            *session.posargs,
        ]
        commands.append((dist.relative, command, dist.path))
    _run_all(session, commands)


@nox.session
def wheels(session: nox.Session) -> None:
    """Build every distribution and smoke-test it installed into a fresh virtualenv.

    Twice: the wheels, then editable checkouts (namespace merging breaks differently there), each
    checked by tools/smoke_test.py.
    """
    dists = distributions()
    names = {dist.name for dist in dists}
    session.install(BUILD)
    tmp = Path(session.create_tmp()).resolve()
    dist_dir = tmp / "dist"
    shutil.rmtree(dist_dir, ignore_errors=True)
    for dist in dists:
        # sdist first, then the wheel from the sdist: a file missing from the sdist fails here.
        session.run("python", "-m", "build", "--outdir", str(dist_dir), str(dist.path))
    built = sorted(str(path) for path in dist_dir.glob("*.whl"))
    session.log(f"built {len(built)} wheels: {', '.join(Path(path).name for path in built)}")

    backends = ["memory"]
    if "remote-store-local" in names:
        backends.append("local")
    if "remote-store-s3" in names:
        backends.append("s3")
    smoke = [str(ROOT / "tools" / "smoke_test.py"), "--repo", str(ROOT), "--backends", ",".join(backends)]
    if "remote-store-conformance" in names:
        smoke.append("--plugin")
    if "remote-store-local" in names:
        smoke.append("--uninstall-local")

    for mode, install in (
        ("wheel", built),
        ("editable", [arg for dist in dists for arg in ("-e", str(dist.path))]),
    ):
        venv = tmp / f"venv-{mode}"
        shutil.rmtree(venv, ignore_errors=True)
        session.run("python", "-m", "venv", str(venv))
        python = str(venv / ("Scripts" if sys.platform == "win32" else "bin") / "python")
        session.run(python, "-m", "pip", "install", "-q", *install, external=True)
        # -I: neither the current folder nor PYTHONPATH may supply remote_store; run from tmp too.
        session.chdir(tmp)
        session.run(python, "-I", *smoke, "--mode", mode, external=True)
        session.chdir(ROOT)


# -- sessions kept beside their helpers -----------------------------------------------------------

# tools/nox_<topic>_sessions.py files (docs, examples and packaging; reliability and soak; ...) each
# define a register(nox) that adds their sessions; they join the ones above, in file-name order.
for _path in sorted((ROOT / "tools").glob("nox_*_sessions.py")):
    _spec = importlib.util.spec_from_file_location(_path.stem, _path)
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    # Registered before it runs: dataclasses look their module up in sys.modules.
    sys.modules[_spec.name] = _module
    _spec.loader.exec_module(_module)
    _module.register(nox)


# -- benchmarks (benchmarks/README.md) -------------------------------------------------------------

_BENCH_SESSIONS = ROOT / "benchmarks" / "nox_sessions.py"
if _BENCH_SESSIONS.exists():
    _spec = importlib.util.spec_from_file_location("benchmarks_nox_sessions", _BENCH_SESSIONS)
    assert _spec is not None and _spec.loader is not None
    _benchmarks = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = _benchmarks
    _spec.loader.exec_module(_benchmarks)

    @nox.session(default=False)
    def bench(session: nox.Session) -> None:
        """Benchmarks (benchmarks/README.md): ``nox -s bench -- [--quick] [--peers] ...``; on demand."""
        _benchmarks.bench(session)

    @nox.session
    def bench_quick(session: nox.Session) -> None:
        """The benchmarks' smoke run (``run.py --quick``): a few minutes, checks that they run, not speed."""
        _benchmarks.bench_quick(session)
