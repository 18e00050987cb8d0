"""Shared test settings of remote-store-core's own unit tests."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# No example database: it would write .hypothesis/ into the source tree on every run. No deadline:
# CI machines are slow and shared, and these properties are cheap, not timing-sensitive.
settings.register_profile(
    "remote-store-core",
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("remote-store-core")
