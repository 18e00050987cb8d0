"""The whole conformance suite against LocalBackend on a file system without hard links."""

from remote_store_conformance.suite import *  # noqa: F403
