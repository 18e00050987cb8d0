"""Smoke-test an installation of the remote-store distributions (run it in a fresh virtualenv).

``nox -s packaging`` builds every distribution, installs the wheels (and, separately, editable
checkouts) into fresh virtualenvs and runs this script with that environment's Python::

    python -I tools/smoke_test.py --mode wheel --repo . --backends memory,local,s3 --plugin --uninstall-local

It checks, and exits non-zero with a message at the first surprise:

- ``import remote_store`` works and comes from the installation (site-packages for wheels, the
  source tree for editable installs); ``__version__`` matches the installed distribution;
- each expected backend type is found through the ``remote_store.backends`` entry points and loads
  as a ``Backend`` subclass of that ``type_name``; the conformance pytest plugin is registered;
- (wheels) no two distributions install the same file, and every file of remote-store-core is
  present and unchanged (RECORD hashes): backends add ``remote_store/backends/<name>`` beside core
  instead of replacing core files;
- with ``--uninstall-local``: after ``pip uninstall remote-store-local``, in a new interpreter,
  ``import remote_store`` and the memory backend still work, the ``local`` type is gone (with an
  error naming the package to install) and core's files are still intact.

The README quick start is run once, by ``nox -s quickstart``; ``quickstart_code`` finds it for
tools/tests/test_readme.py. Standard library only: it runs before anything but the distributions
under test is installed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib
import importlib.util
import re
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

__all__ = ["SmokeFailure", "main", "quickstart_code"]

BACKEND_GROUP = "remote_store.backends"


class SmokeFailure(Exception):
    """A check failed; the message says which and why."""


def step(message: str) -> None:
    """Print one progress line."""
    print(f"smoke: {message}", flush=True)


def require(condition: bool, message: str) -> None:
    """Raise ``SmokeFailure(message)`` unless ``condition`` holds."""
    if not condition:
        raise SmokeFailure(message)


# -- checks -----------------------------------------------------------------------------------


def check_import(mode: str, repo: Path) -> None:
    """``import remote_store`` works, from the expected place, with the installed version."""
    import remote_store

    location = Path(remote_store.__file__ or "").resolve()
    inside_repo = location.is_relative_to(repo.resolve())
    if mode == "wheel":
        purelib = Path(sysconfig.get_paths()["purelib"]).resolve()
        require(
            location.is_relative_to(purelib), f"remote_store imported from {location}, not from {purelib}"
        )
    else:
        require(
            inside_repo, f"editable remote_store imported from {location}, not from the source tree {repo}"
        )
    installed = metadata.version("remote-store-core")
    require(
        remote_store.__version__ == installed,
        f"remote_store.__version__ is {remote_store.__version__}, remote-store-core is {installed}",
    )
    step(f"import remote_store {remote_store.__version__} from {location.parent}")


def check_backends(expected: Sequence[str]) -> None:
    """Each expected backend type is an entry point that loads as a ``Backend`` of that name."""
    from remote_store import Backend

    found = {entry_point.name: entry_point for entry_point in metadata.entry_points(group=BACKEND_GROUP)}
    for name in expected:
        require(name in found, f"backend entry point {name!r} not found; found: {sorted(found)}")
        try:
            loaded = found[name].load()
        except Exception as error:
            raise SmokeFailure(
                f"backend entry point {name!r} ({found[name].value}) fails to load: {error!r}"
            ) from error
        require(
            isinstance(loaded, type) and issubclass(loaded, Backend),
            f"entry point {name!r} ({found[name].value}) is not a Backend subclass",
        )
        require(
            loaded.type_name == name, f"{loaded.__name__}.type_name is {loaded.type_name!r}, not {name!r}"
        )
    step(f"backend entry points {sorted(found)} (expected {sorted(expected)})")


BACKEND_CLASSES = {
    "azure": "AzureBackend",
    "memory": "MemoryBackend",
    "local": "LocalBackend",
    "s3": "S3Backend",
    "sftp": "SFTPBackend",
}
"""The class ``from remote_store.backends import ...`` gives for each backend type (CONFIG-019)."""


def check_backend_classes(expected: Sequence[str]) -> None:
    """``remote_store.backends`` imports no backend itself, and gives each class by name."""
    code = (
        "import sys; before = set(sys.modules); import remote_store.backends; "
        "added = set(sys.modules) - before; "
        "print(sorted(n for n in added if n.startswith(('remote_store.backends.', 'boto'))))"
    )
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=False)
    require(done.returncode == 0, f"import remote_store.backends failed: {done.stderr}")
    require(done.stdout.strip() == "[]", f"import remote_store.backends imported {done.stdout.strip()}")
    import remote_store.backends

    for name in expected:
        if name not in BACKEND_CLASSES:
            continue
        value = getattr(remote_store.backends, BACKEND_CLASSES[name])
        require(getattr(value, "type_name", None) == name, f"remote_store.backends.{value} is not {name!r}")
    names = ", ".join(BACKEND_CLASSES[name] for name in expected if name in BACKEND_CLASSES)
    step(f"from remote_store.backends import {names}")


def check_plugin() -> None:
    """The conformance suite is registered as a pytest plugin (entry point group ``pytest11``)."""
    plugins = [
        ep
        for ep in metadata.entry_points(group="pytest11")
        if ep.value.startswith("remote_store_conformance")
    ]
    require(bool(plugins), "no pytest11 entry point of remote_store_conformance found")
    for plugin in plugins:
        try:
            plugin.load()
        except Exception as error:
            raise SmokeFailure(f"pytest plugin {plugin.value} fails to load: {error!r}") from error
    step(f"pytest plugin {', '.join(f'{ep.name} = {ep.value}' for ep in plugins)}")


def quickstart_code(readme: Path) -> str:
    """The first ```` ```python ```` block after the README's "Quick start" heading."""
    text = readme.read_text(encoding="utf-8")
    heading = re.search(r"^#+\s*Quick start\s*$", text, re.MULTILINE | re.IGNORECASE)
    require(heading is not None, f"{readme}: no 'Quick start' heading")
    assert heading is not None
    block = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL).search(text, heading.end())
    require(block is not None, f"{readme}: no ```python block after 'Quick start'")
    assert block is not None
    return block.group(1)


