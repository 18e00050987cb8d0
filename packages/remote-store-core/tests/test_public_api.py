"""The public surface of remote-store-core: names, docstrings, and the quick starts working."""

from __future__ import annotations

import enum
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

import remote_store
import remote_store.backend_tools
import remote_store.backends.memory

DOCUMENTED = {
    "Store",
    "Backend",
    "Capability",
    "CapabilitySet",
    "RemotePath",
    "FileInfo",
    "FolderInfo",
    "BackendConfig",
    "StoreProfile",
    "RegistryConfig",
    "Registry",
    "RemoteStoreError",
    "NotFound",
    "AlreadyExists",
    "InvalidPath",
    "CapabilityNotSupported",
    "DirectoryNotEmpty",
    "PermissionDenied",
    "BackendUnavailable",
    "Behaviour",
    "ConfigError",
}
EXTRAS = {
    "InvalidArgument",
    "InvalidContent",
    "InvalidRange",
    "Metadata",
    "PreconditionFailed",
    "StoreClosed",
    "PathLike",
    "WriteContent",
    "__version__",
}
# Type aliases cannot carry a docstring of their own; they are documented where they are defined.
ALIASES = {"PathLike", "WriteContent"}

README = Path(__file__).resolve().parents[1] / "README.md"


def test_all_is_exactly_the_documented_list() -> None:
    assert len(remote_store.__all__) == len(set(remote_store.__all__))
    assert set(remote_store.__all__) == DOCUMENTED | EXTRAS
    for name in remote_store.__all__:
        assert hasattr(remote_store, name), name


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from remote_store import *", namespace)
    assert {name for name in namespace if name != "__builtins__"} == set(remote_store.__all__)


def test_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?(a|b|rc|dev|post)\d*)*", remote_store.__version__)


def test_public_classes_live_in_the_package_namespace() -> None:
    for name in remote_store.__all__:
        value = getattr(remote_store, name)
        if inspect.isclass(value):
            assert value.__module__ == "remote_store", name
            assert value.__qualname__ == name


def _public_objects(module: ModuleType) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for name in module.__all__:
        value = getattr(module, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        found.append((f"{module.__name__}.{name}", value))
        if not inspect.isclass(value):
            continue
        for member_name, member in vars(value).items():
            if member_name.startswith("_"):
                continue
            if isinstance(value, enum.EnumMeta) and isinstance(member, value):
                continue  # enum members are documented by the attribute docstring in the source
            if isinstance(member, (classmethod, staticmethod)):
                member = member.__func__
            if inspect.isfunction(member) or isinstance(member, property):
                found.append((f"{module.__name__}.{name}.{member_name}", member))
    return found


MODULES = [remote_store, remote_store.backend_tools, remote_store.backends.memory]
PUBLIC = [item for module in MODULES for item in _public_objects(module)]


@pytest.mark.parametrize(("qualified", "value"), PUBLIC, ids=[name for name, _ in PUBLIC])
def test_every_public_class_and_function_has_a_docstring(qualified: str, value: object) -> None:
    doc = inspect.getdoc(value)
    assert doc and doc.strip(), f"{qualified} has no docstring"


def test_there_is_something_to_check() -> None:
    names = {name for name, _ in PUBLIC}
    assert "remote_store.Store.write" in names and "remote_store.backend_tools.map_os_error" in names
    assert "remote_store.RemotePath.parent" in names and "remote_store.Registry.get_store" in names
    assert set(remote_store.__all__) - ALIASES - {"__version__"} <= {name.split(".")[1] for name in names}


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def test_readme_examples_run_verbatim() -> None:
    blocks = _python_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "the core README has a Python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})


def test_quick_start_with_the_memory_backend() -> None:
    # The quick start of the project, with type="memory" in place of type="local" (whose own
    # package tests it with a real folder): configure, get a store, write, read, list.
    from remote_store import BackendConfig, Registry, RegistryConfig, StoreProfile

    config = RegistryConfig(
        backends={"files": BackendConfig(type="memory", options={})},
        stores={"reports": StoreProfile(backend="files", root_path="reports")},
    )
    with Registry(config) as registry:
        store = registry.get_store("reports")
        store.write("2024/q1.csv", b"region,total\neu,42\n")
        assert store.read_bytes("2024/q1.csv") == b"region,total\neu,42\n"
        assert [str(info.path) for info in store.list_files("2024")] == ["2024/q1.csv"]
        with store.read("2024/q1.csv") as stream:
            assert stream.read(6) == b"region"
        store.delete("2024/q1.csv")
        assert not store.exists("2024/q1.csv")
    assert store.closed
