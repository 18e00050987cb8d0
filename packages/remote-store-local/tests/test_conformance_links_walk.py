"""The conformance suite's link tests (CONF-010) again with the descriptor walk forced (LOCAL-027).

``test_conformance.py`` runs them on the path this system takes (openat2 on Linux, LOCAL-026).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from remote_store_conformance.suite import TestLinks  # noqa: F401 - collected here with the walk forced

pytestmark = pytest.mark.usefixtures("walk_forced")


@pytest.fixture
def walk_forced() -> Iterator[None]:
    from remote_store.backends.local import _openat2

    _openat2.disable()
    try:
        yield None
    finally:
        _openat2.enable()