def check_local_module(mode: str) -> None:
    """``remote_store.backends.local`` is importable; from a wheel it sits beside core's files."""
    spec = importlib.util.find_spec("remote_store.backends.local")
    require(spec is not None and spec.origin is not None, "remote_store.backends.local cannot be found")
    assert spec is not None and spec.origin is not None
    origin = Path(spec.origin).resolve()
    if mode == "wheel":
        import remote_store

        core = Path(remote_store.__file__ or "").resolve().parent
        require(
            origin.is_relative_to(core / "backends" / "local") or origin == core / "backends" / "local.py",
            f"remote_store.backends.local is at {origin}, not under {core / 'backends'}",
        )
    importlib.import_module("remote_store.backends.local")
    step(f"remote_store.backends.local at {origin}")


def _project_distributions() -> list[metadata.Distribution]:
    found = {}
    for distribution in metadata.distributions():
        name = (distribution.metadata["Name"] or "").lower().replace("_", "-")
        if name.startswith("remote-store"):
            found[name] = distribution
    return [found[name] for name in sorted(found)]


def _payload_files(distribution: metadata.Distribution) -> list[metadata.PackagePath]:
    """The files a distribution installs, without its own metadata and compiled files."""
    return [
        file
        for file in distribution.files or []
        if ".dist-info/" not in file.as_posix() and "__pycache__/" not in file.as_posix() and file.hash
    ]


