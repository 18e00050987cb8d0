"""Generate ``docs/backends/capabilities.md``, the capability matrix of every backend, from the code.

The backends are the entry points of group ``remote_store.backends`` that the distributions of
this repository declare in their ``pyproject.toml`` (``packages/*/``). Each backend class is
imported from the repository's ``src`` folders (installing the distributions is not needed), built
with placeholder values for its required options (construction does no I/O, BACKEND-009), and
asked for its ``capabilities`` and its ``behaviour`` (BACKEND-019). The options come from the
signature of its ``__init__``, the capability descriptions from the attribute docstrings of
``remote_store.Capability``, the behaviour descriptions from the ``Attributes:`` section of
``remote_store.Behaviour``'s docstring.

It also checks that each backend's own page, ``docs/backends/<type>.md``, documents every option
in a table row starting ``| `option` |``, so that an option added to the code cannot go
undocumented.

Usage: ``python tools/gen_capability_matrix.py [--check] [--output FILE]``. With ``--check`` the
page is not written; the run fails when it is out of date. Exit status 1 on any problem.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import inspect
import itertools
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "backends" / "capabilities.md"
ENTRY_POINT_GROUP = "remote_store.backends"
PLACEHOLDER = "placeholder"
"""The value given to each required option when a backend is built to read its capabilities."""

EXTRA_PLACEHOLDERS: dict[str, dict[str, str]] = {"azure": {"account_name": PLACEHOLDER}}
"""Optional options a backend needs beside its required ones to be built (Azure: an endpoint)."""

OPTION_VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "azure": ("with `account_key`", {"account_key": PLACEHOLDER}),
}
"""Backends whose capabilities follow their options (URL-009): how the matrix names the variant
and the options that build it; a capability only the variant declares is shown with that name."""

_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]\s*$")
_KEY_VALUE = re.compile(r"""^(?P<key>[A-Za-z0-9_.-]+)\s*=\s*["'](?P<value>[^"']*)["']\s*$""")


@dataclasses.dataclass(frozen=True)
class Declared:
    """One backend entry point as a distribution's ``pyproject.toml`` declares it."""

    type_name: str
    target: str
    """``module:Class``."""
    distribution: str


@dataclasses.dataclass(frozen=True)
class Option:
    """One option of a backend: a keyword argument of its ``__init__``."""

    name: str
    annotation: str
    default: str | None
    """The default as Python source, or ``None`` when the option is required."""
    secret: bool


@dataclasses.dataclass(frozen=True)
class BackendDoc:
    """What the matrix shows of one backend."""

    declared: Declared
    class_name: str
    capabilities: frozenset[str]
    """The values of the declared capabilities."""
    options: tuple[Option, ...]
    behaviour: dict[str, bool] = dataclasses.field(default_factory=dict)
    """The declared behaviour facts (``Behaviour.as_dict()``)."""
    conditional: dict[str, str] = dataclasses.field(default_factory=dict)
    """Capability values declared only with some options, each with the variant's name."""


def declared_backends(root: Path = ROOT) -> list[Declared]:
    """The ``remote_store.backends`` entry points of every ``packages/*/pyproject.toml``.

    Raises:
        ValueError: a ``pyproject.toml`` has no ``[project]`` name.
    """
    found: list[Declared] = []
    for pyproject in sorted(root.glob("packages/*/pyproject.toml")):
        distribution: str | None = None
        section = ""
        entries: list[tuple[str, str]] = []
        for line in pyproject.read_text(encoding="utf-8").splitlines():
            stripped = line.split("#", 1)[0].strip()
            header = _SECTION.match(stripped)
            if header:
                section = header["name"].replace("'", '"').replace(" ", "")
                continue
            pair = _KEY_VALUE.match(stripped)
            if not pair:
                continue
            if section == "project" and pair["key"] == "name":
                distribution = pair["value"]
            elif section == f'project.entry-points."{ENTRY_POINT_GROUP}"':
                entries.append((pair["key"], pair["value"]))
        if distribution is None:
            raise ValueError(f"{pyproject}: no [project] name")
        found += [Declared(name, target, distribution) for name, target in entries]
    return sorted(found, key=lambda item: item.type_name)


def use_repository_sources(root: Path = ROOT) -> None:
    """Put every distribution's ``src`` folder first on ``sys.path``, so the code read is this tree's."""
    sources = [str(path) for path in sorted(root.glob("packages/*/src"))]
    sys.path[:0] = [path for path in sources if path not in sys.path]


def load_backend(declared: Declared) -> type[Any]:
    """Import the class an entry point names.

    Raises:
        ImportError: the module cannot be imported.
        AttributeError: the module has no such class.
    """
    module_name, _, attribute = declared.target.partition(":")
    module = importlib.import_module(module_name)
    value: Any = module
    for part in attribute.split("."):
        value = getattr(value, part)
    return value  # type: ignore[no-any-return]


