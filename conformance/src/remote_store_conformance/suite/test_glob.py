"""``glob``: wildcards within a segment, ``**`` across segments, listing only below the literal prefix."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from remote_store import Backend, Capability, InvalidPath, Store

from .._markers import requires
from .._support import RecordingBackend, write_tree

__all__ = ["TestGlob"]

TREE = {
    "reports/2024/jan.csv": b"1",
    "reports/2024/feb.csv": b"22",
    "reports/2024/notes.txt": b"3",
    "reports/2024/q1/mar.csv": b"4",
    "reports/2024/q1/deep/apr.csv": b"5",
    "reports/2024/.hidden.csv": b"6",
    "reports/2023/jan.csv": b"7",
    "reports/2024x/jan.csv": b"8",
    "reports/a1.log": b"9",
    "reports/b2.log": b"10",
    "reports/c3.log": b"11",
    "reports/]odd.log": b"12",
    "top.csv": b"13",
}


def _matched(store: Store, pattern: str) -> list[str]:
    return sorted(str(info.path) for info in store.glob(pattern))


@requires(Capability.LIST, Capability.WRITE)
class TestGlob:
    @pytest.mark.spec("STORE-034")
    @pytest.mark.parametrize(
        ("pattern", "expected"),
        [
            (
                "reports/2024/*.csv",
                ["reports/2024/.hidden.csv", "reports/2024/feb.csv", "reports/2024/jan.csv"],
            ),
            (
                "reports/2024/**/*.csv",
                [
                    "reports/2024/.hidden.csv",
                    "reports/2024/feb.csv",
                    "reports/2024/jan.csv",
                    "reports/2024/q1/deep/apr.csv",
                    "reports/2024/q1/mar.csv",
                ],
            ),
            ("reports/*/jan.csv", ["reports/2023/jan.csv", "reports/2024/jan.csv", "reports/2024x/jan.csv"]),
            ("reports/202?/jan.csv", ["reports/2023/jan.csv", "reports/2024/jan.csv"]),
            ("reports/[ab]?.log", ["reports/a1.log", "reports/b2.log"]),
            ("reports/[a-b]*.log", ["reports/a1.log", "reports/b2.log"]),
            ("reports/[!ab]*.log", ["reports/]odd.log", "reports/c3.log"]),
            ("reports/[]]odd.log", ["reports/]odd.log"]),
            ("**/jan.csv", ["reports/2023/jan.csv", "reports/2024/jan.csv", "reports/2024x/jan.csv"]),
            ("*.csv", ["top.csv"]),
            ("reports/2024/q1/**", ["reports/2024/q1/deep/apr.csv", "reports/2024/q1/mar.csv"]),
            ("reports/2024/notes.txt", ["reports/2024/notes.txt"]),
            ("reports/2024", []),
            ("reports/*", ["reports/]odd.log", "reports/a1.log", "reports/b2.log", "reports/c3.log"]),
            ("missing/**/*.csv", []),
        ],
    )
    def test_patterns_match_files(self, store: Store, pattern: str, expected: list[str]) -> None:
        write_tree(store, TREE)
        assert _matched(store, pattern) == expected

    @pytest.mark.spec("STORE-034", "STORE-030")
    def test_results_are_file_infos_relative_to_the_store(self, nested_store: Store) -> None:
        write_tree(nested_store, TREE)
        found = list(nested_store.glob("reports/2024/q1/**/*.csv"))
        assert sorted(str(info.path) for info in found) == [
            "reports/2024/q1/deep/apr.csv",
            "reports/2024/q1/mar.csv",
        ]
        for info in found:
            assert info.size == len(TREE[str(info.path)])
            assert info.name == str(info.path).rsplit("/", 1)[-1]

    @pytest.mark.spec("STORE-035")
    @pytest.mark.parametrize(
        ("pattern", "listed"),
        [
            ("reports/2024/**/*.csv", ("reports/2024", True)),
            ("reports/2024/*.csv", ("reports/2024", False)),
            ("reports/*/jan.csv", ("reports", True)),
            ("*.csv", ("", False)),
            ("**", ("", True)),
            ("reports/2024/notes.txt", ("reports/2024", False)),
        ],
    )
    def test_only_the_literal_prefix_is_listed_once(
        self,
        conformance_backend: Backend,
        pattern: str,
        listed: tuple[str, bool],
        open_store: Callable[..., Store],
    ) -> None:
        seed = open_store(conformance_backend, owns_backend=False)
        write_tree(seed, TREE)
        listings: list[tuple[str, bool]] = []

        class Counting(RecordingBackend):
            def list_files(self, path: str, *, recursive: bool = False):  # type: ignore[no-untyped-def]
                listings.append((path, recursive))
                return super().list_files(path, recursive=recursive)

        recorder = Counting(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        list(view.glob(pattern))
        assert listings == [listed]
        assert [call for call in recorder.calls if call != "list_files"] == []

    @pytest.mark.spec("STORE-022", "STORE-035")
    def test_glob_is_lazy(self, conformance_backend: Backend, open_store: Callable[..., Store]) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        for index in range(5):
            view.write(f"lazy/file-{index}.txt", b"x")
        recorder.calls.clear()
        matches = view.glob("lazy/*.txt")
        assert recorder.pulled == 0, "glob read ahead before the first next()"
        next(matches)
        assert recorder.pulled == 1, "glob read ahead of the caller"
        getattr(matches, "close")()  # noqa: B009 - Iterator does not declare close(); the generator has it
        assert recorder.pulled == 1

    @pytest.mark.spec("STORE-035")
    @pytest.mark.parametrize(
        "pattern",
        ["", "a/**b/c", "**x", "a[b", "reports/[z-a].csv", "../x/*", "a//*.txt", "/abs/*", "a\\b*", 3],
    )
    def test_invalid_patterns_are_refused_at_the_call(
        self, conformance_backend: Backend, pattern: object, open_store: Callable[..., Store]
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        with pytest.raises(InvalidPath) as caught:
            view.glob(pattern)  # type: ignore[arg-type]
        assert caught.value.operation == "glob"
        if isinstance(pattern, str):
            assert caught.value.path == pattern
        assert recorder.calls == []
