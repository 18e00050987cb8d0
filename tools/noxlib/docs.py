"""``docs``: the capability matrix matches the code, the pages' python blocks run, mkdocs builds.

Installs mkdocs, mkdocs-material, mkdocstrings (``pins.DOCS_DEPS``) and the distributions; checks
``docs/backends/capabilities.md`` against the code (``tools/gen_capability_matrix.py --check``);
runs the ```` ```python ```` blocks of the pages (``noxlib/doc_blocks.py``); builds the site with
``mkdocs build --strict`` into ``build/site``.
"""

from __future__ import annotations

import nox

from . import pins
from .dists import distributions, editable_args
from .paths import ROOT

__all__ = ["FOREIGN_PAGES", "docs"]

FOREIGN_PAGES = {"traceability.md", "benchmarks.md"}
"""Pages owned elsewhere (generated or quoting other runs) whose code blocks are not run."""


def docs(session: nox.Session) -> None:
    """Build the documentation site with mkdocs --strict into build/site, after checking its content."""
    session.chdir(ROOT)
    session.install(*pins.DOCS_DEPS, *editable_args(distributions()))
    session.run("python", "tools/gen_capability_matrix.py", "--check")
    pages = [
        page.relative_to(ROOT).as_posix()
        for page in sorted((ROOT / "docs").rglob("*.md"))
        if page.relative_to(ROOT / "docs").as_posix() not in FOREIGN_PAGES and "_hooks" not in page.parts
    ]
    session.run("python", "tools/noxlib/doc_blocks.py", *pages)
    # The variable silences mkdocs-material's banner about its successor.
    env = {"NO_MKDOCS_2_WARNING": "1"}
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "build" / "site"), env=env)
