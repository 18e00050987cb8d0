"""``examples``: every example script and notebook runs.

Every ``examples/*.py`` runs with the local backend, except ``quickstart.py`` (the ``quickstart``
session runs it: once per CI run) and the ``s3_*.py`` ones (``s3_minio.py``,
``s3_parquet_column.py``, ``s3_progress.py``), which run against a moto server started with
``tools/s3servers/moto.py`` and stopped by its state file afterwards. Every notebook of
``examples/notebooks/`` is executed with nbclient (``noxlib/notebooks.py``). Every script and
notebook runs even when one fails; the session then fails naming them.
"""

from __future__ import annotations

import json
from pathlib import Path

import nox

from . import pins
from .dists import distributions, editable_args
from .paths import ROOT
from .running import Command, run_all

__all__ = ["examples"]

RUN_ELSEWHERE = {"quickstart.py"}
"""Scripts this session does not run: the quick start has its own session."""

S3_PREFIX = "s3_"
"""Scripts named so need an S3 server: they run against the moto server this session starts."""


def _s3_env(server: dict[str, object]) -> dict[str, str]:
    return {
        "REMOTE_STORE_S3_ENDPOINT": str(server["endpoint_url"]),
        "REMOTE_STORE_S3_ACCESS_KEY": str(server["access_key"]),
        "REMOTE_STORE_S3_SECRET_KEY": str(server["secret_key"]),
        "REMOTE_STORE_S3_REGION": str(server["region"]),
        "REMOTE_STORE_S3_BUCKET": "remote-store-examples",
        "REMOTE_STORE_S3_CREATE_BUCKET": "1",
    }


def examples(session: nox.Session) -> None:
    """Run every example script (the s3_*.py ones against a moto server started here) and notebook."""
    session.chdir(ROOT)
    session.install(*editable_args(distributions()), *pins.EXAMPLES_DEPS)
    found = sorted(path for path in (ROOT / "examples").glob("*.py") if path.name not in RUN_ELSEWHERE)
    scripts = [path for path in found if not path.name.startswith(S3_PREFIX)]
    s3_scripts = [path for path in found if path.name.startswith(S3_PREFIX)]
    notebooks = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
    if not scripts or not notebooks:
        session.error("no example scripts or no notebooks found")
    commands = [Command(script.name, ["python", str(script)]) for script in scripts]
    commands += [
        Command(notebook.name, ["python", "tools/noxlib/notebooks.py", str(notebook)])
        for notebook in notebooks
    ]

    if not s3_scripts:
        run_all(session, commands)
        return
    state = Path(session.create_tmp()) / "moto-state.json"
    moto = str(ROOT / "tools" / "s3servers" / "moto.py")
    session.run("python", moto, "-q", "start", "--state", str(state), silent=True)
    try:
        server = json.loads(state.read_text(encoding="utf-8"))
        commands += [
            Command(script.name, ["python", str(script)], env=_s3_env(server)) for script in s3_scripts
        ]
        session.log(f"{len(scripts) + len(s3_scripts)} scripts and {len(notebooks)} notebooks")
        run_all(session, commands)
    finally:
        session.run("python", moto, "stop", "--state", str(state))
