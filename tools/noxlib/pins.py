"""The Pythons and the pinned tools the sessions use.

Tool versions are pinned so that a new release cannot turn CI red on its own.
"""

from __future__ import annotations

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
"""The Pythons the project supports: every distribution's tests run on each."""

ONE_PYTHON = "3.12"
"""The Python of the runs made once: server-heavy tests, reliability, the third-party example."""

RUFF = "ruff==0.17.6"
MYPY = "mypy==2.4.1"
BUILD = "build==1.6.1"
TWINE = "twine==7.0.0"
NOX = "nox==2026.10.20"
"""The nox of ``.ci/run``; the typecheck session installs it to check noxfile.py and this helper."""

TEST_DEPS = ["pytest>=8", "hypothesis>=6.100", "pytest-timeout>=2.3"]
"""What every distribution's tests need; a distribution's own needs are in ``noxlib.needs``."""

DOCS_DEPS = [
    "mkdocs==1.6.1",
    "mkdocs-material==9.8.2",
    "mkdocstrings==1.0.8",
    "mkdocstrings-python==2.0.11",
]
EXAMPLES_DEPS = [
    "nbclient==0.11.0",
    "nbformat==5.11.1",
    "ipykernel==7.4.0",
    "moto[s3,server]>=5",
    "pyarrow>=14",  # examples/s3_parquet_column.py
    "tqdm>=4.66",  # examples/s3_progress.py
]
BENCH_DEPS = ["boto3>=1.35", "moto[server]>=5", "matplotlib>=3.8"]
"""What ``benchmarks/run.py`` needs beside the packages of this repository."""

PYTEST_TIMEOUT = "600"
"""Seconds one test may take: a hung test (a server that never answers) fails instead of eating CI."""

RELIABILITY_TIMEOUT = "900"
"""Seconds one reliability test may take (the conformance-suite secrets scan takes about 2 minutes)."""
