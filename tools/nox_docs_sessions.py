"""nox sessions for the documentation, the examples and packaging: ``docs``, ``examples``, ``packaging``.

noxfile.py registers them with one call::

    import importlib.util

    _spec = importlib.util.spec_from_file_location("nox_docs_sessions", "tools/nox_docs_sessions.py")
    nox_docs_sessions = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(nox_docs_sessions)
    nox_docs_sessions.register(nox)

- ``docs``: installs mkdocs, mkdocs-material, mkdocstrings and the distributions; checks that
  ``docs/backends/capabilities.md`` matches the code (``tools/gen_capability_matrix.py --check``);
  runs the ```` ```python ```` blocks of the documentation pages, checking that each line
  ``print(...)  # text`` prints ``text`` (```` ```py ```` blocks are illustrations and are not
  run); builds the site with ``mkdocs build --strict`` into
  ``build/site``.
- ``examples``: runs every ``examples/*.py`` (the local backend; ``s3_minio.py`` against a moto
  server the session starts with ``tools/s3servers/moto.py`` and stops by its PID afterwards) and
  executes every notebook of ``examples/notebooks/`` with nbclient. Every script and notebook runs
  even when one fails; the session then fails naming them.
- ``packaging``: ``python -m build`` (sdist, then the wheel from it) for every distribution, the
  meta-distribution ``remote-store`` included; ``twine check --strict``; one version for all
  (lockstep) and exact pins in ``remote-store``; then each wheel installed alone into a fresh
  virtualenv (its dependencies from the other built wheels through ``--find-links``, third-party
  ones from the index) and imported, from outside the repository with ``python -I``. The sdists
  and wheels are left in ``build/dist/`` for a release to upload.

This file is also a command line, run by those sessions inside their virtualenvs (standard library
only, besides nbclient for ``notebooks``)::

    python tools/nox_docs_sessions.py doc-blocks docs/getting-started.md ...
    python tools/nox_docs_sessions.py notebooks examples/notebooks/*.ipynb
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import sys
import tempfile
import traceback
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]

# Pinned, so that a release of one of them cannot turn CI red on its own.
DOCS_DEPS = [
    "mkdocs==1.6.1",
    "mkdocs-material==9.8.2",
    "mkdocstrings==1.0.8",
    "mkdocstrings-python==2.0.11",
]
EXAMPLES_DEPS = ["nbclient==0.11.0", "nbformat==5.11.1", "ipykernel==7.4.0", "moto[s3,server]>=5"]
BUILD = "build==1.6.1"
TWINE = "twine==7.0.0"

META = "remote-store"
"""The meta-distribution: no code, exact pins of the others."""

# Pages owned elsewhere whose code blocks this session does not run.
FOREIGN_PAGES = {"traceability.md", "benchmarks.md"}
NOTEBOOK_TIMEOUT = 300
"""Seconds one notebook cell may take."""


class Dist(NamedTuple):
    """One distribution of the repository: its folder and project name."""

    path: Path
    name: str

    @property
    def relative(self) -> str:
        """The folder relative to the repository root."""
        return self.path.relative_to(ROOT).as_posix()


def _project_name(pyproject: Path) -> str:
    # A regex instead of tomllib: nox may run on Python 3.10, which has no tomllib.
    in_project = False
    for line in pyproject.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_project = stripped == "[project]"
        elif in_project and (match := re.match(r"""name\s*=\s*["']([^"']+)["']""", stripped)):
            return match.group(1)
    raise ValueError(f"{pyproject}: no [project] name")


def distributions(*, meta: bool = False) -> list[Dist]:
    """Every distribution with a pyproject.toml, core first; the meta-distribution only if ``meta``."""
    folders = sorted(path.parent for path in ROOT.glob("packages/*/pyproject.toml"))
    if (ROOT / "conformance" / "pyproject.toml").exists():
        folders.append(ROOT / "conformance")
    found = [Dist(folder, _project_name(folder / "pyproject.toml")) for folder in folders]
    if not meta:
        found = [dist for dist in found if dist.name != META]
    return sorted(found, key=lambda dist: (dist.name != "remote-store-core", dist.name == META, dist.name))


def _editable(dists: Sequence[Dist]) -> list[str]:
    args: list[str] = []
    for dist in dists:
        # Core's [toml] extra brings tomli on Python 3.10, where tomllib is missing.
        args += ["-e", f"{dist.relative}[toml]" if dist.name == "remote-store-core" else dist.relative]
    return args


def _bin(venv: Path, program: str) -> str:
    return str(venv / ("Scripts" if sys.platform == "win32" else "bin") / program)


# -- sessions -----------------------------------------------------------------------------------


def docs(session: Any) -> None:
    """Build the documentation site with mkdocs --strict into build/site.

    First checks the generated capability matrix and runs the python blocks of the pages.
    """
    session.chdir(ROOT)
    session.install(*DOCS_DEPS, *_editable(distributions()))
    session.run("python", "tools/gen_capability_matrix.py", "--check")
    pages = [
        page.relative_to(ROOT).as_posix()
        for page in sorted((ROOT / "docs").rglob("*.md"))
        if page.relative_to(ROOT / "docs").as_posix() not in FOREIGN_PAGES and "_hooks" not in page.parts
    ]
    session.run("python", "tools/nox_docs_sessions.py", "doc-blocks", *pages)
    # The variable silences mkdocs-material's banner about its successor.
    env = {"NO_MKDOCS_2_WARNING": "1"}
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "build" / "site"), env=env)


def examples(session: Any) -> None:
    """Run every example script (s3_minio.py against a moto server started here) and notebook."""
    session.chdir(ROOT)
    from nox.command import CommandFailed

    session.install(*_editable(distributions()), *EXAMPLES_DEPS)
    failed: list[str] = []

    def attempt(label: str, *args: str, env: dict[str, str] | None = None) -> None:
        try:
            session.run(*args, env=env)
        except CommandFailed:
            failed.append(label)

    scripts = sorted((ROOT / "examples").glob("*.py"))
    for script in scripts:
        if script.name != "s3_minio.py":
            attempt(script.name, "python", str(script))

    s3_example = ROOT / "examples" / "s3_minio.py"
    if s3_example.exists():
        state = Path(session.create_tmp()) / "moto-state.json"
        moto = str(ROOT / "tools" / "s3servers" / "moto.py")
        session.run("python", moto, "-q", "start", "--state", str(state), silent=True)
        try:
            server = json.loads(state.read_text(encoding="utf-8"))
            env = {
                "REMOTE_STORE_S3_ENDPOINT": str(server["endpoint_url"]),
                "REMOTE_STORE_S3_ACCESS_KEY": str(server["access_key"]),
                "REMOTE_STORE_S3_SECRET_KEY": str(server["secret_key"]),
                "REMOTE_STORE_S3_REGION": str(server["region"]),
                "REMOTE_STORE_S3_BUCKET": "remote-store-examples",
                "REMOTE_STORE_S3_CREATE_BUCKET": "1",
            }
            attempt(s3_example.name, "python", str(s3_example), env=env)
        finally:
            session.run("python", moto, "stop", "--state", str(state))

    notebooks = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
    for notebook in notebooks:
        attempt(notebook.name, "python", "tools/nox_docs_sessions.py", "notebooks", str(notebook))
    session.log(f"ran {len(scripts)} scripts and {len(notebooks)} notebooks; {len(failed)} failed")
    if not scripts or not notebooks:
        session.error("no example scripts or no notebooks found")
    if failed:
        session.error(f"failed: {', '.join(failed)}")


def packaging(session: Any) -> None:
    """Build, twine-check and install-test every distribution, and check the lockstep version.

    Each wheel is installed alone into a fresh virtualenv and imported.
    """
    session.chdir(ROOT)
    dists = distributions(meta=True)
    session.install(BUILD, TWINE)
    tmp = Path(session.create_tmp()).resolve()
    out = ROOT / "build" / "dist"  # what a release uploads: twine upload build/dist/*
    shutil.rmtree(out, ignore_errors=True)
    for dist in dists:
        # sdist first, then the wheel from the sdist: a file missing from the sdist fails here.
        session.run("python", "-m", "build", "--outdir", str(out), str(dist.path))
    session.run("twine", "check", "--strict", *sorted(str(path) for path in out.iterdir()))

    wheels: dict[str, tuple[str, Path]] = {}
    for path in sorted(out.glob("*.whl")):
        metadata = _wheel_metadata(path)
        wheels[metadata["Name"][0]] = (metadata["Version"][0], path)
    versions = {name: version for name, (version, _) in wheels.items()}
    meta_requirements = _wheel_metadata(wheels[META][1]).get("Requires-Dist", []) if META in wheels else []
    problems = check_lockstep({dist.name for dist in dists}, versions, meta_requirements)
    if problems:
        session.error("packaging: " + "; ".join(problems))
    version = versions[dists[0].name]
    session.log(f"built {len(wheels)} wheels, all at version {version}")

    # Only the wheels just built may satisfy a first-party requirement, never an index.
    constraints = tmp / "constraints.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name in sorted(wheels)), encoding="utf-8")
    for name, (_, wheel) in sorted(wheels.items()):
        if name not in IMPORT_CHECKS:
            session.error(f"packaging: no import check for distribution {name!r}; add one to IMPORT_CHECKS")
        check = IMPORT_CHECKS[name]
        venv = tmp / f"venv-{name}"
        shutil.rmtree(venv, ignore_errors=True)
        session.run("python", "-m", "venv", str(venv))
        pip = [_bin(venv, "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        pip += ["--find-links", str(out), "-c", str(constraints)]
        session.run(*pip, str(wheel), external=True)
        script = tmp / f"check-{name}.py"
        script.write_text(check, encoding="utf-8")
        # -I and a folder outside the repository: nothing but the installed wheels can be imported.
        session.chdir(tmp)
        session.run(_bin(venv, "python"), "-I", str(script), version, name, external=True)
        if name == META:
            session.run(*pip, f"{wheel}[s3]", external=True)
            script = tmp / f"check-{name}-s3.py"
            script.write_text(META_S3_CHECK, encoding="utf-8")
            session.run(_bin(venv, "python"), "-I", str(script), version, name, external=True)
        session.chdir(ROOT)


def register(nox_module: Any, *, python: str | Sequence[str] | None = None) -> None:
    """Register ``docs``, ``examples`` and ``packaging`` as sessions of the calling noxfile.

    Args:
        nox_module: the ``nox`` module the noxfile imported.
        python: the interpreter(s) to run them with; nox's own by default.
    """
    for function in (docs, examples, packaging):
        nox_module.session(function, name=function.__name__, python=python)


# -- what packaging checks ------------------------------------------------------------------------


def _wheel_metadata(wheel: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(item for item in archive.namelist() if item.endswith(".dist-info/METADATA"))
        text = archive.read(name).decode("utf-8")
    fields: dict[str, list[str]] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    return fields


def check_lockstep(names: set[str], versions: dict[str, str], meta_requirements: Sequence[str]) -> list[str]:
    """Problems with the version policy, as messages.

    A distribution without a wheel, versions that differ, or a requirement of the meta-distribution
    that is not an exact pin of that version.
    """
    problems = [f"no wheel built for {name}" for name in sorted(names - set(versions))]
    if len(set(versions.values())) > 1:
        shown = ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))
        problems.append(f"distributions must share one version (lockstep): {shown}")
    if META in versions:
        version = versions[META]
        pinned = set()
        for requirement in meta_requirements:
            match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(\S*?)\s*(;.*)?$", requirement)
            if not match:
                problems.append(f"{META}: cannot read requirement {requirement!r}")
                continue
            pinned.add(match.group(1))
            if match.group(3) != f"=={version}":
                problems.append(f"{META}: requirement {requirement!r} must pin =={version} exactly")
        for expected in ("remote-store-core", "remote-store-local", "remote-store-s3"):
            if expected in names and expected not in pinned:
                problems.append(f"{META}: does not require {expected}")
    return problems


_CHECK_PRELUDE = """
import importlib.metadata as metadata
import importlib.util
import sys
import tempfile

