"""``S3Options``: every option of ``S3Backend``, declared once (specs/s3.md).

Each option is one field of ``S3Options``: its name, type and default, the check that validates
and normalises it, whether it is secret, and what it means (the ``doc`` the documentation tables
show; a test compares them). ``S3Backend``'s keyword arguments, ``SECRET_OPTIONS`` and the
signature the ``Registry`` validates configuration against are derived from these fields.

Every check raises ``ConfigError`` naming the option; a secret option's value is never quoted.
Options may arrive as strings from ``${ENV_VAR}`` interpolation, so numbers and booleans given
as text are accepted and converted, and an empty string means "not set".
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from remote_store import ConfigError

__all__ = [
    "MAX_PART_SIZE",
    "MAX_PUT_SIZE",
    "MIN_PART_SIZE",
    "S3Options",
    "option_fields",
    "options_signature",
    "safe_url",
    "secret_options",
]

MiB = 1024 * 1024
GiB = 1024 * MiB

MIN_PART_SIZE = 5 * MiB
"""S3's smallest part of a multipart upload (all parts but the last)."""
MAX_PART_SIZE = 5 * GiB
"""S3's largest part of a multipart upload."""
MAX_PUT_SIZE = 5 * GiB
"""S3's largest single PutObject."""

_MAX_CONCURRENCY_LIMIT = 256
_ADDRESSING_STYLES = ("auto", "virtual", "path")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")

Check = Callable[[str, object], Any]
"""Validates and normalises the value of the option named by its first argument."""


# -- the checks ---------------------------------------------------------------------------------


def _text(name: str, value: object) -> str | None:
    return _optional_text(name, value, secret=False)


def _secret_text(name: str, value: object) -> str | None:
    return _optional_text(name, value, secret=True)


def _optional_text(name: str, value: object, *, secret: bool) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        shown = "" if secret else f" {value!r}"
        raise ConfigError(f"{name}: must be a string or None, not {type(value).__name__}{shown}")
    # An unset ${ENV_VAR} that expands to "" means "not configured".
    return value if value.strip() else None


def _integer(low: int, high: int) -> Check:
    def check(name: str, value: object) -> int:
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

    return check


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


def _bucket(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name}: must be a non-empty string, not {value!r}")
    if len(value) > 255 or any(ch in value for ch in "/\\ ") or not value.isprintable():
        raise ConfigError(f"{name}: not a valid bucket name: {value!r}")
    return value


def _endpoint(name: str, value: object) -> str | None:
    text = _text(name, value)
    if text is None:
        return None
    parsed = urllib.parse.urlsplit(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"{name}: must be an http:// or https:// URL, not {safe_url(text)!r}")
    return text


def _addressing(name: str, value: object) -> str | None:
    text = _text(name, value)
    if text is not None and text not in _ADDRESSING_STYLES:
        allowed = ", ".join(_ADDRESSING_STYLES)
        raise ConfigError(f"{name}: must be one of {allowed} or None, not {text!r}")
    return text


def _verify(name: str, value: object) -> bool | str | None:
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{name}: must be a bool, a CA bundle path or None, not {type(value).__name__}")
    lowered = value.strip().lower()
    if not lowered:
        return None
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return value


def _about(
    doc: str, check: Check, *, secret: bool = False, default: str | None = None, kind: str | None = None
) -> Mapping[str, Any]:
    """The metadata of one option: its meaning, check, secrecy, and how the docs show its default and type."""
    return {"doc": doc, "check": check, "secret": secret, "default": default, "type": kind}


