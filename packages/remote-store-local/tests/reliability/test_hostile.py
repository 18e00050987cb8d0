"""Hostile input: random and malicious paths over every Store method, links leading out of the root.

Each example rebuilds a root full of traps (links to a sentinel folder outside the root, absolute
and relative, to files and folders, dangling, chained, looping) and runs one operation, or a short
sequence, with generated paths: ``..``, absolute, empty segments, unicode, lone surrogates,
control characters, backslashes, names of 200-300 characters, the trap names. After each example:
the sentinel folder (and the folder holding the root) is exactly as before, access times included
(a read or a listing outside is seen, not only a write), no result holds the sentinel's bytes,
and every failure was a ``RemoteStoreError``.

CI: about 9,000 examples in all; ``REMOTE_STORE_SOAK=1``: about 125,000;
``REMOTE_STORE_HYPOTHESIS_EXAMPLES=N`` sets the count of the single-operation test. The operations
are ``remote_store_conformance.workload.run_operation``'s, shared with the other backends.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remote_store import FileInfo, RemotePath, RemoteStoreError, Store
from remote_store.backends.local import LocalBackend
from remote_store_conformance.reliability import budget
from remote_store_conformance.workload import OPERATIONS, run_operation

from ._support import SENTINEL_MARK, access_times_work, age_access_times, diff_states, tree_state

# The sandbox must hold whichever way paths are resolved (LOCAL-026, LOCAL-027).
pytestmark = pytest.mark.usefixtures("resolution")

TRAPS = [
    "link_out",
    "link_abs",
    "link_file_out",
    "link_parent",
    "dangling_out",
    "dangling_new",
    "loop",
    "chain1",
    "link_in",
    "sub",
    "file.txt",
]

SEGMENTS = st.one_of(
    st.sampled_from(
        [
            "..",
            ".",
            "",
            "...",
            "~",
            " ",
            "a",
            "b",
            *TRAPS,
            "outside",
            "secret.txt",
            "%2e%2e",
            "..%2f",
            "C:",
            "a\\..\\b",
            "\u202e",
            "e\u0301",
            "\U0001f600",
            "\ud800",
            "\udcff",
            "nul\x00",
            "line\n",
            "\x7f",
            "\x85",
            ".~rs-0123456789abcdef.tmp",
            ".~rs-notes.tmp",
        ]
    ),
    st.text(max_size=8),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=2),
    st.text(st.characters(max_codepoint=0x9F), max_size=4),
    st.builds(lambda char, count: char * count, st.sampled_from("xé\U0001f600"), st.integers(200, 300)),
)

PATHS = st.one_of(
    st.lists(SEGMENTS, max_size=5).map("/".join),
    st.lists(SEGMENTS, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts)),
    st.lists(SEGMENTS, min_size=1, max_size=3).map(lambda parts: "/".join(parts) + "/"),
    st.sampled_from([f"{trap}/secret.txt" for trap in TRAPS] + [f"{trap}/x/y" for trap in TRAPS]),
    st.sampled_from([f"sub/{trap}" for trap in TRAPS]),
)


class World:
    """A root full of traps and a sentinel folder outside it; ``reset()`` rebuilds the root."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "root"
        self.outside = base / "outside"
        self.outside.mkdir()
        (self.outside / "secret.txt").write_bytes(SENTINEL_MARK + b" secret")
        (self.outside / "sub").mkdir()
        (self.outside / "sub" / "deep.txt").write_bytes(SENTINEL_MARK + b" deep")
        (self.outside / "empty").mkdir()
        self.atimes = access_times_work(base)
        age_access_times(self.outside)
        self.reset()
        self.before = self.state()

    def reset(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        root = self.root
        (root / "sub" / "inner").mkdir(parents=True)
        (root / "sub" / "file.txt").write_bytes(b"inside")
        (root / "file.txt").write_bytes(b"inside")
        for folder in (root, root / "sub"):
            # Names other programs may create that no path can hold: skipped by listings.
            for raw in (b"bad\xff", b"ctl\x01", b"back\\slash"):
                with open(os.path.join(os.fsencode(folder), raw), "wb") as handle:
                    handle.write(b"unaddressable")
        links = {
            "link_out": "../outside",
            "link_abs": str(self.outside),
            "link_file_out": "../outside/secret.txt",
            "link_parent": "..",
            "dangling_out": "../outside/missing/deeper",
            "dangling_new": "../newdir",
            "loop": "loop",
            "chain1": "chain2",
            "chain2": "../outside",
            "link_in": "sub",
        }
        for name, target in links.items():
            os.symlink(target, root / name)
            os.symlink(target if target.startswith("/") else f"../{target}", root / "sub" / name)

    def state(self) -> dict[str, Any]:
        names = sorted(name for name in os.listdir(self.base) if name != "root")
        return {"outside": tree_state(self.outside, atimes=self.atimes), "base": names}

    def check(self) -> None:
        after = self.state()
        problems = diff_states(self.before["outside"], after["outside"])
        if after["base"] != self.before["base"]:
            problems.append(f"the folder holding the root changed: {self.before['base']} -> {after['base']}")
        assert not problems, "\n".join(problems)


SENTINEL_SIZES = frozenset({len(SENTINEL_MARK + b" secret"), len(SENTINEL_MARK + b" deep")})
"""Sizes of the sentinel files outside the root; no call writes content of these sizes."""


def check_result(result: Any) -> None:
    """No result may carry the sentinel's content or name a place outside the root."""
    items = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, (bytes, bytearray)):
            assert SENTINEL_MARK not in item, "read a file outside the root"
        text = str(getattr(item, "path", item))
        if isinstance(item, FileInfo):
            # Calls may create files named secret.txt inside the root (through link_in, say):
            # what gives a reported file away as the sentinel's is its size.
            assert item.size not in SENTINEL_SIZES, f"a listing reported a file outside the root: {item!r}"
        else:
            assert "deep.txt" not in text and "secret.txt" not in text.replace("link_file_out", ""), (
                f"a result named a file outside the root: {item!r}"
            )


