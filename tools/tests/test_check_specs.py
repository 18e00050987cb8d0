"""Tests of tools/check_specs.py: spec parsing, citation finding, the checks and the CLI."""

from __future__ import annotations

import textwrap
from pathlib import Path

import check_specs
import pytest
from check_specs import Citation, Requirement, check, find_citations, parse_requirements


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def requirement(requirement_id: str, spec: str = "specs/a.md", text: str = "It MUST work.") -> Requirement:
    return Requirement(requirement_id, "title", spec, 1, text)


def citation(requirement_id: str, *, skipped: bool = False) -> Citation:
    return Citation(requirement_id, "t.py::test", "t.py", 1, skipped=skipped)


# -- parse_requirements -------------------------------------------------------------------------


def test_parses_headings_titles_lines_and_bodies(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "specs" / "paths.md",
        """
        # Paths

        Intro text.

        ### PATH-001: Paths are relative
        A path MUST be relative.
        It MUST NOT start with a slash.

        ### PATH-002: No dot segments
        Dot segments MUST be rejected.
        ## Notes
        Not part of PATH-002.
        """,
    )
    requirements, errors = parse_requirements([spec], tmp_path)
    assert errors == []
    assert [(r.id, r.title, r.spec, r.line) for r in requirements] == [
        ("PATH-001", "Paths are relative", "specs/paths.md", 5),
        ("PATH-002", "No dot segments", "specs/paths.md", 9),
    ]
    assert requirements[0].text == "A path MUST be relative.\nIt MUST NOT start with a slash."
    assert requirements[1].text == "Dot segments MUST be rejected."


def test_last_requirement_of_a_file_is_kept(tmp_path: Path) -> None:
    spec = write(tmp_path / "specs" / "a.md", "### A-001: last\nIt MUST be kept.")
    requirements, _ = parse_requirements([spec], tmp_path)
    assert [(r.id, r.text) for r in requirements] == [("A-001", "It MUST be kept.")]


def test_headings_inside_code_fences_are_examples_not_requirements(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "specs" / "a.md",
        """
        ### A-001: real
        It MUST hold.
        ```
        ### A-999: example only
        ```
        """,
    )
    requirements, errors = parse_requirements([spec], tmp_path)
    assert [r.id for r in requirements] == ["A-001"]
    assert errors == []


@pytest.mark.parametrize(
    "heading",
    ["### PATH-01: two digits", "### PATH-001 no colon", "## PATH-001: wrong level", "###PATH-001: no space"],
)
def test_malformed_requirement_headings_are_errors(tmp_path: Path, heading: str) -> None:
    spec = write(tmp_path / "specs" / "a.md", f"{heading}\nIt MUST fail.\n")
    requirements, errors = parse_requirements([spec], tmp_path)
    assert requirements == []
    assert len(errors) == 1
    assert errors[0].startswith("specs/a.md:1: malformed requirement heading")


def test_ordinary_headings_are_not_requirements(tmp_path: Path) -> None:
    spec = write(tmp_path / "specs" / "a.md", "# Title\n## Scope\n### Design notes\n")
    assert parse_requirements([spec], tmp_path) == ([], [])


# -- find_citations -----------------------------------------------------------------------------


def test_finds_citations_in_decorators_classes_pytestmark_and_params(tmp_path: Path) -> None:
    path = write(
        tmp_path / "packages" / "p" / "tests" / "test_x.py",
        """
        import pytest
        from pytest import mark

        pytestmark = [pytest.mark.spec("M-001"), pytest.mark.slow]


        @pytest.mark.spec("A-001", "A-002")
        def test_function():
            pass


        @mark.spec("B-001")
        class TestClass:
            @pytest.mark.spec("C-001")
            def test_method(self):
                pass


        @pytest.mark.parametrize("x", [pytest.param(1, marks=pytest.mark.spec("D-001"))])
        async def test_param(x):
            pass
        """,
    )
    citations, errors = find_citations(path, tmp_path)
    assert errors == []
    test = "packages/p/tests/test_x.py"
    assert sorted((c.id, c.test, c.line, c.skipped) for c in citations) == [
        ("A-001", f"{test}::test_function", 7, False),
        ("A-002", f"{test}::test_function", 7, False),
        ("B-001", f"{test}::TestClass", 12, False),
        ("C-001", f"{test}::TestClass::test_method", 14, False),
        ("D-001", f"{test}::test_param", 19, False),
        ("M-001", test, 4, False),
    ]