version, name = sys.argv[1], sys.argv[2]
assert metadata.version(name) == version, (name, metadata.version(name), version)
backends = {ep.name for ep in metadata.entry_points(group="remote_store.backends")}

def absent(module):
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True
"""

_CORE_USE = """
import remote_store
from remote_store import Store
from remote_store.backends.memory import MemoryBackend

assert remote_store.__version__ == version, remote_store.__version__
with Store(MemoryBackend()) as store:
    store.write("a/b.txt", b"ok")
    assert store.read_bytes("a/b.txt") == b"ok"
"""

_LOCAL_USE = """
from remote_store import Registry, RegistryConfig
from remote_store.backends.local import LocalBackend

with tempfile.TemporaryDirectory() as tmp:
    disk = {"type": "local", "options": {"root": tmp}}
    config = RegistryConfig.from_dict({"backends": {"disk": disk}, "stores": {"s": {"backend": "disk"}}})
    with Registry(config) as registry:
        store = registry.get_store("s")
        assert isinstance(store.backend, LocalBackend)
        store.write("x/y.txt", b"local")
        assert store.read_bytes("x/y.txt") == b"local"
"""

_S3_USE = """
import boto3
import remote_store.backends.s3
from remote_store import Registry, RegistryConfig
from remote_store.backends.s3 import S3Backend

