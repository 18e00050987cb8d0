"""Execute Jupyter notebooks top to bottom with nbclient; fail on any error.

A command line the ``examples`` session runs inside its virtualenv, as a file
(``python tools/noxlib/notebooks.py examples/notebooks/*.ipynb``), so that it needs nothing of
this package; nbclient, nbformat and ipykernel come from ``pins.EXAMPLES_DEPS``.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from collections.abc import Sequence

__all__ = ["NOTEBOOK_TIMEOUT", "main", "run_notebooks"]

NOTEBOOK_TIMEOUT = 300
"""Seconds one notebook cell may take."""


def run_notebooks(notebooks: Sequence[str]) -> int:
    """Execute each notebook top to bottom with nbclient, in a temporary folder; fail on any error."""
    # Imported by name: only the examples session installs them (and mypy need not see them).
    nbformat = importlib.import_module("nbformat")
    nbclient = importlib.import_module("nbclient")
    cell_execution_error = importlib.import_module("nbclient.exceptions").CellExecutionError
    config_class = importlib.import_module("traitlets.config").Config

    failures = 0
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as tmp:
            # The kernel talks over IPC sockets in the temporary folder: no TCP port is opened.
            config = config_class()
            config.KernelManager.transport = "ipc"
            config.KernelManager.ip = os.path.join(tmp, "kernel")
            client = nbclient.NotebookClient(
                notebook,
                config=config,
                timeout=NOTEBOOK_TIMEOUT,
                kernel_name="python3",
                resources={"metadata": {"path": tmp}},
            )
            try:
                client.execute()
            except cell_execution_error as error:
                failures += 1
                print(f"notebooks: {path} failed:\n{error}", file=sys.stderr)
                continue
        cells = sum(1 for cell in notebook.cells if cell.cell_type == "code")
        print(f"notebooks: {path}: {cells} code cells ran")
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``NOTEBOOK...``: execute each notebook; returns the exit status."""
    notebooks = list(sys.argv[1:] if argv is None else argv)
    if not notebooks:
        print("usage: notebooks.py NOTEBOOK...", file=sys.stderr)
        return 2
    return run_notebooks(notebooks)


if __name__ == "__main__":
    sys.exit(main())
