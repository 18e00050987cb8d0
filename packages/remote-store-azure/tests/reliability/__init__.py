"""Reliability tests of the Azure backend (opt-in: see conftest.py)."""