def backend_options(backend_class: type[Any]) -> tuple[Option, ...]:
    """The options of ``backend_class``: the keyword arguments of its ``__init__``, in order."""
    from remote_store.backend_tools import is_secret_option

    secrets: frozenset[str] = getattr(backend_class, "SECRET_OPTIONS", frozenset())
    options = []
    for parameter in inspect.signature(backend_class).parameters.values():
        if parameter.kind not in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            continue
        annotation = parameter.annotation
        if annotation is inspect.Parameter.empty:
            text = ""
        elif isinstance(annotation, str):
            text = annotation
        else:
            text = inspect.formatannotation(annotation)
        default = None if parameter.default is inspect.Parameter.empty else repr(parameter.default)
        options.append(Option(parameter.name, text, default, is_secret_option(parameter.name, secrets)))
    return tuple(options)


def _default_cell(default: str) -> str:
    cell = _code_cell(default)
    mebibyte = 1024 * 1024
    if default.isdigit() and int(default) >= mebibyte and int(default) % mebibyte == 0:
        cell += f" ({int(default) // mebibyte} MiB)"
    return cell


def declared_facts(
    backend_class: type[Any], options: Sequence[Option], extra: dict[str, str] | None = None
) -> tuple[frozenset[str], dict[str, bool]]:
    """Build the backend with placeholders for its required options; its capabilities and behaviour."""
    arguments = {option.name: PLACEHOLDER for option in options if option.default is None}
    arguments.update(EXTRA_PLACEHOLDERS.get(getattr(backend_class, "type_name", ""), {}))
    arguments.update(extra or {})
    backend = backend_class(**arguments)
    try:
        capabilities = frozenset(capability.value for capability in backend.capabilities)
        return capabilities, dict(backend.behaviour.as_dict())
    finally:
        backend.close()


def behaviour_descriptions() -> list[tuple[str, bool, str]]:
    """``(name, strict default, description)`` of every ``Behaviour`` fact, from its docstring."""
    from remote_store import Behaviour

    described: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_attributes = False
    for line in inspect.cleandoc(Behaviour.__doc__ or "").splitlines():
        if line.strip() == "Attributes:":
            in_attributes = True
            continue
        if not in_attributes:
            continue
        entry = re.match(r"^    (\w+): (.*)$", line)
        if entry:
            current = described.setdefault(entry[1], [entry[2]])
        elif line.startswith("        ") and current is not None:
            current.append(line.strip())
        elif line.strip():
            break
    strict = Behaviour().as_dict()
    return [
        (name, default, _sentence(" ".join(described.get(name, [])).replace("``", "`")))
        for name, default in strict.items()
    ]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def capability_descriptions() -> list[tuple[str, str, str]]:
    """``(NAME, value, description)`` of every ``Capability``, from its attribute docstring."""
    # Capability.__module__ is rewritten to "remote_store"; its source is in the private module.
    module = importlib.import_module("remote_store._capabilities")
    capability = module.Capability
    source = inspect.getsource(module)
    described: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.ClassDef) and node.name == "Capability"):
            continue
        body = node.body
        for statement, following in itertools.pairwise(body):
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                # reStructuredText ``literals`` become Markdown `code`.
                text = " ".join(following.value.value.split()).replace("``", "`")
                described[statement.targets[0].id] = text
    return [(member.name, member.value, described.get(member.name, "")) for member in capability]


def collect(root: Path = ROOT) -> list[BackendDoc]:
    """Every declared backend, imported from this tree and described."""
    use_repository_sources(root)
    docs = []
    for declared in declared_backends(root):
        backend_class = load_backend(declared)
        options = backend_options(backend_class)
        capabilities, behaviour = declared_facts(backend_class, options)
        conditional: dict[str, str] = {}
        if declared.type_name in OPTION_VARIANTS:
            variant, extra = OPTION_VARIANTS[declared.type_name]
            with_options, _ = declared_facts(backend_class, options, extra)
            conditional = dict.fromkeys(sorted(with_options - capabilities), variant)
        docs.append(
            BackendDoc(
                declared=declared,
                class_name=declared.target.replace(":", "."),
                capabilities=capabilities,
                options=options,
                behaviour=behaviour,
                conditional=conditional,
            )
        )
    return docs


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code_cell(text: str) -> str:
    """``text`` as inline code in a table cell; a ``|`` cannot be escaped inside backticks."""
    if "|" not in text:
        return f"`{text}`"
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "&#124;")
    return f"<code>{escaped}</code>"


def _capability_cell(backend: BackendDoc, value: str) -> str:
    if value in backend.capabilities:
        return "yes"
    return backend.conditional.get(value, "**no**")