def test_spec_mentioned_in_strings_or_other_marks_is_not_a_citation(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.py",
        """
        import pytest

        DOC = 'use @pytest.mark.spec("X-001")'


        @pytest.mark.specification("Y-001")
        def test_other():
            spec("Z-001")
        """,
    )
    assert find_citations(path, tmp_path) == ([], [])


def test_unconditionally_skipped_tests_are_marked(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.py",
        """
        import sys

        import pytest


        @pytest.mark.skip(reason="later")
        @pytest.mark.spec("A-001")
        def test_skipped():
            pass


        @pytest.mark.skip
        class TestSkipped:
            @pytest.mark.spec("B-001")
            def test_inner(self):
                pass


        class TestClassSkip:
            pytestmark = pytest.mark.skip

            @pytest.mark.spec("E-001")
            def test_inner(self):
                pass


        @pytest.mark.skipif(sys.platform == "win32", reason="posix only")
        @pytest.mark.spec("C-001")
        def test_conditional():
            pass


        @pytest.mark.spec("D-001")
        def test_plain():
            pass
        """,
    )
    citations, errors = find_citations(path, tmp_path)
    assert errors == []
    assert {c.id: c.skipped for c in citations} == {
        "A-001": True,
        "B-001": True,
        "E-001": True,
        "C-001": False,
        "D-001": False,
    }


def test_module_wide_skip_marks_every_citation(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.py",
        """
        import pytest

        pytestmark: list[object] = [pytest.mark.skip(reason="not yet")]


        @pytest.mark.spec("A-001")
        def test_one():
            pass
        """,
    )
    citations, _ = find_citations(path, tmp_path)
    assert [(c.id, c.skipped) for c in citations] == [("A-001", True)]


def test_non_literal_and_empty_citations_are_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.py",
        """
        import pytest

        ID = "A-001"


        @pytest.mark.spec(ID)
        def test_variable():
            pass


        @pytest.mark.spec()
        def test_empty():
            pass
        """,
    )
    citations, errors = find_citations(path, tmp_path)
    assert citations == []
    assert len(errors) == 2
    assert errors[0].startswith("t.py:6: pytest.mark.spec() arguments must be string literals (found 'ID')")
    assert errors[1] == "t.py:11: pytest.mark.spec() cites no requirement ID"


def test_unparsable_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "t.py", "def broken(:\n")
    citations, errors = find_citations(path, tmp_path)
    assert citations == []
    assert len(errors) == 1
    assert errors[0].startswith("t.py:1: cannot parse")


def test_test_files_cover_packages_conformance_suite_and_tests(tmp_path: Path) -> None:
    wanted = [
        "conformance/src/remote_store_conformance/suite/test_write.py",
        "conformance/tests/test_plugin.py",
        "packages/remote-store-core/tests/sub/test_a.py",
        "packages/remote-store-local/tests/conftest.py",
    ]
    for name in [*wanted, "packages/remote-store-core/src/remote_store/x.py", "tools/tests/test_t.py"]:
        write(tmp_path / name, "")
    found = [path.relative_to(tmp_path).as_posix() for path in check_specs.find_test_files(tmp_path)]
    assert found == wanted


# -- check ------------------------------------------------------------------------------------


def test_all_covered_is_ok() -> None:
    report = check([requirement("A-001"), requirement("A-002")], [citation("A-001"), citation("A-002")])
    assert report.ok
    assert report.errors == []
    assert [c.id for c in report.coverage["A-001"]] == ["A-001"]


def test_requirement_without_test_is_an_error() -> None:
    report = check([requirement("A-001"), requirement("A-002")], [citation("A-001")])
    assert not report.ok
    assert report.errors == ["specs/a.md:1: A-002 (title) has no test"]


def test_requirement_cited_only_by_skipped_tests_is_an_error() -> None:
    report = check([requirement("A-001")], [citation("A-001", skipped=True)])
    assert report.errors == ["specs/a.md:1: A-001 (title) is cited only by skipped tests"]


def test_a_skipped_citation_does_not_hide_a_live_one() -> None:
    report = check([requirement("A-001")], [citation("A-001", skipped=True), citation("A-001")])
    assert report.ok


