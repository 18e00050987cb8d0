"""Glob patterns: ``*``, ``?`` and ``[...]`` within a segment, ``**`` across segments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._errors import InvalidPath
from ._path import canonical_path

__all__ = ["GlobPattern", "compile_glob"]

_WILDCARDS = frozenset("*?[")


@dataclass(frozen=True)
class GlobPattern:
    """A checked glob pattern: the folder to list, how deep, and the test each listed path must pass.

    Attributes:
        pattern: the pattern as given.
        prefix: the literal folder the pattern lies in (its leading segments without wildcards,
            the last segment excepted); only that folder is listed.
        recursive: whether matches can lie deeper than directly in ``prefix``.
    """

    pattern: str
    prefix: str
    recursive: bool
    _regex: re.Pattern[str]

    def matches(self, path: str) -> bool:
        """True if the store-relative ``path`` matches the whole pattern."""
        return self._regex.fullmatch(path) is not None


def compile_glob(pattern: str, *, operation: str = "glob") -> GlobPattern:
    """Check ``pattern`` and compile it.

    The pattern is a store-relative path whose segments may hold ``*`` (any run of characters
    but ``/``), ``?`` (one such character) and ``[...]`` (one character of a set; ``[!...]`` or
    ``[^...]`` negates it); a segment that is exactly ``**`` matches zero or more whole segments.
    Names starting with a dot are matched like any other.

    Raises:
        InvalidPath: naming the pattern, when it is not a ``str``, is empty, breaks a path rule
            (``..``, ``//``, a backslash, ...), has ``**`` inside a longer segment or a ``[``
            without its ``]``, or a character set that is no set (a range running backwards).
    """
    if not isinstance(pattern, str):
        raise InvalidPath(f"a glob pattern must be a str, not {type(pattern).__name__}", operation=operation)
    try:
        text = canonical_path(pattern)
    except InvalidPath as error:
        message = f"invalid glob pattern: {error.message}"
        raise InvalidPath(message, path=pattern, operation=operation) from None
    if not text:
        raise InvalidPath("a glob pattern must not be empty", path=pattern, operation=operation)
    segments = text.split("/")
    literal = 0
    while literal < len(segments) - 1 and not _WILDCARDS.intersection(segments[literal]):
        literal += 1
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append("(?:[^/]+/)*[^/]+" if last else "(?:[^/]+/)*")
            continue
        if "**" in segment:
            raise InvalidPath(
                "'**' must be a whole segment of a glob pattern", path=pattern, operation=operation
            )
        parts.append(_segment_regex(segment, pattern, operation) + ("" if last else "/"))
    try:
        regex = re.compile("".join(parts), re.DOTALL)
    except re.error as error:
        raise InvalidPath(f"invalid glob pattern: {error.msg}", path=pattern, operation=operation) from None
    return GlobPattern(
        pattern=pattern,
        prefix="/".join(segments[:literal]),
        recursive=len(segments) - literal > 1 or segments[-1] == "**",
        _regex=regex,
    )


def _segment_regex(segment: str, pattern: str, operation: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        index += 1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            # A ']' right after '[' (or after '[!') belongs to the set, as in fnmatch.
            start = index + 1 if segment[index : index + 1] in ("!", "^") else index
            close = segment.find("]", start + 1 if segment[start : start + 1] == "]" else start)
            if close < 0:
                raise InvalidPath("'[' without its ']' in glob pattern", path=pattern, operation=operation)
            body = segment[index:close]
            index = close + 1
            negate = body[:1] in ("!", "^")
            if negate:
                body = body[1:]
            escaped = body.replace("\\", "\\\\").replace("[", "\\[")
            if escaped.startswith("]"):
                escaped = "\\" + escaped
            out.append(f"[^/{escaped}]" if negate else f"[{escaped}]")
        else:
            out.append(re.escape(char))
    return "".join(out)
