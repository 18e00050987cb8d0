"""Configuration: backends and stores by name, from code, from a dict and from a TOML file.

Run it with ``python examples/configuration.py`` (needs remote-store-core and remote-store-local;
on Python 3.10 also tomli: ``pip install "remote-store-core[toml]"``). It shows:

1. configuration as code: ``BackendConfig``, ``StoreProfile``, ``RegistryConfig``;
2. the same from plain data with ``RegistryConfig.from_dict()`` and from a TOML file;
3. several stores on one backend: one shared backend instance, each store scoped to its folder;
4. ``${ENV_VAR}`` references, resolved when the backend is built;
5. secret options masked in every repr;
6. mistakes reported as ``ConfigError`` naming the key at fault, with a suggestion.

Exits with a non-zero status if anything behaves unexpectedly.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from remote_store import BackendConfig, ConfigError, Registry, RegistryConfig, StoreProfile

TOML = """
[backends.files]
type = "local"
options = { root = "${EXAMPLE_DATA_DIR}/files" }

[backends.scratch]
type = "memory"

[stores.reports]
backend = "files"
root_path = "reports"

[stores.uploads]
backend = "files"
root_path = "incoming/uploads"

[stores.tmp]
backend = "scratch"
"""


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        raise SystemExit(f"unexpected: {what}")


def as_code(data_dir: str) -> RegistryConfig:
    """1. The configuration built from the classes."""
    return RegistryConfig(
        backends={
            "files": BackendConfig(type="local", options={"root": f"{data_dir}/files"}),
            "scratch": BackendConfig(type="memory"),
        },
        stores={
            "reports": StoreProfile(backend="files", root_path="reports"),
            "uploads": StoreProfile(backend="files", root_path="incoming/uploads"),
            "tmp": StoreProfile(backend="scratch"),
        },
    )


def as_data(data_dir: str) -> RegistryConfig:
    """2. The same configuration from plain data, as JSON or YAML would give it."""
    return RegistryConfig.from_dict(
        {
            "backends": {
                "files": {"type": "local", "options": {"root": f"{data_dir}/files"}},
                "scratch": {"type": "memory"},
            },
            "stores": {
                "reports": {"backend": "files", "root_path": "reports"},
                "uploads": {"backend": "files", "root_path": "incoming/uploads"},
                "tmp": {"backend": "scratch"},
            },
        }
    )


def several_stores(config: RegistryConfig, data_dir: str, environ: dict[str, str]) -> None:
    """3. and 4. Stores share their backend; ${EXAMPLE_DATA_DIR} is resolved at build time."""
    with Registry(config, environ=environ) as registry:
        reports = registry.get_store("reports")
        uploads = registry.get_store("uploads")
        reports.write("2024/q1.csv", b"q1")
        uploads.write("photo.jpg", b"\xff\xd8")
        shared = reports.backend is uploads.backend
        print(f"3. reports and uploads share one backend instance: {shared}")
        check(shared, "stores on one backend share it")
        root = getattr(reports.backend, "root", None)
        print(f"4. ${{EXAMPLE_DATA_DIR}} was resolved when the backend was built: root = {root}")
        check(root == f"{data_dir}/files", "the environment variable was substituted")
        whole = Path(data_dir, "files")
        on_disk = sorted(path.relative_to(whole).as_posix() for path in whole.rglob("*") if path.is_file())
        print(f"   files on disk below the backend root: {on_disk}")
        check(
            on_disk == ["incoming/uploads/photo.jpg", "reports/2024/q1.csv"],
            "each store writes in its folder",
        )
        check(not reports.exists("photo.jpg"), "a store does not see another store's folder")
    check(reports.closed and uploads.closed, "closing the registry closed its stores")


def secrets_are_masked() -> None:
    """5. Secret options never show, whether set directly or through ${ENV_VAR}."""
    config = RegistryConfig.from_dict(
        {
            "backends": {
                "archive": {
                    "type": "s3",
                    "options": {
                        "bucket": "acme-archive",
                        "aws_access_key_id": "AKIAEXAMPLE",
                        "aws_secret_access_key": "${EXAMPLE_SECRET}",
                    },
                }
            }
        }
    )
    text = repr(config)
    print(f"5. {text}")
    check("AKIAEXAMPLE" not in text and "***" in text, "the access key is masked")


def mistakes(data_dir: str) -> None:
    """6. Every mistake is a ConfigError that names the key and suggests the right name."""
    attempts = {
        "a store naming an unknown backend": lambda: RegistryConfig.from_dict(
            {
                "backends": {"files": {"type": "local", "options": {"root": data_dir}}},
                "stores": {"r": {"backend": "file"}},
            }
        ),
        "a misspelt key": lambda: RegistryConfig.from_dict({"backend": {}}),
        "a misspelt option": lambda: Registry(
            RegistryConfig.from_dict({"backends": {"files": {"type": "local", "options": {"rot": data_dir}}}})
        ).get_backend("files"),
        "an uninstalled backend type": lambda: Registry(
            RegistryConfig.from_dict({"backends": {"cloud": {"type": "lokal", "options": {}}}})
        ).get_backend("cloud"),
        "an unset environment variable": lambda: Registry(
            RegistryConfig.from_dict(
                {"backends": {"files": {"type": "local", "options": {"root": "${NOT_SET}"}}}}
            ),
            environ={},
        ).get_backend("files"),
    }
    print("6. mistakes:")
    for what, attempt in attempts.items():
        try:
            attempt()
        except ConfigError as error:
            print(f"   {what}: {error}")
            continue
        raise SystemExit(f"unexpected: {what} was accepted")


def main() -> None:
    """Run every demonstration in a temporary folder."""
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as data_dir:
        code, data = as_code(data_dir), as_data(data_dir)
        print(f"1. as code: backends {sorted(code.backends)}, stores {sorted(code.stores)}")
        check(code == data, "from_dict builds the same configuration as the classes")
        print("2. from_dict() gives an equal configuration")

        toml_file = Path(data_dir, "remote-store.toml")
        toml_file.write_text(TOML, encoding="utf-8")
        from_toml = RegistryConfig.from_toml(toml_file)
        options = dict(from_toml.backends["files"].options)
        print(f"   from_toml(): stores {sorted(from_toml.stores)}, files options {options}")
        check(sorted(from_toml.stores) == sorted(code.stores), "the TOML file names the same stores")

        several_stores(from_toml, data_dir, environ={"EXAMPLE_DATA_DIR": data_dir})
        secrets_are_masked()
        mistakes(data_dir)
    print("configuration: OK")


if __name__ == "__main__":
    main()
