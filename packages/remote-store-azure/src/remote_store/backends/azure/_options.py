"""``AzureOptions``: every option of the ``azure`` backend, declared once (AZURE-002, AZURE-003).

Each option is one dataclass field carrying its default, its parser and whether it is a secret;
``AzureBackend``'s signature, its ``SECRET_OPTIONS`` and the validation all derive from these
fields. Values may arrive as strings from ``${ENV_VAR}`` interpolation: numbers given as text are
converted, and an empty string means "not set". Every check raises ``ConfigError`` naming the
option, and never quotes a secret's value.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Literal

from remote_store import ConfigError
from remote_store.backend_tools import MASK

__all__ = ["MAX_BLOCKS", "AzureOptions", "build_options", "option_signature", "secret_options"]

KiB = 1024
MiB = 1024 * KiB

MAX_BLOCKS = 50_000
"""Azure's limit of committed blocks per block blob."""
_MAX_BLOCK_SIZE = 4000 * MiB
"""Azure's largest block (Put Block)."""
_MAX_PUT_SIZE = 5000 * MiB
"""Azure's largest single Put Blob."""
_MAX_CONCURRENCY = 64
_CONTAINER = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")
_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_HNS_CHOICES = ("false", "auto", "true")

Credential = Literal["default"]


def _text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{name}: must be a string, not {type(value).__name__}")
    return value.strip() or None


def _required_container(name: str, value: object) -> str:
    text = _text(name, value)
    if text is None:
        raise ConfigError(f"{name}: required; the name of an existing container")
    if text != "$root" and not _CONTAINER.match(text):
        raise ConfigError(
            f"{name}: {text!r} is not a container name (3 to 63 lowercase letters, digits and single "
            "hyphens, starting and ending with a letter or digit)"
        )
    return text


def _account_name(name: str, value: object) -> str | None:
    text = _text(name, value)
    if text is not None and not _ACCOUNT.match(text) and text != "devstoreaccount1":
        raise ConfigError(
            f"{name}: {text!r} is not a storage account name (3 to 24 lowercase letters, digits)"
        )
    return text


