"""The ``sftp`` backend: a folder of an SFTP server, through asyncssh (specs/sftp.md).

Usage::

    from remote_store import Store
    from remote_store.backends.sftp import SFTPBackend

    backend = SFTPBackend(
        host="files.example.com", username="etl", private_key="~/.ssh/id_ed25519", root="data"
    )
    with Store(backend) as store:
        store.write("reports/2024.csv", b"...")

Or by configuration, as backend type ``sftp``. asyncssh is imported with the first connection.
"""

from ._backend import SFTPBackend

__all__ = ["SFTPBackend"]