def attempt(targets: dict[str, Any], call: tuple[str, str, Any, Any, bool]) -> None:
    which, operation, first, second, flag = call
    try:
        result = run_operation(targets[which], operation, first, second, flag)
    except RemoteStoreError:
        return
    # Any other exception propagates and fails the example: it is a raw error leaking out.
    check_result(result)


CALLS = st.tuples(
    st.sampled_from(["store", "backend", "scoped"]),
    st.sampled_from(OPERATIONS),
    PATHS,
    PATHS,
    st.booleans(),
)


def _targets(world: World) -> dict[str, Any]:
    backend = LocalBackend(root=world.root)
    return {"store": Store(backend), "backend": backend, "scoped": Store(backend, "sub")}


def _hypothesis(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.mark.spec("GUAR-007", "GUAR-008")
def test_single_operations_stay_inside_the_root(fast_tmp: Path, figures: dict[str, Any]) -> None:
    world = World(fast_tmp)
    targets = _targets(world)
    count = [0]

    @_hypothesis(budget(5_000, 60_000, "REMOTE_STORE_HYPOTHESIS_EXAMPLES"))
    @given(call=CALLS)
    def example(call: tuple[str, str, Any, Any, bool]) -> None:
        count[0] += 1
        world.reset()
        attempt(targets, call)
        world.check()

    example()
    figures.update(examples=count[0], access_times_checked=world.atimes)


@pytest.mark.spec("GUAR-007", "GUAR-008")
def test_operation_sequences_stay_inside_the_root(fast_tmp: Path, figures: dict[str, Any]) -> None:
    world = World(fast_tmp)
    targets = _targets(world)
    count = [0]
    operations = [0]

    @_hypothesis(budget(1_000, 15_000))
    @given(calls=st.lists(CALLS, min_size=2, max_size=8))
    def example(calls: list[tuple[str, str, Any, Any, bool]]) -> None:
        count[0] += 1
        world.reset()
        for call in calls:
            operations[0] += 1
            attempt(targets, call)
        world.check()

    example()
    figures.update(examples=count[0], operations=operations[0])


@pytest.mark.spec("GUAR-008")
def test_every_path_is_valid_or_refused(figures: dict[str, Any]) -> None:
    # RemotePath is the gate every Store method passes first: it accepts or raises InvalidPath,
    # whatever object it is given.
    count = [0]

    @_hypothesis(budget(3_000, 50_000))
    @given(
        path=st.one_of(
            PATHS,
            st.text(),
            st.none(),
            st.integers(),
            st.binary(max_size=10),
            st.lists(st.text(max_size=3), max_size=2),
        )
    )
    def example(path: Any) -> None:
        count[0] += 1
        try:
            parsed = RemotePath(path)
        except RemoteStoreError:
            return
        text = str(parsed)
        assert RemotePath(text) == parsed
        assert ".." not in parsed.parts and not text.startswith("/")

    example()
    figures.update(examples=count[0])


@pytest.mark.spec("GUAR-008")
def test_names_no_path_can_hold_are_skipped_by_listings(fast_tmp: Path) -> None:
    # Files made by other programs with names that are not UTF-8, or hold a control character or
    # a backslash, cannot be addressed through a Store: listings skip them instead of failing.
    root = fast_tmp / "root"
    (root / "d").mkdir(parents=True)
    for folder in (root, root / "d"):
        (folder / "ok.txt").write_bytes(b"fine")
        for name in (b"bad\xff", b"\xc3\x28", b"ctl\x01", b"back\\slash", b"del\x7f"):
            with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
                handle.write(b"unaddressable")
        os.mkdir(os.path.join(os.fsencode(folder), b"dir\xfe"))
    store = Store(LocalBackend(root=root))
    assert sorted(str(info.path) for info in store.list_files("", recursive=True)) == ["d/ok.txt", "ok.txt"]
    assert list(store.list_folders("")) == ["d"]
    assert store.get_folder_info("").file_count == 2
    store.delete_folder("d", recursive=True)
    assert not (root / "d").exists()
