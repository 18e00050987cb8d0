"""The ``azure`` backend: the block blobs of one Azure Blob Storage container (specs/azure.md).

Usage::

    from remote_store import Store
    from remote_store.backends.azure import AzureBackend

    backend = AzureBackend(
        container="data", account_url="https://acct.blob.core.windows.net", credential="default"
    )
    with Store(backend, "reports") as store:
        store.write("2024.csv", b"id,total")

Or by configuration, as backend type ``azure``. Importing this module does not import the Azure
SDK; the first operation does.
"""

from ._backend import AzureBackend
from ._options import AzureOptions
from ._version import __version__

__all__ = ["AzureBackend", "AzureOptions", "__version__"]