def render(backends: Sequence[BackendDoc]) -> str:
    """The Markdown of the capability matrix page."""
    names = [backend.declared.type_name for backend in backends]
    lines = [
        "# Capability matrix",
        "",
        "<!-- Generated by tools/gen_capability_matrix.py from the code; do not edit by hand. -->",
        "",
        "What each backend declares (`backend.capabilities`, the same set `store.capabilities`",
        "returns). `Store` checks the capability before calling the backend and raises",
        "`CapabilityNotSupported` when it is missing; `exists`, `is_file` and `is_folder` are never",
        "gated. See [Capabilities](../concepts/capabilities.md) for how to use them.",
        "",
        "| Capability | " + " | ".join(f"`{name}`" for name in names) + " | What it allows |",
        "| --- | " + " | ".join(":---:" for _ in names) + " | --- |",
    ]
    for name, value, description in capability_descriptions():
        marks = " | ".join(_capability_cell(backend, value) for backend in backends)
        lines.append(f"| `{name}` | {marks} | {_cell(description)} |")
    lines += [
        "",
        "## Behaviour",
        "",
        "How each backend behaves where the contract allows more than one answer",
        "(`backend.behaviour`, the same `Behaviour` that `store.behaviour` returns; the conformance",
        "suite checks each backend against it). Bold marks a departure from the strict, file-system",
        "answer.",
        "",
        "| Fact | " + " | ".join(f"`{name}`" for name in names) + " | What it means |",
        "| --- | " + " | ".join(":---:" for _ in names) + " | --- |",
    ]
    for fact, strict, description in behaviour_descriptions():
        cells = []
        for backend in backends:
            is_true = backend.behaviour.get(fact, strict)
            text = "yes" if is_true else "no"
            cells.append(text if is_true == strict else f"**{text}**")
        lines.append(f"| `{fact}` | {' | '.join(cells)} | {_cell(description)} |")
    lines += [
        "",
        "## Backends",
        "",
        "| Type | Install | Class | Options |",
        "| --- | --- | --- | --- |",
    ]
    for backend in backends:
        declared = backend.declared
        options = ", ".join(f"`{option.name}`" for option in backend.options) or "none"
        lines.append(
            f"| [`{declared.type_name}`]({declared.type_name}.md) | `pip install {declared.distribution}` | "
            f"`{backend.class_name}` | {options} |"
        )
    for backend in backends:
        lines += ["", f"## Options of `{backend.declared.type_name}`", ""]
        if not backend.options:
            lines.append("None.")
            continue
        lines += ["| Option | Type | Default | Secret |", "| --- | --- | --- | --- |"]
        for option in backend.options:
            default = "required" if option.default is None else _default_cell(option.default)
            annotation = _code_cell(option.annotation) if option.annotation else ""
            secret = "yes" if option.secret else ""
            lines.append(f"| `{option.name}` | {annotation} | {default} | {secret} |")
        lines += [
            "",
            f"What each option means: [{backend.declared.type_name}]({backend.declared.type_name}.md).",
        ]
    return "\n".join(lines) + "\n"


def undocumented_options(backends: Sequence[BackendDoc], root: Path = ROOT) -> list[str]:
    """Problems: a backend without a ``docs/backends/<type>.md`` page, or an option missing from it."""
    problems = []
    for backend in backends:
        page = root / "docs" / "backends" / f"{backend.declared.type_name}.md"
        if not page.exists():
            problems.append(f"{page.relative_to(root)}: missing (every backend has a page)")
            continue
        text = page.read_text(encoding="utf-8")
        for option in backend.options:
            if not re.search(rf"^\|\s*`{re.escape(option.name)}`\s*\|", text, flags=re.MULTILINE):
                problems.append(
                    f"{page.relative_to(root)}: option {option.name!r} of backend "
                    f"{backend.declared.type_name!r} has no table row starting '| `{option.name}` |'"
                )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or ``--check``) the capability matrix page; return the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the page to write")
    parser.add_argument("--check", action="store_true", help="do not write; fail if the page is out of date")
    args = parser.parse_args(argv)
    output: Path = args.output

    backends = collect()
    text = render(backends)
    problems = undocumented_options(backends)
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != text:
            problems.append(f"{output} is out of date: run python tools/gen_capability_matrix.py")
    elif not output.exists() or output.read_text(encoding="utf-8") != text:
        # Written only when changed, so that `mkdocs serve` does not rebuild in a loop.
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    listed = ", ".join(backend.declared.type_name for backend in backends)
    print(f"gen_capability_matrix: {len(backends)} backends ({listed}), {len(problems)} problems")
    return 1 if problems or not backends else 0


if __name__ == "__main__":
    sys.exit(main())
