"""The remote-store conformance suite, run against SqliteBackend."""

from remote_store_conformance.suite import *  # noqa: F403