assert remote_store.backends.s3.__version__ == version

config = RegistryConfig.from_dict({"backends": {"b": {"type": "s3", "options": {"bucket": "example"}}}})
with Registry(config) as registry:
    assert isinstance(registry.get_backend("b"), S3Backend)  # construction does no I/O
"""

IMPORT_CHECKS: dict[str, str] = {
    "remote-store-core": _CHECK_PRELUDE
    + _CORE_USE
    + """
assert backends == {"memory"}, backends
assert absent("remote_store.backends.local") and absent("remote_store.backends.s3")
""",
    "remote-store-local": _CHECK_PRELUDE
    + _CORE_USE
    + _LOCAL_USE
    + """
assert backends == {"memory", "local"}, backends
assert absent("remote_store.backends.s3")
""",
    "remote-store-s3": _CHECK_PRELUDE
    + _CORE_USE
    + _S3_USE
    + """
assert backends == {"memory", "s3"}, backends
assert absent("remote_store.backends.local")
""",
    "remote-store-fsspec": _CHECK_PRELUDE
    + _CORE_USE
    + """
import fsspec
import remote_store.fsspec
from remote_store.fsspec import RegistryFileSystem, RemoteStoreFileSystem

assert remote_store.fsspec.__version__ == version
assert fsspec.get_filesystem_class("rstore") is RegistryFileSystem  # the fsspec.specs entry point
fs = RemoteStoreFileSystem(Store(MemoryBackend()))
fs.pipe_file("a/b.txt", b"bridged")
with fs.open("a/b.txt", "rb") as handle:
    assert handle.read() == b"bridged"
