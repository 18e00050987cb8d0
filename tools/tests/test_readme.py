"""The README quick start, examples/quickstart.py and .ci/run stay in step with each other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import smoke_test

ROOT = Path(__file__).resolve().parents[2]

# The quick start as the issue gives it; the README must show exactly this.
QUICK_START = """\
import tempfile
from remote_store import BackendConfig, RegistryConfig, Registry, StoreProfile
with tempfile.TemporaryDirectory() as tmp:
    config = RegistryConfig(
        backends={"local": BackendConfig(type="local", options={"root": tmp})},
        stores={"data": StoreProfile(backend="local", root_path="data")},
    )
    with Registry(config) as registry:
        store = registry.get_store("data")
        store.write("hello.txt", b"Hello, world!")
        print(store.read_bytes("hello.txt"))  # b'Hello, world!'
"""


def normalized(code: str) -> str:
    """The AST of ``code`` without a module docstring and with imported names sorted."""
    tree = ast.parse(code)
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    for node in body:
        if isinstance(node, ast.ImportFrom):
            node.names.sort(key=lambda alias: alias.name)
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def test_readme_quick_start_is_verbatim() -> None:
    assert smoke_test.quickstart_code(ROOT / "README.md") == QUICK_START


def test_example_is_the_readme_quick_start() -> None:
    example = (ROOT / "examples" / "quickstart.py").read_text(encoding="utf-8")
    assert normalized(example) == normalized(QUICK_START)


def test_normalized_sees_a_changed_program() -> None:
    assert normalized(QUICK_START) != normalized(QUICK_START.replace("Hello, world!", "Hello!"))


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    development = readme[readme.index("## Development") :]
    block = re.search(r"```bash\n(.*?)```", development, re.DOTALL)
    assert block is not None
    last = block.group(1).strip().splitlines()[-1]
    command = last.split("#", 1)[0].split("&&")[-1].strip()
    assert command == "nox"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    runs = re.compile(
        rf"^\s*(?:timeout\s+(?:--\S+\s+)*\S+\s+)?{re.escape(command)}(?:\s*\|\|.*)?$", re.MULTILINE
    )
    assert runs.search(ci), f".ci/run does not run the README's test command {command!r}"
