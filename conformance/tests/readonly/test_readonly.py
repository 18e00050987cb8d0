"""The whole conformance suite against a backend that can only read and list."""

from remote_store_conformance.suite import *  # noqa: F403
