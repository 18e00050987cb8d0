"""mkdocs hooks: the site shows repository files beside docs/, and checks what pages claim.

- When the configuration is read, the ``remote_store`` package is assembled from the ``src``
  folders of every distribution into ``build/docs-src`` for mkdocstrings: griffe reads one folder
  per package and does not merge the portions that ``remote_store.__init__`` joins at run time.
- Before each build, ``tools/gen_capability_matrix.py`` regenerates ``docs/backends/capabilities.md``
  from the code (and fails the build when a backend page misses one of its options).
- ``specs/*.md``, ``README.md``, ``CHANGELOG.md``, ``CONTRIBUTING.md`` and ``conformance/README.md``
  become pages of the site (``INCLUDED_FILES``), so the documentation links to them instead of copying
  them. Requirement headings (``### STORE-004: ...``) get the anchor ``#STORE-004``.
- Links are written as repository-relative paths (``../specs/store.md#STORE-004``), which work when
  the Markdown is read on a forge too; the hook rewrites them to the pages of the site, and a link
  to any other file of the repository to its address under ``repo_url``.
- Every requirement ID a page of ``docs/`` mentions outside code must exist in ``specs/``; the
  IDs ``guarantees.md`` cites must also be covered by at least one test that is not skipped
  (``tools/check_specs.py`` decides). Either problem is a warning, so ``mkdocs build --strict``
  fails on it.
"""

from __future__ import annotations

import importlib.util
import posixpath
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[2]
API_SOURCES = ROOT / "build" / "docs-src"
"""Where ``remote_store`` is assembled for the API reference (``paths`` in mkdocs.yml)."""
log = get_plugin_logger("remote-store")

# Repository file -> page of the site. specs/*.md are added by _included().
INCLUDED_FILES = {
    "README.md": "readme.md",
    "CHANGELOG.md": "changelog.md",
    "CONTRIBUTING.md": "contributing.md",
    "conformance/README.md": "conformance/index.md",
}
# Pages whose every cited requirement must be backed by a test.
TEST_BACKED_PAGES = ("guarantees.md",)

