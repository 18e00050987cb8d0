"""Selection markers: which capabilities and behaviours a suite test needs, or needs absent."""

from __future__ import annotations

import pytest

from ._requirements import Need, Requirements

__all__ = ["REQUIRES", "REQUIRES_NOT", "requires", "requires_not", "skip_reason"]

REQUIRES = "conformance_requires"
"""Marker name: the test runs only if every need holds."""

REQUIRES_NOT = "conformance_requires_not"
"""Marker name: the test runs only if none of the needs holds."""


def requires(*needs: Need) -> pytest.MarkDecorator:
    """Mark a test as needing every one of ``needs`` (``Capability`` values or property names).

    A test whose needs the backend does not meet is skipped with a reason naming the first unmet
    one (CONF-005).
    """
    return pytest.mark.conformance_requires(*needs)


def requires_not(*needs: Need) -> pytest.MarkDecorator:
    """Mark a test as covering backends without ``needs``: skipped where any of them holds."""
    return pytest.mark.conformance_requires_not(*needs)


def skip_reason(requirements: Requirements, item: pytest.Item) -> str | None:
    """Why ``item`` must be skipped for the backend ``requirements`` describe, or ``None`` to run it.

    Raises:
        AttributeError: a marker names a property ``Requirements`` does not have.
    """
    for mark in item.iter_markers(REQUIRES):
        for need in mark.args:
            if not requirements.has(need):
                return f"the backend lacks {requirements.describe(need)}"
    for mark in item.iter_markers(REQUIRES_NOT):
        for need in mark.args:
            if requirements.has(need):
                return f"the backend has {requirements.describe(need)}; this test covers backends without it"
    return None