assert backends == {"memory"}, backends
""",
    "remote-store-conformance": _CHECK_PRELUDE
    + _CORE_USE
    + """
import remote_store_conformance
from remote_store_conformance import Requirements

assert remote_store_conformance.__version__ == version
plugins = {ep.name for ep in metadata.entry_points(group="pytest11")}
assert "remote_store_conformance" in plugins, plugins
import remote_store_conformance.plugin
import remote_store_conformance.suite
""",
    META: _CHECK_PRELUDE
    + _CORE_USE
    + _LOCAL_USE
    + """
assert backends == {"memory", "local"}, backends
assert absent("remote_store.backends.s3")
if sys.version_info < (3, 11):
    import tomli  # core's [toml] extra
""",
}

META_S3_CHECK = (
    _CHECK_PRELUDE
    + _CORE_USE
    + _LOCAL_USE
    + _S3_USE
    + """
assert backends == {"memory", "local", "s3"}, backends
assert metadata.version("remote-store-s3") == version
"""
)


# -- command line: run inside the session virtualenvs ---------------------------------------------

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<info>[^\n]*)$")


def python_blocks(markdown: str) -> list[tuple[int, str]]:
    """The ```` ```python ```` blocks of a page as ``(first line number, code)``, in order.

    Blocks fenced as ```` ```py ```` (or any other language) are not returned.
    """
    blocks: list[tuple[int, str]] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        language = match["info"].split(maxsplit=1)[0] if match["info"].strip() else ""
        start = index + 1
        index = start
        while index < len(lines) and not lines[index].strip().startswith(fence):
            index += 1
        if language == "python":
            body = [line[indent:] if line[:indent].strip() == "" else line for line in lines[start:index]]
            blocks.append((start + 1, "\n".join(body) + "\n"))
        index += 1
    return blocks


_PRINT_WITH_OUTPUT = re.compile(r"^(?P<indent>\s*)print\((?P<args>.*)\)  # (?P<output>.+)$")


class OutputMismatch(AssertionError):
    """A ``print(...)  # output`` line of a documentation page printed something else."""


