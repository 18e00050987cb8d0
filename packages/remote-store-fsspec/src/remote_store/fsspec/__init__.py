"""fsspec filesystems over remote-store: data tools read and write through any ``Store``.

``RemoteStoreFileSystem(store)`` serves one store with store-relative paths;
``RegistryFileSystem`` is the ``rstore://<store-name>/<path>`` protocol, registered with fsspec
through the ``fsspec.specs`` entry point, over a ``RegistryConfig``. Requirements: specs/fsspec.md.
"""

from ._file import SPOOL_MEMORY, StoreFile
from ._filesystem import RemoteStoreFileSystem
from ._registry import CONFIG_ENV, RegistryFileSystem, load_config
from ._version import __version__

__all__ = [
    "CONFIG_ENV",
    "SPOOL_MEMORY",
    "RegistryFileSystem",
    "RemoteStoreFileSystem",
    "StoreFile",
    "__version__",
    "load_config",
]