# -- the options --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class S3Options:
    """The options of one ``S3Backend``, validated and normalised when built.

    Each field is one option (its metadata holds what it means: ``option_fields()``).

    Raises:
        ConfigError: naming the first invalid option (never quoting a secret value).
    """

    bucket: str = dataclasses.field(
        metadata=_about("The bucket name. It must exist; it is never created.", _bucket)
    )
    region_name: str | None = dataclasses.field(
        default=None,
        metadata=_about(
            "The AWS region to sign for.", _text, default="boto3's configuration, else `us-east-1`"
        ),
    )
    endpoint_url: str | None = dataclasses.field(
        default=None,
        metadata=_about(
            "The server's URL, for S3-compatible servers: `http://127.0.0.1:9000`.", _endpoint, default="AWS"
        ),
    )
    aws_access_key_id: str | None = dataclasses.field(
        default=None,
        metadata=_about(
            "The access key; give it with `aws_secret_access_key`, or neither.",
            _secret_text,
            secret=True,
            default="boto3's credential chain",
        ),
    )
    aws_secret_access_key: str | None = dataclasses.field(
        default=None,
        metadata=_about("The secret key.", _secret_text, secret=True, default="boto3's credential chain"),
    )
    aws_session_token: str | None = dataclasses.field(
        default=None,
        metadata=_about(
            "A session token, for temporary credentials (with both keys).", _secret_text, secret=True
        ),
    )
    profile_name: str | None = dataclasses.field(
        default=None,
        metadata=_about("A profile of the AWS config files to take credentials and region from.", _text),
    )
    addressing_style: str | None = dataclasses.field(
        default=None,
        metadata=_about(
            "How the bucket goes into URLs; S3-compatible servers rarely have per-bucket DNS names.",
            _addressing,
            default='`"path"` with `endpoint_url`, else boto3\'s',
            kind='`"path"`, `"virtual"`, `"auto"`',
        ),
    )
    verify: bool | str | None = dataclasses.field(
        default=None,
        metadata=_about(
            "TLS certificate checking: `False` to turn it off, or the path of a CA bundle.",
            _verify,
            default="`None`: verify with boto3's CA bundle",
            kind="`bool` or a path",
        ),
    )
    connect_timeout: float = dataclasses.field(
        default=10.0, metadata=_about("Seconds to wait for a connection.", _seconds, default="`10`")
    )
    read_timeout: float = dataclasses.field(
        default=60.0, metadata=_about("Seconds to wait for data on a connection.", _seconds, default="`60`")
    )
    max_attempts: int = dataclasses.field(
        default=5,
        metadata=_about(
            'Tries per request, the first included (botocore\'s "standard" retry mode): throttling, '
            "5xx answers and connection errors are retried. A read whose body breaks resumes up to "
            "`max_attempts - 1` times.",
            _integer(1, 100),
        ),
    )
    multipart_threshold: int = dataclasses.field(
        default=8 * MiB,
        metadata=_about(
            "Content up to this size is sent in one PutObject; larger content as a multipart upload. "
            "At most 5 GiB.",
            _integer(0, MAX_PUT_SIZE),
        ),
    )
    multipart_chunksize: int = dataclasses.field(
        default=8 * MiB,
        metadata=_about(
            "The part size of multipart uploads, 5 MiB to 5 GiB. A streamed object has at most 10,000 "
            "parts: 78 GiB with the default.",
            _integer(MIN_PART_SIZE, MAX_PART_SIZE),
        ),
    )
    max_concurrency: int = dataclasses.field(
        default=4,
        metadata=_about(
            "Parts uploaded (or copied) in parallel by one call. A streamed write holds about "
            "`multipart_chunksize x (max_concurrency + 1)` bytes.",
            _integer(1, _MAX_CONCURRENCY_LIMIT),
        ),
    )

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            check: Check = field.metadata["check"]
            object.__setattr__(self, field.name, check(field.name, getattr(self, field.name)))
        if (self.aws_access_key_id is None) != (self.aws_secret_access_key is None):
            raise ConfigError(
                "aws_access_key_id and aws_secret_access_key: give both or neither "
                "(neither uses boto3's default credential chain)"
            )
        if self.aws_session_token is not None and self.aws_access_key_id is None:
            raise ConfigError("aws_session_token: needs aws_access_key_id and aws_secret_access_key too")

    def shown(self) -> str:
        """The options fit for a repr: bucket, endpoint (without credentials), region, profile.

        A secret never shows: an access key set shows as ``'***'``.
        """
        parts = [f"bucket={self.bucket!r}"]
        if self.endpoint_url:
            parts.append(f"endpoint_url={safe_url(self.endpoint_url)!r}")
        if self.region_name:
            parts.append(f"region_name={self.region_name!r}")
        if self.profile_name:
            parts.append(f"profile_name={self.profile_name!r}")
        if self.aws_access_key_id:
            parts.append("aws_access_key_id='***'")
        return ", ".join(parts)

    def __repr__(self) -> str:
        # The dataclass repr would show the secrets.
        return f"S3Options({self.shown()})"


def option_fields() -> tuple[dataclasses.Field[Any], ...]:
    """The fields of ``S3Options``, one per option, in the order of ``S3Backend``'s keyword arguments.

    ``field.metadata`` holds ``doc`` (what the option means), ``secret``, and ``default`` and
    ``type`` (how the documentation shows them, where the field's own default and type do not).
    """
    return dataclasses.fields(S3Options)


def secret_options() -> frozenset[str]:
    """The names of the options whose values are secret (``Backend.SECRET_OPTIONS``)."""
    return frozenset(field.name for field in option_fields() if field.metadata["secret"])


def options_signature() -> inspect.Signature:
    """The keyword-only signature of ``S3Backend``: one parameter per option, with its default and type."""
    return inspect.Signature(
        [
            inspect.Parameter(
                field.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default,
                annotation=field.type,
            )
            for field in option_fields()
        ]
    )


def safe_url(url: str) -> str:
    """``url`` without any ``user:password@`` part, fit for messages and reprs."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.username is None and parsed.password is None:
        return url
    host = parsed.hostname or ""
    if parsed.port is not None:
        host = f"{host}:{parsed.port}"
    return urllib.parse.urlunsplit((parsed.scheme, host, parsed.path, parsed.query, parsed.fragment))
