"""Check that every requirement in specs/ is cited by a test, and every cited ID exists.

Requirements are headings of the form ``### PREFIX-NNN: short title`` in ``specs/*.md``. Tests cite
them with the pytest marker ``@pytest.mark.spec("PREFIX-NNN", ...)`` (as a decorator, in
``pytestmark`` or in ``pytest.param(..., marks=...)``); this script reads the test files with
``ast`` and never imports them. It fails (exit status 1, listing every problem) when

- a requirement has no test citing it (a test under an unconditional ``pytest.mark.skip`` does
  not count),
- a test cites an ID that no spec defines, or passes IDs that are not string literals,
- a test cites a withdrawn requirement (one whose text is "Withdrawn."),
- a heading looks like a requirement but breaks the format, an ID is defined twice, a
  requirement has no text, or one prefix is spread over several spec files.

It also reads ``specs/violations.toml``, which says for each requirement which test fails for a
backend (or ``Store``) that violates it, and how (``violation`` and ``fails``, with the adversarial
mutants of ``conformance/tests/mutants/`` that show it in ``mutants``), or why no backend can
show a violation (``unobservable``). It fails when a live requirement has no entry there, when an
entry names a test that does not exist (or only a skipped one) or a mutant that does not exist or
violates another requirement, or when an entry is malformed or names an unknown or withdrawn ID.

It writes ``docs/traceability.md`` (requirement -> tests, and the tests that fail for a
violation) either way, unless ``--check`` is given, which fails instead when that file is out of
date.

Usage: ``python tools/check_specs.py [--root DIR] [--output FILE] [--check]``. Standard library only
(with ``tomli`` on Python 3.10).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox depends on tomli on Python 3.10
    import tomli as tomllib

__all__ = [
    "Citation",
    "Report",
    "Requirement",
    "Violation",
    "check",
    "check_violations",
    "find_citations",
    "find_mutants",
    "find_spec_files",
    "find_test_files",
    "find_tests",
    "main",
    "parse_requirements",
    "parse_violations",
    "render_traceability",
]

REQUIREMENT = re.compile(r"^### (?P<id>[A-Z][A-Z0-9]*-\d{3}): (?P<title>\S.*?)\s*$")
# Anything that starts like a requirement heading; what REQUIREMENT rejects among these is malformed.
LOOKS_LIKE_REQUIREMENT = re.compile(r"^#{1,6}\s*[A-Z][A-Z0-9]*-\d+\b")
NORMATIVE = re.compile(r"\b(MUST|SHOULD|SHALL|MAY|REQUIRED)\b")

VIOLATIONS = "specs/violations.toml"
"""The sidecar, relative to the repository root: per requirement, which test fails for a violation."""
MUTANT_GLOB = "conformance/tests/mutants/*_mutants.py"
"""The adversarial mutants' registries; ``<base>_mutants.py`` holds the mutants ``<base>:<name>``."""

# Where tests live, relative to the repository root. The whole conformance source is scanned
# because its suite ships inside the plugin package.
TEST_GLOBS = (
    "packages/*/tests/**/*.py",
    "conformance/tests/**/*.py",
    "conformance/src/**/*.py",
)


@dataclasses.dataclass(frozen=True)
class Requirement:
    """One ``### ID: title`` requirement of a spec file."""

    id: str
    title: str
    spec: str
    """The spec file, relative to the repository root (``specs/paths.md``)."""
    line: int
    text: str
    """The requirement's body: the lines up to the next heading, stripped."""

    @property
    def withdrawn(self) -> bool:
        """A dropped requirement keeps its number with the text "Withdrawn." and has no tests."""
        return self.text.lower().startswith("withdrawn")


@dataclasses.dataclass(frozen=True)
class Citation:
    """One ID cited by a ``pytest.mark.spec`` marker."""

    id: str
    test: str
    """``path::Class::function`` of the test (or ``path`` for a module-wide ``pytestmark``)."""
    file: str
    line: int
    skipped: bool = False
    """The test carries an unconditional ``pytest.mark.skip``: it cannot fail, so it covers nothing."""


