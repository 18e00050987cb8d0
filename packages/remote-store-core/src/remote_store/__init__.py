"""remote-store: one narrow, typed, streaming-first API over wherever files live.

The public surface is everything in ``__all__``; backends live in ``remote_store.backends.*``
and are contributed by separate distributions (``remote-store-local``, ``remote-store-s3``, ...).
"""

# Backend distributions install modules under ``remote_store/backends/`` from their own folders
# (editable installs, PYTHONPATH); extend_path lets this regular package span all of them.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

from ._backend import Backend  # noqa: E402
from ._capabilities import Capability, CapabilitySet  # noqa: E402
from ._config import BackendConfig, RegistryConfig, StoreProfile  # noqa: E402
from ._content import WriteContent  # noqa: E402
from ._errors import (  # noqa: E402
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
from ._models import FileInfo, FolderInfo  # noqa: E402
from ._path import PathLike, RemotePath  # noqa: E402
from ._registry import Registry  # noqa: E402
from ._store import Store  # noqa: E402
from ._version import __version__  # noqa: E402

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
