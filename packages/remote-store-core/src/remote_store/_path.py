"""``RemotePath``: the validated, immutable store-relative path."""

from __future__ import annotations

import re

from ._errors import InvalidPath

__all__ = ["PathLike", "RemotePath", "canonical_path", "entry_path", "is_segment"]

# Control characters are C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F): none has a portable
# meaning in an object key or a file name, and several (NUL, newline) break protocols and logs.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Lone surrogates (from surrogateescape decoding or bad input) have no UTF-8 encoding: no object
# store accepts them as a key and no file system as a name.
_SURROGATE = re.compile("[\ud800-\udfff]")
# A canonical path in one match: segments of allowed characters that are not "." or "..",
# joined by single slashes. Most paths a program passes are canonical; they skip the checks
# below, which exist to say precisely what is wrong with the others.
_SEGMENT = "(?!\\.\\.?(?:/|\\Z))[^/\\\\\x00-\x1f\x7f-\x9f\ud800-\udfff]+"
_CANONICAL = re.compile(f"{_SEGMENT}(?:/{_SEGMENT})*")
_ONE_SEGMENT = re.compile(_SEGMENT)
_CANONICAL_MATCH = _CANONICAL.fullmatch
_ONE_SEGMENT_MATCH = _ONE_SEGMENT.fullmatch


