"""remote-store: one narrow, typed, streaming-first API over wherever files live.

The public surface is everything in ``__all__``; backends live in ``remote_store.backends.*``
and are contributed by separate distributions (``remote-store-local``, ``remote-store-s3``, ...).
"""

# Backend distributions install modules under ``remote_store/backends/`` from their own folders
# (editable installs, PYTHONPATH); extend_path lets this regular package span all of them.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

from ._backend import Backend
from ._capabilities import Capability, CapabilitySet
from ._config import BackendConfig, RegistryConfig, StoreProfile
from ._content import WriteContent
from ._errors import (
    AlreadyExists,
    BackendUnavailable,
    CapabilityNotSupported,
    ConfigError,
    DirectoryNotEmpty,
    InvalidContent,
    InvalidPath,
    NotFound,
    PermissionDenied,
    RemoteStoreError,
    StoreClosed,
)
from ._models import FileInfo, FolderInfo
from ._path import PathLike, RemotePath
from ._registry import Registry
from ._store import Store
from ._version import __version__

__all__ = [
    "AlreadyExists",
    "Backend",
    "BackendConfig",
    "BackendUnavailable",
    "Capability",
    "CapabilityNotSupported",
    "CapabilitySet",
    "ConfigError",
    "DirectoryNotEmpty",
    "FileInfo",
    "FolderInfo",
    "InvalidContent",
    "InvalidPath",
    "NotFound",
    "PathLike",
    "PermissionDenied",
    "Registry",
    "RegistryConfig",
    "RemotePath",
    "RemoteStoreError",
    "Store",
    "StoreClosed",
    "StoreProfile",
    "WriteContent",
    "__version__",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = __name__
del _name, _obj
