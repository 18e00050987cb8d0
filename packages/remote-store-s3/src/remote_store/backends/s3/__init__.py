"""The ``s3`` backend: Amazon S3 and S3-compatible servers (MinIO, Ceph radosgw, ...) through boto3.

Importing this module does not import boto3; the client is built on the first operation. The
options are the fields of ``S3Options`` (``_options.py``; table: docs/backends/s3.md), and
specs/s3.md says what the backend promises.
"""

from ._backend import S3Backend
from ._version import __version__

__all__ = ["S3Backend", "__version__"]