def test_unknown_cited_id_is_an_error() -> None:
    report = check([requirement("A-001")], [citation("A-001"), citation("A-404")])
    assert report.errors == ["t.py:1: t.py::test cites unknown requirement A-404"]


def test_duplicate_id_is_an_error() -> None:
    report = check([requirement("A-001"), requirement("A-001", spec="specs/b.md")], [citation("A-001")])
    assert len(report.errors) == 1
    assert "A-001 is defined twice (first at specs/a.md:1)" in report.errors[0]


def test_requirement_without_text_is_an_error() -> None:
    report = check([requirement("A-001", text="")], [citation("A-001")])
    assert report.errors == ["specs/a.md:1: A-001 has no text stating the requirement"]


def test_requirement_without_normative_wording_is_a_warning() -> None:
    report = check([requirement("A-001", text="Paths are relative.")], [citation("A-001")])
    assert report.ok
    assert report.warnings == ["specs/a.md:1: A-001 uses no MUST/SHOULD/MAY wording"]


def test_one_prefix_in_two_spec_files_is_an_error() -> None:
    report = check(
        [requirement("A-001"), requirement("A-002", spec="specs/b.md")],
        [citation("A-001"), citation("A-002")],
    )
    assert report.errors == ["prefix A is used in several spec files: specs/a.md, specs/b.md"]


# -- main -------------------------------------------------------------------------------------


def make_repo(root: Path, test_body: str) -> None:
    write(
        root / "specs" / "store.md",
        """
        # Store

        ### STORE-001: Writes create files
        `write` MUST create the file.

        ### STORE-002: Reads | streams
        `read` MUST stream.
        """,
    )
    write(root / "packages" / "remote-store-core" / "tests" / "test_store.py", test_body)
    write(root / "specs" / "violations.toml", VIOLATIONS)


VIOLATIONS = """
[STORE-001]
violation = "write creates nothing: is_file is false"
fails = ["test_store.py::test_write"]

[STORE-002]
unobservable = "a made-up example"
"""


COVERING_TESTS = """
import pytest


@pytest.mark.spec("STORE-001")
def test_write():
    pass


class TestRead:
    @pytest.mark.spec("STORE-002", "STORE-001")
    def test_read(self):
        pass
"""


def test_main_passes_and_writes_the_traceability_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(tmp_path, COVERING_TESTS)
    assert check_specs.main(["--root", str(tmp_path)]) == 0
    table = (tmp_path / "docs" / "traceability.md").read_text(encoding="utf-8")
    test = "packages/remote-store-core/tests/test_store.py"
    assert "2 requirements in 1 spec files; 2 covered by at least one test." in table
    assert "## [specs/store.md](../specs/store.md)" in table
    assert (
        f"| STORE-001 | Writes create files | `{test}::TestRead::test_read`<br>`{test}::test_write` "
        f"| write creates nothing: is_file is false:<br>`{test}::test_write` |" in table
    )
    assert (
        f"| STORE-002 | Reads \\| streams | `{test}::TestRead::test_read` "
        "| no backend-observable violation: a made-up example |" in table
    )
    assert "1 requirements name the tests that fail for a violation; 1 have no" in table
    out = capsys.readouterr().out
    assert "0 errors" in out
    assert "error:" not in out


