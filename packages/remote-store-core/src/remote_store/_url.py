"""The arguments of ``Store.url``, checked once for every backend (specs/urls.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: datetime is not imported with the package (CONFIG-018)
    from datetime import timedelta

__all__ = ["URL_METHODS", "check_url_expiry", "check_url_limit", "check_url_method"]

URL_METHODS = ("GET", "PUT")
"""The HTTP methods a shareable URL can be made for."""


def check_url_method(method: object) -> str:
    """``method`` in upper case.

    Raises:
        ValueError: ``method`` is not ``"GET"`` or ``"PUT"`` (in any case), naming ``method``.
    """
    if isinstance(method, str) and method.upper() in URL_METHODS:
        return method.upper()
    raise ValueError(f"method: must be 'GET' or 'PUT', not {method!r}")


def check_url_expiry(expires_in: object) -> timedelta:
    """``expires_in`` in whole seconds (a fraction dropped).

    Raises:
        TypeError: ``expires_in`` is not a ``datetime.timedelta``, naming ``expires_in``.
        ValueError: ``expires_in`` is shorter than one second, naming ``expires_in``.
    """
    from datetime import timedelta  # here, not at module level: kept off the package's import (CONFIG-018)

    if not isinstance(expires_in, timedelta):
        raise TypeError(f"expires_in: must be a datetime.timedelta, not {type(expires_in).__name__}")
    seconds = int(expires_in.total_seconds())
    if seconds < 1:
        raise ValueError(f"expires_in: must be at least 1 second, not {expires_in}")
    return timedelta(seconds=seconds)


def check_url_limit(expires_in: timedelta, maximum: timedelta, storage: str) -> None:
    """Refuse an ``expires_in`` longer than ``storage`` allows (URL-004), before any request.

    Raises:
        ValueError: ``expires_in`` exceeds ``maximum``, naming ``expires_in`` and the limit.
    """
    if expires_in > maximum:
        raise ValueError(f"expires_in: {storage} allows at most {maximum}, not {expires_in}")