@dataclasses.dataclass(frozen=True)
class Violation:
    """One entry of ``specs/violations.toml``: how a violation of a requirement shows, or why none can."""

    id: str
    violation: str = ""
    """What a violating backend (or ``Store``) does, and how the failing tests notice it."""
    fails: tuple[str, ...] = ()
    """The tests that fail for it, each as ``file::Class::test`` or a unique ``/``- or ``::``-bounded tail."""
    mutants: tuple[str, ...] = ()
    """Adversarial mutants (``<base>:<name>``) that violate the requirement and that ``fails`` catch."""
    unobservable: str = ""
    """Instead of the above: why no backend-observable violation exists (a doc-only requirement, ...)."""


@dataclasses.dataclass
class Report:
    """What ``check`` found: the problems (fatal), the warnings, and the requirement -> tests map."""

    errors: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    coverage: dict[str, list[Citation]] = dataclasses.field(default_factory=dict)
    violations: dict[str, Violation] = dataclasses.field(default_factory=dict)
    """Each requirement's valid ``specs/violations.toml`` entry, its ``fails`` resolved to test IDs."""

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors


# -- specs ------------------------------------------------------------------------------------


def parse_requirements(spec_files: Iterable[Path], root: Path) -> tuple[list[Requirement], list[str]]:
    """Read the requirements of ``spec_files``; return them and the format errors found.

    Fenced code blocks are skipped, so a spec can show an example heading without defining it.
    """
    requirements: list[Requirement] = []
    errors: list[str] = []
    for spec in sorted(spec_files):
        name = _relative(spec, root)
        heading: tuple[str, str, int] | None = None
        body: list[str] = []
        fenced = False
        # A sentinel heading at the end closes the last requirement.
        for number, line in enumerate([*spec.read_text(encoding="utf-8").splitlines(), "#"], start=1):
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            if fenced or not line.startswith("#"):
                body.append(line)
                continue
            if heading is not None:
                requirement_id, title, start = heading
                requirements.append(Requirement(requirement_id, title, name, start, "\n".join(body).strip()))
            heading, body = None, []
            match = REQUIREMENT.match(line)
            if match:
                heading = (match["id"], match["title"], number)
            elif LOOKS_LIKE_REQUIREMENT.match(line):
                errors.append(
                    f"{name}:{number}: malformed requirement heading {line.strip()!r}; "
                    "expected '### PREFIX-NNN: short title'"
                )
    return requirements, errors


# -- tests ------------------------------------------------------------------------------------


def find_spec_files(root: Path) -> list[Path]:
    """The spec files: ``specs/*.md`` except ``specs/README.md``, which describes the format."""
    return sorted(path for path in (root / "specs").glob("*.md") if path.name.lower() != "readme.md")


def find_test_files(root: Path) -> list[Path]:
    """Every Python file under the test locations of ``TEST_GLOBS``, sorted, without duplicates."""
    found = {path for pattern in TEST_GLOBS for path in root.glob(pattern) if path.is_file()}
    return sorted(found)


def find_citations(path: Path, root: Path) -> tuple[list[Citation], list[str]]:
    """The ``pytest.mark.spec`` citations in the Python file ``path``, and the errors found."""
    name = _relative(path, root)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        return [], [f"{name}:{error.lineno}: cannot parse: {error.msg}"]
    visitor = _CitationVisitor(name)
    visitor.visit(tree)
    return visitor.citations, visitor.errors


def _is_mark(node: ast.expr, mark: str) -> bool:
    """True for ``pytest.mark.<mark>`` / ``mark.<mark>`` (any ``*.mark.<mark>`` chain)."""
    if not (isinstance(node, ast.Attribute) and node.attr == mark):
        return False
    owner = node.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
        isinstance(owner, ast.Name) and owner.id == "mark"
    )