def expected_output(output: str, printed: str) -> bool:
    """True if ``printed`` is what the comment ``output`` says.

    The comment is the exact text, where ``...`` stands for anything, optionally followed by
    ``: an explanation`` (``# True: one backend, shared``).
    """
    if output == printed or output.startswith(printed + ": "):
        return True
    if "..." not in output:
        return False
    pattern = ".*?".join(re.escape(part) for part in output.split("..."))
    return re.fullmatch(pattern, printed, flags=re.DOTALL) is not None


def _checked(code: str) -> str:
    """``code`` with each ``print(args)  # output`` line replaced by a call that also checks it."""

    def replace(match: re.Match[str]) -> str:
        return f"{match['indent']}__doc_print__({match['output']!r}, {match['args']})"

    return "\n".join(_PRINT_WITH_OUTPUT.sub(replace, line) for line in code.splitlines()) + "\n"


def _doc_print(output: str, *args: object, sep: str = " ", **kwargs: Any) -> None:
    printed = sep.join(str(arg) for arg in args)
    print(*args, sep=sep, **kwargs)
    if not expected_output(output, printed):
        raise OutputMismatch(f"printed {printed!r}, the page says {output!r}")


def run_doc_blocks(pages: Sequence[str]) -> int:
    """Run the python blocks of each page in one namespace per page, in a temporary folder.

    A line ``print(...)  # text`` must print ``text`` (see ``expected_output``).
    """
    failures = 0
    total = 0
    for page in pages:
        blocks = python_blocks(Path(page).read_text(encoding="utf-8"))
        if not blocks:
            continue
        namespace: dict[str, Any] = {"__name__": "__main__", "__doc_print__": _doc_print}
        here = os.getcwd()
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                for line, code in blocks:
                    total += 1
                    try:
                        exec(compile(_checked(code), f"{page}:{line}", "exec"), namespace)
                    except BaseException:  # noqa: BLE001 - report every page
                        failures += 1
                        print(f"doc-blocks: {page}, block at line {line} failed:", file=sys.stderr)
                        traceback.print_exc()
                        break
            finally:
                os.chdir(here)
    print(f"doc-blocks: ran {total} python blocks of {len(pages)} pages, {failures} failed")
    return 1 if failures else 0


def run_notebooks(notebooks: Sequence[str]) -> int:
    """Execute each notebook top to bottom with nbclient, in a temporary folder; fail on any error."""
    # Imported by name: only the examples session installs them (and mypy need not see them).
    nbformat = importlib.import_module("nbformat")
    nbclient = importlib.import_module("nbclient")
    cell_execution_error = importlib.import_module("nbclient.exceptions").CellExecutionError
    config_class = importlib.import_module("traitlets.config").Config

    failures = 0
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as tmp:
            # The kernel talks over IPC sockets in the temporary folder: no TCP port is opened.
            config = config_class()
            config.KernelManager.transport = "ipc"
            config.KernelManager.ip = os.path.join(tmp, "kernel")
            client = nbclient.NotebookClient(
                notebook,
                config=config,
                timeout=NOTEBOOK_TIMEOUT,
                kernel_name="python3",
                resources={"metadata": {"path": tmp}},
            )
            try:
                client.execute()
            except cell_execution_error as error:
                failures += 1
                print(f"notebooks: {path} failed:\n{error}", file=sys.stderr)
                continue
        cells = sum(1 for cell in notebook.cells if cell.cell_type == "code")
        print(f"notebooks: {path}: {cells} code cells ran")
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``doc-blocks PAGE...`` or ``notebooks NOTEBOOK...``; returns the exit status."""
    parser = argparse.ArgumentParser(description="Helpers the docs and examples sessions run.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doc-blocks", help="run the python blocks of Markdown pages").add_argument(
        "pages", nargs="+"
    )
    commands.add_parser("notebooks", help="execute Jupyter notebooks").add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)
    actions: dict[str, Callable[[], int]] = {
        "doc-blocks": lambda: run_doc_blocks(args.pages),
        "notebooks": lambda: run_notebooks(args.notebooks),
    }
    return actions[args.command]()


if __name__ == "__main__":
    sys.exit(main())
