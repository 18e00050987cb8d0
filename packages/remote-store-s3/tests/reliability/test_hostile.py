"""Hostile paths over every Store method on S3: every failure is one of our errors.

Keys the server refuses (too long, odd bytes), paths ``RemotePath`` refuses, unicode of every
kind: each call either works or raises a ``RemoteStoreError``; whatever a call wrote can be read
back under the path it was written to, and every listed path round-trips.

CI: 600 examples on each server (each is a few requests); ``REMOTE_STORE_SOAK=1``: 5,000.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remote_store import RemoteStoreError, Store
from remote_store.backends.s3 import S3Backend

from ._support import budget

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
OPERATIONS = [
    "write",
    "write_stream",
    "read_bytes",
    "read",
    "exists",
    "is_file",
    "is_folder",
    "delete",
    "delete_folder",
    "move",
    "copy",
    "list_files",
    "list_folders",
    "get_file_info",
    "get_folder_info",
]


def run(store: Store, operation: str, first: str, second: str, flag: bool) -> Any:
    """Run one operation; return what it returned, consumed."""
    if operation == "write":
        store.write(first, b"data", overwrite=flag)
        assert store.read_bytes(first) == b"data"
        return None
    if operation == "write_stream":
        return store.write(first, io.BytesIO(b"streamed"), overwrite=flag)
    if operation == "read":
        with store.read(first) as stream:
            return stream.read()
    if operation in ("read_bytes", "exists", "is_file", "is_folder", "get_file_info", "get_folder_info"):
        return getattr(store, operation)(first)
    if operation == "delete":
        return store.delete(first, missing_ok=flag)
    if operation == "delete_folder":
        return store.delete_folder(first, recursive=flag, missing_ok=True)
    if operation in ("move", "copy"):
        return getattr(store, operation)(first, second, overwrite=flag)
    if operation == "list_files":
        listed = list(store.list_files(first, recursive=flag))
        for info in listed:
            assert store.is_file(info.path), f"listed {info.path!r} does not round-trip"
        return listed
    if operation == "list_folders":
        return list(store.list_folders(first))
    raise AssertionError(operation)


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