def test_main_fails_listing_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(
        tmp_path,
        """
        import pytest


        @pytest.mark.spec("STORE-001", "STORE-404")
        def test_write():
            pass
        """,
    )
    assert check_specs.main(["--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "error: specs/store.md:6: STORE-002 (Reads | streams) has no test" in out
    assert "cites unknown requirement STORE-404" in out
    assert "2 errors" in out
    assert (
        "| STORE-002 | Reads \\| streams | **none** |" in (tmp_path / "docs" / "traceability.md").read_text()
    )


def test_main_check_mode_detects_a_stale_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, COVERING_TESTS)
    output = tmp_path / "docs" / "traceability.md"
    assert check_specs.main(["--root", str(tmp_path), "--check"]) == 1
    assert not output.exists()
    assert "docs/traceability.md is out of date" in capsys.readouterr().out
    assert check_specs.main(["--root", str(tmp_path)]) == 0
    assert check_specs.main(["--root", str(tmp_path), "--check"]) == 0
    output.write_text("stale\n", encoding="utf-8")
    assert check_specs.main(["--root", str(tmp_path), "--check"]) == 1
    assert output.read_text(encoding="utf-8") == "stale\n"


def test_main_fails_without_spec_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_specs.main(["--root", str(tmp_path), "--output", str(tmp_path / "t.md")]) == 1
    assert "no spec files found" in capsys.readouterr().out


def test_spec_files_are_the_markdown_files_of_specs_except_the_readme(tmp_path: Path) -> None:
    for name in ["specs/README.md", "specs/paths.md", "specs/store.md", "specs/notes.txt", "docs/x.md"]:
        write(tmp_path / name, "")
    found = [path.relative_to(tmp_path).as_posix() for path in check_specs.find_spec_files(tmp_path)]
    assert found == ["specs/paths.md", "specs/store.md"]


def test_withdrawn_requirement_needs_no_test_and_must_not_be_cited() -> None:
    withdrawn = requirement("A-002", text="Withdrawn.")
    report = check([requirement("A-001"), withdrawn], [citation("A-001")])
    assert report.ok
    assert report.warnings == []
    report = check([requirement("A-001"), withdrawn], [citation("A-001"), citation("A-002")])
    assert report.errors == ["t.py:1: t.py::test cites withdrawn requirement A-002"]


def test_traceability_marks_withdrawn_requirements(tmp_path: Path) -> None:
    requirements = [requirement("A-001"), requirement("A-002", text="Withdrawn (replaced by A-003).")]
    table = check_specs.render_traceability(requirements, check(requirements, [citation("A-001")]))
    assert "2 requirements in 1 spec files; 1 covered by at least one test; 1 withdrawn." in table
    assert "| A-002 | title | withdrawn |" in table


# -- violations.toml ---------------------------------------------------------------------------


def test_find_tests_names_every_test_function_and_its_skip(tmp_path: Path) -> None:
    path = write(
        tmp_path / "tests" / "test_x.py",
        """
        import pytest


        def test_plain():
            pass


        def helper():
            pass


        @pytest.mark.skip("broken")
        def test_skipped():
            pass


        class TestArea:
            def test_method(self):
                pass


        @pytest.mark.skip
        class TestOff:
            def test_inner(self):
                pass
        """,
    )
    assert check_specs.find_tests(path, tmp_path) == {
        "tests/test_x.py::test_plain": False,
        "tests/test_x.py::test_skipped": True,
        "tests/test_x.py::TestArea::test_method": False,
        "tests/test_x.py::TestOff::test_inner": True,
    }


def test_find_mutants_reads_each_base_registry(tmp_path: Path) -> None:
    write(
        tmp_path / "conformance" / "tests" / "mutants" / "memory_mutants.py",
        """
        REGISTRY = [
            Mutant("partial_publish", "ATOMIC-005", "publishes prefixes", Partial),
            Mutant(name, "STORE-001", "not literal", Other),
        ]
        """,
    )
    assert check_specs.find_mutants(tmp_path) == {"memory:partial_publish": "ATOMIC-005"}


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('violation = "v"', "'fails' must list"),
        ('fails = ["t.py::test"]', "'violation' must say"),
        ('violation = ""\nfails = ["t.py::test"]', "'violation' must say"),
        ('violation = "v"\nfails = []', "'fails' must list"),
        ('violation = "v"\nfails = ["t.py::test"]\nmutants = "m"', "'mutants' must be a list"),
        ('violation = "v"\nfails = ["t.py::test"]\nwhy = "x"', "unknown keys why"),
        ('unobservable = "doc only"\nfails = ["t.py::test"]', "'unobservable' is a non-empty reason"),
        ('unobservable = " "', "'unobservable' is a non-empty reason"),
    ],
)
def test_malformed_violation_entries_are_errors(tmp_path: Path, table: str, problem: str) -> None:
    path = write(tmp_path / "specs" / "violations.toml", f"[A-001]\n{table}\n")
    entries, errors = check_specs.parse_violations(path, tmp_path)
    assert entries == {}
    assert len(errors) == 1 and problem in errors[0] and "[A-001]" in errors[0]


def test_a_missing_or_unparsable_violations_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "specs" / "violations.toml"
    assert "is missing" in check_specs.parse_violations(path, tmp_path)[1][0]
    write(path, "[A-001\n")
    assert "cannot parse" in check_specs.parse_violations(path, tmp_path)[1][0]


