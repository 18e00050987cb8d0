"""The shared conformance suite (STORE, BACKEND, STREAM, ATOMIC), run against S3Backend on each server."""

from remote_store_conformance.suite import *  # noqa: F403
