"""What ``import remote_store`` loads, checked in fresh interpreters (CONFIG-018).

A module-set check, not a timing one: timings belong to the benchmarks. Each snippet runs in a new
interpreter and reports the modules it added to ``sys.modules``, so modules an environment imports
at startup (``.pth`` hooks, coverage) neither fail nor mask the check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Not imported by ``import remote_store``: each is imported where it is first needed.
LAZY = (
    "importlib.metadata",
    "pkgutil",
    "logging",
    "difflib",
    "threading",
    "datetime",
    "asyncio",
    "concurrent.futures",
)
# Not imported by using a Store over the memory backend either.
LAZY_IN_USE = ("importlib.metadata", "pkgutil", "logging", "difflib", "asyncio", "concurrent.futures")

_MEMORY_STORE = """
from remote_store import Store
from remote_store.backends.memory import MemoryBackend

with Store(MemoryBackend()) as store:
    store.write("a/b.txt", b"x")
    assert store.read_bytes("a/b.txt") == b"x"
    assert [info.name for info in store.list_files("a")] == ["b.txt"]
    store.move("a/b.txt", "c.txt")
    store.get_file_info("c.txt")
"""

_REGISTRY_STORE = """
from remote_store import BackendConfig, Registry, RegistryConfig, StoreProfile

config = RegistryConfig(backends={"m": BackendConfig("memory")}, stores={"s": StoreProfile("m")})
with Registry(config) as registry:
    registry.get_store("s").write("x", b"y")
"""


def _run(code: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules ``code`` imports in a fresh interpreter, and its ``-X importtime`` report."""
    script = (
        "import json, sys\nbefore = set(sys.modules)\n"
        f"{code}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1])), done.stderr


def _chain(importtime: str, module: str) -> str:
    """Who imported ``module``: ``module <- parent <- ...``, read from the ``-X importtime`` tree."""
    names = [line.split("|")[-1] for line in importtime.splitlines() if line.startswith("import time:")]
    for index, name in enumerate(names):
        if name.strip() == module:
            depth = len(name) - len(name.lstrip())
            chain = [module]
            # importtime prints a module after everything it imported: parents follow, less indented.
            for later in names[index + 1 :]:
                later_depth = len(later) - len(later.lstrip())
                if later_depth < depth:
                    chain.append(later.strip())
                    depth = later_depth
            return " <- ".join(chain)
    return module


def _loaded(modules: set[str], importtime: str, forbidden: tuple[str, ...]) -> list[str]:
    return [_chain(importtime, name) for name in forbidden if name in modules]


@pytest.mark.spec("CONFIG-018", "AIO-014")
def test_import_loads_none_of_the_lazy_modules(tmp_path: Path) -> None:
    modules, importtime = _run("import remote_store", tmp_path)
    assert "remote_store._store" in modules
    assert _loaded(modules, importtime, LAZY) == []


@pytest.mark.spec("CONFIG-018", "AIO-014")
def test_every_public_name_imports_without_the_lazy_modules(tmp_path: Path) -> None:
    code = "import remote_store\nfor name in remote_store.__all__:\n    getattr(remote_store, name)"
    modules, importtime = _run(code + "\nfrom remote_store import *", tmp_path)
    assert _loaded(modules, importtime, LAZY) == []


@pytest.mark.spec("CONFIG-018")
def test_a_memory_store_in_use_loads_none_of_the_lazy_modules(tmp_path: Path) -> None:
    modules, importtime = _run(_MEMORY_STORE, tmp_path)
    assert "remote_store.backends.memory" in modules
    assert _loaded(modules, importtime, LAZY_IN_USE) == []


@pytest.mark.spec("CONFIG-018", "CONFIG-009")
def test_the_registry_imports_entry_points_and_logging_when_it_needs_them(tmp_path: Path) -> None:
    # The other side of laziness: the deferred imports happen, and work, in a fresh interpreter.
    modules, _ = _run(_REGISTRY_STORE, tmp_path)
    assert {"importlib.metadata", "logging", "remote_store.backends.memory"} <= modules


@pytest.mark.spec("CONFIG-018")
@pytest.mark.parametrize("where", ["before", "after"])
def test_backend_modules_in_another_sys_path_folder_are_importable(tmp_path: Path, where: str) -> None:
    # Like an editable install of a backend distribution: remote_store/backends/NAME/ in its own
    # folder, without remote_store/__init__.py, on sys.path before or after core's folder.
    extra = tmp_path / "extra"
    module = extra / "remote_store" / "backends" / "rs_import_probe"
    module.mkdir(parents=True)
    (module / "__init__.py").write_text("VALUE = 42\n", encoding="utf-8")
    env = dict(os.environ)
    code = (
        "import remote_store.backends.rs_import_probe as probe, remote_store.backends.memory as memory\n"
        "assert probe.VALUE == 42 and memory.MemoryBackend.type_name == 'memory'\n"
    )
    if where == "before":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra), env.get("PYTHONPATH")]))
    else:
        code = f"sys.path.append({str(extra)!r})\n" + code
    modules, _ = _run(code, tmp_path, env)
    assert {"remote_store.backends.rs_import_probe", "remote_store.backends.memory"} <= modules


_ASYNC_REGISTRY_STORE = """
import asyncio
from remote_store import BackendConfig, Registry, RegistryConfig, StoreProfile

config = RegistryConfig(backends={"m": BackendConfig("memory")}, stores={"s": StoreProfile("m")})

async def main():
    with Registry(config) as registry:
        async with registry.get_async_store("s") as store:
            await store.write("x", b"y")

asyncio.run(main())
"""


@pytest.mark.spec("AIO-014")
def test_the_async_api_imports_asyncio_when_used(tmp_path: Path) -> None:
    modules, _ = _run("import remote_store.aio", tmp_path)
    assert {"asyncio", "concurrent.futures", "remote_store.aio"} <= modules
    modules, _ = _run(_ASYNC_REGISTRY_STORE, tmp_path)
    assert "remote_store.aio" in modules
