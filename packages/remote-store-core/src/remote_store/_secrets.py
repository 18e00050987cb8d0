"""Which option values are secrets, and how they are shown: never."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

__all__ = ["MASK", "is_secret_option", "masked_options"]

MASK = "***"

# Matched against whole option names; a backend adds its own through Backend.SECRET_OPTIONS.
_SECRET_NAME = re.compile(
    r"(secret|password|passwd|passphrase|token|credential|private_key|api_key|access_key|"
    r"account_key|sas|connection_string)",
    re.IGNORECASE,
)


def is_secret_option(name: str, extra: Collection[str] = ()) -> bool:
    """True if the option ``name`` holds a secret, by its name or by the backend's declaration."""
    return name in extra or bool(_SECRET_NAME.search(name))


def masked_options(options: Mapping[str, Any], extra: Collection[str] = ()) -> dict[str, Any]:
    """A copy of ``options`` with every secret value replaced by ``"***"``."""
    return {
        key: (MASK if is_secret_option(key, extra) and value is not None else value)
        for key, value in options.items()
    }
