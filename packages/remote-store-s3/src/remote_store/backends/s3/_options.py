"""Validation of the options of ``S3Backend`` (S3-002, S3-003).

Every check raises ``ConfigError`` naming the option; a secret option's value is never quoted.
Options may arrive as strings from ``${ENV_VAR}`` interpolation, so numbers and booleans given
as text are accepted and converted.
"""

from __future__ import annotations

import dataclasses
import math
import urllib.parse

from remote_store import ConfigError

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_CONCURRENCY",
    "DEFAULT_MULTIPART_CHUNKSIZE",
    "DEFAULT_MULTIPART_THRESHOLD",
    "DEFAULT_READ_TIMEOUT",
    "MAX_PART_SIZE",
    "MAX_PUT_SIZE",
    "MIN_PART_SIZE",
    "S3Options",
    "validate_options",
]

MiB = 1024 * 1024
GiB = 1024 * MiB

MIN_PART_SIZE = 5 * MiB
"""S3's smallest part of a multipart upload (all parts but the last)."""
MAX_PART_SIZE = 5 * GiB
"""S3's largest part of a multipart upload."""
MAX_PUT_SIZE = 5 * GiB
"""S3's largest single PutObject."""

DEFAULT_MULTIPART_THRESHOLD = 8 * MiB
DEFAULT_MULTIPART_CHUNKSIZE = 8 * MiB
DEFAULT_MAX_CONCURRENCY = 4
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_MAX_ATTEMPTS = 5

_MAX_CONCURRENCY_LIMIT = 256
_ADDRESSING_STYLES = ("auto", "virtual", "path")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


@dataclasses.dataclass(frozen=True)
class S3Options:
    """The validated options of one ``S3Backend``; see ``S3Backend`` for their meaning."""

    bucket: str
    region_name: str | None
    endpoint_url: str | None
    aws_access_key_id: str | None
    aws_secret_access_key: str | None
    aws_session_token: str | None
    profile_name: str | None
    addressing_style: str | None
    verify: bool | str | None
    connect_timeout: float
    read_timeout: float
    max_attempts: int
    multipart_threshold: int
    multipart_chunksize: int
    max_concurrency: int

    def __repr__(self) -> str:
        # The dataclass repr would show the secrets.
        endpoint = safe_url(self.endpoint_url) if self.endpoint_url else None
        return f"S3Options(bucket={self.bucket!r}, endpoint_url={endpoint!r})"


def _optional_text(name: str, value: object, *, secret: bool = False) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        shown = "" if secret else f" {value!r}"
        raise ConfigError(f"{name}: must be a string or None, not {type(value).__name__}{shown}")
    # An unset ${ENV_VAR} that expands to "" means "not configured".
    return value if value.strip() else None


def _integer(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"{name}: must be an integer, not {type(value).__name__} {value!r}")
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            raise ConfigError(f"{name}: must be an integer, not {value!r}") from None
    else:
        number = value
    if not low <= number <= high:
        raise ConfigError(f"{name}: must be between {low} and {high}, not {number}")
    return number


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"{name}: must be a number of seconds, not {type(value).__name__} {value!r}")
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except ValueError:
        raise ConfigError(f"{name}: must be a number of seconds, not {value!r}") from None
    if not (math.isfinite(number) and number > 0):
        raise ConfigError(f"{name}: must be a positive number of seconds, not {value!r}")
    return number


def _bucket(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"bucket: must be a non-empty string, not {value!r}")
    if len(value) > 255 or any(ch in value for ch in "/\\ ") or not value.isprintable():
        raise ConfigError(f"bucket: not a valid bucket name: {value!r}")
    return value


def _endpoint(value: object) -> str | None:
    text = _optional_text("endpoint_url", value)
    if text is None:
        return None
    parsed = urllib.parse.urlsplit(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"endpoint_url: must be an http:// or https:// URL, not {safe_url(text)!r}")
    return text


def _addressing(value: object) -> str | None:
    text = _optional_text("addressing_style", value)
    if text is not None and text not in _ADDRESSING_STYLES:
        allowed = ", ".join(_ADDRESSING_STYLES)
        raise ConfigError(f"addressing_style: must be one of {allowed} or None, not {text!r}")
    return text


def _verify(value: object) -> bool | str | None:
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ConfigError(f"verify: must be a bool, a CA bundle path or None, not {type(value).__name__}")
    lowered = value.strip().lower()
    if not lowered:
        return None
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return value


def safe_url(url: str) -> str:
    """``url`` without any ``user:password@`` part, fit for messages and reprs."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.username is None and parsed.password is None:
        return url
    host = parsed.hostname or ""
    if parsed.port is not None:
        host = f"{host}:{parsed.port}"
    return urllib.parse.urlunsplit((parsed.scheme, host, parsed.path, parsed.query, parsed.fragment))


def validate_options(
    *,
    bucket: object,
    region_name: object,
    endpoint_url: object,
    aws_access_key_id: object,
    aws_secret_access_key: object,
    aws_session_token: object,
    profile_name: object,
    addressing_style: object,
    verify: object,
    connect_timeout: object,
    read_timeout: object,
    max_attempts: object,
    multipart_threshold: object,
    multipart_chunksize: object,
    max_concurrency: object,
) -> S3Options:
    """Check and normalise every option of ``S3Backend``.

    Raises:
        ConfigError: naming the first invalid option (never quoting a secret value).
    """
    access_key = _optional_text("aws_access_key_id", aws_access_key_id, secret=True)
    secret_key = _optional_text("aws_secret_access_key", aws_secret_access_key, secret=True)
    token = _optional_text("aws_session_token", aws_session_token, secret=True)
    if (access_key is None) != (secret_key is None):
        raise ConfigError(
            "aws_access_key_id and aws_secret_access_key: give both or neither "
            "(neither uses boto3's default credential chain)"
        )
    if token is not None and access_key is None:
        raise ConfigError("aws_session_token: needs aws_access_key_id and aws_secret_access_key too")
    threshold = _integer("multipart_threshold", multipart_threshold, 0, MAX_PUT_SIZE)
    chunksize = _integer("multipart_chunksize", multipart_chunksize, MIN_PART_SIZE, MAX_PART_SIZE)
    return S3Options(
        bucket=_bucket(bucket),
        region_name=_optional_text("region_name", region_name),
        endpoint_url=_endpoint(endpoint_url),
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=token,
        profile_name=_optional_text("profile_name", profile_name),
        addressing_style=_addressing(addressing_style),
        verify=_verify(verify),
        connect_timeout=_seconds("connect_timeout", connect_timeout),
        read_timeout=_seconds("read_timeout", read_timeout),
        max_attempts=_integer("max_attempts", max_attempts, 1, 100),
        multipart_threshold=threshold,
        multipart_chunksize=chunksize,
        max_concurrency=_integer("max_concurrency", max_concurrency, 1, _MAX_CONCURRENCY_LIMIT),
    )
