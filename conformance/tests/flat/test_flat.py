"""The whole conformance suite against the flat, object-store-like backend of this folder's conftest."""

from remote_store_conformance.suite import *  # noqa: F403