def check_core_intact() -> None:
    """Every file remote-store-core installed is still there, byte for byte (RECORD hashes)."""
    core = metadata.distribution("remote-store-core")
    files = _payload_files(core)
    require(bool(files), "remote-store-core lists no files in its RECORD")
    for file in files:
        path = Path(str(file.locate()))
        require(path.is_file(), f"remote-store-core file {file} is missing")
        assert file.hash is not None
        digest = hashlib.new(file.hash.mode, path.read_bytes()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        require(encoded == file.hash.value, f"remote-store-core file {file} was changed after installation")
    require(
        any(file.as_posix() == "remote_store/__init__.py" for file in files),
        "remote-store-core does not install remote_store/__init__.py",
    )
    step(f"remote-store-core: {len(files)} files present and unchanged")


def check_no_shared_files() -> None:
    """No two installed remote-store distributions install the same file."""
    owners: dict[str, str] = {}
    distributions = _project_distributions()
    for distribution in distributions:
        name = distribution.metadata["Name"]
        for file in _payload_files(distribution):
            key = file.as_posix()
            require(key not in owners, f"{key} is installed by both {owners.get(key)} and {name}")
            owners[key] = name
    names = ", ".join(f"{d.metadata['Name']} {d.version}" for d in distributions)
    step(f"no file shared between {names}")


def check_after_uninstall(mode: str) -> None:
    """Run in a new interpreter after ``pip uninstall remote-store-local``."""
    import remote_store
    from remote_store import BackendConfig, ConfigError, Registry, RegistryConfig, StoreProfile

    step(f"after uninstall: import remote_store {remote_store.__version__} works")
    names = {entry_point.name for entry_point in metadata.entry_points(group=BACKEND_GROUP)}
    require("local" not in names, f"backend 'local' still registered after uninstall: {sorted(names)}")
    require(
        "memory" in names, f"backend 'memory' lost after uninstalling remote-store-local: {sorted(names)}"
    )
    require(
        importlib.util.find_spec("remote_store.backends.local") is None,
        "remote_store.backends.local is still importable after uninstall",
    )
    importlib.import_module("remote_store.backends.memory")
    try:
        from remote_store.backends import LocalBackend  # noqa: F401
    except ImportError as error:
        require("remote-store-local" in str(error), f"ImportError does not name the package: {error}")
        step(f"after uninstall: from remote_store.backends import LocalBackend -> ImportError: {error}")
    else:
        raise SmokeFailure("LocalBackend was imported after remote-store-local was uninstalled")
    config = RegistryConfig(
        backends={
            "mem": BackendConfig(type="memory"),
            "disk": BackendConfig(type="local", options={"root": "."}),
        },
        stores={"data": StoreProfile(backend="mem", root_path="data"), "files": StoreProfile(backend="disk")},
    )
    with Registry(config) as registry:
        store = registry.get_store("data")
        store.write("hello.txt", b"Hello, world!")
        require(store.read_bytes("hello.txt") == b"Hello, world!", "memory store read back other bytes")
        try:
            registry.get_store("files")
        except ConfigError as error:
            require("remote-store-local" in str(error), f"ConfigError does not name the package: {error}")
            step(f"after uninstall: type 'local' -> ConfigError: {error}")
        else:
            raise SmokeFailure("a 'local' backend was built after remote-store-local was uninstalled")
    if mode == "wheel":
        check_core_intact()


def uninstall_local(mode: str) -> None:
    """``pip uninstall remote-store-local``, then check the rest in a new interpreter."""
    step("pip uninstall -y remote-store-local")
    subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", "remote-store-local"], check=True)
    result = subprocess.run(
        [sys.executable, "-I", __file__, "--mode", mode, "--after-uninstall"], check=False
    )
    require(result.returncode == 0, "checks after uninstalling remote-store-local failed")


# -- command line -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks the arguments ask for; return 0 if all pass, 1 otherwise."""
    parser = argparse.ArgumentParser(description="Smoke-test an installation of remote-store.")
    parser.add_argument("--mode", choices=("wheel", "editable"), required=True)
    parser.add_argument(
        "--repo", type=Path, default=Path(__file__).resolve().parents[1], help="repository root"
    )
    parser.add_argument("--backends", default="memory,local", help="comma-separated backend types expected")
    parser.add_argument("--plugin", action="store_true", help="expect the conformance pytest plugin")
    parser.add_argument(
        "--uninstall-local", action="store_true", help="uninstall remote-store-local, re-check"
    )
    parser.add_argument("--after-uninstall", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    backends = [name for name in args.backends.split(",") if name]
    try:
        if args.after_uninstall:
            check_after_uninstall(args.mode)
        else:
            step(f"{args.mode} install, Python {sys.version.split()[0]} at {sys.prefix}")
            check_import(args.mode, args.repo)
            check_backends(backends)
            check_backend_classes(backends)
            if args.plugin:
                check_plugin()
            if "local" in backends:
                check_local_module(args.mode)
            if args.mode == "wheel":
                check_no_shared_files()
                check_core_intact()
            if args.uninstall_local:
                uninstall_local(args.mode)
    except SmokeFailure as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        return 1
    if not args.after_uninstall:
        step("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
