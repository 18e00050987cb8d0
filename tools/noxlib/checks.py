"""The quick checks: ``lint``, ``fmt``, ``typecheck``, ``specs`` and ``quickstart``."""

from __future__ import annotations

import nox

from . import pins
from .dists import CORE, distributions, editable_args
from .paths import REPORTS, ROOT
from .running import Command, run_all

__all__ = ["fmt", "lint", "quickstart", "specs", "typecheck"]

TYPED_TOOLS = ["noxfile.py", "tools/noxlib", "tools/check_specs.py", "tools/smoke_test.py"]
"""Checked by mypy beside the distributions' sources: what CI runs is typed too."""


def lint(session: nox.Session) -> None:
    """Ruff lint and format check over the whole repository (config: ruff.toml)."""
    session.install(pins.RUFF)
    run_all(
        session,
        [
            Command("ruff check", ["ruff", "check", "--no-fix", "."]),
            Command("ruff format --check", ["ruff", "format", "--check", "--diff", "."]),
        ],
    )


def fmt(session: nox.Session) -> None:
    """Apply ruff's formatting and safe fixes."""
    session.install(pins.RUFF)
    session.run("ruff", "format", ".")
    session.run("ruff", "check", "--fix", ".")


def typecheck(session: nox.Session) -> None:
    """Type-check every distribution's src and the CI tooling with mypy --strict (config: mypy.ini)."""
    dists = distributions()
    types = [requirement for dist in dists for requirement in dist.needs.types]
    session.install(pins.MYPY, pins.NOX, *editable_args(dists), "tomli", *pins.TEST_DEPS, *types)
    sources = [dist.src.relative_to(ROOT).as_posix() for dist in dists if dist.src.is_dir()]
    session.run("mypy", "--config-file", "mypy.ini", *sources, *TYPED_TOOLS)


def specs(session: nox.Session) -> None:
    """Every requirement in specs/ has a test and every cited ID exists; writes docs/traceability.md."""
    session.install("pytest>=8")
    REPORTS.mkdir(parents=True, exist_ok=True)
    run_all(
        session,
        [
            Command("tools/tests", ["pytest", "tools/tests", f"--junitxml={REPORTS / 'specs-tools.xml'}"]),
            Command("check_specs", ["python", "tools/check_specs.py"]),
        ],
    )


EXPECTED_QUICKSTART = "b'Hello, world!'\n"


def quickstart(session: nox.Session) -> None:
    """Install core and the local backend, run examples/quickstart.py (the README's) and check its output.

    The one run of the quick start in CI (tools/tests/test_readme.py checks that the example is
    the README's code).
    """
    dists = [dist for dist in distributions() if dist.name in (CORE, "remote-store-local")]
    if len(dists) < 2:
        session.error("quickstart needs packages/remote-store-core and packages/remote-store-local")
    session.install(*[dist.relative for dist in dists])
    output = session.run("python", "examples/quickstart.py", silent=True)
    print(output, end="")
    if output != EXPECTED_QUICKSTART:
        session.error(f"examples/quickstart.py printed {output!r}, expected {EXPECTED_QUICKSTART!r}")