class RemotePath:
    """A validated path relative to a store's root, ``/``-separated.

    Invariants (specs/paths.md), checked when the object is built:

    - segments are separated by ``/``; the empty string is the root (``RemotePath("")``);
    - no leading ``/`` (PATH-002): paths are relative to the store, never absolute;
    - a single trailing ``/`` is accepted and dropped, so ``"a/b/"`` equals ``"a/b"`` (PATH-009);
    - no empty segment (``"a//b"``), no ``"."`` and no ``".."`` segment (PATH-003, PATH-004);
    - no backslash (PATH-005) and no control character, NUL included (PATH-006);
    - no lone surrogate: every path has a UTF-8 form (PATH-012);
    - the value is a ``str`` (PATH-001).

    A ``RemotePath`` is immutable, hashable and compares equal to another with the same text.
    ``str(path)`` is the canonical text, accepted as input by every ``Store`` method.

    Raises:
        InvalidPath: naming the path and the rule it breaks.
    """

    __slots__ = ("_text",)

    _text: str

    def __init__(self, path: PathLike = "") -> None:
        object.__setattr__(self, "_text", canonical_path(path))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("RemotePath is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("RemotePath is immutable")

    @classmethod
    def root(cls) -> RemotePath:
        """The root of the store: the empty path."""
        return cls("")

    @property
    def is_root(self) -> bool:
        """True for the empty path, the store's root."""
        return self._text == ""

    @property
    def parts(self) -> tuple[str, ...]:
        """The segments, root first; ``()`` for the root."""
        return tuple(self._text.split("/")) if self._text else ()

    @property
    def name(self) -> str:
        """The last segment; ``""`` for the root."""
        return self._text.rsplit("/", 1)[-1]

    @property
    def parent(self) -> RemotePath:
        """The folder holding this path; the root is its own parent."""
        head, _, _ = self._text.rpartition("/")
        return _trusted(head)

    @property
    def suffix(self) -> str:
        """The extension of the last segment, dot included (``".txt"``), or ``""``."""
        name = self.name
        dot = name.rfind(".")
        return name[dot:] if 0 < dot < len(name) - 1 else ""

    def joinpath(self, *others: PathLike) -> RemotePath:
        """This path with ``others`` appended; each is validated as a relative path.

        Raises:
            InvalidPath: if any part breaks a rule.
        """
        result = self
        for other in others:
            tail = RemotePath(other)
            if tail.is_root:
                continue
            result = tail if result.is_root else _trusted(f"{result._text}/{tail._text}")
        return result

    def __truediv__(self, other: PathLike) -> RemotePath:
        return self.joinpath(other)

    def is_relative_to(self, other: PathLike) -> bool:
        """True when this path is ``other`` or lies below it (segment-wise, not string-prefix)."""
        base = RemotePath(other)
        if base.is_root:
            return True
        return self._text == base._text or self._text.startswith(base._text + "/")

    def relative_to(self, other: PathLike) -> RemotePath:
        """This path with the leading ``other`` removed.

        Raises:
            InvalidPath: if this path does not lie at or below ``other``.
        """
        base = RemotePath(other)
        if not self.is_relative_to(base):
            raise InvalidPath(f"path is not below {base._text!r}", path=self._text)
        if base.is_root:
            return self
        return _trusted(self._text[len(base._text) + 1 :])

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"RemotePath({self._text!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RemotePath):
            return self._text == other._text
        return NotImplemented

    def __lt__(self, other: RemotePath) -> bool:
        if not isinstance(other, RemotePath):
            return NotImplemented
        return self.parts < other.parts

    def __hash__(self) -> int:
        return hash(("RemotePath", self._text))

    def __reduce__(self) -> tuple[type[RemotePath], tuple[str]]:
        return (RemotePath, (self._text,))


PathLike = str | RemotePath
"""What every ``Store`` method accepts as a path: a ``str`` or a ``RemotePath``."""


# The slot of RemotePath's text, set directly on paths built from text known to be canonical
# (RemotePath.__setattr__ refuses every assignment).
_TEXT = RemotePath.__dict__["_text"]
_new_path = object.__new__


def _trusted(text: str) -> RemotePath:
    """Build a RemotePath from text already known to be canonical."""
    path = _new_path(RemotePath)
    _TEXT.__set__(path, text)
    return path


def canonical_path(path: object) -> str:
    """The canonical text of ``path`` (a ``str`` or ``RemotePath``), as ``str(RemotePath(path))``.

    For backends that validate the paths they are given (a direct call bypasses the ``Store``)
    without building a ``RemotePath``: canonical text, the common case, costs one regular
    expression match.

    Raises:
        InvalidPath: ``path`` breaks one of the rules of ``RemotePath`` (specs/paths.md).
    """
    if type(path) is str:
        # Most paths a program passes are canonical: one regular expression match, no more calls.
        return path if _CANONICAL_MATCH(path) is not None else _check(path)
    if isinstance(path, RemotePath):
        return path._text
    return _check(path)


def is_segment(name: object) -> bool:
    """True if ``name`` can be one segment of a ``RemotePath`` (BACKEND-025).

    The check ``entry_path`` makes, for a backend that builds the path later (with
    ``listed_file``): one regular expression match. ``False`` for a non-``str``, an empty name,
    ``.``, ``..``, or one holding ``/``, a backslash, a control character or a lone surrogate.
    """
    return type(name) is str and _ONE_SEGMENT_MATCH(name) is not None


def entry_path(folder: str, name: str) -> RemotePath | None:
    """The ``RemotePath`` of the entry ``name`` listed in the folder ``folder``, or ``None``.

    For backends building many paths from a listing (BACKEND-024): ``folder`` is canonical text
    the backend already holds (``""`` for the root) and is not checked again; ``name`` is checked
    as one segment in one regular expression match. ``None`` means ``name`` cannot be a segment
    of a ``RemotePath`` (empty, ``.``, ``..``, or holding ``/``, a backslash, a control
    character or a lone surrogate): listings skip such entries.
    """
    if type(name) is not str or _ONE_SEGMENT_MATCH(name) is None:
        return None
    path = _new_path(RemotePath)
    _TEXT.__set__(path, f"{folder}/{name}" if folder else name)
    return path


def _check(path: object) -> str:
    """The canonical text of ``path``, or ``InvalidPath`` saying which rule it breaks."""
    if not isinstance(path, str):
        raise InvalidPath(f"a path must be a str or RemotePath, not {type(path).__name__}", path=repr(path))
    if path.startswith("/"):
        raise InvalidPath("a path must be relative to the store, not start with '/'", path=path)
    if "\\" in path:
        raise InvalidPath("a path must not contain a backslash; use '/'", path=path)
    bad = _CONTROL.search(path)
    if bad is not None:
        raise InvalidPath(f"a path must not contain control character {bad.group()!r}", path=path)
    lone = _SURROGATE.search(path)
    if lone is not None:
        raise InvalidPath(
            f"a path must be valid Unicode; lone surrogate {lone.group()!r} has no UTF-8 form",
            path=repr(path),
        )
    text = path[:-1] if path.endswith("/") else path
    if not text:
        return ""
    for segment in text.split("/"):
        if segment == "":
            raise InvalidPath("a path must not contain an empty segment ('//')", path=path)
        if segment == "..":
            raise InvalidPath("a path must not contain a '..' segment", path=path)
        if segment == ".":
            raise InvalidPath("a path must not contain a '.' segment", path=path)
    return text
