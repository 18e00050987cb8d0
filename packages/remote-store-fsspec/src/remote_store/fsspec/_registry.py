"""``RegistryFileSystem``: the ``rstore://<store-name>/<path>`` protocol over a ``RegistryConfig``."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from fsspec.spec import AbstractFileSystem
from remote_store import ConfigError, Registry, RegistryConfig, Store

from ._filesystem import RemoteStoreFileSystem, Target

__all__ = ["CONFIG_ENV", "RegistryFileSystem"]

CONFIG_ENV = "REMOTE_STORE_CONFIG"
"""The environment variable naming the TOML file ``rstore://`` reads when given no ``config``."""

ConfigSource = RegistryConfig | Mapping[str, Any] | str | os.PathLike[str]


def load_config(config: ConfigSource | None) -> RegistryConfig:
    """The ``RegistryConfig`` that ``config`` gives, or that the file named by ``REMOTE_STORE_CONFIG`` holds.

    Raises:
        ConfigError: no config given and ``REMOTE_STORE_CONFIG`` unset or empty; the file cannot
            be read or is invalid; ``config`` is of another type.
    """
    if config is None:
        path = os.environ.get(CONFIG_ENV, "")
        if not path:
            raise ConfigError(
                f"rstore:// needs a registry config: set {CONFIG_ENV} to a TOML file, "
                'or pass storage_options={"config": ...}'
            )
        return RegistryConfig.from_toml(path)
    if isinstance(config, RegistryConfig):
        return config
    if isinstance(config, Mapping):
        return RegistryConfig.from_dict(config)
    if isinstance(config, (str, os.PathLike)):
        return RegistryConfig.from_toml(config)
    raise ConfigError(
        f"config: must be a RegistryConfig, a mapping or a TOML file path, not {type(config).__name__}"
    )


class RegistryFileSystem(RemoteStoreFileSystem):
    """The ``rstore`` protocol: ``rstore://<store-name>/<path>`` is ``<path>`` in the named store.

    ``config`` (``storage_options={"config": ...}``) is a ``RegistryConfig``, a mapping in
    ``RegistryConfig.from_dict``'s shape, or the path of a TOML file; without it the TOML file
    named by ``REMOTE_STORE_CONFIG`` is read. Stores are built lazily, once each, and share their
    backends as ``Registry.get_store`` does. ``ls("")`` lists the configured store names as folders.

    fsspec caches instances by their arguments, so ``pandas.read_csv("rstore://...")`` reuses one
    registry (and its connections) across calls. ``close()`` closes them.

    Raises:
        ConfigError: as ``load_config``; an unknown store name in a path (naming it, with the
            known ones).
    """

    protocol: Any = ("rstore",)
    cachable = True

    def __init__(self, config: ConfigSource | None = None, **storage_options: Any) -> None:
        AbstractFileSystem.__init__(self, config, **storage_options)
        self.registry = Registry(load_config(config))
        self._stores: dict[str, Store] = {}
        self._lock = threading.Lock()

    def _locate(self, path: str) -> Target:
        stripped = self._strip_protocol(path)
        name, _, relative = stripped.partition("/")
        if not name:
            return Target(None, "")
        return Target(self.get_store(name), relative, prefix=f"{name}/")

    def get_store(self, name: str) -> Store:
        """The store configured under ``name``.

        Raises:
            ConfigError: no store of that name (naming the known ones).
        """
        with self._lock:
            store = self._stores.get(name)
            if store is None:
                store = self._stores[name] = self.registry.get_store(name)
            return store

    def _list(self, target: Target) -> list[dict[str, Any]]:
        if target.store is None:
            return [
                {"name": name, "size": 0, "type": "directory"} for name in sorted(self.registry.config.stores)
            ]
        return super()._list(target)

    def close(self) -> None:
        """Close every store and backend this filesystem built, and drop it from fsspec's cache."""
        self.registry.close()
        self.clear_instance_cache()

    def __repr__(self) -> str:
        return f"RegistryFileSystem(stores={sorted(self.registry.config.stores)!r})"
