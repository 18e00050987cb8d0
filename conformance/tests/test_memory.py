"""The whole conformance suite against ``remote_store.backends.memory.MemoryBackend``."""

from remote_store_conformance.suite import *  # noqa: F403
