"""remote-store: one narrow, typed, streaming-first API over wherever files live.

The public surface is everything in ``__all__``; backends live in ``remote_store.backends.*``
and are contributed by separate distributions (``remote-store-local``, ``remote-store-s3``, ...).
"""

from ._backend import Backend
from ._behaviour import Behaviour
from ._capabilities import Capability, CapabilitySet
from ._config import BackendConfig, RegistryConfig, StoreProfile
from ._content import WriteContent
from ._errors import (
    AlreadyExists,
    BackendUnavailable,
    CapabilityNotSupported,
    ConfigError,
    DirectoryNotEmpty,
    InvalidArgument,
    InvalidContent,
    InvalidPath,
    InvalidRange,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    RemoteStoreError,
    StoreClosed,
)
from ._metadata import Metadata
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
    "Behaviour",
    "Capability",
    "CapabilityNotSupported",
    "CapabilitySet",
    "ConfigError",
    "DirectoryNotEmpty",
    "FileInfo",
    "FolderInfo",
    "InvalidArgument",
    "InvalidContent",
    "InvalidPath",
    "InvalidRange",
    "Metadata",
    "NotFound",
    "PathLike",
    "PermissionDenied",
    "PreconditionFailed",
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


def _extend_path(path: list[str]) -> None:
    # Backend distributions install modules under ``remote_store/backends/`` from their own
    # folders (editable installs, PYTHONPATH): this regular package must span the ``remote_store``
    # folder of every sys.path entry. pkgutil.extend_path does that, but pkgutil and what it imports
    # made up a third of this package's import time (CONFIG-018). Folders are all we need: no zip
    # or custom importers.
    import os
    import sys

    seen = {os.path.abspath(folder) for folder in path}
    for entry in sys.path:
        if not isinstance(entry, str):
            continue
        portion = os.path.join(os.path.abspath(entry), __name__)
        if portion not in seen and os.path.isdir(portion):
            seen.add(portion)
            path.append(portion)


_extend_path(__path__)
del _extend_path
