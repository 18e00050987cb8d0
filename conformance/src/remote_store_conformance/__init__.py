"""remote-store-conformance: the shared pytest suite every remote-store backend runs.

Backend authors define one fixture, ``conformance_backend``, star-import
``remote_store_conformance.suite`` into a test module, and optionally return a ``Requirements``
subclass from ``conformance_requirements`` to declare known deviations. See the README.
"""

from ._faults import FaultInjector, OsCallFaults
from ._links import LinkMaker, OsLinks
from ._litter import LitterMaker
from ._markers import requires, requires_not
from ._requirements import Need, Requirements
from ._version import __version__
from .plugin import NESTED_ROOT

__all__ = [
    "NESTED_ROOT",
    "FaultInjector",
    "LinkMaker",
    "LitterMaker",
    "Need",
    "OsCallFaults",
    "OsLinks",
    "Requirements",
    "__version__",
    "requires",
    "requires_not",
]