def _marks(node: ast.expr) -> Iterator[ast.expr]:
    """The mark expressions of a decorator or a ``pytestmark`` value (a mark, list or tuple)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        for item in node.elts:
            yield from _marks(item)
    else:
        yield node


def _skips(nodes: Iterable[ast.expr]) -> bool:
    """True if one of the marks is an unconditional ``pytest.mark.skip``."""
    for node in nodes:
        for mark in _marks(node):
            if _is_mark(mark, "skip") or (isinstance(mark, ast.Call) and _is_mark(mark.func, "skip")):
                return True
    return False


def _pytestmark(body: Iterable[ast.stmt]) -> list[ast.expr]:
    """The values assigned to ``pytestmark`` in a module or class body."""
    values: list[ast.expr] = []
    for statement in body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id == "pytestmark" for target in targets):
            values.append(value)
    return values


class _CitationVisitor(ast.NodeVisitor):
    def __init__(self, file: str) -> None:
        self.file = file
        self.scope: list[str] = []
        self.skipped: list[bool] = [False]
        self.citations: list[Citation] = []
        self.errors: list[str] = []

    def visit_Module(self, node: ast.Module) -> None:
        self.skipped = [_skips(_pytestmark(node.body))]
        self.generic_visit(node)

    def _visit_definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.skipped.append(self.skipped[-1] or _skips(node.decorator_list))
        if isinstance(node, ast.ClassDef):
            self.skipped[-1] = self.skipped[-1] or _skips(_pytestmark(node.body))
        # Decorators belong to the definition they decorate, so visit them inside its scope.
        self.generic_visit(node)
        self.skipped.pop()
        self.scope.pop()

    visit_FunctionDef = _visit_definition
    visit_AsyncFunctionDef = _visit_definition
    visit_ClassDef = _visit_definition

    def visit_Call(self, node: ast.Call) -> None:
        if _is_mark(node.func, "spec"):
            test = "::".join([self.file, *self.scope])
            if not node.args:
                self.errors.append(f"{self.file}:{node.lineno}: pytest.mark.spec() cites no requirement ID")
            for argument in node.args:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    self.citations.append(
                        Citation(argument.value, test, self.file, node.lineno, skipped=self.skipped[-1])
                    )
                else:
                    self.errors.append(
                        f"{self.file}:{node.lineno}: pytest.mark.spec() arguments must be string literals "
                        f"(found {ast.unparse(argument)!r}), so that tools/check_specs.py can read them"
                    )
        self.generic_visit(node)


def find_tests(path: Path, root: Path) -> dict[str, bool]:
    """The test functions of the Python file ``path`` (``file::Class::test``) -> whether skipped.

    A test is a function whose name starts with ``test``; a file that does not parse has none.
    """
    name = _relative(path, root)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError:
        return {}
    tests: dict[str, bool] = {}

    def visit(body: list[ast.stmt], scope: list[str], skipped: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                inner = skipped or _skips(node.decorator_list) or _skips(_pytestmark(node.body))
                visit(node.body, [*scope, node.name], inner)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                tests["::".join([name, *scope, node.name])] = skipped or _skips(node.decorator_list)

    visit(tree.body, [], _skips(_pytestmark(tree.body)))
    return tests


def find_mutants(root: Path) -> dict[str, str]:
    """The adversarial mutants, ``<base>:<name>`` -> the requirement each violates.

    Read from the ``Mutant("name", "REQ-NNN", ...)`` calls of ``MUTANT_GLOB`` without importing them.
    """
    mutants: dict[str, str] = {}
    for path in sorted(root.glob(MUTANT_GLOB)):
        base = path.name.removesuffix("_mutants.py")
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Mutant"
            ):
                continue
            literals = [
                arg.value
                for arg in node.args[:2]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ]
            if len(literals) == 2:
                mutants[f"{base}:{literals[0]}"] = literals[1]
    return mutants


def _strings(value: object) -> tuple[str, ...] | None:
    """``value`` as a tuple of non-empty strings, or None when it is not a list of them."""
    if isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value):
        return tuple(value)
    return None


def parse_violations(path: Path, root: Path) -> tuple[dict[str, Violation], list[str]]:
    """Read ``specs/violations.toml``: its entries by requirement ID, and the format errors found.

    Each table is ``[ID]`` with either ``violation`` (a string) and ``fails`` (a non-empty list of
    test references) and optionally ``mutants`` (a list of ``<base>:<name>``), or ``unobservable``
    (a string: why no backend-observable violation exists) alone.
    """
    name = _relative(path, root)
    if not path.exists():
        return {}, [f"{name} is missing: it says which test fails for a violation of each requirement"]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        return {}, [f"{name}: cannot parse: {error}"]
    entries: dict[str, Violation] = {}
    errors: list[str] = []
    for requirement_id, table in data.items():
        where = f"{name}: [{requirement_id}]"
        if not isinstance(table, dict):
            errors.append(f"{where} must be a table")
            continue
        keys = set(table)
        if "unobservable" in keys:
            reason = table["unobservable"]
            if keys != {"unobservable"} or not isinstance(reason, str) or not reason.strip():
                errors.append(f"{where}: 'unobservable' is a non-empty reason and stands alone")
                continue
            entries[requirement_id] = Violation(requirement_id, unobservable=reason.strip())
            continue
        unknown = keys - {"violation", "fails", "mutants"}
        violation = table.get("violation")
        fails = _strings(table.get("fails"))
        mutants = _strings(table.get("mutants", []))
        if unknown:
            errors.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        elif not isinstance(violation, str) or not violation.strip():
            errors.append(f"{where}: 'violation' must say what a violating backend does and how it shows")
        elif not fails:
            errors.append(f"{where}: 'fails' must list the tests that fail for the violation")
        elif mutants is None:
            errors.append(f"{where}: 'mutants' must be a list of '<base>:<name>'")
        else:
            entries[requirement_id] = Violation(requirement_id, violation.strip(), fails, mutants)
    return entries, errors


def _resolve(reference: str, tests: dict[str, bool]) -> list[str]:
    """The test IDs that ``reference`` names: itself, or those it is a ``/``- or ``::``-bounded tail of."""
    if reference in tests:
        return [reference]
    return [test for test in tests if test.endswith(("/" + reference, "::" + reference))]


def check_violations(
    requirements: Sequence[Requirement],
    entries: dict[str, Violation],
    tests: dict[str, bool],
    mutants: dict[str, str],
    report: Report,
) -> None:
    """Check the ``specs/violations.toml`` entries against the requirements, tests and mutants.

    Adds the problems to ``report.errors`` and the valid entries, with ``fails`` resolved to
    full test IDs, to ``report.violations``.
    """
    known = {requirement.id: requirement for requirement in requirements}
    for requirement_id, entry in entries.items():
        requirement = known.get(requirement_id)
        where = f"{VIOLATIONS}: [{requirement_id}]"
        if requirement is None:
            report.errors.append(f"{where} names no requirement of specs/")
            continue
        if requirement.withdrawn:
            report.errors.append(f"{where}: {requirement_id} is withdrawn; drop its entry")
            continue
        resolved: list[str] = []
        for reference in entry.fails:
            found = _resolve(reference, tests)
            if len(found) != 1:
                problem = "names no test" if not found else f"is ambiguous ({len(found)} tests end so)"
                report.errors.append(f"{where}: {reference!r} {problem}")
            elif tests[found[0]]:
                report.errors.append(f"{where}: {reference!r} is skipped unconditionally: it cannot fail")
            else:
                resolved.append(found[0])
        for mutant in entry.mutants:
            if mutant not in mutants:
                report.errors.append(f"{where}: mutant {mutant!r} does not exist ({MUTANT_GLOB})")
            elif mutants[mutant] != requirement_id:
                report.errors.append(
                    f"{where}: mutant {mutant!r} violates {mutants[mutant]}, not {requirement_id}"
                )
        report.violations[requirement_id] = dataclasses.replace(entry, fails=tuple(resolved))
    for requirement in requirements:
        if not requirement.withdrawn and requirement.id not in entries:
            report.errors.append(
                f"{requirement.spec}:{requirement.line}: {requirement.id} ({requirement.title}) has no "
                f"entry in {VIOLATIONS}: name the test that fails for a violation, or say why none can"
            )


# -- checking ---------------------------------------------------------------------------------


def check(requirements: Sequence[Requirement], citations: Sequence[Citation]) -> Report:
    """Match ``citations`` against ``requirements``; report uncovered, unknown and duplicate IDs."""
    report = Report()
    known: dict[str, Requirement] = {}
    for requirement in requirements:
        earlier = known.get(requirement.id)
        if earlier is not None:
            report.errors.append(
                f"{requirement.spec}:{requirement.line}: {requirement.id} is defined twice "
                f"(first at {earlier.spec}:{earlier.line})"
            )
            continue
        known[requirement.id] = requirement
        if not requirement.text:
            report.errors.append(
                f"{requirement.spec}:{requirement.line}: {requirement.id} has no text stating the requirement"
            )
        elif not requirement.withdrawn and not NORMATIVE.search(requirement.text):
            report.warnings.append(
                f"{requirement.spec}:{requirement.line}: {requirement.id} uses no MUST/SHOULD/MAY wording"
            )

    files_of_prefix: dict[str, set[str]] = defaultdict(set)
    for requirement in known.values():
        files_of_prefix[requirement.id.split("-")[0]].add(requirement.spec)
    for prefix, files in sorted(files_of_prefix.items()):
        if len(files) > 1:
            report.errors.append(f"prefix {prefix} is used in several spec files: {', '.join(sorted(files))}")

    coverage: dict[str, list[Citation]] = {requirement_id: [] for requirement_id in known}
    for citation in citations:
        if citation.id not in known:
            report.errors.append(
                f"{citation.file}:{citation.line}: {citation.test} cites unknown requirement {citation.id}"
            )
            continue
        if known[citation.id].withdrawn:
            report.errors.append(
                f"{citation.file}:{citation.line}: {citation.test} cites withdrawn requirement {citation.id}"
            )
        coverage[citation.id].append(citation)

    for requirement_id, cited in coverage.items():
        requirement = known[requirement_id]
        live = [citation for citation in cited if not citation.skipped]
        if requirement.withdrawn:
            continue
        if not cited:
            report.errors.append(
                f"{requirement.spec}:{requirement.line}: {requirement_id} ({requirement.title}) has no test"
            )
        elif not live:
            report.errors.append(
                f"{requirement.spec}:{requirement.line}: {requirement_id} ({requirement.title}) is cited "
                "only by skipped tests"
            )
    report.coverage = coverage
    return report


def render_traceability(requirements: Sequence[Requirement], report: Report) -> str:
    """``docs/traceability.md``: one table per spec file, requirement -> tests citing it."""
    by_spec: dict[str, list[Requirement]] = defaultdict(list)
    seen: set[str] = set()
    for requirement in requirements:
        if requirement.id not in seen:
            seen.add(requirement.id)
            by_spec[requirement.spec].append(requirement)
    covered = sum(1 for cited in report.coverage.values() if any(not c.skipped for c in cited))
    withdrawn = sum(1 for requirement in requirements if requirement.withdrawn)
    observable = sum(1 for entry in report.violations.values() if not entry.unobservable)
    unobservable = len(report.violations) - observable
    lines = [
        "# Requirement traceability",
        "",
        "Generated by `tools/check_specs.py` (`nox -s specs`) from the `### ID: title` headings in",
        "`specs/` and the `@pytest.mark.spec(...)` markers in the tests. Do not edit by hand.",
        "",
        f"{len(seen)} requirements in {len(by_spec)} spec files; {covered} covered by at least one test"
        + (f"; {withdrawn} withdrawn." if withdrawn else "."),
        "Tests under `conformance/src/` belong to the conformance suite and run against every backend.",
        "",
        "*Fails for a violation* (from `specs/violations.toml`): what a backend or `Store` that breaks",
        "the requirement does, the tests that then fail, and the adversarial mutants",
        "(`conformance/tests/mutants/`) that show it; or why no backend can show a violation.",
        f"{observable} requirements name the tests that fail for a violation; {unobservable} have no",
        "backend-observable violation.",
    ]
    for spec in sorted(by_spec):
        lines += [
            "",
            f"## [{spec}](../{spec})",
            "",
            "| Requirement | Title | Tests | Fails for a violation |",
            "| --- | --- | --- | --- |",
        ]
        for requirement in by_spec[spec]:
            cited = report.coverage.get(requirement.id, [])
            tests = sorted({c.test + (" (skipped)" if c.skipped else "") for c in cited})
            if tests:
                cell = "<br>".join(f"`{test}`" for test in tests)
            else:
                cell = "withdrawn" if requirement.withdrawn else "**none**"
            title = requirement.title.replace("|", "\\|")
            lines.append(f"| {requirement.id} | {title} | {cell} | {_violation_cell(requirement, report)} |")
    return "\n".join(lines) + "\n"


def _violation_cell(requirement: Requirement, report: Report) -> str:
    """The *Fails for a violation* cell of ``requirement``'s row."""
    entry = report.violations.get(requirement.id)
    if entry is None:
        return "withdrawn" if requirement.withdrawn else "**none**"
    if entry.unobservable:
        return "no backend-observable violation: " + entry.unobservable.replace("|", "\\|")
    tests = "<br>".join(f"`{test}`" for test in entry.fails)
    mutants = f" (mutants: {', '.join(f'`{m}`' for m in entry.mutants)})" if entry.mutants else ""
    violation = entry.violation.replace("|", "\\|")
    return f"{violation}{mutants}:<br>{tests}"


