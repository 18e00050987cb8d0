"""Secrets never shown: configuration, registry, store and errors of a local backend with credentials.

The local backend itself takes no secret; a subclass does (``api_token``, ``password``), as a
backend for an authenticated share would, so that the whole path a secret travels is exercised:
``${ENV}`` interpolation, the registry's build and its DEBUG log, option validation errors, and
then every operation with its failures. Every ``repr``/``str`` of every object handed out, every
log record of every logger at DEBUG (with its traceback) and every error (with its causes and
traceback) is captured and searched for the secrets, with the scan of
``remote_store_conformance.secrets_scan`` (shared with the other backends).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from remote_store import (
    BackendConfig,
    ConfigError,
    Registry,
    RegistryConfig,
    Store,
    StoreProfile,
)
from remote_store.backends.local import LocalBackend
from remote_store_conformance.secrets_scan import (
    LogCapture,
    Recorder,
    capture_logs,
    check_the_scan,
    leaks,
    store_calls,
)

TOKEN = "rs_live_9fJ2kQ7xWm4ZpL8vT3nB6yHc1aRe5uDs"
PASSWORD = "Tr0ub4dor&3-horse-battery-staple-7781"
SECRETS = {"api token": TOKEN, "password": PASSWORD}


class TokenBackend(LocalBackend):
    """A local backend that also takes credentials (as an authenticated share would)."""

    type_name: ClassVar[str] = "local-token"
    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset({"api_token", "password"})

    def __init__(self, root: str, api_token: str, password: str | None = None) -> None:
        if not api_token.startswith("rs_"):
            # A careless validation message quoting the value: the registry must not pass it on.
            raise ValueError(f"api_token {api_token!r} is not a token")
        super().__init__(root)
        self._api_token = api_token
        self._password = password


@pytest.fixture
def capture() -> Iterator[LogCapture]:
    with capture_logs() as handler:
        yield handler


@pytest.mark.spec("GUAR-012")
def test_no_secret_in_any_repr_log_or_error(
    tmp_path: Path, capture: LogCapture, monkeypatch: pytest.MonkeyPatch, figures: dict[str, Any]
) -> None:
    monkeypatch.setenv("SHARE_TOKEN", TOKEN)
    monkeypatch.setenv("SHARE_ROOT", str(tmp_path / "share"))
    data = {
        "backends": {
            "share": {
                "type": "local-token",
                "options": {"root": "${SHARE_ROOT}", "api_token": "${SHARE_TOKEN}", "password": PASSWORD},
            },
            "bad-token": {"type": "local-token", "options": {"root": str(tmp_path), "api_token": PASSWORD}},
            "missing-env": {
                "type": "local-token",
                "options": {"root": "${NOT_SET_ANYWHERE}", "api_token": TOKEN},
            },
        },
        "stores": {
            "files": {"backend": "share", "root_path": "files"},
            "bad": {"backend": "bad-token"},
            "missing": {"backend": "missing-env"},
        },
    }
    recorder = Recorder()
    config = RegistryConfig.from_dict(data)
    recorder.show(config, config.backends, config.stores, *config.backends.values(), *config.stores.values())
    recorder.show(BackendConfig(type="local-token", options={"api_token": TOKEN, "password": PASSWORD}))
    recorder.show(StoreProfile(backend="share"))
    registry = Registry(config)
    registry.register_backend("local-token", TokenBackend)
    recorder.show(registry)
    for name in ("bad", "missing", "nope"):
        recorder.call(functools.partial(registry.get_store, name))
    # A misspelled option name cannot be known to hold a secret (the config's repr shows it), but
    # the error naming the unknown option must not quote its value.
    typo = Registry(
        RegistryConfig.from_dict(
            {
                "backends": {
                    "t": {"type": "local-token", "options": {"root": str(tmp_path), "api_tokn": TOKEN}}
                },
                "stores": {"t": {"backend": "t"}},
            }
        )
    )
    typo.register_backend("local-token", TokenBackend)
    recorder.call(lambda: typo.get_store("t"))
    store = registry.get_store("files")
    recorder.show(store, store.backend, store.capabilities)
    operations = recorder.call_all(store_calls(store, files=40, folders=4))
    recorder.call(lambda: Store(TokenBackend(str(tmp_path), "not-a-token")))
    registry.close()
    recorder.call(lambda: store.read_bytes("a.txt"))
    recorder.call(lambda: registry.get_store("files"))
    assert any("SHARE_TOKEN" in text or "building backend" in text for text in capture.texts), (
        "the registry's DEBUG log was not captured: the scan would prove nothing"
    )
    assert recorder.errors > 20
    texts = recorder.texts + capture.texts
    figures.update(
        operations=operations, texts=len(texts), log_records=len(capture.texts), errors=recorder.errors
    )
    found = leaks(texts, SECRETS)
    assert not found, "\n".join(found[:10])


def test_the_scan_sees_a_leak() -> None:
    # The scan is only worth something if a leak would be found: show one being found.
    check_the_scan(SECRETS)
    with pytest.raises(ConfigError):
        raise ConfigError("x")
