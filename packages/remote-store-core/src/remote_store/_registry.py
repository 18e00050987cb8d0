"""``Registry``: builds backends from configuration, finds backend types by entry point."""

from __future__ import annotations

import inspect
import os
import re
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._backend import Backend
from ._config import BackendConfig, RegistryConfig, StoreProfile, _known, suggest
from ._errors import ConfigError, RemoteStoreError, StoreClosed
from ._operation import Operation
from ._secrets import is_secret_option, masked_options
from ._store import Store

if TYPE_CHECKING:
    import logging

    from .aio import AsyncStore

__all__ = ["ENTRY_POINT_GROUP", "Registry"]

ENTRY_POINT_GROUP = "remote_store.backends"
"""The entry-point group under which backend distributions register their ``Backend`` classes."""


def _logger() -> logging.Logger:
    # logging is imported on first use, not with the package (CONFIG-018).
    import logging

    return logging.getLogger("remote_store")


_ENV_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Registry:
    """Builds the backends a ``RegistryConfig`` names, lazily, and hands out ``Store`` objects.

    ``get_async_store`` hands out ``AsyncStore`` objects (``remote_store.aio``) from the same
    configuration and backends.

    Each backend is built on first use, once, and shared by every store that names it. Backend
    types are found through the ``remote_store.backends`` entry points, or registered in code
    with ``register_backend``. Option values have ``${ENV_VAR}`` references resolved when the
    backend is built. ``close()`` (or leaving the ``with`` block) closes every backend built and
    every store handed out. Safe to share between threads.

    Args:
        config: the configuration.
        environ: where ``${ENV_VAR}`` references are looked up; ``os.environ`` by default.

    Raises:
        ConfigError: (from ``get_store``/``get_backend``) an unknown store or backend name, an
            uninstalled backend type, an unknown or missing option, or a missing variable.
    """

    def __init__(self, config: RegistryConfig, *, environ: Mapping[str, str] | None = None) -> None:
        if not isinstance(config, RegistryConfig):
            raise ConfigError(f"Registry needs a RegistryConfig, not {type(config).__name__}")
        self._config = config
        self._environ = environ
        self._types: dict[str, type[Backend]] = {}
        self._backends: dict[str, Backend] = {}
        self._stores: weakref.WeakSet[Store] = weakref.WeakSet()
        self._async_stores: weakref.WeakSet[AsyncStore] = weakref.WeakSet()
        # threading is imported by the first Registry, not with the package (CONFIG-018).
        import threading

        self._lock = threading.RLock()
        self._closed = False

    @property
    def config(self) -> RegistryConfig:
        """The configuration this registry was built from."""
        return self._config

    def register_backend(self, type_name: str, backend_class: type[Backend]) -> None:
        """Make ``backend_class`` available as backend type ``type_name`` in this registry.

        Takes precedence over an entry point of the same name.

        Raises:
            ConfigError: ``backend_class`` is not a ``Backend`` subclass.
        """
        if not (isinstance(backend_class, type) and issubclass(backend_class, Backend)):
            raise ConfigError(f"register_backend({type_name!r}): {backend_class!r} is not a Backend subclass")
        with self._lock:
            self._types[type_name] = backend_class

    def get_backend(self, name: str) -> Backend:
        """The backend configured under ``name``, built on first use.

        Raises:
            ConfigError: ``name`` is not configured, or the backend cannot be built from its config.
            StoreClosed: the registry is closed.
        """
        with self._lock:
            self._check_open()
            backend = self._backends.get(name)
            if backend is not None:
                return backend
            config = self._config.backends.get(name)
            if config is None:
                raise ConfigError(
                    f"unknown backend {name!r}{suggest(name, self._config.backends)}; "
                    f"known backends: {_known(self._config.backends)}"
                )
            backend = self._build(name, config)
            self._backends[name] = backend
            return backend

    def get_store(self, name: str) -> Store:
        """A ``Store`` for the profile configured under ``name``; its backend is shared.

        Closing the store does not close the shared backend; closing the registry closes both.

        Raises:
            ConfigError: ``name`` is not a configured store, or its backend cannot be built.
            StoreClosed: the registry is closed.
        """
        with self._lock:
            self._check_open()
            profile = self._profile(name)
            store = Store(self.get_backend(profile.backend), profile.root_path, owns_backend=False)
            self._stores.add(store)
            return store

    def get_async_store(self, name: str, *, max_workers: int | None = None) -> AsyncStore:
        """An ``AsyncStore`` (``remote_store.aio``) for the profile configured under ``name``.

        Built from the same configuration as ``get_store``, sharing the same backend. Closing it
        (``await store.close()``, ``async with``) closes its workers, not the shared backend;
        closing the registry closes both. ``max_workers`` bounds its worker threads
        (``remote_store.aio.DEFAULT_MAX_WORKERS`` if ``None``).

        Raises:
            ConfigError: ``name`` is not a configured store, or its backend cannot be built.
            StoreClosed: the registry is closed.
            ValueError: ``max_workers`` is not a positive ``int``.
        """
        # asyncio is imported by the first async store, not with the package (CONFIG-018).
        from .aio import DEFAULT_MAX_WORKERS, AsyncStore

        with self._lock:
            self._check_open()
            profile = self._profile(name)
            store = AsyncStore(
                self.get_backend(profile.backend),
                profile.root_path,
                owns_backend=False,
                max_workers=DEFAULT_MAX_WORKERS if max_workers is None else max_workers,
            )
            self._async_stores.add(store)
            return store

    def close(self) -> None:
        """Close every store handed out and every backend built; idempotent.

        Every backend is closed even if one ``close`` fails; the first failure is raised after.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for store in list(self._stores):
                store.close()
            for async_store in list(self._async_stores):
                async_store._close_now()
            backends = list(self._backends.items())
            self._backends.clear()
        first: BaseException | None = None
        for name, backend in backends:
            try:
                backend.close()
            except Exception as error:  # noqa: BLE001 - close the rest, report the first
                _logger().warning("closing backend %r failed: %s", name, error)
                first = first or error
        if first is not None:
            if isinstance(first, RemoteStoreError):
                raise first
            raise RemoteStoreError("closing a backend failed", operation=Operation.CLOSE.value) from first

    def __enter__(self) -> Registry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Registry(backends={sorted(self._config.backends)!r}, stores={sorted(self._config.stores)!r})"

    # -- internals --------------------------------------------------------------------------

    def _profile(self, name: str) -> StoreProfile:
        profile = self._config.stores.get(name)
        if profile is None:
            raise ConfigError(
                f"unknown store {name!r}{suggest(name, self._config.stores)}; "
                f"known stores: {_known(self._config.stores)}"
            )
        return profile

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("registry is closed")

    def _build(self, name: str, config: BackendConfig) -> Backend:
        backend_class = self._resolve_type(name, config.type)
        where = f"backends.{name}.options"
        secrets = backend_class.SECRET_OPTIONS
        options = {
            key: self._interpolate(value, f"{where}.{key}", secret=is_secret_option(key, secrets))
            for key, value in config.options.items()
        }
        _check_options(backend_class, options, where)
        # Logged as configured (references unresolved): an environment value may be a secret under
        # an option name that does not look like one, e.g. a password inside a URL.
        shown = masked_options(config.options, secrets)
        _logger().debug("building backend %r of type %r with options %r", name, config.type, shown)
        try:
            return backend_class(**options)
        except ConfigError as error:
            raise ConfigError(f"{where}: {error.message}", path=error.path, backend=config.type) from error
        except (TypeError, ValueError) as error:
            # The message of a backend's own validation may quote values: keep it only when no
            # secret option is set, so a secret never reaches an error message.
            detail = (
                str(error) if not any(is_secret_option(k, secrets) for k in options) else type(error).__name__
            )
            raise ConfigError(
                f"{where}: invalid options for backend type {config.type!r}: {detail}", backend=config.type
            ) from None

    def _resolve_type(self, name: str, type_name: str) -> type[Backend]:
        found = self._types.get(type_name)
        if found is not None:
            return found
        # Reading entry points is the slowest import of the package: done on first need (CONFIG-018).
        from importlib import metadata

        entry_points = {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
        entry_point = entry_points.get(type_name)
        if entry_point is None:
            known = set(entry_points) | set(self._types)
            raise ConfigError(
                f"backends.{name}.type: unknown backend type {type_name!r}{suggest(type_name, known)}; "
                f"installed types: {_known(known)}. If it is provided by a package, install it "
                f"(e.g. pip install remote-store-{type_name})"
            )
        try:
            loaded = entry_point.load()
        except Exception as error:
            raise ConfigError(
                f"backends.{name}.type: backend type {type_name!r} is registered by {entry_point.value!r} "
                f"but failed to load: {error}"
            ) from error
        if not (isinstance(loaded, type) and issubclass(loaded, Backend)):
            raise ConfigError(
                f"backends.{name}.type: entry point {entry_point.value!r} is not a Backend subclass"
            )
        self._types[type_name] = loaded
        return loaded

    def _interpolate(self, value: Any, where: str, *, secret: bool) -> Any:
        if not isinstance(value, str) or "$" not in value:
            return value
        environ = os.environ if self._environ is None else self._environ

        def replace(match: re.Match[str]) -> str:
            variable = match.group(1)
            if variable is None:
                return "${"
            if variable not in environ:
                raise ConfigError(f"{where}: environment variable {variable!r} is not set")
            return environ[variable]

        return _ENV_REFERENCE.sub(replace, value)


def _check_options(backend_class: type[Backend], options: Mapping[str, Any], where: str) -> None:
    parameters = inspect.signature(backend_class).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    accepted = {
        p.name: p
        for p in parameters.values()
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    }
    for key in options:
        if key not in accepted:
            raise ConfigError(
                f"{where}.{key}: unknown option for backend type {backend_class.type_name!r}"
                f"{suggest(key, accepted)}; valid options: {_known(accepted)}"
            )
    for key, parameter in accepted.items():
        if parameter.default is inspect.Parameter.empty and key not in options:
            raise ConfigError(
                f"{where}.{key}: required option missing for backend type {backend_class.type_name!r}"
            )
