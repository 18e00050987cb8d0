"""The options of the ``sftp`` backend, validated when the backend is built (no I/O)."""

from __future__ import annotations

import dataclasses
import os

from remote_store import ConfigError

__all__ = ["HOST_KEY_POLICIES", "Options", "validate"]

BACKEND = "sftp"

HOST_KEY_POLICIES = ("reject", "accept-new", "accept-any")
"""What to do with a host key that known_hosts does not hold: refuse it (the default), trust and
record it if the host has no key there yet (a changed key is still refused), or accept any key."""


@dataclasses.dataclass(frozen=True)
class Options:
    """The validated options (see ``SFTPBackend`` for their meaning)."""

    host: str
    port: int
    username: str | None
    password: str | None
    private_key: str | None
    private_key_passphrase: str | None
    known_hosts: str
    host_key_policy: str
    root: str
    connect_timeout: float
    max_connections: int
    keepalive: float

    @property
    def host_label(self) -> str:
        """``host:port`` as errors name the server."""
        return f"{self.host}:{self.port}"


def _fail(option: str, message: str) -> ConfigError:
    return ConfigError(f"option {option!r} {message}", backend=BACKEND)


def _text(option: str, value: object, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise _fail(option, "is required")
        return None
    if not isinstance(value, str):
        raise _fail(option, f"must be a str, not {type(value).__name__}")
    if required and not value:
        raise _fail(option, "must not be empty")
    if "\0" in value:
        # The value itself is never quoted: it may be a secret.
        raise _fail(option, "must not contain a NUL character")
    return value


def _file(option: str, value: object) -> str | None:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _fail(option, f"must be a non-empty path (str or os.PathLike[str]), not {value!r}")
    return os.path.abspath(os.path.expanduser(value))


def _number(option: str, value: object, *, minimum: float, strict: bool, integer: bool) -> float:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        wanted = "an int" if integer else "a number"
        raise _fail(option, f"must be {wanted}, not {type(value).__name__}")
    if value != value or value in (float("inf"), float("-inf")):
        raise _fail(option, f"must be finite, not {value!r}")
    if value < minimum or (strict and value == minimum):
        relation = "greater than" if strict else "at least"
        raise _fail(option, f"must be {relation} {minimum:g}, not {value!r}")
    return value


def validate(
    *,
    host: object,
    port: object,
    username: object,
    password: object,
    private_key: object,
    private_key_passphrase: object,
    known_hosts: object,
    host_key_policy: object,
    root: object,
    connect_timeout: object,
    max_connections: object,
    keepalive: object,
) -> Options:
    """Check every option and return them normalised.

    Raises:
        ConfigError: an option has the wrong type or value; the message names it and never
            quotes a secret.
    """
    checked_host = _text("host", host, required=True)
    assert checked_host is not None
    checked_port = int(_number("port", port, minimum=1, strict=False, integer=True))
    if checked_port > 65535:
        raise _fail("port", f"must be at most 65535, not {checked_port}")
    if host_key_policy not in HOST_KEY_POLICIES:
        raise _fail("host_key_policy", f"must be one of {', '.join(map(repr, HOST_KEY_POLICIES))}")
    checked_root = _text("root", root)
    known = _file("known_hosts", known_hosts) or os.path.expanduser(os.path.join("~", ".ssh", "known_hosts"))
    return Options(
        host=checked_host,
        port=checked_port,
        username=_text("username", username) or None,
        password=_text("password", password),
        private_key=_file("private_key", private_key),
        private_key_passphrase=_text("private_key_passphrase", private_key_passphrase),
        known_hosts=known,
        host_key_policy=str(host_key_policy),
        root=(checked_root or "").rstrip("/") or ("/" if (checked_root or "").startswith("/") else ""),
        connect_timeout=float(
            _number("connect_timeout", connect_timeout, minimum=0, strict=True, integer=False)
        ),
        max_connections=int(
            _number("max_connections", max_connections, minimum=1, strict=False, integer=True)
        ),
        keepalive=float(_number("keepalive", keepalive, minimum=0, strict=False, integer=False)),
    )
