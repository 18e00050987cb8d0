"""Keep SAS signatures out of urllib3's DEBUG log (AZURE-004).

A SAS travels in the request URL's query, and urllib3 logs every request line at DEBUG
(``"PUT /account/container/blob?...&sig=... HTTP/1.1" 201``). The filter installed here on
urllib3's connection-pool logger replaces the value of every ``sig=`` in such a record before any
handler sees it. It is installed once per process, by the first backend authenticating with a SAS.
"""

from __future__ import annotations

import logging
import re
import threading

__all__ = ["hide_sas_signatures"]

_SIGNATURE = re.compile(r"(?i)(sig=)[^&\s\"']+")
_LOGGER = "urllib3.connectionpool"
_lock = threading.Lock()
_installed = False


class _SasSignatureFilter(logging.Filter):
    """Rewrites a record whose text holds ``sig=...`` with the value replaced by ``REDACTED``."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "sig=" in text.lower():
            record.msg = _SIGNATURE.sub(r"\1REDACTED", text)
            record.args = None
        return True


def hide_sas_signatures() -> None:
    """Install the filter on urllib3's connection-pool logger (once; later calls do nothing)."""
    global _installed
    with _lock:
        if not _installed:
            logging.getLogger(_LOGGER).addFilter(_SasSignatureFilter())
            _installed = True