_REQUIREMENT_HEADING = re.compile(r"^(### (?P<id>[A-Z][A-Z0-9]*-\d{3}): .*?)\s*$", re.MULTILINE)
_INLINE_LINK = re.compile(r"\]\((?P<url><[^>\n]+>|[^)\s]+)(?P<title>\s+\"[^\"\n]*\")?\)")
_REFERENCE_LINK = re.compile(r"^(?P<lead> {0,3}\[[^\]\n]+\]:\s*)(?P<url>\S+)", re.MULTILINE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)[^`]*?\1")

_state: dict[str, Any] = {}


def _included() -> dict[str, str]:
    pages = {path: page for path, page in INCLUDED_FILES.items() if (ROOT / path).is_file()}
    for spec in sorted((ROOT / "specs").glob("*.md")):
        name = "index.md" if spec.name == "README.md" else spec.name
        pages[f"specs/{spec.name}"] = f"specs/{name}"
    return pages


def _load_check_specs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_check_specs", ROOT / "tools" / "check_specs.py")
    if spec is None or spec.loader is None:
        raise PluginError("cannot load tools/check_specs.py")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while it executes.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def assemble_api_sources(target: Path = API_SOURCES) -> None:
    """Copy ``src/remote_store`` of core, then of every other distribution, into one ``target`` tree.

    Raises:
        PluginError: a distribution other than core ships ``remote_store/__init__.py``.
    """
    core = ROOT / "packages" / "remote-store-core" / "src"
    shutil.rmtree(target, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", ".mypy_cache", "*.pyc")
    for source in [core, *(path for path in sorted(ROOT.glob("packages/*/src")) if path != core)]:
        package = source / "remote_store"
        if not package.is_dir():
            continue
        if source != core and (package / "__init__.py").exists():
            raise PluginError(f"{package.relative_to(ROOT)}/__init__.py: only remote-store-core may ship it")
        shutil.copytree(package, target / "remote_store", ignore=ignore, dirs_exist_ok=True)
    # remote_store/backends/ is an implicit namespace inside a regular package, whose modules griffe
    # does not load; in this docs-only copy it becomes a regular package.
    backends = target / "remote_store" / "backends"
    if backends.is_dir() and not (backends / "__init__.py").exists():
        (backends / "__init__.py").write_text('"""The backends of remote-store, one module per type."""\n')


@event_priority(100)  # before mkdocstrings reads its `paths`, which drops a folder that is missing
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Assemble the sources of the API reference before mkdocstrings looks for them."""
    assemble_api_sources()
    return config


def on_pre_build(config: MkDocsConfig) -> None:
    """Regenerate the capability matrix; read the requirements and which tests cover them."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_capability_matrix.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PluginError(f"tools/gen_capability_matrix.py failed:\n{result.stdout}{result.stderr}")

    check_specs = _load_check_specs()
    requirements, _ = check_specs.parse_requirements(check_specs.find_spec_files(ROOT), ROOT)
    citations = []
    for path in check_specs.find_test_files(ROOT):
        found, _ = check_specs.find_citations(path, ROOT)
        citations += found
    report = check_specs.check(requirements, citations)
    _state["requirements"] = {requirement.id for requirement in requirements}
    _state["prefixes"] = {requirement.id.split("-")[0] for requirement in requirements}
    _state["tested"] = {
        requirement_id
        for requirement_id, cited in report.coverage.items()
        if any(not citation.skipped for citation in cited)
    }
    _state["included"] = _included()


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the repository files of ``INCLUDED_FILES`` and ``specs/`` as pages."""
    for repository_path, page_path in _state["included"].items():
        files.append(File.generated(config, page_path, abs_src_path=str(ROOT / repository_path)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Anchor requirement headings, rewrite repository links, check requirement IDs."""
    site_path = page.file.src_uri
    by_page = {page_path: path for path, page_path in _state["included"].items()}
    repository_path = by_page.get(site_path, f"docs/{site_path}")
    if repository_path.startswith("specs/"):
        markdown = _REQUIREMENT_HEADING.sub(r"\1 { #\g<id> }", markdown)
    markdown = _rewrite_links(markdown, repository_path, site_path, config)
    if repository_path.startswith("docs/") and site_path != "traceability.md":
        prose = "".join(text for outside, text in _outside_fences(markdown) if outside)
        _check_requirement_ids(_CODE_SPAN.sub("", prose), site_path)
    return markdown


def _outside_fences(markdown: str) -> list[tuple[bool, str]]:
    """The text in pieces, each marked True when it lies outside fenced code blocks."""
    pieces: list[tuple[bool, str]] = []
    fenced = False
    current: list[str] = []
    for line in markdown.splitlines(keepends=True):
        if _FENCE.match(line):
            if current:
                pieces.append((not fenced, "".join(current)))
                current = []
            fenced = not fenced
            pieces.append((False, line))
            continue
        current.append(line)
    if current:
        pieces.append((not fenced, "".join(current)))
    return pieces


def _rewrite_links(markdown: str, repository_path: str, site_path: str, config: MkDocsConfig) -> str:
    def inline(match: re.Match[str]) -> str:
        url = match["url"]
        bracketed = url.startswith("<")
        new = _rewrite(url[1:-1] if bracketed else url, repository_path, site_path, config)
        if bracketed:
            new = f"<{new}>"
        return f"]({new}{match['title'] or ''})"

    def reference(match: re.Match[str]) -> str:
        return match["lead"] + _rewrite(match["url"], repository_path, site_path, config)

    out = []
    for outside, text in _outside_fences(markdown):
        if outside:
            text = _REFERENCE_LINK.sub(reference, _INLINE_LINK.sub(inline, text))
        out.append(text)
    return "".join(out)


def _rewrite(url: str, repository_path: str, site_path: str, config: MkDocsConfig) -> str:
    """The address of ``url`` (written relative to ``repository_path``) from page ``site_path``."""
    if _SCHEME.match(url) or url.startswith(("#", "/")):
        return url
    path, hash_sign, fragment = url.partition("#")
    if not path:
        return url
    target = posixpath.normpath(posixpath.join(posixpath.dirname(repository_path), path))
    if target == ".." or target.startswith("../"):
        return url
    location = ROOT / target
    if location.is_dir():
        for index in ("README.md", "index.md"):
            if (location / index).is_file():
                target = f"{target}/{index}" if target != "." else index
                location = ROOT / target
                break
    included: dict[str, str] = _state["included"]
    if target.startswith("docs/"):
        page_path = target.removeprefix("docs/")
    elif target in included:
        page_path = included[target]
    else:
        repo_url = (config.repo_url or "").rstrip("/")
        if repo_url and location.exists():
            kind = "tree" if location.is_dir() else "blob"
            return f"{repo_url}/{kind}/HEAD/{target}{hash_sign}{fragment}"
        # Left as written: mkdocs reports it as a link to a missing page.
        return url
    relative = posixpath.relpath(page_path, posixpath.dirname(site_path) or ".")
    return f"{relative}{hash_sign}{fragment}"


def _check_requirement_ids(markdown: str, site_path: str) -> None:
    prefixes = "|".join(sorted(_state["prefixes"], key=len, reverse=True))
    if not prefixes:
        return
    cited = set(re.findall(rf"\b(?:{prefixes})-\d{{3}}\b", markdown))
    # "PATH-001 to PATH-006" cites the requirements between them too.
    for prefix, first, last in re.findall(
        rf"\b({prefixes})-(\d{{3}})\b[^\n]{{0,80}}?\bto\b[^\n]{{0,80}}?\b\1-(\d{{3}})\b", markdown
    ):
        cited |= {f"{prefix}-{number:03d}" for number in range(int(first), int(last) + 1)}
    unknown = sorted(cited - _state["requirements"])
    if unknown:
        log.warning("%s cites requirement IDs that no spec defines: %s", site_path, ", ".join(unknown))
    if site_path in TEST_BACKED_PAGES:
        untested = sorted((cited & _state["requirements"]) - _state["tested"])
        if untested:
            log.warning(
                "%s states guarantees whose requirements no (unskipped) test covers yet: %s",
                site_path,
                ", ".join(untested),
            )
