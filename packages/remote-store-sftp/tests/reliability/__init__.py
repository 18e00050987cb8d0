"""Reliability tests of the sftp backend (opt-in: see conftest.py)."""
