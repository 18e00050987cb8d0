"""``from remote_store.backends import LocalBackend, ...``: lazy, and clear when missing (CONFIG-019).

Each check runs in a fresh interpreter, so that what an earlier test imported cannot hide an
eager import. Which backend distributions are installed varies by test environment: the checks
simulate a missing one (``sys.modules[name] = None`` makes its import fail as an absent one does)
and resolve only the names whose distribution is importable.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import remote_store.backends
from remote_store import Backend

CLASSES = {
    "AzureBackend": ("azure", "remote-store-azure"),
    "LocalBackend": ("local", "remote-store-local"),
    "MemoryBackend": ("memory", "remote-store-core"),
    "S3Backend": ("s3", "remote-store-s3"),
    "SFTPBackend": ("sftp", "remote-store-sftp"),
}


def _fresh(code: str, *, cwd: Path, extra_path: Path | None = None) -> object:
    """Run ``code`` in a new interpreter (``extra_path`` first on sys.path); the JSON it prints."""
    prelude = "import json, sys\n"
    if extra_path is not None:
        prelude += f"sys.path.insert(0, {str(extra_path)!r})\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.spec("CONFIG-019")
def test_importing_the_package_imports_no_backend(tmp_path: Path) -> None:
    loaded = _fresh(
        "before = set(sys.modules)\n"
        "import remote_store.backends\n"
        "from remote_store.backends import *  # noqa\n"
        "dir(remote_store.backends)\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))",
        cwd=tmp_path,
    )
    assert isinstance(loaded, list)
    backends = [name for name in loaded if name.startswith("remote_store.backends.")]
    clients = [name for name in loaded if name.split(".")[0] in ("boto3", "botocore", "s3transfer")]
    assert backends == [] and clients == [], loaded


@pytest.mark.spec("CONFIG-019")
def test_dir_names_every_backend_class() -> None:
    assert set(CLASSES) <= set(dir(remote_store.backends))


@pytest.mark.spec("CONFIG-019")
@pytest.mark.parametrize("name", sorted(CLASSES))
def test_installed_names_resolve_to_the_backend_class(name: str) -> None:
    module, _ = CLASSES[name]
    if importlib.util.find_spec(f"remote_store.backends.{module}") is None:
        pytest.skip(f"remote_store.backends.{module} is not installed in this environment")
    value = getattr(remote_store.backends, name)
    assert isinstance(value, type) and issubclass(value, Backend)
    assert value is getattr(importlib.import_module(f"remote_store.backends.{module}"), name)


@pytest.mark.spec("CONFIG-019")
@pytest.mark.parametrize("name", sorted(CLASSES))
def test_a_missing_distribution_is_named(name: str, tmp_path: Path) -> None:
    module, distribution = CLASSES[name]
    message = _fresh(
        f"sys.modules['remote_store.backends.{module}'] = None\n"
        "try:\n"
        f"    from remote_store.backends import {name}\n"
        "except ImportError as error:\n"
        "    print(json.dumps(str(error)))\n"
        "else:\n"
        "    print(json.dumps(None))",
        cwd=tmp_path,
    )
    assert isinstance(message, str), f"{name} was imported although its module is missing"
    assert distribution in message and f"pip install {distribution}" in message


@pytest.mark.spec("CONFIG-019")
def test_other_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="NoSuchBackend"):
        remote_store.backends.NoSuchBackend  # noqa: B018 - the attribute access is the test
    with pytest.raises(ImportError):
        exec("from remote_store.backends import NoSuchBackend", {})


@pytest.mark.spec("CONFIG-019", "CONFIG-018")
def test_backend_modules_from_another_folder_stay_importable(tmp_path: Path) -> None:
    # As an editable install of a backend distribution does: its remote_store/backends/NAME lives
    # in its own source folder, not beside core's files.
    portion = tmp_path / "elsewhere" / "remote_store" / "backends" / "elsewhere_backend"
    portion.mkdir(parents=True)
    (portion / "__init__.py").write_text("VALUE = 42\n", encoding="utf-8")
    value = _fresh(
        "import remote_store.backends.elsewhere_backend as module\nprint(json.dumps(module.VALUE))",
        cwd=tmp_path,
        extra_path=tmp_path / "elsewhere",
    )
    assert value == 42
