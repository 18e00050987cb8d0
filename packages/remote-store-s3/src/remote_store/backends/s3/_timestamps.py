"""S3's timestamps read without dateutil: the two forms S3 sends, botocore's parser for the rest (S3-039).

botocore reads every timestamp with dateutil's general parser; on a HeadObject or GetObject that
is about a tenth of the client's CPU (``Last-Modified``). S3 sends two forms only: RFC 7231 dates
in headers (``Mon, 07 Dec 2026 06:55:02 GMT``) and ISO 8601 in XML (``2026-12-07T06:55:02.000Z``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

__all__ = ["parse_timestamp"]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
    )
}


def parse_timestamp(value: Any) -> datetime:
    """The aware ``datetime`` of ``value``, a timestamp as an S3 answer holds it (UTC for S3's forms).

    Raises:
        ValueError: ``value`` is a timestamp that botocore's own parser cannot read either.
    """
    if isinstance(value, str):
        moment = _http_date(value) if value.endswith(" GMT") else None
        if moment is None and value.endswith("Z"):
            try:
                moment = datetime.fromisoformat(value[:-1]).replace(tzinfo=timezone.utc)
            except ValueError:
                moment = None  # a form Python 3.10's fromisoformat does not read (7 fraction digits, ...)
        if moment is not None:
            return moment
    from botocore.utils import parse_timestamp as botocore_parse_timestamp

    try:
        parsed: datetime = botocore_parse_timestamp(value)
    except (ValueError, RuntimeError, OverflowError, OSError) as error:
        raise ValueError(f"not a timestamp: {value!r}") from error
    return parsed


def _http_date(value: str) -> datetime | None:
    """``Mon, 07 Dec 2026 06:55:02 GMT`` (RFC 7231's IMF-fixdate) in UTC, or ``None`` for another form."""
    parts = value.split(" ")
    if len(parts) != 6 or len(parts[1]) != 2 or len(parts[4]) != 8:
        return None
    month = _MONTHS.get(parts[2])
    clock = parts[4].split(":")
    if month is None or len(clock) != 3 or not all(part.isdigit() for part in (parts[1], parts[3], *clock)):
        return None
    try:
        return datetime(
            int(parts[3]),
            month,
            int(parts[1]),
            int(clock[0]),
            int(clock[1]),
            int(clock[2]),
            tzinfo=timezone.utc,
        )
    except ValueError:
        return None
