"""Hostile paths over every Store method on S3: every failure is one of our errors.

Keys the server refuses (too long, odd bytes), paths ``RemotePath`` refuses, unicode of every
kind: each call either works or raises a ``RemoteStoreError``; whatever a call wrote can be read
back under the path it was written to, and every listed path round-trips.

CI: 600 examples on each server (each is a few requests); ``REMOTE_STORE_SOAK=1``: 5,000. The
operations are ``remote_store_conformance.workload.run_operation``'s, shared with the other backends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remote_store import RemoteStoreError, Store
from remote_store.backends.s3 import S3Backend
from remote_store_conformance.reliability import budget
from remote_store_conformance.workload import OPERATIONS as WORKLOAD_OPERATIONS
from remote_store_conformance.workload import run_operation

SEGMENTS = st.one_of(
    st.sampled_from(
        ["..", ".", "", "a", "b", "%2e%2e", "?x=1", "#frag", "a+b", "a b", "~", "\u202e", "\U0001f600"]
    ),
    st.text(max_size=8),
    st.text(st.characters(max_codepoint=0x9F), max_size=3),
    st.builds(lambda char, count: char * count, st.sampled_from("xé\U0001f600"), st.integers(200, 1100)),
)
PATHS = st.one_of(
    st.lists(SEGMENTS, max_size=4).map("/".join),
    st.lists(SEGMENTS, min_size=1, max_size=2).map(lambda parts: "/" + "/".join(parts)),
)
# write_atomic is left out: the S3 backend runs the same code for it as for write.
OPERATIONS = [operation for operation in WORKLOAD_OPERATIONS if operation != "write_atomic"]


def run(store: Store, operation: str, first: str, second: str, flag: bool) -> Any:
    """Run one operation; check what a write wrote reads back and what a listing lists exists."""
    result = run_operation(store, operation, first, second, flag)
    if operation == "write":
        assert store.read_bytes(first) == b"data"
    elif operation == "list_files":
        for info in result:
            assert store.is_file(info.path), f"listed {info.path!r} does not round-trip"
    return result


@pytest.mark.spec("GUAR-008")
def test_every_failure_is_one_of_ours(
    make_backend: Callable[..., S3Backend], figures: dict[str, Any]
) -> None:
    store = Store(make_backend(max_attempts=2), "root")
    count = [0]
    failures = [0]

    @settings(
        max_examples=budget(600, 5_000, "REMOTE_STORE_S3_HYPOTHESIS_EXAMPLES"),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        operation=st.sampled_from(OPERATIONS),
        first=PATHS,
        second=PATHS,
        flag=st.booleans(),
    )
    def example(operation: str, first: str, second: str, flag: bool) -> None:
        count[0] += 1
        try:
            run(store, operation, first, second, flag)
        except RemoteStoreError:
            failures[0] += 1
        # Anything else propagates and fails the example: a raw error leaking out.

    example()
    figures.update(examples=count[0], refused=failures[0])
