"""Constants of the S3 reliability tests.

What any backend can use (budgets, figures, self-checking content, the mixed workload, resource
and socket counts, the secrets scan) is in ``remote_store_conformance.reliability``, ``.workload``
and ``.secrets_scan``.
"""

from __future__ import annotations

MIB = 1024 * 1024
"""One mebibyte: S3's smallest multipart part size is 5 MiB."""
