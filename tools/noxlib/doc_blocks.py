"""Run the ```` ```python ```` blocks of documentation pages and check what they print.

A command line the ``docs`` session runs inside its virtualenv (standard library only; run as a
file, ``python tools/noxlib/doc_blocks.py docs/getting-started.md ...``, so that it needs nothing
of this package).

A line ``print(...)  # text`` must print ``text`` (``expected_output``); ```` ```py ```` blocks
(or any other language) are illustrations and are not run. The blocks of one page share one
namespace and run in a temporary folder.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["OutputMismatch", "expected_output", "main", "python_blocks", "run_doc_blocks"]

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<info>[^\n]*)$")


def python_blocks(markdown: str) -> list[tuple[int, str]]:
    """The ```` ```python ```` blocks of a page as ``(first line number, code)``, in order.

    Blocks fenced as ```` ```py ```` (or any other language) are not returned.
    """
    blocks: list[tuple[int, str]] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        language = match["info"].split(maxsplit=1)[0] if match["info"].strip() else ""
        start = index + 1
        index = start
        while index < len(lines) and not lines[index].strip().startswith(fence):
            index += 1
        if language == "python":
            body = [line[indent:] if line[:indent].strip() == "" else line for line in lines[start:index]]
            blocks.append((start + 1, "\n".join(body) + "\n"))
        index += 1
    return blocks


_PRINT_WITH_OUTPUT = re.compile(r"^(?P<indent>\s*)print\((?P<args>.*)\)  # (?P<output>.+)$")


class OutputMismatch(AssertionError):
    """A ``print(...)  # output`` line of a documentation page printed something else."""


def expected_output(output: str, printed: str) -> bool:
    """True if ``printed`` is what the comment ``output`` says.

    The comment is the exact text, where ``...`` stands for anything, optionally followed by
    ``: an explanation`` (``# True: one backend, shared``).
    """
    if output == printed or output.startswith(printed + ": "):
        return True
    if "..." not in output:
        return False
    pattern = ".*?".join(re.escape(part) for part in output.split("..."))
    return re.fullmatch(pattern, printed, flags=re.DOTALL) is not None


def _checked(code: str) -> str:
    """``code`` with each ``print(args)  # output`` line replaced by a call that also checks it."""

    def replace(match: re.Match[str]) -> str:
        return f"{match['indent']}__doc_print__({match['output']!r}, {match['args']})"

    return "\n".join(_PRINT_WITH_OUTPUT.sub(replace, line) for line in code.splitlines()) + "\n"


def _doc_print(output: str, *args: object, sep: str = " ", **kwargs: Any) -> None:
    printed = sep.join(str(arg) for arg in args)
    print(*args, sep=sep, **kwargs)
    if not expected_output(output, printed):
        raise OutputMismatch(f"printed {printed!r}, the page says {output!r}")


def run_doc_blocks(pages: Sequence[str]) -> int:
    """Run the python blocks of each page in one namespace per page, in a temporary folder.

    A line ``print(...)  # text`` must print ``text`` (see ``expected_output``).
    """
    failures = 0
    total = 0
    for page in pages:
        blocks = python_blocks(Path(page).read_text(encoding="utf-8"))
        if not blocks:
            continue
        namespace: dict[str, Any] = {"__name__": "__main__", "__doc_print__": _doc_print}
        here = os.getcwd()
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                for line, code in blocks:
                    total += 1
                    try:
                        exec(compile(_checked(code), f"{page}:{line}", "exec"), namespace)
                    except BaseException:  # noqa: BLE001 - report every page
                        failures += 1
                        print(f"doc-blocks: {page}, block at line {line} failed:", file=sys.stderr)
                        traceback.print_exc()
                        break
            finally:
                os.chdir(here)
    print(f"doc-blocks: ran {total} python blocks of {len(pages)} pages, {failures} failed")
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``PAGE...``: run the python blocks of each page; returns the exit status."""
    pages = list(sys.argv[1:] if argv is None else argv)
    if not pages:
        print("usage: doc_blocks.py PAGE...", file=sys.stderr)
        return 2
    return run_doc_blocks(pages)


if __name__ == "__main__":
    sys.exit(main())
