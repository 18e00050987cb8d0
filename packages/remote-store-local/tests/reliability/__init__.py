"""Reliability tests of the local backend: crashes, hostile input, threads, resources, secrets."""
