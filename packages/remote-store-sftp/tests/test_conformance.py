"""The shared conformance suite (STORE, BACKEND, STREAM, ATOMIC), run against SFTPBackend on sshd."""

from remote_store_conformance.suite import *  # noqa: F403
