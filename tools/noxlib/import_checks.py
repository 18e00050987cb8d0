"""The scripts ``packaging`` runs in a fresh virtualenv holding one wheel (and what it depends on).

Each script gets the version and the project name as arguments and fails with an AssertionError.
A backend distribution without an entry in ``IMPORT_CHECKS`` gets the generic check
(``backend_check``): its backend types, and only those beside core's, are registered and load.
"""

from __future__ import annotations

from .dists import META, Dist

__all__ = ["IMPORT_CHECKS", "META_S3_CHECK", "backend_check", "import_check"]

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
"""Per project name: the script checking that distribution's wheel installed alone."""

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
"""The meta-distribution installed with its ``[s3]`` extra."""


def backend_check(types: tuple[str, ...]) -> str:
    """The generic check of a backend wheel: core works; exactly ``memory`` and ``types`` are registered.

    Each of ``types`` loads as a ``Backend`` subclass with that ``type_name``.
    """
    return (
        _CHECK_PRELUDE
        + _CORE_USE
        + f"""
from remote_store import Backend

own = {sorted(types)!r}
assert backends == {{"memory", *own}}, backends
for ep in metadata.entry_points(group="remote_store.backends"):
    if ep.name in own:
        loaded = ep.load()
        assert isinstance(loaded, type) and issubclass(loaded, Backend), ep.value
        assert loaded.type_name == ep.name, (loaded.type_name, ep.name)
"""
    )


def import_check(dist: Dist) -> str | None:
    """The script checking ``dist``'s wheel alone: its own, else the generic backend check, else None."""
    if dist.name in IMPORT_CHECKS:
        return IMPORT_CHECKS[dist.name]
    if dist.backends:
        return backend_check(dist.backends)
    return None
