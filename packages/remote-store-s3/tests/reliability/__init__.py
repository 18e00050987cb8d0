"""Reliability tests of the S3 backend: injected faults, threads, resources, secrets."""
