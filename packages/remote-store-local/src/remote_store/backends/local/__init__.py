"""The ``local`` backend: a sandboxed folder of the local file system (specs/local.md).

Usage::

    from remote_store import Store
    from remote_store.backends.local import LocalBackend

    with Store(LocalBackend(root="/srv/data")) as store:
        store.write("reports/2024.csv", b"...")

Or by configuration, as backend type ``local`` with option ``root``.
"""

from ._backend import LocalBackend

__all__ = ["LocalBackend"]
