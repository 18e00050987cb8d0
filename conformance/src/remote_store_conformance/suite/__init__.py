"""The conformance suite: every test class, one module per area, for a backend's star import.

A backend's ``tests/test_conformance.py`` runs the whole suite with::

    from remote_store_conformance.suite import *  # noqa: F401,F403

and one area with ``pytest -k TestListing`` (classes are named ``Test<Area>...`` after their
module). The suite's own fixtures are exported too, so that they are bound in the importing module
and a ``store`` fixture of the backend's ``conftest.py`` cannot replace them (CONF-003).
"""

from ..plugin import (
    conformance_selection,
    conformance_store_api,
    nested_store,
    open_store,
    requirements,
    storage_faults,
    storage_links,
    storage_litter,
    store,
)
from .test_async import TestAsyncCancel
from .test_atomic import TestAtomic, TestAtomicConcurrent
from .test_capabilities import TestCapabilities, TestCapabilitiesUndeclared
from .test_close import TestClose
from .test_concurrency import TestConcurrency
from .test_conditional_write import TestConditionalWrite
from .test_contract import TestContract, TestContractPaths
from .test_conveniences import TestConveniencesChild, TestConveniencesText
from .test_delete import TestDelete, TestDeleteEmptyFolders, TestDeleteFolder
from .test_errors import TestErrors, TestErrorsFromTheBackend
from .test_exactness import TestExactness
from .test_faults import TestFaults
from .test_glob import TestGlob
from .test_links import TestLinks
from .test_listing import TestListing, TestListingLarge, TestListingNames
from .test_litter import TestLitter
from .test_metadata import TestMetadata
from .test_move_copy import TestMoveCopy, TestMoveCopyErrors
from .test_observation import TestObservation
from .test_progress import TestProgress
from .test_queries import TestQueries
from .test_random_access import TestRandomAccess, TestRandomAccessUndeclared
from .test_read import TestRead
from .test_resources import TestResources
from .test_root_path import TestRootPath
from .test_streaming import TestStreaming, TestStreamingLarge
from .test_urls import TestUrls, TestUrlsArguments
from .test_write import TestWrite, TestWriteInvalid
from .test_write_options import (
    TestWriteOptionsChecks,
    TestWriteOptionsContentType,
    TestWriteOptionsMetadata,
    TestWriteOptionsUndeclared,
)

__all__ = [
    "TestAsyncCancel",
    "TestAtomic",
    "TestAtomicConcurrent",
    "TestCapabilities",
    "TestCapabilitiesUndeclared",
    "TestClose",
    "TestConcurrency",
    "TestConditionalWrite",
    "TestContract",
    "TestContractPaths",
    "TestConveniencesChild",
    "TestConveniencesText",
    "TestDelete",
    "TestDeleteEmptyFolders",
    "TestDeleteFolder",
    "TestErrors",
    "TestErrorsFromTheBackend",
    "TestExactness",
    "TestFaults",
    "TestGlob",
    "TestLinks",
    "TestListing",
    "TestListingLarge",
    "TestListingNames",
    "TestLitter",
    "TestMetadata",
    "TestMoveCopy",
    "TestMoveCopyErrors",
    "TestObservation",
    "TestProgress",
    "TestQueries",
    "TestRandomAccess",
    "TestRandomAccessUndeclared",
    "TestRead",
    "TestResources",
    "TestRootPath",
    "TestStreaming",
    "TestStreamingLarge",
    "TestUrls",
    "TestUrlsArguments",
    "TestWrite",
    "TestWriteInvalid",
    "TestWriteOptionsChecks",
    "TestWriteOptionsContentType",
    "TestWriteOptionsMetadata",
    "TestWriteOptionsUndeclared",
    "conformance_selection",
    "conformance_store_api",
    "nested_store",
    "open_store",
    "requirements",
    "storage_faults",
    "storage_links",
    "storage_litter",
    "store",
]
