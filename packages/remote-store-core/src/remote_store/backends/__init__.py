"""The backends, importable by class name: ``from remote_store.backends import LocalBackend``.

Each backend lives in its own module (``remote_store.backends.local``, ``.s3``, ...), contributed
by its own distribution. The class names here are resolved on first use: importing this package
imports no backend (and so neither boto3 nor any other client library), and a name whose
distribution is not installed raises an ``ImportError`` naming the distribution to install.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers only: at run time each name is imported on first use
    from .azure import AzureBackend as AzureBackend
    from .local import LocalBackend as LocalBackend
    from .memory import MemoryBackend as MemoryBackend
    from .s3 import S3Backend as S3Backend
    from .sftp import SFTPBackend as SFTPBackend

# Empty: a star import would import every backend (and fail for each one not installed).
__all__: list[str] = []

_BACKENDS: dict[str, tuple[str, str]] = {
    "AzureBackend": ("azure", "remote-store-azure"),
    "LocalBackend": ("local", "remote-store-local"),
    "MemoryBackend": ("memory", "remote-store-core"),
    "S3Backend": ("s3", "remote-store-s3"),
    "SFTPBackend": ("sftp", "remote-store-sftp"),
}
"""Class name -> (module below ``remote_store.backends``, the distribution that provides it)."""


def _extend_path(path: list[str]) -> None:
    # Each backend distribution installs its module below remote_store/backends/ from its own
    # folder (editable installs, PYTHONPATH); with this __init__.py the package is a regular one
    # and must span the backends/ folder of every portion of remote_store (which spans them all).
    import remote_store

    seen = {os.path.abspath(folder) for folder in path}
    for portion in remote_store.__path__:
        folder = os.path.join(os.path.abspath(portion), "backends")
        if folder not in seen and os.path.isdir(folder):
            seen.add(folder)
            path.append(folder)


_extend_path(__path__)
del _extend_path


def __getattr__(name: str) -> object:
    """The backend class ``name``, imported from its module on first use.

    Raises:
        ImportError: the distribution providing ``name`` is not installed (or fails to import),
            naming that distribution.
        AttributeError: ``name`` is no backend class of this package.
    """
    try:
        module_name, distribution = _BACKENDS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    qualified = f"{__name__}.{module_name}"
    try:
        module = importlib.import_module(qualified)
    except ImportError as error:
        raise ImportError(
            f"{name} needs the distribution {distribution!r}: pip install {distribution} "
            f"(importing {qualified} failed: {error})",
            name=qualified,
        ) from error
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_BACKENDS})
