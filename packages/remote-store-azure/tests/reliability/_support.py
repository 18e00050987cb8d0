"""Constants of the Azure reliability tests.

What any backend can use (budgets, figures, the mixed workload, resource and socket counts) is in
``remote_store_conformance.reliability`` and ``.workload``; the Blob operation names of proxied
requests are ``tools/faultproxy.py``'s ``blob_operation``.
"""

from __future__ import annotations

KIB = 1024
"""One kibibyte: 64 KiB is the smallest ``max_block_size`` (AZURE-002)."""
