"""One module per measured library; each exposes ``local(root)`` and/or ``s3(server, bucket)``.

A worker imports only the module of the library it measures, so peer venvs need nothing but
that library. An adapter raises ``NotImplementedError`` for a workload its library cannot do
(the report shows "n/a").
"""

from __future__ import annotations

import importlib
from typing import Any

MODULES = {
    "baseline": "adapters.baseline",
    "baseline-putobject": "adapters.baseline",
    "ours": "adapters.ours",
    "fsspec": "adapters.fsspec_lib",
    "obstore": "adapters.obstore_lib",
    "opendal": "adapters.opendal_lib",
    "smart_open": "adapters.smart_open_lib",
    "remote-store-0.33.0": "adapters.rs033",
}


def load(lib: str, kind: str, params: dict[str, Any]) -> Any:
    """The adapter object of ``lib`` for ``kind`` (``"local"`` or ``"s3"``)."""
    module = importlib.import_module(MODULES[lib])
    factory = getattr(module, kind, None)
    if factory is None:
        raise NotImplementedError(f"{lib} has no {kind} adapter")
    return factory(lib=lib, **params)
