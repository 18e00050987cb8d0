"""The shared conformance suite (STORE, BACKEND, STREAM, ATOMIC), run against AzureBackend on Azurite."""

from remote_store_conformance.suite import *  # noqa: F403
