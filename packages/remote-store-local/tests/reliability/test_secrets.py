"""Secrets never shown: configuration, registry, store and errors of a local backend with credentials.

The local backend itself takes no secret; a subclass does (``api_token``, ``password``), as a
backend for an authenticated share would, so that the whole path a secret travels is exercised:
``${ENV}`` interpolation, the registry's build and its DEBUG log, option validation errors, and
then every operation with its failures. Every ``repr``/``str`` of every object handed out, every
log record of every logger at DEBUG (with its traceback) and every error (with its causes and
traceback) is captured and searched for the secrets.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from remote_store import (
    BackendConfig,
    ConfigError,
    Registry,
    RegistryConfig,
    RemoteStoreError,
    Store,
    StoreProfile,
)
from remote_store.backends.local import LocalBackend

TOKEN = "rs_live_9fJ2kQ7xWm4ZpL8vT3nB6yHc1aRe5uDs"
PASSWORD = "Tr0ub4dor&3-horse-battery-staple-7781"
SECRETS = (TOKEN, PASSWORD)


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


class Capture(logging.Handler):
    """Keeps the formatted text (message and traceback) of every record it sees."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def error_texts(error: BaseException) -> list[str]:
    """``str``, ``repr`` and the formatted traceback of ``error`` and of every cause and context shown."""
    texts = ["".join(traceback.format_exception(type(error), error, error.__traceback__))]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(getattr(current, "__dict__", {}))]
        # As Python's own traceback printing: a context suppressed by ``raise ... from None`` is
        # not shown anywhere, so it is not followed here either.
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return texts


class Recorder:
    """Runs calls, keeping the repr/str of what they return and the texts of what they raise."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.calls = 0
        self.errors = 0

    def show(self, *objects: object) -> None:
        for item in objects:
            self.texts += [repr(item), str(item)]

    def call(self, action: Callable[[], Any]) -> Any:
        self.calls += 1
        try:
            result = action()
            if hasattr(result, "read"):
                with result as stream:
                    result = stream.read()
            elif hasattr(result, "__next__"):
                result = list(result)
        except BaseException as error:  # noqa: BLE001 - every error is scanned
            self.errors += 1
            self.texts += error_texts(error)
            return None
        self.show(result)
        return result


@pytest.mark.spec("GUAR-012")
def test_no_secret_in_any_repr_log_or_error(
    tmp_path: Path, capture: Capture, monkeypatch: pytest.MonkeyPatch, figures: dict[str, Any]
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
    operations = _exercise(store, recorder)
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
    for secret in SECRETS:
        leaks = [text for text in texts if secret in text]
        assert not leaks, f"a secret appears in: {leaks[0][:300]}"


def _exercise(store: Store, recorder: Recorder) -> int:
    calls: list[Callable[[], Any]] = []
    for index in range(40):
        path = f"dir{index % 4}/file{index}.txt"
        calls += _calls_for(store, path)
    calls += [
        lambda: store.list_files("", recursive=True),
        lambda: store.list_folders(""),
        lambda: store.get_folder_info(""),
        lambda: store.delete_folder("dir0"),  # DirectoryNotEmpty
        lambda: store.delete_folder("dir0", recursive=True),
        lambda: store.delete_folder("nowhere"),  # NotFound
        lambda: store.exists("dir1"),
    ]
    for call in calls:
        recorder.call(call)
    return len(calls)


def _calls_for(store: Store, path: str) -> list[Callable[[], Any]]:
    return [
        lambda: store.write(path, b"content"),
        lambda: store.write(path, b"again"),  # AlreadyExists
        lambda: store.write_atomic(path, b"new", overwrite=True),
        lambda: store.read_bytes(path),
        lambda: store.read(path),
        lambda: store.get_file_info(path),
        lambda: store.copy(path, path + ".copy"),
        lambda: store.move(path + ".copy", path + ".moved", overwrite=True),
        lambda: store.delete(path + ".missing"),  # NotFound
        lambda: store.write(path + "/below", b"x"),  # InvalidPath: parent is a file
        lambda: store.read_bytes("../" + path),  # InvalidPath
        lambda: store.write(path, "text"),  # type: ignore[arg-type]  # InvalidContent
    ]


def test_the_scan_sees_a_leak(capture: Capture) -> None:
    # The scan is only worth something if a leak would be found: show one being found.
    logging.getLogger("remote_store.test").debug("token=%s", TOKEN)
    recorder = Recorder()
    recorder.call(lambda: _raise(RemoteStoreError(f"bad token {TOKEN}")))
    assert any(TOKEN in text for text in capture.texts)
    assert any(TOKEN in text for text in recorder.texts)
    with pytest.raises(ConfigError):
        raise ConfigError("x")


def _raise(error: BaseException) -> None:
    raise error