TESTS = {
    "packages/p/tests/test_a.py::test_one": False,
    "packages/p/tests/test_a.py::TestArea::test_two": False,
    "packages/q/tests/test_a.py::test_one": False,
    "packages/p/tests/test_off.py::test_skipped": True,
}


def violations(**entries: check_specs.Violation) -> dict[str, check_specs.Violation]:
    return {entry.id: entry for entry in entries.values()}


def test_violation_entries_resolve_tests_by_unique_tail() -> None:
    report = check_specs.Report()
    entry = check_specs.Violation("A-001", "v", ("TestArea::test_two", "p/tests/test_a.py::test_one"))
    check_specs.check_violations([requirement("A-001")], {"A-001": entry}, TESTS, {}, report)
    assert report.errors == []
    assert report.violations["A-001"].fails == (
        "packages/p/tests/test_a.py::TestArea::test_two",
        "packages/p/tests/test_a.py::test_one",
    )


def test_violation_entries_naming_no_ambiguous_or_skipped_tests_are_errors() -> None:
    report = check_specs.Report()
    entry = check_specs.Violation(
        "A-001", "v", ("test_a.py::test_one", "test_a.py::test_none", "test_skipped")
    )
    check_specs.check_violations([requirement("A-001")], {"A-001": entry}, TESTS, {}, report)
    assert report.errors == [
        "specs/violations.toml: [A-001]: 'test_a.py::test_one' is ambiguous (2 tests end so)",
        "specs/violations.toml: [A-001]: 'test_a.py::test_none' names no test",
        "specs/violations.toml: [A-001]: 'test_skipped' is skipped unconditionally: it cannot fail",
    ]


def test_mutants_must_exist_and_violate_the_requirement() -> None:
    report = check_specs.Report()
    entry = check_specs.Violation("A-001", "v", ("TestArea::test_two",), ("memory:a", "memory:b", "s3:c"))
    mutants = {"memory:a": "A-001", "memory:b": "A-002"}
    check_specs.check_violations([requirement("A-001")], {"A-001": entry}, TESTS, mutants, report)
    assert report.errors == [
        "specs/violations.toml: [A-001]: mutant 'memory:b' violates A-002, not A-001",
        "specs/violations.toml: [A-001]: mutant 's3:c' does not exist "
        "(conformance/tests/mutants/*_mutants.py)",
    ]


def test_every_live_requirement_needs_an_entry_and_entries_need_live_requirements() -> None:
    report = check_specs.Report()
    requirements = [requirement("A-001"), requirement("A-002"), requirement("A-003", text="Withdrawn.")]
    entries = {
        "A-002": check_specs.Violation("A-002", unobservable="doc only"),
        "A-003": check_specs.Violation("A-003", unobservable="gone"),
        "A-404": check_specs.Violation("A-404", unobservable="unknown"),
    }
    check_specs.check_violations(requirements, entries, TESTS, {}, report)
    assert report.errors == [
        "specs/violations.toml: [A-003]: A-003 is withdrawn; drop its entry",
        "specs/violations.toml: [A-404] names no requirement of specs/",
        "specs/a.md:1: A-001 (title) has no entry in specs/violations.toml: name the test that fails for a "
        "violation, or say why none can",
    ]
    assert set(report.violations) == {"A-002"}


def test_main_fails_for_a_requirement_without_a_violation_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(tmp_path, COVERING_TESTS)
    write(tmp_path / "specs" / "violations.toml", VIOLATIONS.replace("[STORE-002]", "[STORE-003]"))
    assert check_specs.main(["--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "STORE-002 (Reads | streams) has no entry in specs/violations.toml" in out
    assert "[STORE-003] names no requirement" in out
    assert "| STORE-002 | Reads \\| streams | `" in (tmp_path / "docs" / "traceability.md").read_text()


def test_a_module_wide_citation_names_its_module_as_a_test(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        """
        import pytest

        pytestmark = pytest.mark.spec("STORE-001", "STORE-002")
        """,
    )
    write(
        tmp_path / "specs" / "violations.toml",
        VIOLATIONS.replace("test_store.py::test_write", "test_store.py"),
    )
    assert check_specs.main(["--root", str(tmp_path)]) == 0