# -- command line -----------------------------------------------------------------------------


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check; print the problems; write (or ``--check``) the traceability file.

    Returns the exit status: 0 when every check passes, 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--root", type=Path, default=Path(__file__).resolve().parents[1], help="repository root"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="traceability file (default: ROOT/docs/traceability.md)"
    )
    parser.add_argument(
        "--check", action="store_true", help="do not write the traceability file; fail if it is stale"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    output: Path = args.output or root / "docs" / "traceability.md"

    spec_files = find_spec_files(root)
    requirements, errors = parse_requirements(spec_files, root)
    citations: list[Citation] = []
    tests: dict[str, bool] = {}
    files = find_test_files(root)
    for path in files:
        found, problems = find_citations(path, root)
        citations += found
        errors += problems
        tests.update(find_tests(path, root))
        # A module-wide pytestmark citation (tests generated at import time) names the module.
        tests.update({c.test: c.skipped for c in found if "::" not in c.test})
    report = check(requirements, citations)
    report.errors[:0] = errors
    entries, problems = parse_violations(root / VIOLATIONS, root)
    report.errors += problems
    check_violations(requirements, entries, tests, find_mutants(root), report)

    text = render_traceability(requirements, report)
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != text:
            report.errors.append(f"{_relative(output, root)} is out of date: run python tools/check_specs.py")
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")

    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}")
    print(
        f"check_specs: {len(requirements)} requirements in {len(spec_files)} spec files, "
        f"{len(citations)} citations in {len(files)} test files, {len(report.errors)} errors"
        + ("" if args.check else f"; wrote {_relative(output, root)}")
    )
    if not spec_files:
        print("error: no spec files found under specs/")
        return 1
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
