"""Configuration as immutable data: ``BackendConfig``, ``StoreProfile``, ``RegistryConfig``."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ._errors import ConfigError, InvalidPath
from ._path import RemotePath
from ._secrets import masked_options

__all__ = ["BackendConfig", "RegistryConfig", "StoreProfile"]


def suggest(name: str, known: object) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known``, or ``""``."""
    # difflib is only needed once a name is wrong: imported then, not with the package (CONFIG-018).
    import difflib

    candidates = [str(item) for item in known]  # type: ignore[attr-defined]
    close = difflib.get_close_matches(name, candidates, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _known(names: object) -> str:
    listed = sorted(str(item) for item in names)  # type: ignore[attr-defined]
    return ", ".join(repr(item) for item in listed) if listed else "none"


@dataclasses.dataclass(frozen=True)
class BackendConfig:
    """How to build one backend: its ``type`` and the ``options`` passed to it.

    ``options`` is copied into a read-only mapping. Values may contain ``${ENV_VAR}``
    references, resolved when the ``Registry`` builds the backend (``$${`` stands for a
    literal ``${``). Secret option values never appear in ``repr`` or ``str``.

    Raises:
        ConfigError: ``type`` is not a non-empty string, or ``options`` is not a mapping with
            string keys.
    """

    type: str
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.type, str) or not self.type:
            raise ConfigError(f"type: must be a non-empty string, not {self.type!r}")
        if not isinstance(self.options, Mapping):
            raise ConfigError(f"options: must be a mapping, not {type(self.options).__name__}")
        for key in self.options:
            if not isinstance(key, str) or not key:
                raise ConfigError(f"options: keys must be non-empty strings, not {key!r}")
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def __repr__(self) -> str:
        return f"BackendConfig(type={self.type!r}, options={masked_options(self.options)!r})"

    __str__ = __repr__

    def __hash__(self) -> int:
        return hash((self.type, tuple(sorted(self.options))))


@dataclasses.dataclass(frozen=True)
class StoreProfile:
    """A named view of a backend: which backend, and the folder within it the store is scoped to.

    ``backend`` is a key of ``RegistryConfig.backends``; ``root_path`` is the folder of that
    backend the store sees as its root (``""``: the whole backend).

    Raises:
        ConfigError: ``backend`` is empty, or ``root_path`` breaks a path rule.
    """

    backend: str
    root_path: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.backend, str) or not self.backend:
            raise ConfigError(f"backend: must be a non-empty string, not {self.backend!r}")
        root = self.root_path
        if isinstance(root, RemotePath):
            root = str(root)
        try:
            canonical = str(RemotePath(root))
        except InvalidPath as error:
            raise ConfigError(f"root_path: {error.message}", path=error.path) from error
        object.__setattr__(self, "root_path", canonical)


@dataclasses.dataclass(frozen=True)
class RegistryConfig:
    """The whole configuration: named ``backends`` and named ``stores`` that refer to them.

    Both mappings are copied into read-only ones. Validated when built: every store must name a
    configured backend.

    Raises:
        ConfigError: naming the key at fault, e.g. ``stores.reports.backend``, and the known names.
    """

    backends: Mapping[str, BackendConfig] = dataclasses.field(default_factory=dict)
    stores: Mapping[str, StoreProfile] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for section, kind in (("backends", BackendConfig), ("stores", StoreProfile)):
            value = getattr(self, section)
            if not isinstance(value, Mapping):
                raise ConfigError(f"{section}: must be a mapping of name to {kind.__name__}")
            for name, item in value.items():
                if not isinstance(name, str) or not name:
                    raise ConfigError(f"{section}: names must be non-empty strings, not {name!r}")
                if not isinstance(item, kind):
                    raise ConfigError(
                        f"{section}.{name}: must be a {kind.__name__}, not {type(item).__name__}"
                    )
            object.__setattr__(self, section, MappingProxyType(dict(value)))
        for name, profile in self.stores.items():
            if profile.backend not in self.backends:
                raise ConfigError(
                    f"stores.{name}.backend: unknown backend {profile.backend!r}"
                    f"{suggest(profile.backend, self.backends)}; known backends: {_known(self.backends)}"
                )

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.backends)), tuple(sorted(self.stores))))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegistryConfig:
        """Build a config from plain data, as parsed from TOML, JSON or YAML.

        The expected shape::

            {
                "backends": {"local": {"type": "local", "options": {"root": "/srv/files"}}},
                "stores": {"data": {"backend": "local", "root_path": "data"}},
            }

        Raises:
            ConfigError: naming the key at fault (unknown keys get a suggestion).
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"config must be a mapping, not {type(data).__name__}")
        _reject_unknown(data, ("backends", "stores"), "")
        backends = {
            name: _build(BackendConfig, item, ("type", "options"), f"backends.{name}")
            for name, item in _section(data, "backends").items()
        }
        stores = {
            name: _build(StoreProfile, item, ("backend", "root_path"), f"stores.{name}")
            for name, item in _section(data, "stores").items()
        }
        return cls(backends=backends, stores=stores)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> RegistryConfig:
        """Read a TOML file with ``[backends.NAME]`` and ``[stores.NAME]`` tables.

        On Python 3.10 this needs ``tomli`` (``pip install "remote-store-core[toml]"``).

        Raises:
            ConfigError: the file cannot be read or parsed (naming it), or its content is invalid.
        """
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on 3.10 only
            try:
                import tomli as tomllib
            except ImportError as error:
                raise ConfigError(
                    'reading TOML on Python 3.10 needs tomli: pip install "remote-store-core[toml]"',
                    path=os.fspath(path),
                ) from error
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as error:
            raise ConfigError(f"cannot read config file: {error.strerror}", path=os.fspath(path)) from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"invalid TOML: {error}", path=os.fspath(path)) from error
        return cls.from_dict(data)


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: must be a table of name to settings, not {type(value).__name__}")
    return value


def _reject_unknown(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ConfigError(
                f"{where}{key}: unknown key{suggest(str(key), allowed)}; allowed: {_known(allowed)}"
            )


def _build(kind: type[Any], item: Any, allowed: tuple[str, ...], where: str) -> Any:
    if not isinstance(item, Mapping):
        raise ConfigError(f"{where}: must be a table, not {type(item).__name__}")
    _reject_unknown(item, allowed, where + ".")
    try:
        return kind(**item)
    except ConfigError as error:
        raise ConfigError(f"{where}.{error.message}", path=error.path) from error
    except TypeError as error:
        raise ConfigError(f"{where}: {error}") from error