def _url(name: str, value: object) -> str | None:
    text = _text(name, value)
    if text is None:
        return None
    parsed = urllib.parse.urlsplit(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        shown = urllib.parse.urlunsplit((parsed.scheme, parsed.hostname or "", parsed.path, "", ""))
        raise ConfigError(f"{name}: must be an http:// or https:// URL, not {shown!r}")
    if parsed.query or parsed.username or parsed.password:
        raise ConfigError(f"{name}: must hold no query and no user (give a SAS as sas_token)")
    return text.rstrip("/")


def _secret(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{name}: must be a string, not {type(value).__name__}")
    return value.strip() or None


def _credential(name: str, value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        if value.strip() != "default":
            raise ConfigError(f'{name}: must be "default" (DefaultAzureCredential) or a token credential')
        if importlib.util.find_spec("azure.identity") is None:
            raise ConfigError(
                f'{name}: "default" needs azure-identity: pip install "remote-store-azure[identity]"'
            )
        return "default"
    if not callable(getattr(value, "get_token", None)):
        raise ConfigError(
            f"{name}: a token credential has a get_token method; {type(value).__name__} has none"
        )
    return value


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"{name}: must be a number, not {type(value).__name__}")
    try:
        return float(value.strip()) if isinstance(value, str) else float(value)
    except ValueError:
        raise ConfigError(f"{name}: must be a number, not {value!r}") from None


def _seconds(name: str, value: object) -> float:
    number = _number(name, value)
    if not (math.isfinite(number) and number > 0):
        raise ConfigError(f"{name}: must be a positive number of seconds, not {value!r}")
    return number


def _integer(low: int, high: int) -> Callable[[str, object], int]:
    def parse(name: str, value: object) -> int:
        number = _number(name, value)
        if not number.is_integer():
            raise ConfigError(f"{name}: must be an integer, not {value!r}")
        if not low <= number <= high:
            raise ConfigError(f"{name}: must be between {low} and {high}, not {int(number)}")
        return int(number)

    return parse


def _hierarchical_namespace(name: str, value: object) -> str:
    text = (_text(name, "false" if value is False else "true" if value is True else value) or "false").lower()
    if text not in _HNS_CHOICES:
        raise ConfigError(f"{name}: must be one of {', '.join(_HNS_CHOICES)}, not {text!r}")
    if text != "false" and importlib.util.find_spec("azure.storage.filedatalake") is None:
        raise ConfigError(
            f'{name}: {text!r} needs azure-storage-file-datalake: pip install "remote-store-azure[hns]"'
        )
    return text


def _option(
    parse: Callable[[str, Any], Any], default: object = dataclasses.MISSING, *, secret: bool = False
) -> Any:
    metadata = {"parse": parse, "secret": secret}
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True, kw_only=True)
class AzureOptions:
    """The validated options of one ``AzureBackend`` (see its docstring for each one's meaning).

    Building one parses and checks every option: numbers given as text are converted, an empty
    string means "not set".

    Raises:
        ConfigError: an option is invalid, or the authentication options contradict each other;
            the message names the option and never shows a secret.
    """

    container: str = _option(_required_container)
    connection_string: str | None = _option(_secret, None, secret=True)
    account_url: str | None = _option(_url, None)
    account_name: str | None = _option(_account_name, None)
    account_key: str | None = _option(_secret, None, secret=True)
    sas_token: str | None = _option(_secret, None, secret=True)
    credential: object = _option(_credential, None)
    connection_timeout: float = _option(_seconds, 20.0)
    read_timeout: float = _option(_seconds, 60.0)
    retry_total: int = _option(_integer(0, 100), 5)
    max_single_put_size: int = _option(_integer(0, _MAX_PUT_SIZE), 8 * MiB)
    max_block_size: int = _option(_integer(64 * KiB, _MAX_BLOCK_SIZE), 8 * MiB)
    max_concurrency: int = _option(_integer(1, _MAX_CONCURRENCY), 4)
    max_chunk_get_size: int = _option(_integer(64 * KiB, 256 * MiB), 4 * MiB)
    hierarchical_namespace: str = _option(_hierarchical_namespace, "false")

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            parse = field.metadata["parse"]
            object.__setattr__(self, field.name, parse(field.name, getattr(self, field.name)))
        self._check_authentication()

    def _check_authentication(self) -> None:
        ways = [
            name for name in ("account_key", "sas_token", "credential") if getattr(self, name) is not None
        ]
        if self.connection_string is not None:
            others = [
                name for name in ("account_url", "account_name", *ways) if getattr(self, name) is not None
            ]
            if others:
                raise ConfigError(f"connection_string: give it alone, not with {', '.join(others)}")
            lowered = self.connection_string.lower()
            if not any(key in lowered for key in ("accountname=", "blobendpoint=", "usedevelopmentstorage=")):
                raise ConfigError("connection_string: names no account (no AccountName or BlobEndpoint)")
            return
        if len(ways) > 1:
            raise ConfigError(f"{ways[0]} and {ways[1]}: give one way to authenticate, not several")
        if self.account_url is None and self.account_name is None:
            raise ConfigError("account_url or account_name: one is required (or give connection_string)")
        if self.account_key is not None and self.account_name is None and self.url_account_name() is None:
            raise ConfigError("account_name: required with account_key when account_url does not name it")

    @property
    def endpoint(self) -> str:
        """The blob endpoint: ``account_url``, or ``https://<account_name>.blob.core.windows.net``."""
        if self.account_url is not None:
            return self.account_url
        if self.account_name is not None:
            return f"https://{self.account_name}.blob.core.windows.net"
        return _connection_endpoint(self.connection_string or "")

    def url_account_name(self) -> str | None:
        """The account named by ``account_url`` (its first host label, or its path for IP hosts)."""
        if self.account_url is None:
            return None
        parsed = urllib.parse.urlsplit(self.account_url)
        host = parsed.hostname or ""
        if host.replace(".", "").isdigit() or host == "localhost":
            first = parsed.path.strip("/").split("/", 1)[0]
            return first or None
        return host.split(".", 1)[0] or None

    def __repr__(self) -> str:
        shown = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None or value == field.default:
                continue
            shown.append(f"{field.name}={MASK if field.metadata['secret'] else value!r}")
        return f"AzureOptions({', '.join(shown)})"


def _connection_endpoint(connection_string: str) -> str:
    """The blob endpoint a connection string names, with nothing secret in it."""
    parts = dict(item.split("=", 1) for item in connection_string.split(";") if "=" in item and item.strip())
    lowered = {key.strip().lower(): value.strip() for key, value in parts.items()}
    if "blobendpoint" in lowered:
        parsed = urllib.parse.urlsplit(lowered["blobendpoint"])
        port = f":{parsed.port}" if parsed.port is not None else ""
        return f"{parsed.scheme}://{parsed.hostname}{port}{parsed.path}".rstrip("/")
    protocol = lowered.get("defaultendpointsprotocol", "https")
    suffix = lowered.get("endpointsuffix", "core.windows.net")
    return f"{protocol}://{lowered.get('accountname', '')}.blob.{suffix}"


def secret_options() -> frozenset[str]:
    """The names of the options whose values are secrets."""
    return frozenset(field.name for field in dataclasses.fields(AzureOptions) if field.metadata["secret"])


def option_signature() -> inspect.Signature:
    """``AzureBackend``'s signature as the registry reads it: one keyword argument per option."""
    parameters = [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default,
            annotation=field.type,
        )
        for field in dataclasses.fields(AzureOptions)
    ]
    return inspect.Signature(parameters)


def build_options(settings: Mapping[str, object]) -> AzureOptions:
    """``AzureOptions`` from keyword settings, an unknown name being a ``ConfigError`` naming it.

    Raises:
        ConfigError: an unknown or invalid option.
    """
    known = {field.name for field in dataclasses.fields(AzureOptions)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown option; valid options: {', '.join(sorted(known))}")
    if "container" not in settings:
        raise ConfigError("container: required; the name of an existing container")
    return AzureOptions(**settings)  # type: ignore[arg-type]
